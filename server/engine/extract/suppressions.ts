import type { Suppression } from '../types';

// `planlens: ignore` with an optional bracketed rule list, at the start of the comment body or after
// another directive in the same comment (`# type: ignore  # planlens: ignore[temp-sort]`).
const DIRECTIVE = /^planlens:\s*ignore(?:\[([^\]]*)\])?(?![\w-])/;

/**
 * Reads one host-language comment (`# planlens: ignore[rule-a, rule-b] reason` in Python,
 * `// planlens: ignore[...]` in TypeScript or Rust). `commentPrefix` is the language's line-comment
 * marker. Returns undefined when the comment is not a suppression; `rules` is empty for "every rule".
 */
export function parseSuppression(commentText: string, line: number, commentPrefix: string): Suppression | undefined {
  let searchFrom = 0;
  for (;;) {
    const prefixAt = commentText.indexOf(commentPrefix, searchFrom);
    if (prefixAt === -1) return undefined;
    const body = commentText.slice(prefixAt + commentPrefix.length).trimStart();
    const match = DIRECTIVE.exec(body);
    if (match) {
      const rules = (match[1] ?? '')
        .split(',')
        .map((rule) => rule.trim())
        .filter((rule) => rule.length > 0);
      return { line, rules };
    }
    searchFrom = prefixAt + commentPrefix.length;
  }
}

/** Every suppression among comments given with their 0-based line. */
export function collectSuppressions(
  comments: Iterable<{ text: string; line: number }>,
  commentPrefix: string,
): Suppression[] {
  const suppressions: Suppression[] = [];
  for (const comment of comments) {
    const suppression = parseSuppression(comment.text, comment.line, commentPrefix);
    if (suppression) suppressions.push(suppression);
  }
  return suppressions;
}
