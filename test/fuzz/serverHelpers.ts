// Shared by the fuzz suites: waiting for the first full publish, crash lines in the server log, peak memory.
import * as fs from 'node:fs';
import type { TestClient } from '../helpers/lspClient';

/** Resolves once the server reports idle after its first analysis. */
export function waitForIdle(client: TestClient, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const poll = () => {
      if (client.statuses.some((status) => status.state === 'idle')) resolve();
      else if (Date.now() > deadline) reject(new Error(`no idle status within ${timeoutMs} ms\n${client.logs.join('\n')}`));
      else setTimeout(poll, 5);
    };
    poll();
  });
}

/** Log lines from the server's last-resort handlers (uncaught exceptions, unhandled rejections). */
export function crashLines(client: TestClient): string[] {
  return client.logs.filter((line) => /uncaught|unhandled/i.test(line));
}

/** The server's peak resident memory so far, in MB (Linux only). */
export function peakRssMegabytes(client: TestClient): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${client.process.pid}/status`, 'utf8');
    const kilobytes = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kilobytes === undefined ? undefined : Math.round(Number(kilobytes) / 1024);
  } catch {
    return undefined;
  }
}

/** The LSP position just after `text` (UTF-16 columns). */
export function positionAfter(text: string): { line: number; character: number } {
  const lastNewline = text.lastIndexOf('\n');
  let line = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) line++;
  return { line, character: text.length - (lastNewline + 1) };
}
