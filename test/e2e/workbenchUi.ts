// The product as a user gets it: the packaged .vsix installed into code-server's full UI, driven through the
// keyboard in headless Chromium. Checks the squiggle, the Problems panel, the status bar, the Explain Query Plan
// view and its "Apply fix" button, and takes the README screenshot on the way.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { copyFixture, delay, freePort, launchChromium, scratchEnv, startCodeServer, waitForHttp } from './editorHost';

const STEP_TIMEOUT_MS = 30_000;

export interface UiOptions {
  vsix: string;
  /** Where to save the screenshot (squiggle, Problems panel and plan view). */
  screenshot?: string;
  theme?: 'Default Dark Modern' | 'Default Light Modern';
}

/** Runs the checks, reporting each one through `log`; rejects at the first failure. */
export async function runWorkbenchUi(options: UiOptions, log: (line: string) => void): Promise<void> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'planlens-e2e-ui-'));
  const workspace = copyFixture('seed000', stateDir);
  writeUserSettings(stateDir, options.theme ?? 'Default Dark Modern');
  const port = await freePort();
  const server = await startCodeServer(stateDir, port, scratchEnv(stateDir), options.vsix);
  const browser = await launchChromium();
  let failed = false;
  try {
    const origin = `http://127.0.0.1:${port}`;
    await waitForHttp(`${origin}/healthz`, 60_000, server);
    const context = await browser.newContext({ viewport: { width: 1680, height: 1050 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    await page.goto(`${origin}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench .part.statusbar').waitFor();

    await runCommandByKeys(page, 'Control+P', 'database.py');
    await page.locator('.monaco-editor .squiggly-warning').first().waitFor();
    log('the .vsix installed; the squiggle is drawn under the count_children query');
    await page.locator('.statusbar-item', { hasText: /PlanLens: [1-9]/ }).waitFor();
    log('the status bar shows the finding count');

    await page.keyboard.press('Control+B'); // the side bar off: room for the editor and the plan view
    await page.keyboard.press('Control+Shift+M');
    await page.locator('.markers-panel', { hasText: 'idx_sessions_parent_session_archived' }).waitFor();
    log('the Problems panel lists the incomplete-index finding');
    await runCommandByKeys(page, 'Control+P', ':40'); // the cursor on the query

    await runCommandByKeys(page, 'F1', 'PlanLens: Explain Query Plan');
    const webview = await findWebviewFrame(page, (frame) => frame.locator('.tree .node').count().then((n) => n === 2));
    await webview.locator('button.primary', { hasText: 'Apply fix' }).waitFor();
    log('Explain Query Plan draws the plan before and after the index, with "Apply fix"');
    await delay(500); // let the editor settle its hover/cursor rendering before the picture
    if (options.screenshot) {
      await page.screenshot({ path: options.screenshot });
      log(`screenshot saved to ${options.screenshot}`);
    }

    await webview.locator('button.secondary', { hasText: 'Copy SQL' }).click();
    await page.locator('.statusbar-item', { hasText: 'PlanLens: SQL copied' }).waitFor();
    const copied = String(await page.evaluate('navigator.clipboard.readText()'));
    if (!/SELECT COUNT\(\*\) FROM sessions\s+WHERE parent_session_id = \? AND archived = 0/.test(copied)) {
      throw new Error(`Copy SQL put ${JSON.stringify(copied)} on the clipboard`);
    }
    log('"Copy SQL" puts the query on the clipboard');

    await webview.locator('button.primary', { hasText: 'Apply fix' }).click();
    await webview.locator('.notice', { hasText: 'Applied: Add index idx_sessions_parent_session_archived' }).waitFor();
    // One plan left (nothing more to suggest), and it uses the new index.
    await webview.locator('.plan').first().filter({ hasText: 'COVERING INDEX idx_sessions_parent_session_archived' }).waitFor();
    if ((await webview.locator('.plan').count()) !== 1) throw new Error('the plan view still suggests an index after the fix');
    await page.locator('.monaco-editor .squiggly-warning').first().waitFor({ state: 'detached' });
    // The extended index makes the old one a prefix of it: redundant-index (info) takes the warning's place.
    await page.locator('.markers-panel', { hasText: 'redundant-index' }).waitFor();
    if (await page.locator('.markers-panel', { hasText: 'incomplete-index' }).count()) {
      throw new Error('the Problems panel still lists incomplete-index after the fix');
    }
    log('"Apply fix" adds the index: the plan uses it, the warning is gone, redundant-index (info) appears');
  } catch (error) {
    failed = true;
    const page = browser.contexts()[0]?.pages()[0];
    await page?.screenshot({ path: path.join(stateDir, 'failure.png') }).catch(() => undefined);
    throw error;
  } finally {
    await browser.close();
    await server.stop();
    if (failed && process.env.PLANLENS_E2E_KEEP) log(`state kept in ${stateDir}`);
    else fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

/** Opens a quick input with `keys`, types `text` and accepts the first item. */
async function runCommandByKeys(page: Page, keys: string, text: string): Promise<void> {
  await page.keyboard.press(keys);
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(keys === 'F1' ? `>${text}` : text);
  await page.locator('.quick-input-list .monaco-list-row').first().waitFor();
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden' });
}

/** Webviews live in nested iframes; returns the first frame for which `ready` holds. */
async function findWebviewFrame(page: Page, ready: (frame: Frame) => Promise<boolean>): Promise<Frame> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame()) continue;
      if (await ready(frame).catch(() => false)) return frame;
    }
    await delay(200);
  }
  throw new Error('the Query Plan webview did not draw the plan');
}

function writeUserSettings(stateDir: string, theme: string): void {
  const settings = {
    'workbench.colorTheme': theme,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'chat.disableAIFeatures': true,
    'editor.minimap.enabled': false,
    'editor.cursorSurroundingLines': 8,
    'editor.stickyScroll.enabled': false,
    'security.workspace.trust.enabled': false,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'telemetry.telemetryLevel': 'off',
  };
  const dir = path.join(stateDir, 'user', 'User');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'settings.json'), JSON.stringify(settings, null, 2));
}
