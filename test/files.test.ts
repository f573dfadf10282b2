import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type NodeBody } from './helpers/api.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { blobFiles, chunkedBody, partialFiles, sha256 } from './helpers/storage.js';

// Uploads (raw, chunked, multipart), downloads (ranges, validators, names) and name rules,
// all through real HTTP against one started server.

interface VersionItem {
  id: string;
  size: number;
  sha256: string;
  author: string | null;
  created_at: string;
  current: boolean;
}
interface Problem {
  status: number;
  detail: string;
  [k: string]: unknown;
}




/**
 * Sends a hand-written HTTP request over a socket (fetch cannot lie about Content-Length),
 * half-closes it, and returns whatever the server answered before closing.
 */
function rawExchange(url: string, head: string, body: Buffer): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(head + '\r\n');
      socket.end(body);
    });
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    const done = () => resolve(Buffer.concat(chunks).toString('latin1'));
    socket.on('close', done);
    socket.on('error', done);
    setTimeout(() => socket.destroy(), 5000);
  });
}

async function versions(api: Api, id: string): Promise<VersionItem[]> {
  const r = await api.json<{ items: VersionItem[] }>(`/files/${id}/versions`);
  expect(r.status).toBe(200);
  return r.body.items;
}

async function download(api: Api, id: string, init: RequestInit = {}): Promise<{ res: Response; bytes: Buffer }> {
  const res = await api.fetch(`/files/${id}/content`, init);
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

async function resolve(api: Api, p: string) {
  return api.json<NodeBody>(`/resolve?${new URLSearchParams({ path: p })}`);
}

describe('files over REST', () => {
  let server: TestServer;
  let admin: Api;
  let api: Api;

  beforeAll(async () => {
    server = await startTestServer();
    admin = await Api.admin(server.url);
    api = (await admin.createUser('filer', 'filer-password-1')).api;
  });
  afterAll(async () => server?.close());

  describe('upload', () => {
    it('stores a raw body sent with Content-Length; the version hash is the real SHA-256', async () => {
      const data = randomBytes(200_000);
      const up = await api.upload('raw/with-length.bin', data);
      expect(up.status).toBe(201);
      expect(up.body.size).toBe(data.length);
      expect(up.body.path).toBe('/raw/with-length.bin');
      const [v] = await versions(api, up.body.id);
      expect(v!.sha256).toBe(sha256(data));
      expect(v!.size).toBe(data.length);
      const { res, bytes } = await download(api, up.body.id);
      expect(res.status).toBe(200);
      expect(bytes.equals(data)).toBe(true);
    });

    it('stores a chunked body of unknown length', async () => {
      const chunks = Array.from({ length: 7 }, (_, i) => randomBytes(30_000 + i * 1000));
      const all = Buffer.concat(chunks);
      const res = await api.fetch(`/files?${new URLSearchParams({ path: 'raw/chunked.bin' })}`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: chunkedBody(chunks),
      });
      expect(res.status).toBe(201);
      const node = (await res.json()) as NodeBody;
      expect(node.size).toBe(all.length);
      const [v] = await versions(api, node.id);
      expect(v!.sha256).toBe(sha256(all));
      const { bytes } = await download(api, node.id);
      expect(bytes.equals(all)).toBe(true);
    });

    it('uploads a folder tree in one multipart request, paths in the filenames', async () => {
      const files: Record<string, Buffer> = {};
      const paths = [
        'tree1/a.txt',
        'tree1/b.txt',
        'tree1/docs/c.md',
        'tree1/docs/d.md',
        'tree1/docs/2024/e.csv',
        'tree1/docs/2024/f.csv',
        'tree1/docs/2024/q1/g.bin',
        'tree1/docs/2024/q1/h.bin',
        'tree1/img/i.dat',
        'tree1/img/deep/er/j.dat',
      ];
      const form = new FormData();
      for (const p of paths) {
        files[p] = randomBytes(100 + Math.floor(Math.random() * 3000));
        form.append('file', new Blob([files[p]]), p);
      }
      const res = await api.fetch('/files/multipart?parent_id=root', { method: 'POST', body: form });
      expect(res.status).toBe(201);
      const body = (await res.json()) as { items: NodeBody[] };
      expect(body.items.map((n) => n.path)).toEqual(paths.map((p) => `/${p}`));
      for (const p of paths) {
        const r = await resolve(api, p);
        expect(r.status, p).toBe(200);
        expect(r.body.kind).toBe('file');
        expect((await download(api, r.body.id)).bytes.equals(files[p]!), p).toBe(true);
      }
      const q1 = await resolve(api, 'tree1/docs/2024/q1');
      expect(q1.body.kind).toBe('folder');
      const list = await api.json<{ items: NodeBody[] }>(`/folders/${q1.body.id}/children`);
      expect(list.body.items.map((n) => n.name)).toEqual(['g.bin', 'h.bin']);
      const top = await resolve(api, 'tree1');
      const topList = await api.json<{ items: NodeBody[] }>(`/folders/${top.body.id}/children`);
      expect(topList.body.items.map((n) => `${n.kind}:${n.name}`)).toEqual(['folder:docs', 'folder:img', 'file:a.txt', 'file:b.txt']);
      expect(top.body.size).toBe(Object.values(files).reduce((s, b) => s + b.length, 0));
    });

    it('uploads a folder tree in one multipart request, paths in preceding "path" fields', async () => {
      const paths = ['tree2/x/y/z/1.txt', 'tree2/x/y/2.txt', 'tree2/x/3.txt', 'tree2/4.txt'];
      const form = new FormData();
      const files = new Map<string, Buffer>();
      for (const p of paths) {
        const data = randomBytes(500);
        files.set(p, data);
        form.append('path', p);
        form.append('file', new Blob([data]), 'ignored-name.bin');
      }
      const res = await api.fetch('/files/multipart', { method: 'POST', body: form });
      expect(res.status).toBe(201);
      for (const [p, data] of files) {
        const r = await resolve(api, p);
        expect(r.status, p).toBe(200);
        expect((await download(api, r.body.id)).bytes.equals(data)).toBe(true);
      }
      expect((await resolve(api, 'tree2/ignored-name.bin')).status).toBe(404);
    });

    it('auto-renames an upload into a taken name', async () => {
      const a = await api.upload('renames/report.pdf', 'one');
      const b = await api.upload('renames/report.pdf', 'two');
      const c = await api.upload('renames/report.pdf', 'three');
      expect([a.status, b.status, c.status]).toEqual([201, 201, 201]);
      expect([a.body.name, b.body.name, c.body.name]).toEqual(['report.pdf', 'report (1).pdf', 'report (2).pdf']);
      expect(new Set([a.body.id, b.body.id, c.body.id]).size).toBe(3);
      expect((await download(api, a.body.id)).bytes.toString()).toBe('one');
      expect((await download(api, c.body.id)).bytes.toString()).toBe('three');
    });

    it('gives parallel uploads of one name distinct free names', async () => {
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => api.upload('same/photo.jpg', `parallel ${i}`)));
      expect(results.map((r) => r.status)).toEqual(Array(6).fill(201));
      expect(results.map((r) => r.body.name).sort()).toEqual([
        'photo (1).jpg',
        'photo (2).jpg',
        'photo (3).jpg',
        'photo (4).jpg',
        'photo (5).jpg',
        'photo.jpg',
      ]);
      for (const [i, r] of results.entries()) expect((await download(api, r.body.id)).bytes.toString()).toBe(`parallel ${i}`);
    });

    it('keeps every one of parallel overwrites as a version', async () => {
      const first = await api.upload('same/log.txt', 'v0');
      const results = await Promise.all(Array.from({ length: 5 }, (_, i) => api.upload('same/log.txt', `v${i + 1}`, { overwrite: true })));
      expect(results.map((r) => r.status)).toEqual(Array(5).fill(200));
      expect(new Set(results.map((r) => r.body.id))).toEqual(new Set([first.body.id]));
      const list = await versions(api, first.body.id);
      expect(list).toHaveLength(6);
      expect(new Set(list.map((v) => v.sha256))).toEqual(new Set(['v0', 'v1', 'v2', 'v3', 'v4', 'v5'].map(sha256)));
      expect(list.filter((v) => v.current)).toHaveLength(1);
      const current = (await download(api, first.body.id)).bytes.toString();
      expect(sha256(current)).toBe(list.find((v) => v.current)!.sha256);
    });

    it('overwrite=true makes a new version and keeps the old one downloadable', async () => {
      const v1 = await api.upload('versioned/notes.txt', 'first version');
      const v2 = await api.upload('versioned/notes.txt', 'second, longer version', { overwrite: true });
      expect(v1.status).toBe(201);
      expect(v2.status).toBe(200);
      expect(v2.body.id).toBe(v1.body.id);
      expect(v2.body.etag).not.toBe(v1.body.etag);
      expect(v2.body.size).toBe('second, longer version'.length);
      const list = await versions(api, v1.body.id);
      expect(list).toHaveLength(2);
      expect(list[0]!.current).toBe(true);
      expect(list[0]!.sha256).toBe(sha256('second, longer version'));
      expect(list[1]!.id).toBe(v1.body.version_id);
      const old = await api.fetch(`/files/${v1.body.id}/versions/${list[1]!.id}/content`);
      expect(old.status).toBe(200);
      expect(await old.text()).toBe('first version');
      expect((await download(api, v1.body.id)).bytes.toString()).toBe('second, longer version');
      const children = await api.json<{ items: NodeBody[] }>(`/folders/${v1.body.parent_id}/children`);
      expect(children.body.items.map((n) => n.name)).toEqual(['notes.txt']);
    });

    it('rejects a body shorter than its Content-Length and keeps nothing', async () => {
      const before = await api.json<{ used: number }>('/account/quota');
      const blobsBefore = blobFiles(server.dataDir).length;
      const answer = await rawExchange(
        server.url,
        [
          'POST /api/v1/files?path=short.bin HTTP/1.1',
          `Host: ${new URL(server.url).host}`,
          `Authorization: Bearer ${api.token}`,
          'Content-Type: application/octet-stream',
          'Content-Length: 1000',
          '',
        ].join('\r\n'),
        randomBytes(400),
      );
      expect(answer).not.toMatch(/^HTTP\/1\.1 2/);
      // The server notices the truncated body asynchronously; give it a moment to clean up.
      await new Promise((r) => setTimeout(r, 300));
      expect((await resolve(api, 'short.bin')).status).toBe(404);
      expect(blobFiles(server.dataDir)).toHaveLength(blobsBefore);
      expect(partialFiles(server.dataDir)).toEqual([]);
      const after = await api.json<{ used: number }>('/account/quota');
      expect(after.body.used).toBe(before.body.used);
    });

  });

  describe('download', () => {
    const data = randomBytes(1000);
    let file: NodeBody;
    const name = 'Grüße 日本.txt';

    beforeAll(async () => {
      const q = new URLSearchParams({ path: `dl/${name}`, modified_at: '1700000000' });
      const res = await api.fetch(`/files?${q}`, { method: 'POST', body: data, headers: { 'content-type': 'text/plain' } });
      expect(res.status).toBe(201);
      file = (await res.json()) as NodeBody;
    });

    it('answers 200 with Content-Length, ETag, Last-Modified and the exact bytes', async () => {
      const { res, bytes } = await download(api, file.id);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBe('1000');
      expect(res.headers.get('etag')).toBe(`"${file.etag}"`);
      expect(res.headers.get('last-modified')).toBe(new Date(1700000000_000).toUTCString());
      expect(res.headers.get('accept-ranges')).toBe('bytes');
      expect(bytes.equals(data)).toBe(true);
    });

    it('carries the Unicode name in Content-Disposition (RFC 6266 / 5987)', async () => {
      const { res } = await download(api, file.id);
      const cd = res.headers.get('content-disposition')!;
      expect(cd).toMatch(/^attachment;/);
      const m = /filename\*=UTF-8''([^;\s]+)/.exec(cd);
      expect(m).not.toBeNull();
      expect(decodeURIComponent(m![1]!)).toBe(name);
      // The plain filename= fallback is ASCII only.
      expect(/filename="([^"]*)"/.exec(cd)![1]).toMatch(/^[\x20-\x7e]+$/);
      const inline = await api.fetch(`/files/${file.id}/content?inline=true`);
      expect(inline.headers.get('content-disposition')).toMatch(/^inline;/);
      await inline.arrayBuffer();
    });

    it('serves byte ranges with 206 and Content-Range', async () => {
      const mid = await download(api, file.id, { headers: { range: 'bytes=100-199' } });
      expect(mid.res.status).toBe(206);
      expect(mid.res.headers.get('content-range')).toBe('bytes 100-199/1000');
      expect(mid.res.headers.get('content-length')).toBe('100');
      expect(mid.bytes.equals(data.subarray(100, 200))).toBe(true);

      const suffix = await download(api, file.id, { headers: { range: 'bytes=-10' } });
      expect(suffix.res.status).toBe(206);
      expect(suffix.res.headers.get('content-range')).toBe('bytes 990-999/1000');
      expect(suffix.bytes.equals(data.subarray(990))).toBe(true);

      const open = await download(api, file.id, { headers: { range: 'bytes=995-' } });
      expect(open.res.status).toBe(206);
      expect(open.res.headers.get('content-range')).toBe('bytes 995-999/1000');
      expect(open.bytes.equals(data.subarray(995))).toBe(true);

      const first = await download(api, file.id, { headers: { range: 'bytes=0-0' } });
      expect(first.res.status).toBe(206);
      expect(first.bytes.equals(data.subarray(0, 1))).toBe(true);
    });

    it('answers 416 with Content-Range: bytes */size for an unsatisfiable range', async () => {
      for (const range of ['bytes=1000-', 'bytes=5000-6000', 'bytes=-0']) {
        const { res } = await download(api, file.id, { headers: { range } });
        expect(res.status, range).toBe(416);
        expect(res.headers.get('content-range'), range).toBe('bytes */1000');
      }
    });

    it('answers If-None-Match with 304 and no body', async () => {
      const { res, bytes } = await download(api, file.id, { headers: { 'if-none-match': `"${file.etag}"` } });
      expect(res.status).toBe(304);
      expect(bytes.length).toBe(0);
      expect(res.headers.get('etag')).toBe(`"${file.etag}"`);
      const other = await download(api, file.id, { headers: { 'if-none-match': '"something-else"' } });
      expect(other.res.status).toBe(200);
      expect(other.bytes.equals(data)).toBe(true);
    });

    it('ignores Range when If-Range names a stale ETag, honours it for the current one', async () => {
      const stale = await download(api, file.id, { headers: { range: 'bytes=0-9', 'if-range': '"0123456789abcdef"' } });
      expect(stale.res.status).toBe(200);
      expect(stale.res.headers.get('content-range')).toBeNull();
      expect(stale.bytes.equals(data)).toBe(true);
      const fresh = await download(api, file.id, { headers: { range: 'bytes=0-9', 'if-range': `"${file.etag}"` } });
      expect(fresh.res.status).toBe(206);
      expect(fresh.bytes.equals(data.subarray(0, 10))).toBe(true);
    });

    it('answers HEAD with the headers and no body', async () => {
      const res = await api.fetch(`/files/${file.id}/content`, { method: 'HEAD' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBe('1000');
      expect(res.headers.get('etag')).toBe(`"${file.etag}"`);
      expect(res.headers.get('content-disposition')).toContain("filename*=UTF-8''");
      expect((await res.arrayBuffer()).byteLength).toBe(0);
    });

    it('downloads an empty file', async () => {
      const up = await api.upload('dl/empty.txt', '');
      expect(up.status).toBe(201);
      const { res, bytes } = await download(api, up.body.id);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBe('0');
      expect(bytes.length).toBe(0);
    });

    it('refuses to download a folder', async () => {
      const folder = await resolve(api, 'dl');
      const res = await api.fetch(`/files/${folder.body.id}/content`);
      expect(res.status).toBe(409);
    });
  });

  describe('names', () => {
    let target: NodeBody;
    beforeAll(async () => {
      target = (await api.upload('names/plain.txt', 'x')).body;
    });

    const rename = (name: string) => api.json<Problem>(`/files/${target.id}`, { method: 'PATCH', json: { name } });

    it.each([
      ['a slash', 'a/b.txt', /"\/"/],
      ['NUL', 'a\u0000b.txt', /NUL/],
      ['a control character', 'bell\u0007.txt', /control/],
      ['"."', '.', /reserved/],
      ['".."', '..', /reserved/],
      ['256 bytes', 'a'.repeat(252) + '.txt', /255 bytes/],
      ['256 bytes of two-byte letters', 'é'.repeat(128), /255 bytes/],
    ])('refuses a name with %s with a 400 that says why', async (_what, name, why) => {
      const r = await rename(name);
      expect(r.status).toBe(400);
      expect(r.res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(r.body.status).toBe(400);
      expect(r.body.detail).toMatch(why);
      const still = await api.json<NodeBody>(`/files/${target.id}`);
      expect(still.body.name).toBe('plain.txt');
    });

    it('accepts a 255-byte name', async () => {
      const name = 'é'.repeat(125) + 'abcde';
      expect(Buffer.byteLength(name)).toBe(255);
      const r = await api.upload(`names/${name}`, 'ok');
      expect(r.status).toBe(201);
      expect(r.body.name).toBe(name);
    });

    it('keeps auto-renamed names within 255 bytes', async () => {
      const name = 'ü'.repeat(125) + 'x.txt';
      expect(Buffer.byteLength(name)).toBe(255);
      const first = await api.upload(`long/${name}`, '1');
      expect(first.body.name).toBe(name);
      const names = [];
      for (let i = 0; i < 11; i++) {
        const r = await api.upload(`long/${name}`, String(i));
        expect(r.status).toBe(201);
        expect(Buffer.byteLength(r.body.name), r.body.name).toBeLessThanOrEqual(255);
        expect(r.body.name).toMatch(new RegExp(`^ü+x? \\(${i + 1}\\)\\.txt$`));
        names.push(r.body.name);
      }
      expect(new Set(names).size).toBe(11);
      const copy = await api.json<NodeBody>(`/files/${first.body.id}/copy`, { method: 'POST', json: { parent_id: first.body.parent_id } });
      expect(copy.status).toBe(201);
      expect(copy.body.name).toMatch(/ \(12\)\.txt$/);
      expect(Buffer.byteLength(copy.body.name)).toBeLessThanOrEqual(255);
    });

    it.each([
      ['NUL', 'names/a\u0000b.txt'],
      ['a control character', 'names/tab\there.txt'],
      ['".."', 'names/../escape.txt'],
      ['"."', 'names/./dot.txt'],
    ])('refuses an upload path with %s', async (_what, p) => {
      const r = await api.upload(p, 'nope');
      expect(r.status).toBe(400);
      expect((r.body as unknown as Problem).detail).toMatch(/name/i);
    });

    it('refuses a bad folder name on create', async () => {
      const r = await api.json<Problem>('/folders', { method: 'POST', json: { parent_id: 'root', path: 'names/..' } });
      expect(r.status).toBe(400);
      expect(r.body.detail).toMatch(/reserved/);
    });

    it('treats NFD and NFC forms as the same name', async () => {
      const nfd = 'u\u0308ber.txt';
      const nfc = nfd.normalize('NFC');
      expect(nfc).not.toBe(nfd);
      const first = await api.upload(`nfc/${nfd}`, 'first');
      expect(first.status).toBe(201);
      expect(first.body.name).toBe(nfc);
      const second = await api.upload(`nfc/${nfc}`, 'second');
      expect(second.status).toBe(201);
      expect(second.body.name).toBe('über (1).txt'.normalize('NFC'));
      const byNfd = await resolve(api, `/nfc/${nfd}`);
      expect(byNfd.status).toBe(200);
      expect(byNfd.body.id).toBe(first.body.id);
      const third = await api.upload(`nfc/${nfd}`, 'third', { overwrite: true });
      expect(third.status).toBe(200);
      expect(third.body.id).toBe(first.body.id);
      // Renaming the NFC twin to the NFD form of the first name is a clash, not a new name.
      const clash = await api.json<Problem>(`/files/${second.body.id}`, { method: 'PATCH', json: { name: nfd } });
      expect(clash.status).toBe(409);
    });
  });
});
