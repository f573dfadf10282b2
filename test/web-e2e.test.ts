import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type NodeBody } from './helpers/api.js';
import { CHROMIUM, launchChromium, newContext, ScreenRecorder } from './helpers/browser.js';
import { run } from './helpers/clients.js';
import { ADMIN_PASSWORD, startTestServer, usingPostgres, type TestServer } from './helpers/server.js';

/**
 * The web app end to end in Debian's Chromium against a real server: the journey of the issue,
 * with axe-core on every main screen and screenshots at desktop and phone width.
 * One backend is enough for a browser journey: PostgreSQL when the suite has it, else PGlite.
 */
const runsHere = process.env.COFFER_TEST_DATABASE_URL ? usingPostgres() : true;
const chromiumMissing = !fs.existsSync(CHROMIUM);
if (chromiumMissing && process.env.COFFER_TEST_REQUIRE_CLIENTS !== '1') {
  console.warn(`${CHROMIUM} is missing: the browser tests are skipped (apt-get install chromium)`);
}
const skip = !runsHere || (chromiumMissing && process.env.COFFER_TEST_REQUIRE_CLIENTS !== '1');

const BIG_BYTES = 200 * 1024 * 1024;
const SCREENSHOTS = path.resolve('test-results/screenshots/files');

/** 50 files in nested folders, one of them 200 MB, plus the litter macOS leaves (hidden in the app). */
function makeTree(root: string): { files: string[]; bytes: number } {
  const files: string[] = [];
  let bytes = 0;
  const write = (rel: string, data: string | Buffer) => {
    const file = path.join(root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, data);
    files.push(rel);
    bytes += Buffer.byteLength(data);
  };
  for (let i = 0; i < 20; i++) write(`notes/note-${String(i).padStart(2, '0')}.txt`, `note ${i}\n`.repeat(20 + i));
  for (let i = 0; i < 20; i++) write(`photos/2024/img-${String(i).padStart(2, '0')}.svg`, `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="#${(i * 12345).toString(16).padStart(6, '0').slice(0, 6)}"/></svg>`);
  for (let i = 0; i < 5; i++) write(`docs/report-${i}.md`, `# Report ${i}\n\nAll good.\n`);
  write('readme.txt', 'The e2e tree.\n');
  write('.DS_Store', Buffer.alloc(64, 1));
  write('photos/._img-00.svg', Buffer.alloc(32, 2));
  write('docs/to-rename.txt', 'rename me\n');
  // The big one: written sparse, read as zeros, uploaded for real.
  const big = path.join(root, 'video/big.bin');
  fs.mkdirSync(path.dirname(big), { recursive: true });
  fs.closeSync(fs.openSync(big, 'w'));
  fs.truncateSync(big, BIG_BYTES);
  files.push('video/big.bin');
  bytes += BIG_BYTES;
  return { files, bytes };
}

