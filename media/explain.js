// @ts-check
// The Explain Query Plan webview. The extension posts { type: 'show', view: { result, origin, notice } };
// this draws the SQL, the findings and the plan trees (before and after the suggested index), and sends back
// 'applyFix' / 'copySql' when the buttons are pressed and 'rendered' once a plan is on screen.
(function () {
  // @ts-ignore acquireVsCodeApi is injected by VS Code into webviews.
  const vscode = acquireVsCodeApi();
  // @ts-ignore media/planTree.js, loaded first.
  const { buildTree, classify, dedent } = window.planLensPlanTree;
  const root = /** @type {HTMLElement} */ (document.getElementById('root'));

  /** How each kind of plan step is marked. */
  const KINDS = {
    scan: { badge: 'full scan', title: 'Reads every row of the table' },
    sort: { badge: 'temp B-tree', title: 'Sorts or groups rows in a temporary B-tree' },
    auto: { badge: 'automatic index', title: 'SQLite builds a throwaway index for this query at run time' },
    search: { badge: 'index', title: 'Seeks rows through an index' },
    other: { badge: '', title: '' },
  };

  window.addEventListener('message', (event) => {
    const message = event.data;
    if (message && message.type === 'show') {
      vscode.setState(message.view);
      render(message.view);
      window.scrollTo(0, 0);
    }
  });
  const saved = vscode.getState();
  if (saved) render(saved);
  vscode.postMessage({ type: 'ready' });

  /** @param {{ result: any, origin: string, notice?: string }} view */
  function render(view) {
    const result = view.result || {};
    const page = el('div', 'page');

    const header = el('header', 'header');
    header.append(el('h1', '', 'Query plan'), el('span', 'origin', view.origin || ''));
    page.append(header);
    if (view.notice) page.append(el('p', 'notice', view.notice));
    if (result.error) page.append(el('p', 'error', result.error));

    const actions = el('div', 'actions');
    if (result.fix) {
      const apply = /** @type {HTMLButtonElement} */ (el('button', 'primary', 'Apply fix'));
      apply.title = String(result.fix.title);
      apply.addEventListener('click', () => {
        apply.disabled = true;
        vscode.postMessage({ type: 'applyFix' });
      });
      actions.append(apply);
    }
    if (result.sql) {
      const copy = el('button', 'secondary', 'Copy SQL');
      copy.addEventListener('click', () => vscode.postMessage({ type: 'copySql' }));
      actions.append(copy);
    }
    if (result.fix) actions.append(el('span', 'fix-title', String(result.fix.title)));
    if (actions.childElementCount > 0) page.append(actions);

    if (result.sql) {
      const sqlSection = section('SQL as SQLite saw it');
      const pre = el('pre', 'sql');
      pre.append(el('code', '', dedent(result.sql)));
      sqlSection.append(pre);
      page.append(sqlSection);
    }

    let planNodes = 0;
    const before = Array.isArray(result.planBefore) ? result.planBefore : [];
    const after = Array.isArray(result.planAfter) ? result.planAfter : undefined;
    if (before.length > 0 || after) {
      const plans = el('div', after ? 'plans side-by-side' : 'plans');
      const beforeColumn = planColumn('Plan now', before);
      planNodes += beforeColumn.nodes;
      plans.append(beforeColumn.element);
      if (after) {
        const afterColumn = planColumn('With the suggested index', after);
        if (result.suggestion) {
          const ddl = el('pre', 'ddl');
          ddl.append(el('code', '', String(result.suggestion.ddl)));
          afterColumn.element.insertBefore(ddl, afterColumn.element.children[1] || null);
        }
        planNodes += afterColumn.nodes;
        plans.append(afterColumn.element);
      }
      page.append(plans);
    } else if (!result.error) {
      page.append(el('p', 'placeholder', 'SQLite returned no plan for this statement.'));
    }

    const findings = Array.isArray(result.findings) ? result.findings : [];
    if (findings.length > 0) {
      const list = el('ul', 'findings');
      for (const finding of findings) {
        const item = el('li', `finding severity-${String(finding.severity)}`);
        item.append(el('span', 'severity', String(finding.severity)), el('span', 'message', String(finding.message)));
        item.append(el('code', 'rule', String(finding.ruleId)));
        list.append(item);
      }
      const findingsSection = section(findings.length === 1 ? 'Finding' : `Findings (${findings.length})`);
      findingsSection.append(list);
      page.append(findingsSection);
    }
    if (planNodes > 0) page.append(legend());

    root.replaceChildren(page);
    vscode.postMessage({ type: 'rendered', planNodes });
  }

  /** @param {string} title @param {string[]} lines */
  function planColumn(title, lines) {
    const column = el('section', 'plan');
    column.append(el('h2', '', title));
    const tree = buildTree(lines);
    const list = el('ul', 'tree');
    let nodes = 0;
    /** @param {Array<{ detail: string, children: any[] }>} children @param {HTMLElement} parent */
    const draw = (children, parent) => {
      for (const node of children) {
        nodes++;
        const kind = classify(node.detail);
        const item = el('li', `node kind-${kind}`);
        const row = el('div', 'row');
        const [operation, ...rest] = node.detail.split(' ');
        row.append(el('span', 'op', operation), el('span', 'detail', rest.length ? ` ${rest.join(' ')}` : ''));
        if (KINDS[kind].badge) {
          const badge = el('span', `badge badge-${kind}`, KINDS[kind].badge);
          badge.title = KINDS[kind].title;
          row.append(badge);
        }
        if (/COVERING INDEX/.test(node.detail) && kind === 'search') row.append(el('span', 'badge badge-covering', 'covering'));
        item.append(row);
        if (node.children.length > 0) {
          const sub = el('ul', 'tree');
          draw(node.children, sub);
          item.append(sub);
        }
        parent.append(item);
      }
    };
    draw(tree, list);
    column.append(nodes > 0 ? list : el('p', 'placeholder', 'No plan.'));
    return { element: column, nodes };
  }

  function legend() {
    const box = el('div', 'legend');
    for (const kind of /** @type {const} */ (['scan', 'sort', 'auto', 'search'])) {
      const entry = el('span', 'legend-entry');
      entry.append(el('span', `badge badge-${kind}`, KINDS[kind].badge), document.createTextNode(KINDS[kind].title));
      box.append(entry);
    }
    return box;
  }

  /** @param {string} title */
  function section(title) {
    const box = el('section', 'block');
    box.append(el('h2', '', title));
    return box;
  }

  /** Text goes in as text, never as HTML. @param {string} tag @param {string} className @param {string} [text] */
  function el(tag, className, text) {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined) element.textContent = text;
    return element;
  }
})();
