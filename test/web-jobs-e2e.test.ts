import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type NodeBody } from './helpers/api.js';
import { CHROMIUM, decodedBlobImage, launchChromium, newContext, ScreenRecorder, seriousViolations } from './helpers/browser.js';
import { ADMIN_PASSWORD, startTestServer, usingPostgres, type TestServer } from './helpers/server.js';

/**
 * Previews and the job queue in Debian's Chromium against a real server and the built web app:
 * a photo made here with sharp gets its thumbnail (a blob: image the browser decoded) in the grid
 * and the list, the preview dialog shows the large preview before the original, a folder of
 * hundreds of images asks only for the thumbnails in view, and the admin panel's Jobs tab shows
 * the preview job done, a failed one with its error, Retry and Run now. axe-core checks each
 * recorded screen in both themes and at 360 px (ScreenRecorder).
 * One backend is enough for a browser journey: PostgreSQL when the suite has it, else PGlite.
 */
const runsHere = process.env.COFFER_TEST_DATABASE_URL ? usingPostgres() : true;
const chromiumMissing = !fs.existsSync(CHROMIUM);
if (chromiumMissing && process.env.COFFER_TEST_REQUIRE_CLIENTS !== '1') {
  console.warn(`${CHROMIUM} is missing: the browser tests are skipped (apt-get install chromium)`);
}
const skip = !runsHere || (chromiumMissing && process.env.COFFER_TEST_REQUIRE_CLIENTS !== '1');

/** Beside the other e2e tests' screenshots, in a folder of its own (its recorder empties only that). */
const SCREENSHOTS = path.resolve('test-results/screenshots/jobs');
const MANY = 400;

interface JobBody {
  id: number;
  kind: string;
  state: string;
  last_error: string | null;
  finished_at: string | null;
}

/** A photo-like JPEG: a gradient under noise, big enough that its original takes a moment. */
async function makePhoto(file: string): Promise<void> {
  const width = 2400;
  const height = 1600;
  const gradient = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#1d4ed8"/><stop offset="1" stop-color="#f59e0b"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/><circle cx="1200" cy="800" r="500" fill="#16a34a"/></svg>`,
  );
  const noise = await sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .png()
    .toBuffer();
  await sharp(gradient)
    .composite([{ input: noise, blend: 'overlay' }])
    .jpeg({ quality: 92 })
    .toFile(file);
}

