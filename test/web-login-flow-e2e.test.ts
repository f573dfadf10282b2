import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from './helpers/api.js';
import { CHROMIUM, launchChromium, newContext, ScreenRecorder } from './helpers/browser.js';
import { startTestServer, usingPostgres, type TestServer } from './helpers/server.js';

/**
 * Nextcloud's login flow v2 with a real browser, as a person meets it: the desktop client starts
 * a flow (Flow2Auth::fetchNewToken: POST /index.php/login/v2, Content-Length: 0, its friendly
 * User-Agent) and opens `login` in the browser; the person, signed out, signs in first, comes
 * back to the request, sees the device, grants it; the client's poll (a form post of token=…)
 * then gets the app password, which opens the person's files over WebDAV.
 * One backend is enough for a browser journey: PostgreSQL when the suite has it, else PGlite.
 */
const runsHere = process.env.COFFER_TEST_DATABASE_URL ? usingPostgres() : true;
const chromiumMissing = !fs.existsSync(CHROMIUM);
if (chromiumMissing && process.env.COFFER_TEST_REQUIRE_CLIENTS !== '1') {
  console.warn(`${CHROMIUM} is missing: the browser tests are skipped (apt-get install chromium)`);
}
const skip = !runsHere || (chromiumMissing && process.env.COFFER_TEST_REQUIRE_CLIENTS !== '1');

const SCREENSHOTS = path.resolve('test-results/screenshots/login-flow');
const DESKTOP_AGENT = 'studio-mac (Desktop Client - macOS)';
const ADA = { username: 'ada', password: 'ada-password-123' };

interface Started {
  poll: { token: string; endpoint: string };
  login: string;
}

describe.skipIf(skip)('login flow v2 in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const screens = new ScreenRecorder(SCREENSHOTS);

  beforeAll(async () => {
    server = await startTestServer();
    const admin = await Api.admin(server.url);
    await admin.createUser(ADA.username, ADA.password);
    browser = await launchChromium();
    context = await newContext(browser, server.url);
    page = await context.newPage();
    page.on('pageerror', (err) => console.error('page error:', err));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    console.log(`login flow screenshots (${screens.shots.length}): ${SCREENSHOTS}`);
  });

  const startFlow = async (): Promise<Started> => {
    const res = await fetch(`${server.url}/index.php/login/v2`, { method: 'POST', headers: { 'content-length': '0', 'user-agent': DESKTOP_AGENT } });
    expect(res.status).toBe(200);
    return (await res.json()) as Started;
  };
  const poll = (started: Started) =>
    fetch(started.poll.endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${encodeURIComponent(started.poll.token)}` });

  it('signs a signed-out person in, shows the device, grants it, and the poll gets a working app password', async () => {
    const started = await startFlow();
    // As Flow2Auth opens it: with ?user=<the local account name> when the server allows prefilling.
    await page.goto(`${started.login}?user=${ADA.username}`);
    await expect.poll(() => page.getByText('Sign in to connect a device to your account.').isVisible()).toBe(true);
    expect(await page.getByLabel('Username or email').inputValue()).toBe(ADA.username);
    await page.getByLabel('Password').fill(ADA.password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    // Back at the request, the address unchanged.
    const ask = page.getByRole('region', { name: 'Connect a device?' });
    await ask.waitFor();
    expect(new URL(page.url()).pathname).toBe(new URL(started.login).pathname);
    await expect.poll(() => ask.textContent()).toContain(DESKTOP_AGENT);
    expect(await ask.textContent()).toContain('as ada');
    expect((await poll(started)).status).toBe(404);
    await screens.capture(page, 'login-flow-ask');

    await page.getByRole('button', { name: 'Grant access' }).click();
    const done = page.getByRole('region', { name: 'Access granted' });
    await done.waitFor();
    expect(await done.textContent()).toContain('You can close this window.');
    await screens.capture(page, 'login-flow-granted');

    const collected = await poll(started);
    expect(collected.status).toBe(200);
    const credentials = (await collected.json()) as { server: string; loginName: string; appPassword: string };
    expect(credentials.loginName).toBe('ada');
    expect(credentials.server).toBe(server.url);
    const propfind = await fetch(`${server.url}/remote.php/dav/files/ada/`, {
      method: 'PROPFIND',
      headers: { authorization: `Basic ${Buffer.from(`ada:${credentials.appPassword}`).toString('base64')}`, depth: '0', 'user-agent': DESKTOP_AGENT },
    });
    expect(propfind.status).toBe(207);
    expect((await poll(started)).status).toBe(404);

    // Listed among the app passwords under the device's name, revocable there.
    await page.goto('/account');
    await page.getByRole('button', { name: `Revoke ${DESKTOP_AGENT}` }).waitFor();
  });

  it('refuses on Cancel: the page says so and the device polls 404', async () => {
    const started = await startFlow();
    await page.goto(started.login);
    await page.getByRole('region', { name: 'Connect a device?' }).waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    const refused = page.getByRole('region', { name: 'Access refused' });
    await refused.waitFor();
    expect(await refused.textContent()).toContain('You can close this window.');
    expect((await poll(started)).status).toBe(404);
    // Opened again, the request is gone, and the page says what to do.
    await page.reload();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/start the sign-in again on your device/);
  });
});
