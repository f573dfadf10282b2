import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type NodeBody } from './helpers/api.js';
import { CHROMIUM, launchChromium, newContext, ScreenRecorder } from './helpers/browser.js';
import { startTestServer, usingPostgres, type TestServer } from './helpers/server.js';

/**
 * A backup provider's tenant in Debian's Chromium against a real server and the built web app:
 * a device folder made from the space's template, a derived file shown with its original, a
 * ZIP export saved into the device's exports folder, and owner-approved support access from
 * both sides (the admin asks and starts the session, the owner approves, watches and ends it).
 */
const runsHere = process.env.COFFER_TEST_DATABASE_URL ? usingPostgres() : true;
const chromiumMissing = !fs.existsSync(CHROMIUM);
const skip = !runsHere || (chromiumMissing && process.env.COFFER_TEST_REQUIRE_CLIENTS !== '1');
const SCREENSHOTS = path.resolve('test-results/screenshots/tenants');

const OWNER = { username: 'tara', password: 'tara-password-for-e2e', display_name: 'Tara Tenant' };
const ADMIN = { username: 'sam', password: 'sam-password-for-e2e', display_name: 'Sam Support' };

async function signIn(browser: Browser, url: string, who: { username: string; password: string }): Promise<Page> {
  const page = await (await newContext(browser, url)).newPage();
  page.on('pageerror', (err) => console.error('page error:', err));
  await page.goto('/');
  await page.getByLabel('Username or email').fill(who.username);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/files');
  return page;
}

