import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type NodeBody } from './helpers/api.js';
import { CHROMIUM, launchChromium, newContext, ScreenRecorder } from './helpers/browser.js';
import { startTestServer, usingPostgres, type TestServer } from './helpers/server.js';

/**
 * Organisations in Debian's Chromium against a real server and the built web app: the Spaces
 * page, an organisation's members, spaces and applications screens, an organisation space opened
 * like one's own files, and the records table of a publisher's catalogue. axe-core checks each
 * recorded screen in both themes and at 360 px (ScreenRecorder).
 */
const runsHere = process.env.COFFER_TEST_DATABASE_URL ? usingPostgres() : true;
const chromiumMissing = !fs.existsSync(CHROMIUM);
const skip = !runsHere || (chromiumMissing && process.env.COFFER_TEST_REQUIRE_CLIENTS !== '1');
const SCREENSHOTS = path.resolve('test-results/screenshots/orgs');

const OWNER = { username: 'olivia', password: 'olivia-password-for-e2e', display_name: 'Olivia Owner' };
const MEMBER = { username: 'max', password: 'max-password-for-e2e', display_name: 'Max Member' };

describe.skipIf(skip)('organisations in Chromium', () => {
  let server: TestServer;
  let owner: Api;
  let browser: Browser;
  let page: Page;
  let catalogue: { id: string; root_folder_id: string };
  const screens = new ScreenRecorder(SCREENSHOTS);

  beforeAll(async () => {
    server = await startTestServer();
    const admin = await Api.admin(server.url);
    for (const u of [OWNER, MEMBER]) expect((await admin.json('/admin/users', { method: 'POST', json: u })).status).toBe(201);
    owner = await Api.login(server.url, OWNER.username, OWNER.password);
    expect((await admin.json('/orgs', { method: 'POST', json: { slug: 'press', name: 'Northwind Press', owner: OWNER.username } })).status).toBe(201);
    catalogue = (await owner.json<{ id: string; root_folder_id: string }>('/orgs/press/spaces', { method: 'POST', json: { name: 'Catalogue', quota_bytes: 10 * 1024 ** 3 } })).body;
    await owner.json(`/spaces/${catalogue.id}/record-types/book`, {
      method: 'PUT',
      json: {
        title: 'Book',
        schema: {
          type: 'object',
          properties: { name: { type: 'string', title: 'Title' }, language: { type: 'string', title: 'Language', enum: ['en', 'de'] }, version: { type: 'integer', title: 'Version' } },
          required: ['name'],
        },
      },
    });
    for (const [folder, name, language, version] of [['moby-dick', 'Moby-Dick', 'en', 3], ['faust', 'Faust', 'de', 12], ['emma', 'Emma', 'en', 1]] as const) {
      const f = (await owner.json<NodeBody>('/folders', { method: 'POST', json: { parent_id: catalogue.root_folder_id, name: folder } })).body;
      await owner.upload('manuscript.txt', `${name}\n`, { parent: f.id, type: 'text/plain' });
      expect((await owner.json('/records', { method: 'POST', json: { folder_id: f.id, type: 'book', data: { name, language, version } } })).status).toBe(201);
    }
    browser = await launchChromium();
    page = await (await newContext(browser, server.url)).newPage();
    page.on('pageerror', (err) => console.error('page error:', err));
    await page.goto('/');
    await page.getByLabel('Username or email').fill(OWNER.username);
    await page.getByLabel('Password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/files');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    console.log(`organisation screenshots (${screens.shots.length}): ${SCREENSHOTS}`);
  });

  it('the Spaces page lists one\'s own files and the organisation\'s spaces', async () => {
    await page.getByRole('link', { name: 'Spaces' }).click();
    await page.waitForURL('**/spaces');
    const table = page.getByRole('table', { name: 'Your spaces' });
    await expect.poll(() => table.textContent(), { timeout: 10_000 }).toContain('Catalogue');
    expect(await table.textContent()).toContain('My files');
    expect(await page.getByRole('table', { name: 'Your organisations' }).textContent()).toContain('Northwind Press');
    await screens.capture(page, 'spaces');
  });

  it('an owner adds a member, gives them a space role, and the member sees the space', async () => {
    await page.getByRole('link', { name: 'Manage' }).click();
    await page.waitForURL('**/orgs/press/members');
    await page.getByLabel('Add a person (username or email)').fill(MEMBER.username);
    await page.getByLabel('Role', { exact: true }).selectOption('member');
    await page.getByRole('button', { name: 'Add member' }).click();
    const members = page.getByRole('table', { name: 'Members' });
    await expect.poll(() => members.textContent(), { timeout: 10_000 }).toContain('@max');
    await screens.capture(page, 'org-members');

    await page.getByRole('link', { name: 'Spaces', exact: true }).last().click();
    await page.waitForURL('**/orgs/press/spaces');
    await page.getByRole('button', { name: 'People' }).click();
    const dialog = page.getByRole('dialog', { name: 'People in Catalogue' });
    await dialog.getByLabel('Member (username)').fill(MEMBER.username);
    await dialog.getByLabel('Role').selectOption('viewer');
    await dialog.getByRole('button', { name: 'Give role' }).click();
    await expect.poll(() => dialog.getByRole('table').textContent(), { timeout: 10_000 }).toContain('@max');
    await screens.capture(page, 'space-people');
    await page.keyboard.press('Escape');

    const max = await Api.login(server.url, MEMBER.username, MEMBER.password);
    const seen = (await max.json<{ items: { name: string; my_role: string | null }[] }>('/spaces')).body.items;
    expect(seen.find((s) => s.name === 'Catalogue')?.my_role).toBe('viewer');
  });

  it('an application gets an API key shown once, which works against the space', async () => {
    await page.getByRole('link', { name: 'Applications' }).click();
    await page.waitForURL('**/orgs/press/apps');
    await page.getByLabel('New application').fill('Catalogue sync');
    await page.getByRole('button', { name: 'Create application' }).click();
    const apps = page.getByRole('table', { name: 'Applications' });
    await expect.poll(() => apps.textContent(), { timeout: 10_000 }).toContain('Catalogue sync');
    await page.getByRole('button', { name: 'New key' }).click();
    const keyBox = page.getByTestId('api-key');
    await expect.poll(() => keyBox.textContent(), { timeout: 10_000 }).toMatch(/^cof_sk_/);
    const key = (await keyBox.textContent())!.trim();
    await screens.capture(page, 'org-app-key');
    await page.keyboard.press('Escape');
    const app = new Api(server.url, key);
    const read = await app.fetch(`/spaces/${catalogue.id}/content/faust/manuscript.txt`);
    expect(await read.text()).toBe('Faust\n');
  });

  it('the space opens like one\'s own files, with the space at the start of the trail', async () => {
    await page.goto(`/files/${catalogue.root_folder_id}`);
    await expect.poll(() => page.getByRole('main').textContent(), { timeout: 10_000 }).toContain('moby-dick');
    await page.getByRole('link', { name: 'faust' }).first().click();
    const trail = page.getByRole('navigation', { name: /breadcrumb/i });
    await expect.poll(() => trail.textContent(), { timeout: 10_000 }).toContain('Catalogue');
    expect(await trail.textContent()).not.toContain('My files');
    await screens.capture(page, 'space-files');
  });

  it('records show as a table that sorts, filters and edits', async () => {
    await page.goto(`/spaces/${catalogue.id}/records`);
    const table = page.getByRole('table', { name: 'Book records' });
    await expect.poll(() => table.textContent(), { timeout: 10_000 }).toContain('Faust');
    await page.getByRole('button', { name: 'Version' }).click();
    const firstTitle = () => table.locator('tbody tr').first().locator('td').nth(1).textContent();
    await expect.poll(firstTitle, { timeout: 10_000 }).toBe('Emma');
    await page.getByRole('button', { name: 'Version' }).click();
    await expect.poll(firstTitle, { timeout: 10_000 }).toBe('Faust');
    await page.getByRole('group', { name: 'Filters' }).getByLabel('Language').selectOption('de');
    await expect.poll(() => table.locator('tbody tr').count(), { timeout: 10_000 }).toBe(1);
    await screens.capture(page, 'records');
    await page.getByRole('button', { name: 'Edit the record of faust' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit Book: faust' });
    await dialog.getByLabel('Version').fill('13');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => table.textContent(), { timeout: 10_000 }).toContain('13');
    const stored = await owner.json<{ items: { data: { version: number } }[] }>(`/spaces/${catalogue.id}/records?type=book&field.name=Faust`);
    expect(stored.body.items[0]!.data.version).toBe(13);
  });
});