describe.skipIf(skip)('web app in Chromium', () => {
  let server: TestServer;
  let admin: Api;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let work: string;
  let tree: { files: string[]; bytes: number };
  const screens = new ScreenRecorder(SCREENSHOTS);

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-e2e-'));
    tree = makeTree(path.join(work, 'e2e-tree'));
    server = await startTestServer();
    admin = await Api.admin(server.url);
    browser = await launchChromium();
    context = await newContext(browser, server.url);
    page = await context.newPage();
    page.on('pageerror', (err) => console.error('page error:', err));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
    console.log(`web app screenshots (${screens.shots.length}): ${SCREENSHOTS}`);
  });

  const resolve = (p: string) => admin.json<NodeBody>(`/resolve?path=${encodeURIComponent(p)}`);

  it('refuses a wrong password with a clear message, then signs in; the session survives a reload', async () => {
    await page.goto('/');
    await expect.poll(() => page.getByRole('heading', { name: 'Sign in to Coffer' }).isVisible()).toBe(true);
    await screens.capture(page, 'sign-in');
    await page.getByLabel('Username or email').fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/Wrong username or password/);

    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/files');
    await expect.poll(() => page.getByRole('button', { name: 'Upload folder' }).isVisible()).toBe(true);

    // No token in script-visible storage; the refresh cookie is httpOnly.
    const stored = (await page.evaluate('JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie')) as string;
    expect(stored).not.toMatch(/eyJ/);
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'coffer_refresh')?.httpOnly).toBe(true);

    await page.reload();
    await expect.poll(() => page.getByRole('button', { name: 'Upload folder' }).isVisible(), { timeout: 15_000 }).toBe(true);
  });

  it('uploads a folder tree of 50 files with a 200 MB one, progress reaching 100 %', async () => {
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Upload folder' }).click();
    await (await chooser).setFiles(path.join(work, 'e2e-tree'));
    const total = page.getByRole('progressbar', { name: 'Total upload progress' });
    await expect.poll(() => total.getAttribute('aria-valuenow'), { timeout: 240_000, interval: 500 }).toBe('100');
    await expect.poll(() => page.getByRole('region', { name: 'Uploads' }).textContent()).toMatch(new RegExp(`${tree.files.length} uploads? complete`));
    await screens.capture(page, 'upload-complete');
    await page.getByRole('button', { name: 'Close uploads' }).click();
    expect(await page.getByRole('region', { name: 'Uploads' }).count()).toBe(0);

    const big = await resolve('/e2e-tree/video/big.bin');
    expect(big.body.size).toBe(BIG_BYTES);
    const folder = await resolve('/e2e-tree');
    expect(folder.body.size).toBe(tree.bytes);
    expect((await resolve('/e2e-tree/notes/note-19.txt')).status).toBe(200);
  });

  it('browses into the tree, hides macOS litter, and previews a file', async () => {
    await page.getByRole('link', { name: 'e2e-tree', exact: true }).first().click();
    await expect.poll(() => page.getByRole('navigation', { name: 'Breadcrumb' }).textContent()).toContain('e2e-tree');
    const list = page.getByRole('grid', { name: 'Files' });
    await expect.poll(() => list.textContent()).toContain('readme.txt');
    expect(await list.textContent()).not.toContain('.DS_Store');
    // The litter is stored (WebDAV clients need it), only the app hides it.
    expect((await resolve('/e2e-tree/.DS_Store')).status).toBe(200);
    await screens.capture(page, 'files-list');

    await page.getByRole('button', { name: 'Grid view' }).click();
    await screens.capture(page, 'files-grid');
    await page.getByRole('button', { name: 'List view' }).click();

    await page.getByRole('link', { name: 'readme.txt', exact: true }).click();
    const preview = page.getByRole('dialog');
    await expect.poll(() => preview.textContent(), { timeout: 10_000 }).toContain('The e2e tree.');
    await screens.capture(page, 'preview');
    await page.keyboard.press('Escape');
  });

  it('finds files with the search box, by name and by their text, and opens one in place', async () => {
    const tree = (await resolve('/e2e-tree')).body;
    const docs = (await resolve('/e2e-tree/docs')).body;
    const box = page.getByRole('searchbox', { name: 'Search files and folders' });
    await box.fill('REPORT-3');
    await box.press('Enter');
    const byName = page.getByRole('region', { name: 'Results for “REPORT-3”' });
    await expect.poll(() => byName.getByRole('link').allTextContents()).toEqual(['report-3.md']);
    expect(await byName.textContent()).toContain('e2e-tree/docs');
    await screens.capture(page, 'search-results');
    // Opened in place: its folder, the file previewed, and selected behind the preview.
    await byName.getByRole('link', { name: 'report-3.md' }).click();
    await expect.poll(() => page.getByRole('dialog').textContent(), { timeout: 10_000 }).toContain('All good.');
    expect(new URL(page.url()).pathname).toBe(`/files/${docs.id}`);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('group', { name: 'Selected items' }).textContent()).toContain('1 selected');

    // By their text, once the search.index jobs enqueued with the uploads have read them, with the words marked.
    const reading = () => server.core.db.selectFrom('jobs').select('id').where('kind', '=', 'search.index').where('state', 'in', ['queued', 'running']).execute();
    await expect.poll(async () => (await reading()).length, { timeout: 30_000 }).toBe(0);
    expect(await server.core.search.indexPending(200)).toBe(0);
    await page.getByRole('button', { name: /^Filters/ }).click();
    await page.getByRole('checkbox', { name: 'Search the text inside documents' }).check();
    await box.fill('good');
    await box.press('Enter');
    const byText = page.getByRole('region', { name: /Results for “good”/ });
    await expect.poll(() => byText.getByRole('link').count()).toBe(5);
    expect(await byText.locator('mark').first().textContent()).toBe('good');
    await screens.capture(page, 'search-content');
    // Escape leaves the search for the folder.
    await page.getByRole('searchbox', { name: 'Search files and folders' }).press('Escape');
    await expect.poll(() => page.getByRole('grid', { name: 'Files' }).textContent()).toContain('report-3.md');
    await page.goto(`/files/${tree.id}`);
    await expect.poll(() => page.getByRole('grid', { name: 'Files' }).textContent()).toContain('readme.txt');
  });

  it('renames, moves and deletes, then restores from the trash', async () => {
    await page.getByRole('link', { name: 'docs', exact: true }).click();
    await expect.poll(() => page.getByRole('grid', { name: 'Files' }).textContent()).toContain('to-rename.txt');

    await page.getByRole('button', { name: 'Actions for to-rename.txt' }).click();
    await page.getByRole('menuitem', { name: 'Rename' }).click();
    await page.getByLabel('Name', { exact: true }).fill('renamed.txt');
    await page.getByRole('dialog').getByRole('button', { name: 'Rename' }).click();
    await expect.poll(async () => (await resolve('/e2e-tree/docs/renamed.txt')).status).toBe(200);

    await page.getByRole('button', { name: 'Actions for renamed.txt' }).click();
    await page.getByRole('menuitem', { name: 'Move' }).click();
    const picker = page.getByRole('dialog');
    await picker.getByRole('button', { name: /^(Go up|e2e-tree)$/ }).first().click();
    await picker.getByRole('button', { name: 'notes', exact: true }).click();
    await picker.getByRole('button', { name: 'Move here' }).click();
    await expect.poll(async () => (await resolve('/e2e-tree/notes/renamed.txt')).status).toBe(200);
    expect((await resolve('/e2e-tree/docs/renamed.txt')).status).toBe(404);

    await page.getByRole('button', { name: 'Actions for report-0.md' }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    const confirm = page.getByRole('alertdialog').or(page.getByRole('dialog'));
    if (await confirm.isVisible().catch(() => false)) await confirm.getByRole('button', { name: /Delete|Move to trash/ }).click();
    await expect.poll(async () => (await resolve('/e2e-tree/docs/report-0.md')).status).toBe(404);

    await page.getByRole('link', { name: 'Trash' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Trash', level: 1 }).isVisible()).toBe(true);
    await expect.poll(() => page.getByRole('main').textContent()).toContain('report-0.md');
    await screens.capture(page, 'trash');
    await page.getByRole('button', { name: 'Restore report-0.md' }).click();
    await expect.poll(async () => (await resolve('/e2e-tree/docs/report-0.md')).status).toBe(200);
  });

  it('uploads a new version of a file and restores the old one', async () => {
    const file = (await resolve('/e2e-tree/readme.txt')).body;
    await page.goto(`/files/${file.parent_id}`);
    await page.getByRole('button', { name: 'Actions for readme.txt' }).click();
    await page.getByRole('menuitem', { name: 'Versions' }).click();
    const dialog = page.getByRole('dialog');
    const newVersion = path.join(work, 'readme.txt');
    fs.writeFileSync(newVersion, 'The second version.\n');
    const chooser = page.waitForEvent('filechooser');
    await dialog.getByRole('button', { name: 'Upload new version' }).click();
    await (await chooser).setFiles(newVersion);
    await expect.poll(async () => (await admin.json<{ items: unknown[] }>(`/files/${file.id}/versions`)).body.items.length, { timeout: 30_000 }).toBe(2);
    await expect.poll(() => dialog.getByRole('button', { name: /^Restore version of/ }).count(), { timeout: 10_000 }).toBe(1);
    await screens.capture(page, 'versions');
    await dialog.getByRole('button', { name: /^Restore version of/ }).click();
    await expect.poll(async () => (await admin.fetch(`/files/${file.id}/content`)).text()).toBe('The e2e tree.\n');
    await page.keyboard.press('Escape');
  });

  it('asks before uploading onto a taken name: keep both stores a second file, replace a new version', async () => {
    const docs = (await resolve('/e2e-tree/docs')).body;
    const original = (await resolve('/e2e-tree/docs/report-1.md')).body;
    await page.goto(`/files/${docs.id}`);
    await expect.poll(() => page.getByRole('grid', { name: 'Files' }).textContent()).toContain('report-1.md');
    const again = path.join(work, 'again', 'report-1.md');
    fs.mkdirSync(path.dirname(again), { recursive: true });
    fs.writeFileSync(again, '# Report 1, again\n');
    const uploadAgain = async () => {
      const chooser = page.waitForEvent('filechooser');
      await page.getByRole('button', { name: 'Upload files' }).click();
      await (await chooser).setFiles(again);
      const question = page.getByRole('dialog', { name: '“report-1.md” already exists' });
      await expect.poll(() => question.isVisible(), { timeout: 10_000 }).toBe(true);
      return question;
    };
    const uploads = page.getByRole('region', { name: 'Uploads' });

    const question = await uploadAgain();
    await screens.capture(page, 'upload-conflict');
    await question.getByRole('button', { name: 'Keep both' }).click();
    await expect.poll(() => uploads.textContent(), { timeout: 30_000 }).toContain('report-1 (1).md');
    expect(await uploads.textContent()).toContain('kept both');
    expect((await resolve('/e2e-tree/docs/report-1 (1).md')).status).toBe(200);
    expect((await admin.fetch(`/files/${original.id}/content`).then((r) => r.text()))).toBe('# Report 1\n\nAll good.\n');
    await page.getByRole('button', { name: 'Close uploads' }).click();

    await (await uploadAgain()).getByRole('button', { name: 'Replace' }).click();
    await expect.poll(() => uploads.textContent(), { timeout: 30_000 }).toContain('New version');
    await expect.poll(async () => (await admin.fetch(`/files/${original.id}/content`)).text()).toBe('# Report 1, again\n');
    expect((await admin.json<{ items: unknown[] }>(`/files/${original.id}/versions`)).body.items).toHaveLength(2);
    expect((await resolve('/e2e-tree/docs/report-1 (2).md')).status).toBe(404);
    await page.getByRole('button', { name: 'Close uploads' }).click();
  });

  it('creates an app password that works with curl against /dav/', async () => {
    await page.getByRole('link', { name: 'Account' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Account', level: 1 }).isVisible()).toBe(true);
    await screens.capture(page, 'account');
    await page.getByLabel('App password name').fill('e2e curl');
    await page.getByRole('button', { name: 'Create app password' }).click();
    const secret = page.getByTestId('new-app-password');
    await expect.poll(() => secret.textContent()).toMatch(/\S{16,}/);
    const password = (await secret.textContent())!.trim();
    await screens.capture(page, 'app-password-created');
    const curl = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-u', `admin:${password}`, '-X', 'PROPFIND', '-H', 'Depth: 1', `${server.url}/dav/e2e-tree/`]);
    expect(curl.stdout).toBe('207');
    const listing = await run('curl', ['-s', '-u', `admin:${password}`, `${server.url}/dav/e2e-tree/readme.txt`]);
    expect(listing.stdout).toBe('The e2e tree.\n');
    await page.keyboard.press('Escape');
  });

  it('lets the admin create a user with a quota; that user is told when an upload does not fit', async () => {
    await page.getByRole('link', { name: 'Admin' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Administration', level: 1 }).isVisible()).toBe(true);
    await screens.capture(page, 'admin-users');
    await page.getByRole('button', { name: 'Create user' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Username').fill('quota-user');
    await dialog.getByLabel('Password', { exact: true }).fill('quota-user-password-1');
    await dialog.getByLabel('Quota', { exact: true }).fill('1');
    await dialog.getByLabel('Quota unit').selectOption('MB');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect.poll(async () => (await admin.json<{ items: { username: string; quota_bytes?: number | null }[] }>('/admin/users?search=quota-user')).body.items[0]?.quota_bytes).toBe(1024 * 1024);

    await page.getByRole('link', { name: 'Audit log' }).or(page.getByRole('link', { name: 'Audit' })).first().click();
    await expect.poll(() => page.getByRole('main').textContent()).toContain('user.create');
    await screens.capture(page, 'admin-audit');
    await page.getByRole('link', { name: 'Storage' }).click();
    await expect.poll(() => page.getByRole('main').textContent()).toContain('quota-user');
    await screens.capture(page, 'admin-storage');

    // The user signs in in a fresh browser and tries a 2 MB file against the 1 MB quota.
    const theirs = await newContext(browser, server.url);
    const userPage = await theirs.newPage();
    await userPage.goto('/');
    await userPage.getByLabel('Username or email').fill('quota-user');
    await userPage.getByLabel('Password').fill('quota-user-password-1');
    await userPage.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => userPage.getByRole('button', { name: 'Upload files' }).isVisible(), { timeout: 15_000 }).toBe(true);
    // Not an admin: no admin entry, and the admin screen refuses.
    expect(await userPage.getByRole('link', { name: 'Admin' }).count()).toBe(0);
    const tooBig = path.join(work, 'too-big.bin');
    fs.writeFileSync(tooBig, Buffer.alloc(2 * 1024 * 1024, 7));
    const chooser = userPage.waitForEvent('filechooser');
    await userPage.getByRole('button', { name: 'Upload files' }).click();
    await (await chooser).setFiles(tooBig);
    const uploads = userPage.getByRole('region', { name: 'Uploads' });
    await expect.poll(() => uploads.textContent(), { timeout: 30_000 }).toMatch(/Not enough space/);
    expect(await uploads.textContent()).toMatch(/left/);
    await screens.capture(userPage, 'quota-error');
    await userPage.goto('/admin/users');
    await expect.poll(() => userPage.getByRole('main').textContent()).toMatch(/Administrators only/);
    await theirs.close();
    // Nothing of the refused upload is counted.
    const listed = (await admin.json<{ items: { id: string; used_bytes?: number }[] }>('/admin/users?search=quota-user')).body.items[0]!;
    expect(listed.used_bytes).toBe(0);

    // Suspended, the account is told why it cannot sign in.
    await admin.json(`/admin/users/${listed.id}/suspend`, { method: 'POST' });
    const again = await newContext(browser, server.url);
    const loginPage = await again.newPage();
    await loginPage.goto('/');
    await loginPage.getByLabel('Username or email').fill('quota-user');
    await loginPage.getByLabel('Password').fill('quota-user-password-1');
    await loginPage.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => loginPage.getByRole('alert').textContent()).toMatch(/suspended/i);
    await again.close();
  });

  it('works offline as an installed app shell and says so', async () => {
    await page.goto('/files');
    await expect.poll(() => page.getByRole('button', { name: 'Upload folder' }).isVisible()).toBe(true);
    const manifest = await page.evaluate('document.querySelector(\'link[rel="manifest"]\')?.getAttribute("href")');
    expect(manifest).toBe('/manifest.webmanifest');
    await expect.poll(() => page.evaluate('navigator.serviceWorker.controller !== null'), { timeout: 15_000 }).toBe(true);
    await context.setOffline(true);
    await page.reload();
    await expect.poll(() => page.getByText(/offline/i).first().isVisible(), { timeout: 15_000 }).toBe(true);
    await screens.capture(page, 'offline');
    await context.setOffline(false);
  });
});
