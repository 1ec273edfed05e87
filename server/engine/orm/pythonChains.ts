// Method chains in Python source (`session.query(M).filter(...).first()`, `M.objects.filter(...)[:10]`):
// finding the outermost expression of each chain and reading it as a root plus steps.
import type { Node } from 'web-tree-sitter';

export interface ChainStep {
  method: string;
  /** The call node, or null for a plain attribute (`M.query`). */
  call: Node | null;
  /** The node this step ends at (for the chain's range). */
  node: Node;
  /** A bare function call (`select(...)`) rather than a method. */
  bare?: boolean;
}

/** `a.b(x).c(y)[:3]` → its root expression and the steps after it, in source order. */
export function unrollChain(top: Node): { root: Node; steps: ChainStep[] } {
  const steps: ChainStep[] = [];
  let node = top;
  for (;;) {
    if (node.type === 'call') {
      const callee = node.childForFieldName('function');
      if (callee?.type === 'attribute') {
        steps.push({ method: callee.childForFieldName('attribute')?.text ?? '', call: node, node });
        node = callee.childForFieldName('object') as Node;
        continue;
      }
      if (callee?.type === 'identifier') {
        steps.push({ method: callee.text, call: node, node, bare: true });
        steps.reverse();
        return { root: callee, steps };
      }
      break;
    }
    if (node.type === 'attribute') {
      steps.push({ method: node.childForFieldName('attribute')?.text ?? '', call: null, node });
      node = node.childForFieldName('object') as Node;
      continue;
    }
    if (node.type === 'subscript') {
      steps.push({ method: '[]', call: null, node });
      node = node.childForFieldName('value') as Node;
      continue;
    }
    break;
  }
  steps.reverse();
  return { root: node, steps };
}

/**
 * The outermost expression of every chain that contains one of `pattern`'s matches (e.g. `.query(`), found from the
 * match's position: visiting only these is much cheaper than walking every call of the file.
 */
export function chainTopsMatching(root: Node, text: string, pattern: RegExp): Node[] {
  const tops = new Map<string, Node>();
  for (const match of text.matchAll(pattern)) {
    const at = (match.index ?? 0) + match[0].search(/\w/);
    let current: Node | null = root.descendantForIndex(at);
    if (!current || current.type !== 'identifier') continue;
    // `session.query`: the name is the attribute of an attribute node; the chain continues from that node.
    if (current.parent?.type === 'attribute') current = current.parent;
    for (;;) {
      const parent: Node | null = current.parent;
      if (!parent || !continuesChain(parent, current)) break;
      current = parent;
    }
    tops.set(`${current.startIndex}:${current.endIndex}`, current);
  }
  return [...tops.values()];
}

function continuesChain(parent: Node, child: Node): boolean {
  const field = parent.type === 'attribute' ? 'object' : parent.type === 'call' ? 'function' : parent.type === 'subscript' ? 'value' : undefined;
  if (!field) return false;
  const slot = parent.childForFieldName(field);
  return slot !== null && slot.startIndex === child.startIndex && slot.endIndex === child.endIndex;
}
