/** Where a rule's documentation (docs/rules/<id>.md) is published; used for SARIF helpUri and editor links. */
export function ruleDocsUrl(ruleId: string): string {
  return `https://github.com/planlens/planlens/blob/main/docs/rules/${encodeURIComponent(ruleId)}.md`;
}
