import { request as httpRequest } from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.js';
import type { NodeBody } from './helpers/api.js';
import { DavUser } from './helpers/dav.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/**
 * Issue 9 item 2: every door that serves a user's bytes serves them so that they cannot run as
 * Coffer (nosniff, a CSP sandbox, attachment for active types), and COFFER_CONTENT_ORIGIN moves
 * them to an origin of their own. The browser side is in content-xss-browser.test.ts.
 */

const HTML = '<!doctype html><script>fetch("/api/v1/auth/refresh",{method:"POST"})</script><p>invoice</p>';
const SVG = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>';

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request with exactly these headers (node:http, so Host can name another origin). */
function raw(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Raw> {
  const u = new URL(url);
  const headers = { ...init.headers };
  if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, method: init.method ?? 'GET', path: u.pathname + u.search, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}

function expectSandboxed(r: Raw, what: string) {
  expect(r.headers['x-content-type-options'], what).toBe('nosniff');
  expect(String(r.headers['content-security-policy']), what).toMatch(/^sandbox;/);
  expect(String(r.headers['content-security-policy']), what).toContain("default-src 'none'");
  expect(r.headers['referrer-policy'], what).toBe('no-referrer');
  expect(r.headers['cross-origin-opener-policy'], what).toBe('same-origin');
}

function expectAttachment(r: Raw, what: string) {
  expect(String(r.headers['content-disposition']), what).toMatch(/^attachment; filename=/);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

describe('stored files cannot run as Coffer, on every door', () => {
  let server: TestServer;
  let alice: DavUser;
  let html: NodeBody;

  beforeAll(async () => {
    server = await startTestServer({ COFFER_DAV_PORT: '0' });
    alice = await DavUser.create(server.url, 'alice');
    expect((await alice.request('PUT', '/invoice.html', { body: HTML, headers: { 'content-type': 'text/html' } })).status).toBe(201);
    expect((await alice.request('PUT', '/logo.svg', { body: SVG, headers: { 'content-type': 'image/svg+xml' } })).status).toBe(201);
    // The client's claim is not trusted: a name that says HTML, a type that says image.
    expect((await alice.request('PUT', '/disguised.html', { body: HTML, headers: { 'content-type': 'image/png' } })).status).toBe(201);
    // ...and a type that says HTML under a harmless name.
    expect((await alice.request('PUT', '/photo.png', { body: HTML, headers: { 'content-type': 'text/html' } })).status).toBe(201);
    expect((await alice.request('PUT', '/notes.txt', { body: 'plain text', headers: { 'content-type': 'text/plain' } })).status).toBe(201);
    const found = await alice.api.json<NodeBody>(`/resolve?path=${encodeURIComponent('/invoice.html')}`);
    html = found.body;
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  it('WebDAV GET and HEAD on every mount send nosniff, a sandbox and attachment for HTML and SVG', async () => {
    const mounts = [
      `${server.url}/dav`,
      `${server.url}/remote.php/webdav`,
      `${server.url}/remote.php/dav/files/alice`,
      server.davUrl!,
    ];
    for (const mount of mounts) {
      for (const name of ['invoice.html', 'logo.svg', 'disguised.html', 'photo.png']) {
        for (const method of ['GET', 'HEAD']) {
          const r = await raw(`${mount}/${name}`, { method, headers: { authorization: alice.authorization } });
          const what = `${method} ${mount}/${name}`;
          expect(r.status, what).toBe(200);
          expectSandboxed(r, what);
          expectAttachment(r, what);
          expect(r.headers['cross-origin-resource-policy'], what).toBe('same-origin');
        }
      }
      // A byte range of the same file carries the same headers.
      const partial = await raw(`${mount}/invoice.html`, { headers: { authorization: alice.authorization, range: 'bytes=0-9' } });
      expect(partial.status).toBe(206);
      expectSandboxed(partial, `range ${mount}`);
      expectAttachment(partial, `range ${mount}`);
      // A harmless type is sandboxed and sniff-proof too, but not forced to download.
      const text = await raw(`${mount}/notes.txt`, { headers: { authorization: alice.authorization } });
      expectSandboxed(text, `${mount}/notes.txt`);
      expect(text.headers['content-disposition']).toBeUndefined();
      // The folder page Coffer itself writes is sandboxed as well.
      const folder = await raw(`${mount}/`, { headers: { authorization: alice.authorization } });
      expect(folder.status).toBe(200);
      expect(folder.headers['x-content-type-options']).toBe('nosniff');
      expect(String(folder.headers['content-security-policy'])).toMatch(/^sandbox;/);
    }
  });

  it('the REST content routes (Bearer, file link, version) are sandboxed; active types download unless asked inline', async () => {
    const id = html.id;
    const versions = await alice.api.json<{ items: { id: string }[] }>(`/files/${id}/versions`);
    const versionId = versions.body.items[0]!.id;
    const auth = { authorization: `Bearer ${alice.api.token}` };
    for (const path of [`/api/v1/files/${id}/content`, `/api/v1/files/${id}/versions/${versionId}/content`]) {
      for (const method of ['GET', 'HEAD']) {
        const r = await raw(`${server.url}${path}`, { method, headers: auth });
        expect(r.status).toBe(200);
        expectSandboxed(r, `${method} ${path}`);
        expectAttachment(r, `${method} ${path}`);
        expect(r.headers['cross-origin-resource-policy']).toBe('same-origin');
        const inline = await raw(`${server.url}${path}?inline=1`, { method, headers: auth });
        expectSandboxed(inline, `${method} ${path}?inline=1`);
        expect(String(inline.headers['content-disposition'])).toMatch(/^inline; filename=/);
      }
    }
    for (const [body, inline] of [{ inline: false }, { inline: true }, { version_id: versionId, inline: true }].map((b) => [b, b.inline] as const)) {
      const link = await alice.api.json<{ url: string }>(`/files/${id}/links`, { method: 'POST', json: body });
      expect(link.status).toBe(200);
      expect(link.body.url.startsWith('/api/v1/files/')).toBe(true);
      const r = await raw(`${server.url}${link.body.url}`);
      expect(r.status).toBe(200);
      expect(r.body).toBe(HTML);
      expectSandboxed(r, link.body.url);
      expect(String(r.headers['content-disposition'])).toMatch(inline ? /^inline;/ : /^attachment;/);
    }
  });

  it('a PDF shown inline is sandboxed too (Chromium\'s viewer works under the sandbox)', async () => {
    const pdf = await alice.api.upload('doc.pdf', '%PDF-1.4\n%%EOF\n', { type: 'application/pdf' });
    const r = await raw(`${server.url}/api/v1/files/${pdf.body.id}/content?inline=1`, { headers: { authorization: `Bearer ${alice.api.token}` } });
    expect(r.headers['content-type']).toBe('application/pdf');
    expectSandboxed(r, 'inline PDF');
    expect(String(r.headers['content-disposition'])).toMatch(/^inline;/);
  });
});

describe('COFFER_CONTENT_ORIGIN', () => {
  let server: TestServer;
  let alice: DavUser;
  let port: number;
  let main: string;
  let content: string;

  beforeAll(async () => {
    port = await freePort();
    main = `http://127.0.0.1:${port}`;
    content = `http://localhost:${port}`;
    server = await startTestServer({ PORT: String(port), COFFER_CONTENT_ORIGIN: content });
    alice = await DavUser.create(server.url, 'alice');
    expect((await alice.request('PUT', '/invoice.html', { body: HTML, headers: { 'content-type': 'text/html' } })).status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  it('file links point at the content origin, which serves them for the web app to embed', async () => {
    const file = await alice.api.json<NodeBody>(`/resolve?path=${encodeURIComponent('/invoice.html')}`);
    const link = await alice.api.json<{ url: string }>(`/files/${file.body.id}/links`, { method: 'POST', json: { inline: true } });
    expect(link.status).toBe(200);
    expect(link.body.url.startsWith(`${content}/api/v1/files/${file.body.id}/content?`)).toBe(true);
    const path = link.body.url.slice(content.length);
    // Asked of the server with the content origin's Host (what a proxy in front of it passes on).
    const r = await raw(`${main}${path}`, { headers: { host: `localhost:${port}` } });
    expect(r.status).toBe(200);
    expect(r.body).toBe(HTML);
    expectSandboxed(r, 'content origin');
    expect(r.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(r.headers['access-control-allow-origin']).toBe('*');
    const head = await raw(`${main}${path}`, { method: 'HEAD', headers: { host: `localhost:${port}` } });
    expect(head.status).toBe(200);
    // The main origin still serves API clients that send their token.
    const direct = await raw(`${main}/api/v1/files/${file.body.id}/content`, { headers: { authorization: `Bearer ${alice.api.token}` } });
    expect(direct.status).toBe(200);
    expect(direct.headers['cross-origin-resource-policy']).toBe('same-origin');
  });

  it('the content origin refuses the API, the app shell and WebDAV', async () => {
    const host = { host: `localhost:${port}` };
    const refused: [string, string, Record<string, string>, string?][] = [
      ['GET', '/', { accept: 'text/html' }],
      ['GET', '/files/anything', { accept: 'text/html' }],
      ['GET', '/api/v1/files/root', { authorization: `Bearer ${alice.api.token}` }],
      ['POST', '/api/v1/auth/refresh', { 'x-csrf-token': 'x', 'content-type': 'application/json' }, '{}'],
      ['POST', '/api/v1/auth/app-passwords', { authorization: `Bearer ${alice.api.token}`, 'content-type': 'application/json' }, '{"name":"x"}'],
      ['GET', '/dav/invoice.html', { authorization: alice.authorization }],
      ['PROPFIND', '/remote.php/webdav/', { authorization: alice.authorization, depth: '1' }],
      ['GET', '/api/v1/openapi.json', {}],
    ];
    for (const [method, path, headers, body] of refused) {
      const r = await raw(`${main}${path}`, { method, headers: { ...headers, ...host }, ...(body !== undefined ? { body } : {}) });
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.headers['content-type'], `${method} ${path}`).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(r.body).detail).toMatch(/serves only file content/);
    }
    // The same requests on the main origin work.
    expect((await raw(`${main}/dav/invoice.html`, { headers: { authorization: alice.authorization } })).status).toBe(200);
    expect((await raw(`${main}/api/v1/files/root`, { headers: { authorization: `Bearer ${alice.api.token}` } })).status).toBe(200);
  });

  it('the app shell allows previews from the content origin', async () => {
    const shell = await raw(`${main}/`, { headers: { accept: 'text/html' } });
    if (shell.status === 404) return; // no web build in this checkout: nothing to check
    const csp = String(shell.headers['content-security-policy']);
    for (const directive of ['img-src', 'media-src', 'frame-src', 'connect-src']) {
      expect(csp).toMatch(new RegExp(`${directive} [^;]*${content.replace(/[.:/]/g, '\\$&')}`));
    }
  });

  it('an invalid value stops start-up with a message naming the variable', () => {
    for (const bad of ['usercontent.example.net', 'ftp://x.example', 'https://x.example/files', 'https://u:p@x.example', 'https://x.example?a=1']) {
      expect(() => loadConfig({ COFFER_CONTENT_ORIGIN: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ COFFER_CONTENT_ORIGIN: bad })).toThrow(/COFFER_CONTENT_ORIGIN/);
    }
    expect(loadConfig({ COFFER_CONTENT_ORIGIN: 'https://UserContent.example.net/' }).contentOrigin?.origin).toBe('https://usercontent.example.net');
  });
});