describe.skipIf(skip)('a tenant’s devices and support access in Chromium', () => {
  let server: TestServer;
  let owner: Api;
  let browser: Browser;
  let tara: Page;
  let sam: Page;
  let space: { id: string; root_folder_id: string };
  const screens = new ScreenRecorder(SCREENSHOTS);

  beforeAll(async () => {
    server = await startTestServer();
    const admin = await Api.admin(server.url);
    for (const u of [OWNER, ADMIN]) expect((await admin.json('/admin/users', { method: 'POST', json: u })).status).toBe(201);
    owner = await Api.login(server.url, OWNER.username, OWNER.password);
    expect((await admin.json('/orgs', { method: 'POST', json: { slug: 'acme', name: 'Acme Backup Customer', owner: OWNER.username, tenant: true } })).status).toBe(201);
    await owner.json(`/orgs/acme/members/${ADMIN.username}`, { method: 'PUT', json: { role: 'admin' } });
    space = (await owner.json<{ id: string; root_folder_id: string }>('/orgs/acme/spaces', { method: 'POST', json: { name: 'Backups', template: 'backup-device' } })).body;
    browser = await launchChromium();
    tara = await signIn(browser, server.url, OWNER);
    sam = await signIn(browser, server.url, ADMIN);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    console.log(`tenant screenshots (${screens.shots.length}): ${SCREENSHOTS}`);
  });

  it('the owner makes a device folder from the space’s template', async () => {
    await tara.goto(`/files/${space.root_folder_id}`);
    await tara.getByRole('button', { name: 'New device' }).click();
    const dialog = tara.getByRole('dialog', { name: 'New device' });
    await dialog.getByLabel('Name of the device').fill('laptop');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await tara.getByRole('link', { name: 'laptop' }).first().click();
    const list = tara.locator('.files-body');
    await expect.poll(() => list.textContent(), { timeout: 10_000 }).toContain('originals');
    for (const area of ['derived', 'exports', 'deleted', 'tmp']) expect(await list.textContent()).toContain(area);
    await screens.capture(tara, 'device-folder');
  });

  it('shows a derived file with its original, and saves a ZIP export into the device’s exports folder', async () => {
    const put = (p: string, body: string, q = '') => owner.json<NodeBody>(`/spaces/${space.id}/content/${p}${q}`, { method: 'PUT', body, headers: { 'content-type': 'text/plain' } });
    const original = await put('laptop/originals/notes.txt', 'the original notes');
    expect(original.status).toBe(201);
    const derived = await put('laptop/derived/notes-summary.txt', 'a summary', '?derived_from=notes.txt');
    expect(derived.status).toBe(201);

    const folderId = async (p: string) => (await owner.json<NodeBody>(`/spaces/${space.id}/metadata/${p}`)).body.id;
    await tara.goto(`/files/${await folderId('laptop/derived')}`);
    await tara.getByRole('button', { name: 'Actions for notes-summary.txt' }).click();
    await tara.getByRole('menuitem', { name: 'Related files…' }).click();
    const related = tara.getByRole('dialog', { name: 'Related to “notes-summary.txt”' });
    await expect.poll(() => related.textContent(), { timeout: 10_000 }).toContain('/laptop/originals/notes.txt');
    await screens.capture(tara, 'related-files');
    await tara.keyboard.press('Escape');

    await tara.goto(`/files/${await folderId('laptop/originals')}`);
    await tara.getByRole('row', { name: /notes\.txt/ }).click();
    await tara.getByRole('button', { name: 'Export ZIP' }).click();
    await expect.poll(async () => (await owner.json<{ items: NodeBody[] }>(`/spaces/${space.id}/metadata/laptop/exports`)).status, { timeout: 10_000 }).toBe(200);
    const exportsFolder = (await owner.json<NodeBody>(`/spaces/${space.id}/metadata/laptop/exports`)).body;
    const listed = await owner.json<{ items: NodeBody[] }>(`/folders/${exportsFolder.id}/children`);
    await expect.poll(async () => (await owner.json<{ items: NodeBody[] }>(`/folders/${exportsFolder.id}/children`)).body.items.length, { timeout: 10_000 }).toBe(1);
    expect(listed.status).toBe(200);
    const [zip] = (await owner.json<{ items: NodeBody[] }>(`/folders/${exportsFolder.id}/children`)).body.items;
    expect(zip?.name).toMatch(/^export-.*\.zip$/);
  });

  it('the admin asks for support access; until the owner approves, the files stay closed', async () => {
    await sam.goto(`/files/${space.root_folder_id}`);
    await expect.poll(() => sam.locator('.files-body').textContent(), { timeout: 10_000 }).not.toContain('laptop');

    await sam.goto('/orgs/acme/support');
    const form = sam.getByRole('form', { name: 'Ask for support access' });
    await form.getByLabel('Reason').fill('Ticket 8812: the laptop restore stops at 40 %');
    await form.getByLabel('Session length (minutes)').fill('30');
    await form.getByRole('button', { name: 'Ask for access' }).click();
    const table = sam.getByRole('table', { name: 'Support requests' });
    await expect.poll(() => table.textContent(), { timeout: 10_000 }).toContain('Waiting for the owner');
    await screens.capture(sam, 'support-asked');
  });

  it('the owner approves read-only; the admin starts the one session and opens the files', async () => {
    await tara.goto('/orgs/acme/support');
    await tara.getByRole('button', { name: 'Decide: Backups' }).click();
    const dialog = tara.getByRole('dialog', { name: 'Support access to Backups' });
    expect(await dialog.textContent()).toContain('Ticket 8812');
    await dialog.getByLabel('Session length (minutes)').fill('20');
    await screens.capture(tara, 'support-decide');
    await dialog.getByRole('button', { name: 'Approve' }).click();
    const table = tara.getByRole('table', { name: 'Support requests' });
    await expect.poll(() => table.textContent(), { timeout: 10_000 }).toContain('Approved, not started');

    await sam.reload();
    await sam.getByRole('button', { name: 'Start session: Backups' }).click();
    await sam.getByRole('link', { name: 'Open files' }).click();
    await expect.poll(() => sam.locator('.files-body').textContent(), { timeout: 10_000 }).toContain('laptop');
    await screens.capture(sam, 'support-session-files');
  });

  it('the owner sees every request of the session and ends it at once', async () => {
    await tara.reload();
    await tara.getByRole('button', { name: 'Activity: Backups' }).click();
    const activity = tara.getByRole('dialog', { name: /What sam’s request did/ });
    await expect.poll(() => activity.textContent(), { timeout: 10_000 }).toContain('Started the session');
    expect(await activity.textContent()).toMatch(/GET \/api\/v1\/folders\/[0-9a-f-]+\/children → 200/);
    await screens.capture(tara, 'support-activity');
    await tara.keyboard.press('Escape');
    await tara.getByRole('button', { name: 'End now: Backups' }).click();
    await expect.poll(() => tara.getByRole('table', { name: 'Support requests' }).textContent(), { timeout: 10_000 }).toContain('Revoked');

    await sam.reload();
    await expect.poll(() => sam.locator('.files-body').textContent(), { timeout: 10_000 }).not.toContain('laptop');
  });
});
