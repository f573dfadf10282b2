import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type NodeBody } from './helpers/api.js';
import { CHROMIUM, launchChromium, newContext, ScreenRecorder } from './helpers/browser.js';
import { ADMIN_PASSWORD, startTestServer, usingPostgres, type TestServer } from './helpers/server.js';

/**
 * Organisations in Debian's Chromium against a real server and the built web app: the Spaces
 * page, an organisation's members, groups, spaces and applications screens, a space's settings,
 * an organisation space opened like one's own files with a folder's rules, the records table of
 * a publisher's catalogue, and the instance admin's Organisations tab. axe-core checks each
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
    await dialog.getByLabel('Role', { exact: true }).selectOption('viewer');
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
    const stored = await owner.json<{ items: { data: { version: number }; folder: { id: string } }[] }>(`/spaces/${catalogue.id}/records?type=book&field.name=Faust`);
    expect(stored.body.items[0]!.data.version).toBe(13);

    // A folder from the computer goes into the record's folder, through the upload panel.
    const dataset = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-dataset-'));
    try {
      fs.mkdirSync(path.join(dataset, 'chapters'));
      fs.writeFileSync(path.join(dataset, 'chapters', 'one.txt'), 'Habe nun, ach!');
      fs.writeFileSync(path.join(dataset, 'cover.txt'), 'Faust, a tragedy');
      await page.getByTestId('record-upload-faust').setInputFiles(dataset);
      const folderId = stored.body.items[0]!.folder.id;
      const names = async () => {
        const top = await owner.json<{ items: NodeBody[] }>(`/folders/${folderId}/children`);
        return top.body.items.map((n) => n.name).sort();
      };
      await expect.poll(names, { timeout: 15_000 }).toContain(path.basename(dataset));
      const uploaded = (await owner.json<{ items: NodeBody[] }>(`/folders/${folderId}/children`)).body.items.find((n) => n.name === path.basename(dataset))!;
      const inner = await owner.json<{ items: NodeBody[] }>(`/folders/${uploaded.id}/children`);
      await expect.poll(async () => (await owner.json<{ items: NodeBody[] }>(`/folders/${uploaded.id}/children`)).body.items.map((n) => n.name).sort(), { timeout: 15_000 }).toEqual(['chapters', 'cover.txt']);
      expect(inner.status).toBe(200);
    } finally {
      fs.rmSync(dataset, { recursive: true, force: true });
    }
  });

  it('an instance administrator creates an organisation in the admin panel and sees spaces only as entries', async () => {
    const adminPage = await (await newContext(browser, server.url)).newPage();
    adminPage.on('pageerror', (err) => console.error('page error:', err));
    try {
      await adminPage.goto('/');
      await adminPage.getByLabel('Username or email').fill('admin');
      await adminPage.getByLabel('Password').fill(ADMIN_PASSWORD);
      await adminPage.getByRole('button', { name: 'Sign in' }).click();
      await adminPage.waitForURL('**/files');
      await adminPage.goto('/admin/orgs');
      const table = adminPage.getByRole('table', { name: 'Organisations' });
      await expect.poll(() => table.textContent(), { timeout: 10_000 }).toContain('Northwind Press');
      await adminPage.getByRole('button', { name: 'Create organisation' }).click();
      const dialog = adminPage.getByRole('dialog', { name: 'Create organisation' });
      await dialog.getByLabel('Name').fill('Harbour Lab');
      expect(await dialog.getByLabel('Handle').inputValue()).toBe('harbour-lab');
      await dialog.getByLabel('First owner').fill(OWNER.username);
      await dialog.getByRole('button', { name: 'Create', exact: true }).click();
      await expect.poll(() => table.textContent(), { timeout: 10_000 }).toContain('Harbour Lab');
      await screens.capture(adminPage, 'admin-orgs');
      const made = await owner.json<{ my_role: string; status: string }>('/orgs/harbour-lab');
      expect(made.body).toMatchObject({ my_role: 'owner', status: 'active' });

      await adminPage.getByRole('button', { name: 'Spaces of Northwind Press' }).click();
      const spaces = adminPage.getByRole('dialog', { name: 'Spaces of Northwind Press' });
      await expect.poll(() => spaces.textContent(), { timeout: 10_000 }).toContain('Catalogue');
      expect(await spaces.getByRole('link').count()).toBe(0);
      await screens.capture(adminPage, 'admin-org-spaces');
    } finally {
      await adminPage.context().close();
    }
  });

  it('an owner creates a group, puts a member in, and gives the group a role on a space', async () => {
    await page.goto('/orgs/press/groups');
    await page.getByLabel('New group').fill('Editors');
    await page.getByRole('button', { name: 'Create group' }).click();
    const groups = page.getByRole('table', { name: 'Groups' });
    await expect.poll(() => groups.textContent(), { timeout: 10_000 }).toContain('Editors');
    await page.getByRole('button', { name: 'Members of Editors' }).click();
    const dialog = page.getByRole('dialog', { name: 'Members of Editors' });
    await dialog.getByLabel('Add a member').selectOption(MEMBER.username);
    await dialog.getByRole('button', { name: 'Add to group' }).click();
    await expect.poll(() => dialog.getByRole('table').textContent(), { timeout: 10_000 }).toContain('@max');
    await screens.capture(page, 'org-group-members');
    await page.keyboard.press('Escape');
    await expect.poll(() => groups.textContent(), { timeout: 10_000 }).toContain('@max');
    await screens.capture(page, 'org-groups');

    await page.getByRole('link', { name: 'Spaces', exact: true }).last().click();
    await page.waitForURL('**/orgs/press/spaces');
    await page.getByRole('button', { name: 'People' }).click();
    const people = page.getByRole('dialog', { name: 'People in Catalogue' });
    await people.getByLabel('Group', { exact: true }).selectOption({ label: 'Editors' });
    await people.getByLabel('Role of the group').selectOption('editor');
    await people.getByRole('button', { name: 'Give group role' }).click();
    await expect.poll(() => people.getByRole('table').textContent(), { timeout: 10_000 }).toContain('Group Editors');
    await screens.capture(page, 'space-people-group');
    await page.keyboard.press('Escape');

    // Max was given viewer directly; the group makes him an editor.
    const max = await Api.login(server.url, MEMBER.username, MEMBER.password);
    const seen = (await max.json<{ items: { name: string; my_role: string | null }[] }>('/spaces')).body.items;
    expect(seen.find((s) => s.name === 'Catalogue')?.my_role).toBe('editor');
  });

  it('a write-once rule set in the files browser refuses an overwrite with the server\'s message', async () => {
    const originals = (await owner.json<NodeBody>('/folders', { method: 'POST', json: { parent_id: catalogue.root_folder_id, name: 'originals' } })).body;
    await owner.upload('scan.txt', 'first scan\n', { parent: originals.id, type: 'text/plain' });
    await page.goto(`/files/${catalogue.root_folder_id}`);
    await expect.poll(() => page.getByRole('main').textContent(), { timeout: 10_000 }).toContain('originals');
    await page.getByRole('button', { name: 'Actions for originals' }).first().click();
    await page.getByRole('menuitem', { name: 'Folder rules…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Folder rules of “originals”' });
    await expect.poll(() => dialog.textContent(), { timeout: 10_000 }).toContain('What applies here');
    await dialog.getByRole('checkbox', { name: 'Write-once' }).check();
    await screens.capture(page, 'folder-rules');
    await dialog.getByRole('button', { name: 'Save rules' }).click();
    await expect.poll(() => dialog.isVisible(), { timeout: 10_000 }).toBe(false);
    const policy = await owner.json<{ own: { write_once: boolean } | null }>(`/folders/${originals.id}/policy`);
    expect(policy.body.own?.write_once).toBe(true);

    await page.goto(`/files/${originals.id}`);
    await expect.poll(() => page.getByRole('main').textContent(), { timeout: 10_000 }).toContain('scan.txt');
    const again = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-orgs-e2e-')), 'scan.txt');
    fs.writeFileSync(again, 'second scan\n');
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Upload files' }).click();
    await (await chooser).setFiles(again);
    const question = page.getByRole('dialog', { name: '“scan.txt” already exists' });
    await expect.poll(() => question.isVisible(), { timeout: 10_000 }).toBe(true);
    await question.getByRole('button', { name: 'Replace' }).click();
    const uploads = page.getByRole('region', { name: 'Uploads' });
    await expect.poll(() => uploads.textContent(), { timeout: 30_000 }).toContain('/originals/scan.txt is in a write-once folder: files there can be added, never overwritten');
    await screens.capture(page, 'write-once-refused');
    const stored = await owner.fetch(`/spaces/${catalogue.id}/content/originals/scan.txt`);
    expect(await stored.text()).toBe('first scan\n');
    await page.getByRole('button', { name: 'Close uploads' }).click();
  });

  it('a layout with a bad pattern is refused with the server\'s message next to the field', async () => {
    await page.goto('/orgs/press/spaces');
    await page.getByRole('button', { name: 'Settings of Catalogue' }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings of Catalogue' });
    const layout = dialog.getByLabel('Path layout (JSON)');
    await layout.fill('{ "pattern": "{system}/files" }');
    await dialog.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => layout.getAttribute('aria-invalid'), { timeout: 10_000 }).toBe('true');
    const ids = ((await layout.getAttribute('aria-describedby')) ?? '').split(' ').filter(Boolean);
    const described = (await Promise.all(ids.map((id) => dialog.locator(`[id="${id}"]`).textContent()))).join(' ');
    expect(described).toContain('A layout pattern ends with {file} (files lie exactly there) or ** (anything below)');
    await screens.capture(page, 'space-settings-layout-refused');
    expect((await owner.json<{ layout: unknown }>(`/spaces/${catalogue.id}`)).body.layout).toBeNull();
    await page.keyboard.press('Escape');
  });
});
