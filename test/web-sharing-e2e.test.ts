import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type NodeBody } from './helpers/api.js';
import { CHROMIUM, decodedBlobImage, launchChromium, newContext, ScreenRecorder } from './helpers/browser.js';
import { startTestServer, usingPostgres, type TestServer } from './helpers/server.js';

/**
 * Sharing end to end in Debian's Chromium against a real server and the built web app: sharing a
 * folder with a person, public links with a password and limits, a file drop, and links that no
 * longer work. axe-core checks each recorded screen in both themes and at 360 px (ScreenRecorder).
 * One backend is enough for a browser journey: PostgreSQL when the suite has it, else PGlite.
 */
const runsHere = process.env.COFFER_TEST_DATABASE_URL ? usingPostgres() : true;
const chromiumMissing = !fs.existsSync(CHROMIUM);
if (chromiumMissing && process.env.COFFER_TEST_REQUIRE_CLIENTS !== '1') {
  console.warn(`${CHROMIUM} is missing: the browser tests are skipped (apt-get install chromium)`);
}
const skip = !runsHere || (chromiumMissing && process.env.COFFER_TEST_REQUIRE_CLIENTS !== '1');

/** Beside the main e2e test's screenshots, in a folder of its own (its recorder empties only that). */
const SCREENSHOTS = path.resolve('test-results/screenshots/sharing');

const ALICE = { username: 'alice', password: 'alice-password-for-e2e', display_name: 'Alice Archer' };
const BOB = { username: 'bob', password: 'bob-password-for-e2e', display_name: 'Bob Baker' };
const LINK_PASSWORD = 'open-sesame-42';
const README = 'Team notes: the plan for the quarter.\n';
const BUDGET = 'item,amount\nservers,1200\ncoffee,300\n';
const SECRET = 'Only the owner sees this.\n';

interface LinkBody {
  id: string;
  token: string;
  url: string;
  name: string;
  permission: string;
  has_password: boolean;
  expires_at: string | null;
  max_downloads: number | null;
  downloads: number;
  max_views: number | null;
  views: number;
  state: string;
}

/** A day as an <input type="date"> value, in local time (the browser runs in the same zone). */
function dateInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

