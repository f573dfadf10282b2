import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { DavBackend, DavResource } from '../src/webdav/backend.js';
import { ChunkWriter } from '../src/webdav/chunk-writer.js';
import { DavHandler } from '../src/webdav/handler.js';
import { encodeHref } from '../src/webdav/paths.js';
import { escapeXml } from '../src/webdav/xml.js';
import { httpDate } from '../src/util/http-date.js';
import { DAV, kid, kids, parseXml } from './helpers/dav-xml.js';

// The pieces a large PROPFIND is rendered with, each checked against the reference it replaced
// for speed, and a whole listing through the protocol module over an in-memory backend.

describe('httpDate', () => {
  it('gives exactly what Date#toUTCString gives, for any instant of years 1000–9999', () => {
    const from = Date.UTC(1000, 0, 1);
    const to = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
    const samples = [from, to, 0, Date.UTC(2024, 1, 29, 12, 0, 0), Date.UTC(2000, 1, 29), Date.UTC(1900, 2, 1), Date.UTC(2026, 11, 6, 9, 5, 3)];
    for (let i = 0; i < 20_000; i++) samples.push(from + Math.floor(Math.random() * (to - from)));
    for (const ms of samples) expect(httpDate(new Date(ms))).toBe(new Date(ms).toUTCString());
  });

  it('falls back to V8 outside four-digit years and for an invalid date', () => {
    for (const d of [new Date(Date.UTC(999, 11, 31)), new Date(Date.UTC(10000, 0, 1)), new Date(-8.64e15), new Date(Number.NaN)]) {
      expect(httpDate(d)).toBe(d.toUTCString());
    }
  });
});

describe('escapeXml and encodeHref', () => {
  it('escapes the five XML specials, and returns other text as it is', () => {
    expect(escapeXml(`a&b<c>d"e'f`)).toBe('a&amp;b&lt;c&gt;d&quot;e&apos;f');
    expect(escapeXml('plain-name_1.txt')).toBe('plain-name_1.txt');
    expect(escapeXml('')).toBe('');
  });

  it('percent-encodes everything but unreserved characters, in upper-case hex', () => {
    expect(encodeHref('/dav', ['a-b_c.d~e', 'F09'], false)).toBe('/dav/a-b_c.d~e/F09');
    expect(encodeHref('/dav/', ['x y', "!'()*", '#?%&', 'ü€😀'], true)).toBe(
      '/dav/x%20y/%21%27%28%29%2A/%23%3F%25%26/%C3%BC%E2%82%AC%F0%9F%98%80/',
    );
    expect(encodeHref('/dav', [], true)).toBe('/dav/');
  });
});

describe('ChunkWriter', () => {
  const pieces = ['plain ascii ', 'é', '€uro', '😀', 'x'.repeat(50), '<d:response/>', 'ünïcödé😀😀', '', '€'.repeat(9), '😀'.repeat(7)];

  it.each([5, 16, 64])('hands out chunks of %i bytes or more that join to the UTF-8 of all it was given, none cutting a character', (size) => {
    const out = new ChunkWriter(size);
    const taken: Buffer[] = [];
    let text = '';
    for (let i = 0; i < 500; i++) {
      const piece = pieces[i % pieces.length]!;
      text += piece;
      if (out.write(piece)) {
        expect(out.length).toBeGreaterThanOrEqual(size);
        taken.push(out.take());
        expect(out.length).toBe(0);
      }
    }
    taken.push(out.take());
    expect(Buffer.concat(taken).equals(Buffer.from(text, 'utf8'))).toBe(true);
    const strict = new TextDecoder('utf-8', { fatal: true });
    for (const chunk of taken) expect(() => strict.decode(chunk)).not.toThrow();
    // Every chunk but the last reached the size it was asked for.
    expect(taken.slice(0, -1).every((c) => c.length >= size)).toBe(true);
  });

  it('keeps a piece larger than a chunk whole, and what came before it', () => {
    const out = new ChunkWriter(8);
    expect(out.write('ab')).toBe(false);
    const big = '€'.repeat(40);
    expect(out.write(big)).toBe(true);
    expect(out.take().toString('utf8')).toBe(`ab${big}`);
    expect(out.take().length).toBe(0);
  });

  it('does not reuse memory it has handed out', () => {
    const out = new ChunkWriter(4);
    out.write('first');
    const a = out.take();
    out.write('other');
    out.take();
    expect(a.toString()).toBe('first');
  });
});

