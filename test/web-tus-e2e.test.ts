import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type NodeBody } from './helpers/api.js';
import { CHROMIUM, launchChromium, newContext } from './helpers/browser.js';
import { pseudoRandom, sha256 } from './helpers/content.js';
import { startTestServer, usingPostgres, type TestServer } from './helpers/server.js';

/**
 * The web app's resumable uploads in Chromium: files from 32 MiB on go through tus, and an upload
 * cut off by a dropped network or by a page reload carries on from where the server stopped.
 */
const runsHere = process.env.COFFER_TEST_DATABASE_URL ? usingPostgres() : true;
const chromiumMissing = !fs.existsSync(CHROMIUM);
const skip = !runsHere || (chromiumMissing && process.env.COFFER_TEST_REQUIRE_CLIENTS !== '1');

const MiB = 1024 * 1024;
const PASSWORD = 'resumer-password-1';
/** tus-js-client's stored addresses of unfinished uploads of reloaded.bin (keys "tus::<fingerprint>::<n>"). */
const KEPT = 'Object.keys(localStorage).filter((k) => k.startsWith("tus::coffer-tus") && k.includes("|reloaded.bin|")).length';

describe.skipIf(skip)('resumable uploads in Chromium', () => {
  let server: TestServer;
  let api: Api;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let work: string;
  /** PATCH requests the page sent: the offset each started from. */
  const patches: number[] = [];

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-tus-e2e-'));
    server = await startTestServer();
    const admin = await Api.admin(server.url);
    ({ api } = await admin.createUser('resumer', PASSWORD, null));
    browser = await launchChromium();
    context = await newContext(browser, server.url);
    page = await context.newPage();
    page.on('pageerror', (err) => console.error('page error:', err));
    page.on('request', (req) => {
      if (req.method() === 'PATCH' && req.url().includes('/uploads/tus/')) patches.push(Number(req.headers()['upload-offset']));
    });
    cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    // About 8 MB/s up: slow enough to cut an upload in the middle, fast enough for a test.
    await throttle(false);
    await page.goto('/');
    await page.getByLabel('Username or email').fill('resumer');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/files');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  const throttle = (offline: boolean) =>
    cdp.send('Network.emulateNetworkConditions', { offline, latency: 0, downloadThroughput: -1, uploadThroughput: 8 * MiB });

  const makeFile = (name: string, size: number, seed: number) => {
    const data = pseudoRandom(size, seed);
    const file = path.join(work, name);
    fs.writeFileSync(file, data);
    return { file, data };
  };

  const pick = async (file: string) => {
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Upload files' }).click();
    await (await chooser).setFiles(file);
  };

  const progressOf = async (name: string) => Number((await page.getByRole('progressbar', { name: `Progress of ${name}` }).getAttribute('aria-valuenow').catch(() => null)) ?? 0);

  const stored = async (name: string) => {
    const res = await api.json<NodeBody>(`/resolve?path=${encodeURIComponent('/' + name)}`);
    return res.status === 200 ? res.body : undefined;
  };
  const contentSha = async (id: string) => sha256(Buffer.from(await (await api.fetch(`/files/${id}/content`)).arrayBuffer()));

  it('carries on after the network drops mid-upload', async () => {
    const { file, data } = makeFile('dropped.bin', 48 * MiB + 1234, 31);
    patches.length = 0;
    await pick(file);
    await expect.poll(() => progressOf('dropped.bin'), { timeout: 60_000, interval: 100 }).toBeGreaterThan(15);
    // The network goes away in the middle of the first 32 MiB request, and comes back 3 s later.
    await throttle(true);
    await page.waitForTimeout(3_000);
    expect(await stored('dropped.bin')).toBeUndefined();
    await throttle(false);
    await expect.poll(async () => (await stored('dropped.bin'))?.size, { timeout: 120_000, interval: 500 }).toBe(data.length);
    const node = (await stored('dropped.bin'))!;
    expect(await contentSha(node.id)).toBe(sha256(data));
    // After the drop the client asked the server and went on from its offset, not from 0.
    const resumedAt = patches.slice(1).find((o) => o > 0);
    expect(patches[0]).toBe(0);
    expect(resumedAt).toBeGreaterThan(0);
    await expect.poll(() => page.getByRole('region', { name: 'Uploads' }).textContent()).toMatch(/1 upload complete/);
    await page.getByRole('button', { name: 'Close uploads' }).click();
  }, 240_000);

  it('resumes after a page reload when the same file is picked again', async () => {
    const { file, data } = makeFile('reloaded.bin', 40 * MiB + 99, 32);
    patches.length = 0;
    await pick(file);
    await expect.poll(() => progressOf('reloaded.bin'), { timeout: 60_000, interval: 100 }).toBeGreaterThan(20);
    await page.reload();
    await page.waitForURL('**/files');
    await expect.poll(() => page.getByRole('button', { name: 'Upload files' }).isVisible(), { timeout: 15_000 }).toBe(true);
    expect(await stored('reloaded.bin')).toBeUndefined();
    const before = patches.length;
    // The address of the unfinished upload is in localStorage, under the file and its target.
    expect(await page.evaluate(KEPT)).toBe(1);
    await pick(file);
    await expect.poll(async () => (await stored('reloaded.bin'))?.size, { timeout: 120_000, interval: 500 }).toBe(data.length);
    const node = (await stored('reloaded.bin'))!;
    expect(await contentSha(node.id)).toBe(sha256(data));
    const afterReload = patches.slice(before);
    expect(afterReload[0]).toBeGreaterThan(0);
    // One file, not a second copy under a free name; the fingerprint is gone once it is done.
    const names = (await api.json<{ items: NodeBody[] }>('/folders/root/children')).body.items.map((n) => n.name);
    expect(names.filter((n) => n.startsWith('reloaded'))).toEqual(['reloaded.bin']);
    await expect.poll(() => page.evaluate(KEPT)).toBe(0);
  }, 240_000);
});