describe.skipIf(skip)('previews and the job queue in Chromium', () => {
  let server: TestServer;
  let admin: Api;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let work: string;
  let photo: NodeBody;
  let broken: NodeBody;
  const previewRequests: string[] = [];
  const screens = new ScreenRecorder(SCREENSHOTS);

  const resolve = async (p: string) => (await admin.json<NodeBody>(`/resolve?path=${encodeURIComponent(p)}`)).body;
  const jobs = async (q = '') => (await admin.json<{ items: JobBody[] }>(`/admin/jobs?limit=500${q}`)).body.items;


  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-jobs-e2e-'));
    await makePhoto(path.join(work, 'photo.jpg'));
    // A JPEG cut short: the type is right, the picture cannot be decoded, so its preview fails.
    fs.writeFileSync(path.join(work, 'broken.jpg'), fs.readFileSync(path.join(work, 'photo.jpg')).subarray(0, 4096));
    server = await startTestServer({ COFFER_MAINTENANCE_INTERVAL: '3600', COFFER_JOBS_POLL_MS: '100' });
    admin = await Api.admin(server.url);
    browser = await launchChromium();
    context = await newContext(browser, server.url);
    page = await context.newPage();
    page.on('pageerror', (err) => console.error('page error:', err));
    page.on('request', (req) => {
      if (req.url().includes('/preview?')) previewRequests.push(req.url());
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
    console.log(`jobs and previews screenshots (${screens.shots.length}): ${SCREENSHOTS}`);
  });

  it('uploads a photo and shows its thumbnail in the grid as a decoded blob: image; a damaged one keeps its icon', async () => {
    await page.goto('/');
    await page.getByLabel('Username or email').fill('admin');
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/files');

    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Upload files' }).click();
    await (await chooser).setFiles([path.join(work, 'photo.jpg'), path.join(work, 'broken.jpg')]);
    await expect.poll(() => page.getByRole('region', { name: 'Uploads' }).textContent(), { timeout: 60_000 }).toMatch(/2 uploads complete/);
    await page.getByRole('button', { name: 'Close uploads' }).click();
    photo = await resolve('/photo.jpg');
    broken = await resolve('/broken.jpg');
    expect(photo.mime).toBe('image/jpeg');

    await page.getByRole('button', { name: 'Grid view' }).click();
    const card = page.locator(`[role="gridcell"][data-item-id="${photo.id}"]`);
    await expect.poll(() => decodedBlobImage(card), { timeout: 30_000 }).toBe(true);
    // The small preview, asked for by version so the browser may keep it.
    expect(previewRequests.some((u) => u.includes(`/files/${photo.id}/preview?size=small&version=${photo.version_id}`))).toBe(true);

    // The damaged file's preview fails (404 preview-failed): the type icon stays, no longer pulsing.
    const brokenCard = page.locator(`[role="gridcell"][data-item-id="${broken.id}"]`);
    await expect.poll(() => brokenCard.locator('.thumb-placeholder:not(.thumb-loading) svg').count(), { timeout: 30_000 }).toBe(1);
    expect(await brokenCard.locator('img').count()).toBe(0);
    await screens.capture(page, 'files-grid-thumbnails');
  }, 120_000);

  it('shows a small thumbnail in the list rows', async () => {
    await page.getByRole('button', { name: 'List view' }).click();
    const row = page.locator(`[role="row"][data-item-id="${photo.id}"]`);
    await expect.poll(() => decodedBlobImage(row), { timeout: 10_000 }).toBe(true);
    const box = await row.locator('img').boundingBox();
    expect(box?.width).toBeLessThanOrEqual(40);
    await screens.capture(page, 'files-list-thumbnails');
  }, 120_000);

  it('opens the photo with its large preview first, then the original in its place', async () => {
    // Slow the original down, so the preview visibly comes first.
    let releaseOriginal!: () => void;
    const originalHeld = new Promise<void>((r) => (releaseOriginal = r));
    const isContent = (url: URL) => url.pathname.endsWith('/content');
    await page.route(isContent, async (route) => {
      await originalHeld;
      await route.continue();
    });
    await page.getByRole('link', { name: 'photo.jpg', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'photo.jpg' });
    const shown = dialog.getByRole('img', { name: 'photo.jpg' });
    await expect.poll(() => decodedBlobImage(dialog), { timeout: 20_000 }).toBe(true);
    expect(await shown.getAttribute('src')).toMatch(/^blob:/);
    expect(await shown.evaluate((img: { naturalWidth: number }) => img.naturalWidth)).toBe(1024);
    await expect.poll(() => dialog.getByRole('status').textContent()).toContain('Loading the full image');
    expect(previewRequests.some((u) => u.includes(`/files/${photo.id}/preview?size=large&version=${photo.version_id}`))).toBe(true);
    // Not through the recorder: it waits for the network to settle, which the held original never does.
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'preview-large-first-desktop.png') });
    screens.shots.push(path.join(SCREENSHOTS, 'preview-large-first-desktop.png'));

    releaseOriginal();
    await expect.poll(() => shown.getAttribute('src'), { timeout: 20_000 }).toMatch(/\/content\?/);
    expect(await shown.evaluate((img: { naturalWidth: number }) => img.naturalWidth)).toBe(2400);
    expect(await dialog.locator('img').count()).toBe(1);
    await page.unroute(isContent);
    await screens.capture(page, 'preview-original');
    await page.keyboard.press('Escape');
  }, 120_000);

  it(`asks only for the thumbnails in view in a folder of ${MANY} photos`, async () => {
    const folder = (await admin.json<NodeBody>('/folders', { method: 'POST', json: { name: 'many' } })).body;
    for (let i = 0; i < MANY; i++) {
      const copy = await admin.json(`/files/${photo.id}/copy`, { method: 'POST', json: { parent_id: folder.id, name: `photo-${String(i).padStart(3, '0')}.jpg` } });
      expect(copy.status).toBe(201);
    }
    previewRequests.length = 0;
    await page.goto(`/files/${folder.id}`);
    const list = page.getByRole('grid', { name: 'Files' });
    await expect.poll(() => decodedBlobImage(list.locator('[data-item-id]').first()), { timeout: 20_000 }).toBe(true);
    await page.waitForTimeout(1000);
    const inView = previewRequests.length;
    expect(inView).toBeGreaterThan(0);
    expect(inView).toBeLessThan(60);

    // Fling to the end: rows flown past never ask; the last ones get their pictures.
    for (let step = 1; step <= 10; step++) {
      await list.evaluate((el: { scrollTop: number; scrollHeight: number }, f: number) => (el.scrollTop = el.scrollHeight * f), step / 10);
      await page.waitForTimeout(30);
    }
    const last = list.locator('[data-item-id]').filter({ hasText: `photo-${MANY - 1}.jpg` });
    await expect.poll(() => decodedBlobImage(last), { timeout: 20_000 }).toBe(true);
    expect(previewRequests.length).toBeLessThan(inView + 80);
  }, 120_000);

  it('shows the job queue to the admin: the preview job done, the failed one with its error, Retry and Run now', async () => {
    await expect.poll(async () => (await jobs('&kind=preview.generate&state=failed')).length, { timeout: 30_000 }).toBe(1);
    const failed = (await jobs('&kind=preview.generate&state=failed'))[0]!;
    expect(failed.last_error).toMatch(/damaged/);

    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('link', { name: 'Jobs' }).click();
    await page.waitForURL('**/admin/jobs');
    const totals = page.getByRole('list', { name: 'Jobs by state' });
    await expect.poll(() => totals.textContent(), { timeout: 15_000 }).toMatch(/Done\s*[1-9]/);
    const byKind = page.getByRole('table', { name: 'Jobs of each kind by state' });
    await expect.poll(() => byKind.textContent()).toContain('preview.generate');
    const schedules = page.getByRole('table', { name: 'Recurring jobs with their next run' });
    await expect.poll(() => schedules.textContent()).toContain('trash.purge');

    await page.getByRole('combobox', { name: /^Kind/ }).selectOption('preview.generate');
    const table = page.getByRole('table', { name: 'Background jobs, newest first' });
    await expect.poll(() => table.getByRole('row').filter({ hasText: 'Done' }).count(), { timeout: 15_000 }).toBeGreaterThan(0);
    const failedRow = table.getByRole('row').filter({ hasText: `#${failed.id}` });
    await expect.poll(() => failedRow.textContent()).toContain(`Error: ${failed.last_error}`);
    await screens.capture(page, 'admin-jobs');

    await failedRow.getByRole('button', { name: `Retry job ${failed.id} (preview.generate)` }).click();
    await expect.poll(() => page.locator('.toasts').textContent()).toContain(`Job ${failed.id} (preview.generate) queued again`);
    // It runs again, and fails again (the file being what it is): a later end, shown on its own.
    const rerun = async () => (await admin.json<JobBody>(`/admin/jobs/${failed.id}`)).body;
    await expect
      .poll(
        async () => {
          const j = await rerun();
          return j.state === 'failed' && j.finished_at !== failed.finished_at;
        },
        { timeout: 30_000 },
      )
      .toBe(true);
    await expect.poll(() => failedRow.textContent(), { timeout: 15_000 }).toContain('Error:');

    await page.getByRole('button', { name: 'Run now: trash.purge' }).click();
    await expect.poll(() => page.locator('.toasts').textContent()).toContain('trash.purge queued to run now');
    await expect.poll(async () => (await jobs('&kind=trash.purge&state=done')).length, { timeout: 30_000 }).toBeGreaterThan(0);

    // The open tab refreshes by itself: a new upload's preview job appears without a click.
    await page.getByRole('combobox', { name: /^State/ }).selectOption('');
    const before = await table.getByRole('row').count();
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#c2410c' } }).png().toBuffer();
    const up = await admin.upload('later.png', png, { type: 'image/png' });
    expect(up.status).toBe(201);
    const newest = (await jobs('&kind=preview.generate'))[0]!;
    await expect.poll(() => table.getByRole('row').filter({ hasText: `#${newest.id}` }).count(), { timeout: 15_000 }).toBe(1);
    expect(await table.getByRole('row').count()).toBeGreaterThanOrEqual(before);
  }, 180_000);
});
