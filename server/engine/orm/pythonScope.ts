import type { Node } from 'web-tree-sitter';

/**
 * Qualified name of the def around a node, spelled like the Python extractor's `enclosingFunction`
 * (`Class.method`, `outer.inner`); undefined outside functions.
 */
export function enclosingFunctionOf(node: Node): string | undefined {
  const names: string[] = [];
  let insideFunction = false;
  for (let current = node.parent; current; current = current.parent) {
    if (current.type === 'function_definition') insideFunction = true;
    if (current.type === 'function_definition' || current.type === 'class_definition') {
      names.push(current.childForFieldName('name')?.text ?? '');
    }
  }
  return insideFunction ? names.reverse().join('.') : undefined;
}
