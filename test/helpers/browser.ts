import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';

/** Debian's Chromium; Playwright never downloads a browser here. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether the first <img> in `scope` shows a decoded picture from an object URL (a preview the page fetched). */
export function decodedBlobImage(scope: Locator): Promise<boolean> {
  return scope
    .locator('img')
    .first()
    .evaluate((img: { src: string; complete: boolean; naturalWidth: number }) => img.src.startsWith('blob:') && img.complete && img.naturalWidth > 0)
    .catch(() => false);
}

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 360, height: 740 };

/** Flags that keep a headless Chromium from reaching out to Google's services on a closed network. */
const QUIET_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: QUIET_FLAGS });
}

export async function newContext(browser: Browser, baseURL: string, viewport = DESKTOP): Promise<BrowserContext> {
  return browser.newContext({
    baseURL,
    viewport,
    // axe-core is injected as an inline script, which the app's CSP (rightly) forbids.
    bypassCSP: true,
    colorScheme: 'light',
    reducedMotion: 'reduce',
    acceptDownloads: true,
  });
}

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/** Runs axe-core inside the page; returns its serious and critical WCAG 2.1 A/AA violations. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  // A string, because this project's Node types know no DOM; it runs in the page.
  const violations = (await page.evaluate(`(async () => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  })()`)) as AxeViolation[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Screenshots and accessibility checks of the main screens, saved in one folder the test prints. */
export class ScreenRecorder {
  readonly dir: string;
  readonly shots: string[] = [];

  constructor(dir: string) {
    this.dir = dir;
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
  }

  /** Checks the screen with axe in both themes, and saves it at desktop and phone width. */
  async capture(page: Page, name: string): Promise<void> {
    await page.waitForLoadState('networkidle').catch(() => undefined);
    // Messages about the step before (toasts) would cover the screen being recorded.
    const hideToasts = await page.addStyleTag({ content: '.toasts { visibility: hidden !important; }' });
    const original = page.viewportSize() ?? DESKTOP;
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const violations = await seriousViolations(page);
      expect(violations, `${name} (${scheme}): ${JSON.stringify(violations, null, 1)}`).toEqual([]);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
      await page.setViewportSize(size);
      await page.waitForTimeout(150);
      if (label === 'phone') {
        // Nothing may overflow sideways at 360 px.
        const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
        expect(overflow, `${name} overflows horizontally at ${size.width} px`).toBeLessThanOrEqual(1);
        const violations = await seriousViolations(page);
        expect(violations, `${name} (phone): ${JSON.stringify(violations, null, 1)}`).toEqual([]);
      }
      const file = path.join(this.dir, `${name}-${label}.png`);
      await page.screenshot({ path: file, fullPage: false });
      this.shots.push(file);
    }
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = path.join(this.dir, `${name}-desktop-dark.png`);
    await page.setViewportSize(DESKTOP);
    await page.screenshot({ path: dark });
    this.shots.push(dark);
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize(original);
    await hideToasts.evaluate((style: unknown) => (style as { remove(): void }).remove());
  }
}