describe('PROPFIND Depth 1 rendered from an in-memory backend', () => {
  const now = new Date(Date.UTC(2026, 11, 6, 1, 2, 3));
  const resource = (path: string[], collection: boolean, i: number): DavResource => ({
    id: randomUUID(),
    path,
    collection,
    size: collection ? 0 : i * 7,
    etag: `e${i}&"x"`,
    contentType: collection ? null : i % 2 ? 'text/plain; charset="utf-8"' : 'application/octet-stream',
    createdAt: now,
    modifiedAt: new Date(now.getTime() - i * 61_000),
    sha1: null,
    permissions: collection ? 'RGDNVCK' : 'RGDNVW',
    readOnly: false,
  });
  // Names that need escaping in XML and encoding in URLs, with characters of 1 to 4 UTF-8 bytes.
  const names = Array.from({ length: 3000 }, (_, i) => (i % 3 === 0 ? `plain-${i}.txt` : i % 3 === 1 ? `<R&D> "ü€" ${i}` : `😀 x'y ${i}#?`));
  const folder = resource(['dir'], true, 0);
  const members = names.map((n, i) => resource(['dir', n], i % 10 === 0, i + 1));

  const backend = {
    principal: 'someone',
    stat: async (path: string[]) => (path.length === 1 && path[0] === 'dir' ? folder : null),
    async *members() {
      for (let i = 0; i < members.length; i += 1000) yield members.slice(i, i + 1000);
    },
    deadProperties: async () => new Map(),
    quota: async () => ({ used: 0, available: null }),
    locks: { covering: async () => [], under: async () => [] },
  } as unknown as DavBackend;

  it('lists every member once with its href, name, size, type, ETag and date, as well-formed XML', async () => {
    const handler = new DavHandler(backend, { mount: '/dav', resolvePath: () => null });
    const body =
      '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/><D:getcontentlength/><D:getlastmodified/><D:getetag/><D:getcontenttype/><D:displayname/></D:prop></D:propfind>';
    const res = await handler.handle({ method: 'PROPFIND', path: '/dir/', headers: { depth: '1' }, body: Readable.from([Buffer.from(body)]) });
    expect(res.status).toBe(207);
    const chunks: Buffer[] = [];
    for await (const c of res.body as Readable) chunks.push(Buffer.from(c as Buffer));
    // Streamed in several pieces, not one buffered document.
    expect(chunks.length).toBeGreaterThan(3);
    const doc = parseXml(Buffer.concat(chunks).toString('utf8'));
    const responses = kids(doc, DAV, 'response');
    expect(responses).toHaveLength(members.length + 1);
    const byHref = new Map(responses.map((r) => [kid(r, DAV, 'href')!.text, r]));
    for (const m of members) {
      const href = encodeHref('/dav', m.path, m.collection);
      const r = byHref.get(href);
      expect(r, href).toBeDefined();
      const prop = kid(kid(r!, DAV, 'propstat')!, DAV, 'prop')!;
      expect(kid(prop, DAV, 'displayname')!.text).toBe(m.path[1]);
      expect(kid(prop, DAV, 'getetag')!.text).toBe(`"${m.etag}"`);
      expect(kid(prop, DAV, 'getlastmodified')!.text).toBe(m.modifiedAt.toUTCString());
      if (m.collection) {
        expect(kid(kid(prop, DAV, 'resourcetype')!, DAV, 'collection')).toBeDefined();
      } else {
        expect(kid(prop, DAV, 'getcontentlength')!.text).toBe(String(m.size));
        expect(kid(prop, DAV, 'getcontenttype')!.text).toBe(m.contentType);
      }
    }
  });
});
