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

/** Chain tops: calls (and attribute/subscript continuations) that are not themselves part of a longer chain. */
export function chainTops(root: Node): Node[] {
  const tops = new Map<string, Node>();
  for (const call of root.descendantsOfType('call')) {
    let current: Node = call;
    for (;;) {
      const parent = current.parent;
      if (!parent) break;
      const continues =
        (parent.type === 'attribute' && parent.childForFieldName('object')?.startIndex === current.startIndex && parent.childForFieldName('object')?.endIndex === current.endIndex) ||
        (parent.type === 'call' && parent.childForFieldName('function')?.endIndex === current.endIndex && parent.childForFieldName('function')?.startIndex === current.startIndex) ||
        (parent.type === 'subscript' && parent.childForFieldName('value')?.endIndex === current.endIndex && parent.childForFieldName('value')?.startIndex === current.startIndex);
      if (!continues) break;
      current = parent;
    }
    tops.set(`${current.startIndex}:${current.endIndex}`, current);
  }
  return [...tops.values()];
}