describe.skipIf(skip)('sharing in Chromium', () => {
  let server: TestServer;
  let alice: Api;
  let bob: Api;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let alicePage: Page;
  let team: NodeBody;
  let drop: NodeBody;
  let readLink: LinkBody;
  const screens = new ScreenRecorder(SCREENSHOTS);

  async function createUser(admin: Api, user: typeof ALICE): Promise<Api> {
    const res = await admin.json('/admin/users', { method: 'POST', json: user });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return Api.login(server.url, user.username, user.password);
  }

  async function openPage(): Promise<Page> {
    const context = await newContext(browser, server.url);
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (err) => console.error('page error:', err));
    return page;
  }

  async function signIn(page: Page, user: typeof ALICE): Promise<void> {
    await page.goto('/');
    await page.getByLabel('Username or email').fill(user.username);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/files');
  }


  const links = async (nodeId: string) => (await alice.json<{ items: LinkBody[] }>(`/links?node_id=${nodeId}`)).body.items;
  const children = async (api: Api, folderId: string) => (await api.json<{ items: NodeBody[] }>(`/folders/${folderId}/children`)).body.items.map((n) => n.name).sort();

  /** The share dialog of an item in the current folder, opened from its row menu. */
  async function openShareDialog(name: string): Promise<Locator> {
    await alicePage.getByRole('button', { name: `Actions for ${name}` }).click();
    await alicePage.getByRole('menuitem', { name: 'Share…' }).click();
    const dialog = alicePage.getByRole('dialog', { name: `Share “${name}”` });
    await expect.poll(() => dialog.isVisible(), { timeout: 10_000 }).toBe(true);
    return dialog;
  }

  beforeAll(async () => {
    server = await startTestServer();
    const admin = await Api.admin(server.url);
    alice = await createUser(admin, ALICE);
    bob = await createUser(admin, BOB);
    team = (await alice.json<NodeBody>('/folders', { method: 'POST', json: { parent_id: 'root', name: 'Team' } })).body;
    expect((await alice.upload('readme.txt', README, { parent: team.id, type: 'text/plain' })).status).toBe(201);
    expect((await alice.upload('budget.csv', BUDGET, { parent: team.id, type: 'text/csv' })).status).toBe(201);
    expect((await alice.upload('designs/logo.svg', '<svg xmlns="http://www.w3.org/2000/svg"/>', { parent: team.id, type: 'image/svg+xml' })).status).toBe(201);
    // A photo: its previews are made by the server's job after the upload, for the public page too.
    const photo = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: { r: 30, g: 90, b: 200 } } })
      .composite([{ input: { create: { width: 800, height: 1200, channels: 3, background: { r: 240, g: 160, b: 20 } } }, left: 0, top: 0 }]);
    expect((await alice.upload('photo.png', new Uint8Array(await photo.clone().png().toBuffer()), { parent: team.id, type: 'image/png' })).status).toBe(201);
    expect((await alice.upload('scan.tiff', new Uint8Array(await photo.clone().tiff({ compression: 'lzw' }).toBuffer()), { parent: team.id, type: 'image/tiff' })).status).toBe(201);
    drop = (await alice.json<NodeBody>('/folders', { method: 'POST', json: { parent_id: 'root', name: 'Drop' } })).body;
    expect((await alice.upload('secret-plan.txt', SECRET, { parent: drop.id, type: 'text/plain' })).status).toBe(201);
    browser = await launchChromium();
    alicePage = await openPage();
    await contexts[0]!.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await signIn(alicePage, ALICE);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    console.log(`sharing screenshots (${screens.shots.length}): ${SCREENSHOTS}`);
  });

  it('alice shares Team with bob as editor; bob finds it under Shared with me and opens it', async () => {
    const dialog = await openShareDialog('Team');
    await expect.poll(() => dialog.getByText('Not shared with anyone yet.').isVisible(), { timeout: 10_000 }).toBe(true);

    await dialog.getByRole('combobox', { name: 'Add a person' }).fill('bob');
    const suggestions = dialog.getByRole('listbox', { name: 'Suggestions for add a person' });
    const option = suggestions.getByRole('option', { name: /Bob Baker/ });
    await expect.poll(() => option.isVisible(), { timeout: 10_000 }).toBe(true);
    // Only bob matches: the search finds people by name or username, not everyone.
    expect(await suggestions.getByRole('option').count()).toBe(1);
    await option.click();
    expect(await dialog.getByRole('combobox', { name: 'Add a person' }).inputValue()).toBe('Bob Baker (@bob)');
    await dialog.getByLabel('Role', { exact: true }).selectOption('editor');
    await expect.poll(() => dialog.getByText('Editor: can also add, change and delete.').isVisible(), { timeout: 10_000 }).toBe(true);
    await dialog.getByRole('button', { name: 'Share', exact: true }).click();

    const people = dialog.getByRole('list', { name: 'People with access to Team' });
    await expect.poll(() => people.textContent(), { timeout: 10_000 }).toContain('@bob');
    expect(await people.getByRole('listitem').count()).toBe(1);
    expect(await people.textContent()).toContain('Bob Baker');
    expect(await people.getByRole('combobox', { name: 'Role of Bob Baker' }).inputValue()).toBe('editor');
    // The form is ready for the next person.
    expect(await dialog.getByRole('combobox', { name: 'Add a person' }).inputValue()).toBe('');
    const shares = (await alice.json<{ items: { role: string; recipient: { username: string } }[] }>(`/shares?node_id=${team.id}`)).body.items;
    expect(shares.map((s) => [s.recipient.username, s.role])).toEqual([['bob', 'editor']]);
    await screens.capture(alicePage, 'share-dialog');

    // Bob, in a browser of his own.
    const bobPage = await openPage();
    await signIn(bobPage, BOB);
    await bobPage.getByRole('link', { name: 'Shared', exact: true }).click();
    await bobPage.waitForURL('**/shared/with-me');
    const table = bobPage.getByRole('table', { name: 'Files and folders shared with you' });
    await expect.poll(() => table.textContent(), { timeout: 10_000 }).toContain('Team');
    const row = table.getByRole('row').filter({ hasText: 'Team' });
    expect(await row.textContent()).toContain('Alice Archer');
    expect(await row.textContent()).toContain('Editor');
    await screens.capture(bobPage, 'shared-with-me');
    await row.getByRole('link', { name: 'Team' }).click();
    await bobPage.waitForURL(`**/files/${team.id}`);
    const grid = bobPage.getByRole('grid', { name: 'Files' });
    await expect.poll(() => grid.textContent(), { timeout: 10_000 }).toContain('readme.txt');
    expect(await grid.textContent()).toContain('budget.csv');
    expect(await grid.textContent()).toContain('designs');
    // Editor: bob may add files to Team.
    expect((await bob.upload('from-bob.txt', 'hi\n', { parent: team.id })).status).toBe(201);
    await bobPage.context().close();
  });

  it('alice makes a read link with a password, an end date and limits; a visitor unlocks it and downloads', async () => {
    const dialog = alicePage.getByRole('dialog', { name: 'Share “Team”' });
    await dialog.getByRole('button', { name: 'New link' }).click();
    const form = dialog.getByRole('form', { name: 'New link to Team' });
    await form.getByLabel('Name').fill('For the auditors');
    await form.getByRole('radio', { name: /View and download/ }).check();
    await form.getByRole('checkbox', { name: 'Require a password' }).check();
    await form.getByLabel('Password', { exact: true }).fill(LINK_PASSWORD);
    const until = new Date(Date.now() + 7 * 86_400_000);
    await form.getByLabel('Works until').fill(dateInput(until));
    await form.getByLabel('Download limit').fill('10');
    await form.getByLabel('View limit').fill('20');
    await screens.capture(alicePage, 'link-settings');
    // Too short a password: the form says so at the field, and nothing is created.
    await form.getByLabel('Password', { exact: true }).fill('abc');
    await form.getByRole('button', { name: 'Create link' }).click();
    await expect.poll(() => form.textContent(), { timeout: 10_000 }).toContain('Use at least 4 characters.');
    expect(await form.getByLabel('Password', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await links(team.id)).toEqual([]);
    await form.getByLabel('Password', { exact: true }).fill(LINK_PASSWORD);
    await form.getByRole('button', { name: 'Create link' }).click();

    const list = dialog.getByRole('list', { name: 'Links to Team' });
    await expect.poll(() => list.textContent(), { timeout: 10_000 }).toContain('For the auditors');
    const made = await links(team.id);
    expect(made).toHaveLength(1);
    readLink = made[0]!;
    expect(readLink).toMatchObject({ name: 'For the auditors', permission: 'read', has_password: true, max_downloads: 10, max_views: 20, downloads: 0, views: 0, state: 'active' });
    // "Until" a day means through the end of that day, local time.
    expect(new Date(readLink.expires_at!).getTime()).toBe(new Date(until.getFullYear(), until.getMonth(), until.getDate(), 23, 59, 59, 999).getTime());
    const text = (await list.textContent())!;
    expect(text).toContain('Password');
    expect(text).toContain('View and download');
    expect(text).toContain('0 of 20 views');
    expect(text).toContain('0 of 10 downloads');
    const address = await list.getByRole('textbox', { name: 'Address of For the auditors' }).inputValue();
    expect(address).toBe(`${server.url}/s/${readLink.token}`);
    await list.getByRole('button', { name: 'Copy For the auditors' }).click();
    await expect.poll(() => alicePage.evaluate('navigator.clipboard.readText()'), { timeout: 10_000 }).toBe(address);

    // A visitor without an account.
    const visitor = await openPage();
    const previewRequests: string[] = [];
    const previewAnswers: string[] = [];
    visitor.on('request', (req) => {
      if (req.url().includes('/preview?')) previewRequests.push(req.url());
    });
    visitor.on('response', (res) => {
      if (res.url().includes('/preview?')) previewAnswers.push(`${new URL(res.url()).search} ${res.status()}`);
    });
    await visitor.goto(new URL(address).pathname);
    await expect.poll(() => visitor.getByRole('heading', { name: '“Team” is protected' }).isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await visitor.getByRole('main').textContent()).not.toContain('readme.txt');
    await visitor.getByLabel('Password').fill('not-the-password');
    await visitor.getByRole('button', { name: 'Open' }).click();
    await expect.poll(() => visitor.getByRole('alert').textContent(), { timeout: 10_000 }).toMatch(/password/i);
    expect(await visitor.getByLabel('Password').getAttribute('aria-invalid')).toBe('true');
    expect(await visitor.getByRole('table').count()).toBe(0);
    // Locked still, for anyone without the right password.
    expect((await fetch(`${server.url}/s/${readLink.token}/download`)).status).toBe(401);

    await visitor.getByLabel('Password').fill(LINK_PASSWORD);
    await visitor.getByRole('button', { name: 'Open' }).click();
    await expect.poll(() => visitor.getByRole('heading', { name: 'Team', level: 1 }).isVisible(), { timeout: 10_000 }).toBe(true);
    const table = visitor.getByRole('table', { name: 'Contents of Team' });
    await expect.poll(() => table.textContent(), { timeout: 10_000 }).toContain('readme.txt');
    const listed = (await table.textContent())!;
    for (const name of ['budget.csv', 'designs', 'from-bob.txt']) expect(listed).toContain(name);
    expect(await visitor.getByRole('main').textContent()).toContain('This link works until');
    // The photo's row shows its thumbnail, fetched by the page through the link (its cookie, no account).
    const photoRow = table.getByRole('row').filter({ hasText: 'photo.png' });
    await expect.poll(() => decodedBlobImage(photoRow), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => decodedBlobImage(table.getByRole('row').filter({ hasText: 'scan.tiff' })), { timeout: 30_000 }).toBe(true);
    expect(previewRequests.some((u) => u.includes(`/api/v1/s/${readLink.token}/files/`) && u.endsWith('/preview?size=small'))).toBe(true);
    await screens.capture(visitor, 'public-folder');

    // Its viewer shows the server's large picture while the original loads, then the original.
    await table.getByRole('button', { name: 'Preview photo.png' }).click();
    const viewer = visitor.getByRole('dialog', { name: 'photo.png' });
    const shown = viewer.getByRole('img', { name: 'photo.png' });
    await expect.poll(() => shown.evaluate((img: { src: string; complete: boolean; naturalWidth: number }) => img.src.endsWith('/content') && img.complete && img.naturalWidth), { timeout: 30_000 }).toBe(1600);
    expect(previewAnswers).toContain('?size=large 200');
    await visitor.keyboard.press('Escape');
    // A TIFF, which the browser cannot show: the large picture is the whole preview, and says so.
    await table.getByRole('button', { name: 'Preview scan.tiff' }).click();
    const scan = visitor.getByRole('dialog', { name: 'scan.tiff' });
    await expect.poll(() => decodedBlobImage(scan), { timeout: 30_000 }).toBe(true);
    expect(await scan.getByRole('img', { name: 'scan.tiff' }).evaluate((img: { naturalWidth: number }) => img.naturalWidth)).toBe(1024);
    expect(await scan.textContent()).toContain('This is a preview picture');
    await screens.capture(visitor, 'public-photo');
    await visitor.keyboard.press('Escape');

    const download = visitor.waitForEvent('download');
    await visitor.getByRole('link', { name: 'Download readme.txt' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('readme.txt');
    expect(fs.readFileSync((await file.path())!, 'utf8')).toBe(README);
    // The whole folder as a ZIP, fetched by the page with the link's cookie.
    const zip = (await visitor.evaluate(`fetch('/s/${readLink.token}/download').then(async (r) => [r.status, r.headers.get('content-type'), Array.from(new Uint8Array(await r.arrayBuffer()).slice(0, 2))])`)) as [number, string, number[]];
    expect(zip[0]).toBe(200);
    expect(zip[1]).toMatch(/zip/);
    expect(Buffer.from(zip[2]).toString()).toBe('PK');
    // The photo's original in the viewer counted one download, the two downloads one each; previews none.
    await expect.poll(async () => (await links(team.id))[0]).toMatchObject({ downloads: 3, views: 1 });
    await visitor.context().close();
  });

  it('alice makes an upload-only link on Drop; a visitor sends two files and sees nothing else', async () => {
    await alicePage.getByRole('dialog').getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => alicePage.getByRole('dialog').count(), { timeout: 10_000 }).toBe(0);
    const dialog = await openShareDialog('Drop');
    await dialog.getByRole('button', { name: 'New link' }).click();
    const form = dialog.getByRole('form', { name: 'New link to Drop' });
    await form.getByLabel('Name').fill('Receipts');
    await form.getByRole('radio', { name: /Upload only/ }).check();
    await form.getByRole('button', { name: 'Create link' }).click();
    const list = dialog.getByRole('list', { name: 'Links to Drop' });
    await expect.poll(() => list.textContent(), { timeout: 10_000 }).toContain('Upload only');
    const address = await list.getByRole('textbox', { name: 'Address of Receipts' }).inputValue();
    const [link] = await links(drop.id);
    expect(link).toMatchObject({ permission: 'upload', has_password: false });
    expect(address).toBe(`${server.url}/s/${link!.token}`);
    await dialog.getByRole('button', { name: 'Done' }).click();

    const visitor = await openPage();
    await visitor.goto(new URL(address).pathname);
    await expect.poll(() => visitor.getByRole('heading', { name: 'Upload files to “Drop”' }).isVisible(), { timeout: 10_000 }).toBe(true);
    const big = Buffer.alloc(3 * 1024 * 1024, 0x5a);
    const small = Buffer.from('receipt #1: 12.50\n');
    await visitor.getByTestId('public-upload-input').setInputFiles([
      { name: 'scan.bin', mimeType: 'application/octet-stream', buffer: big },
      { name: 'receipt.txt', mimeType: 'text/plain', buffer: small },
    ]);
    const uploads = visitor.getByRole('list', { name: 'Your uploads' });
    const rowOf = (name: string) => uploads.getByRole('listitem').filter({ hasText: name });
    await expect.poll(() => rowOf('scan.bin').textContent(), { timeout: 30_000 }).toMatch(/Uploaded · 3(\.0)? MB/);
    await expect.poll(() => rowOf('receipt.txt').textContent(), { timeout: 30_000 }).toMatch(/Uploaded · 18 B/);
    expect(await uploads.getByRole('listitem').count()).toBe(2);
    await expect.poll(() => visitor.getByText('2 of 2 uploaded').isVisible(), { timeout: 10_000 }).toBe(true);
    // Nothing of the folder shows: not the owner's file, no listing at all.
    const main = (await visitor.getByRole('main').textContent())!;
    expect(main).not.toContain('secret-plan.txt');
    expect(await visitor.getByRole('table').count()).toBe(0);
    expect((await fetch(`${server.url}/api/v1/s/${link!.token}/children`)).status).toBe(403);
    expect((await fetch(`${server.url}/s/${link!.token}/download`)).status).toBe(403);
    // Nor as a picture.
    const secret = (await alice.json<{ items: NodeBody[] }>(`/folders/${drop.id}/children`)).body.items.find((n) => n.name === 'secret-plan.txt')!;
    expect((await fetch(`${server.url}/api/v1/s/${link!.token}/files/${secret.id}/preview`)).status).toBe(403);
    await screens.capture(visitor, 'upload-drop');

    expect(await children(alice, drop.id)).toEqual(['receipt.txt', 'scan.bin', 'secret-plan.txt']);
    const stored = (await alice.json<{ items: NodeBody[] }>(`/folders/${drop.id}/children`)).body.items;
    expect(stored.find((n) => n.name === 'scan.bin')?.size).toBe(big.length);
    const receipt = stored.find((n) => n.name === 'receipt.txt')!;
    expect(await (await alice.fetch(`/files/${receipt.id}/content`)).text()).toBe(small.toString());
    await visitor.context().close();
  });

  it('says plainly when a link has expired, was revoked, is used up or never existed', async () => {
    const visitor = await openPage();
    const gone = visitor.getByRole('heading', { name: 'This link no longer works', level: 1 });
    const main = visitor.getByRole('main');

    // Expired: made to end a moment from now, opened after.
    const expiring = await alice.json<LinkBody>('/links', { method: 'POST', json: { node_id: team.id, permission: 'read', name: 'Short-lived', expires_at: new Date(Date.now() + 1500).toISOString() } });
    expect(expiring.status).toBe(201);
    await expect.poll(async () => (await alice.json<LinkBody>(`/links/${expiring.body.id}`)).body.state, { timeout: 10_000, interval: 250 }).toBe('expired');
    await visitor.goto(`/s/${expiring.body.token}`);
    await expect.poll(() => gone.isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await main.textContent()).toMatch(/expired/i);
    // What to do next, and no way to try that cannot work.
    expect(await main.textContent()).toMatch(/ask .* new/i);
    expect(await visitor.getByRole('table').count()).toBe(0);
    expect(await visitor.getByLabel('Password').count()).toBe(0);
    await screens.capture(visitor, 'link-expired');

    // Revoked, with DELETE /links/:id.
    const revoked = await alice.json<LinkBody>('/links', { method: 'POST', json: { node_id: team.id, permission: 'read' } });
    await visitor.goto(`/s/${revoked.body.token}`);
    await expect.poll(() => visitor.getByRole('heading', { name: 'Team', level: 1 }).isVisible(), { timeout: 10_000 }).toBe(true);
    expect((await alice.fetch(`/links/${revoked.body.id}`, { method: 'DELETE' })).status).toBe(204);
    await visitor.reload();
    await expect.poll(() => gone.isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await main.textContent()).toMatch(/switched off/);
    expect(await visitor.getByRole('table').count()).toBe(0);

    // Used up: one download allowed; after it, the next visit is refused.
    const once = await alice.json<LinkBody>('/links', { method: 'POST', json: { node_id: team.id, permission: 'read', max_downloads: 1 } });
    await visitor.goto(`/s/${once.body.token}`);
    const table = visitor.getByRole('table', { name: 'Contents of Team' });
    await expect.poll(() => table.isVisible(), { timeout: 10_000 }).toBe(true);
    const download = visitor.waitForEvent('download');
    await table.getByRole('link', { name: 'Download budget.csv' }).click();
    expect(fs.readFileSync((await (await download).path())!, 'utf8')).toBe(BUDGET);
    await visitor.reload();
    await expect.poll(() => gone.isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await main.textContent()).toMatch(/used as often as its owner allowed/);

    // A token that never existed.
    await visitor.goto('/s/no-such-token-at-all');
    await expect.poll(() => visitor.getByRole('heading', { name: 'This link does not exist', level: 1 }).isVisible(), { timeout: 10_000 }).toBe(true);

    // The owner sees each state in the share dialog.
    await alicePage.goto('/files');
    const dialog = await openShareDialog('Team');
    const list = dialog.getByRole('list', { name: 'Links to Team' });
    await expect.poll(() => list.textContent(), { timeout: 10_000 }).toContain('Short-lived');
    const rows = list.getByRole('listitem');
    // A revoked link leaves the list; the others say what became of them.
    expect(await rows.count()).toBe(3);
    expect(await rows.filter({ hasText: 'For the auditors' }).textContent()).toContain('Active');
    expect(await rows.filter({ hasText: 'Short-lived' }).textContent()).toMatch(/Expired.*Ended/);
    expect(await rows.filter({ hasText: 'Link without a name' }).textContent()).toMatch(/Limit reached.*1 of 1 download/);
    await visitor.context().close();
  });

  // The view that takes the last allowed view is a whole visit: its listing and downloads work.
  it('a link with a view limit shows its folder on its last allowed view', async () => {
    const visitor = await openPage();
    const limited = await alice.json<LinkBody>('/links', { method: 'POST', json: { node_id: team.id, permission: 'read', max_views: 1 } });
    await visitor.goto(`/s/${limited.body.token}`);
    await expect.poll(() => visitor.getByRole('heading', { name: 'Team', level: 1 }).isVisible(), { timeout: 10_000 }).toBe(true);
    try {
      await expect.poll(() => visitor.getByRole('table', { name: 'Contents of Team' }).isVisible(), { timeout: 3_000 }).toBe(true);
    } finally {
      await visitor.context().close();
    }
  });
});
