// @ts-check
// Pure helpers of the Explain Query Plan webview: parse EXPLAIN QUERY PLAN tree lines, classify plan steps, and
// tidy SQL for display. Loaded by the webview before explain.js (as `window.planLensPlanTree`) and by the unit
// tests through require().
(function (root) {
  /** @typedef {{ detail: string, children: PlanNode[] }} PlanNode */

  /**
   * Plan lines are `|--DETAIL` / `` `--DETAIL ``, prefixed by `|  ` or `   ` per level of depth. Lines without a
   * connector (a bare detail) are roots.
   * @param {unknown[]} lines
   * @returns {PlanNode[]}
   */
  function buildTree(lines) {
    /** @type {PlanNode[]} */
    const roots = [];
    /** @type {PlanNode[]} */
    const stack = [];
    for (const line of lines) {
      const text = String(line);
      const match = /^([| `]*?)[|`]--(.*)$/.exec(text);
      const depth = match ? Math.floor(match[1].length / 3) : 0;
      const node = { detail: (match ? match[2] : text).trim(), children: [] };
      if (node.detail === '') continue;
      stack.length = Math.min(stack.length, depth);
      const parent = stack[stack.length - 1];
      (parent ? parent.children : roots).push(node);
      stack.push(node);
    }
    return roots;
  }

  /**
   * What a plan step does, for its badge: a full scan, a temp B-tree (sort, GROUP BY, DISTINCT), an automatic
   * index SQLite builds at run time, an index seek, or something else (co-routines, subqueries, bloom filters…).
   * @param {string} detail
   * @returns {'scan' | 'sort' | 'auto' | 'search' | 'other'}
   */
  function classify(detail) {
    if (/\bAUTOMATIC\b.*\bINDEX\b/.test(detail)) return 'auto';
    if (/^USE TEMP B-TREE\b/.test(detail)) return 'sort';
    if (/^SCAN\b/.test(detail) && !/^SCAN CONSTANT ROW\b/.test(detail)) return 'scan';
    if (/^SEARCH\b/.test(detail)) return 'search';
    return 'other';
  }

  /**
   * SQL from a host-language string keeps the code's indentation: drop the blank first and last lines and the
   * common indent (Copy SQL still copies the SQL exactly).
   * @param {string} sql
   */
  function dedent(sql) {
    const lines = sql.replace(/\r\n?/g, '\n').split('\n');
    while (lines.length > 1 && lines[0].trim() === '') lines.shift();
    while (lines.length > 1 && lines[lines.length - 1].trim() === '') lines.pop();
    const indents = lines.filter((line) => line.trim() !== '').map((line) => line.length - line.trimStart().length);
    if (indents.length === 0) return '';
    const common = Math.min(...indents);
    return lines.map((line) => line.slice(common)).join('\n');
  }

  const api = { buildTree, classify, dedent };
  if (typeof module === 'object' && module.exports) module.exports = api;
  else root.planLensPlanTree = api;
})(typeof window === 'undefined' ? globalThis : window);
