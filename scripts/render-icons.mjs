// Renders the web app's PNG icons from their SVG sources with Debian's Chromium (run by hand when
// the SVGs change; the PNGs are committed): node scripts/render-icons.mjs
import fs from 'node:fs';
import { chromium } from 'playwright-core';

const dir = new URL('../web/public/icons/', import.meta.url);
const jobs = [
  ['icon.svg', 'icon-192.png', 192],
  ['icon.svg', 'icon-512.png', 512],
  ['maskable.svg', 'maskable-512.png', 512],
];
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage();
for (const [source, target, size] of jobs) {
  const svg = fs.readFileSync(new URL(source, dir), 'utf8');
  await page.setViewportSize({ width: size, height: size });
  await page.setContent(`<html><body style="margin:0;background:transparent"><img style="width:${size}px;height:${size}px;display:block" src="data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}"></body></html>`);
  await page.screenshot({ path: new URL(target, dir).pathname, omitBackground: true });
}
await browser.close();
