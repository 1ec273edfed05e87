import type { ConnectionFact, FileFacts, PragmaSetting } from '../types';
import type { WorkspaceReport, WorkspaceRule, WorkspaceRuleContext } from './rule';
import { addPragmaFix, replaceSettingFix } from '../fixes/pragmaFix';

const ROLLBACK_JOURNALS = new Set(['DELETE', 'TRUNCATE', 'PERSIST']);
const FULL_SYNC = new Set(['FULL', '2', 'EXTRA', '3']);
/** What a fix sets busy_timeout to, in milliseconds. */
const BUSY_TIMEOUT_MS = '5000';

/** Connection setup that makes concurrent access slow or fail: rollback journals, FULL sync in WAL, no busy timeout. */
export const pragmaConfigRule: WorkspaceRule = {
  meta: {
    id: 'pragma-config',
    defaultSeverity: 'warning',
    summary:
      'A SQLite connection is set up for slow or failing concurrent access (rollback journal, synchronous=FULL with WAL, no busy timeout); a connection with no settings at all gets an info hint.',
    fixable: true,
  },
  checkWorkspace(context) {
    const reports: WorkspaceReport[] = [];
    for (const [file, facts] of context.facts) {
      if (context.onlyFiles && !context.onlyFiles.has(file)) continue;
      for (const connection of facts.workload?.connections ?? []) {
        if (!connection.inMemory) reports.push(...checkConnection(context, file, facts, connection));
      }
    }
    return reports;
  },
};

/** Why this connection sees concurrent access: the driver, threads in its module, a connection per call. */
function concurrencyOf(context: WorkspaceRuleContext, facts: FileFacts, connection: ConnectionFact): string[] {
  const reasons = [...connection.concurrency];
  if (facts.workload?.usesThreads) reasons.push('threads in the same module');
  const opener = connection.function?.split(/::|\./).pop();
  if (opener) {
    const callers = context.workload().callerCount(opener);
    if (callers >= 2) reasons.push(`a new connection on every call of ${opener}(), from ${callers} functions`);
  }
  return reasons;
}

function latest(settings: PragmaSetting[], name: string): PragmaSetting | undefined {
  return settings.filter((setting) => setting.name === name).pop();
}

function checkConnection(context: WorkspaceRuleContext, file: string, facts: FileFacts, connection: ConnectionFact): WorkspaceReport[] {
  const reports: WorkspaceReport[] = [];
  const concurrency = concurrencyOf(context, facts, connection);
  const shared = concurrency.length > 0 ? ` (${concurrency.join('; ')})` : '';
  const text = context.readText(file);
  const scope = facts.workload?.functions.find((fn) => fn.qualifiedName === connection.function)?.range ?? { start: 0, end: text?.length ?? 0 };

  if (connection.settings.length === 0) {
    const fix = text === undefined ? undefined : addPragmaFix(file, text, facts.language, connection, 'journal_mode=WAL', scope);
    reports.push({
      file,
      range: connection.range,
      severity: 'info',
      message:
        `This ${connection.driver} connection keeps SQLite's defaults: a rollback journal (journal_mode=DELETE) in which a writer ` +
        `blocks every reader${shared}. PRAGMA journal_mode=WAL lets readers work while one writer writes, and with ` +
        `synchronous=NORMAL makes each commit cheaper.`,
      fix,
    });
    return reports;
  }

  const journal = latest(connection.settings, 'journal_mode');
  if (journal && ROLLBACK_JOURNALS.has(journal.value) && concurrency.length > 0) {
    reports.push({
      file,
      range: journal.range,
      message:
        `journal_mode=${journal.value} with concurrent access${shared}: a writer locks out every reader and readers hold off ` +
        `the writer. journal_mode=WAL lets readers and one writer work at the same time.`,
      fix: replaceSettingFix(file, journal, facts.language, 'WAL', 'Set journal_mode=WAL'),
    });
  }
  const sync = latest(connection.settings, 'synchronous');
  if (sync && FULL_SYNC.has(sync.value) && journal?.value === 'WAL') {
    reports.push({
      file,
      range: sync.range,
      message:
        `synchronous=${sync.value} with journal_mode=WAL syncs the log on every commit. NORMAL is enough in WAL mode: ` +
        `the database cannot be corrupted, only the last commits can be lost on power failure.`,
      fix: replaceSettingFix(file, sync, facts.language, 'NORMAL', 'Set synchronous=NORMAL'),
    });
  }
  const busy = latest(connection.settings, 'busy_timeout');
  const busyMs = busy?.value ?? (connection.defaultBusyTimeoutMs === undefined ? undefined : String(connection.defaultBusyTimeoutMs));
  if ((busyMs === undefined || Number(busyMs) === 0) && concurrency.length > 0) {
    const fix =
      busy !== undefined
        ? replaceSettingFix(file, busy, facts.language, BUSY_TIMEOUT_MS, `Wait up to ${BUSY_TIMEOUT_MS} ms for locks (busy_timeout)`)
        : text === undefined
          ? undefined
          : addPragmaFix(file, text, facts.language, connection, `busy_timeout=${BUSY_TIMEOUT_MS}`, scope);
    reports.push({
      file,
      range: busy?.range ?? connection.range,
      message:
        `${busy?.source === 'argument' ? 'The connect timeout is 0' : busy ? 'busy_timeout is 0' : 'busy_timeout is not set'} ` +
        `on a database with concurrent access${shared}: when another connection ` +
        `holds the lock, a query fails at once with "database is locked" instead of waiting for it.`,
      fix,
    });
  }
  return reports;
}
