// Draws media/icon.png (128×128, the extension's Marketplace/Extensions icon) from an inline SVG with headless
// Chromium, so the icon can be regenerated without an image editor: node --import tsx scripts/draw-icon.ts
import * as path from 'node:path';
import { chromium } from 'playwright-core';

// A query plan tree (root, a seek and a scan) on a rounded tile, with a lens over the scanned node.
const svg = `
<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128">
  <defs>
    <linearGradient id="tile" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="#1f6feb"/><stop offset="1" stop-color="#0b3d91"/>
    </linearGradient>
  </defs>
  <rect x="4" y="4" width="120" height="120" rx="24" fill="url(#tile)"/>
  <g stroke="#dbe9ff" stroke-width="6" fill="none" stroke-linecap="round">
    <path d="M34 30 V86 M34 56 H58 M34 86 H58"/>
  </g>
  <rect x="22" y="20" width="24" height="20" rx="5" fill="#ffffff"/>
  <rect x="58" y="46" width="40" height="20" rx="5" fill="#7ee2a8"/>
  <rect x="58" y="76" width="32" height="20" rx="5" fill="#ffb454"/>
  <circle cx="86" cy="88" r="17" stroke="#ffffff" stroke-width="7" fill="none"/>
  <path d="M98 100 L112 114" stroke="#ffffff" stroke-width="9" stroke-linecap="round"/>
</svg>`;

async function main(): Promise<void> {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 128, height: 128 } });
    await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
    const target = path.resolve(__dirname, '..', 'media', 'icon.png');
    await page.locator('svg').screenshot({ path: target, omitBackground: true });
    console.log(`wrote ${target}`);
  } finally {
    await browser.close();
  }
}

void main();
