// The protocol module's share of a large PROPFIND, without a database or a socket: DavHandler
// over an in-memory backend of 10,000 files (pages of 1,000), its streamed body consumed as
// bytes the way an HTTP response would. Prints the median time and GC pause per listing.
// Usage: node bench/propfind-render.mjs [path/to/dist/webdav/handler.js]   (after npm run build)
import { randomUUID } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { setImmediate } from 'node:timers/promises';

const handlerPath = process.argv[2] ?? new URL('../dist/webdav/handler.js', import.meta.url).pathname;
const { DavHandler } = await import(pathToFileURL(handlerPath).href);
const N = 10_000;
const PAGE = 1000;
const now = Date.now();
const rows = Array.from({ length: N }, (_, i) => ({
  id: randomUUID(), name: `f${i}.bin`, size: 4096, etag: randomUUID().replace(/-/g, ''), mime: 'application/octet-stream', created: now - i * 1000, modified: now - i * 999,
}));
const resource = (r) => ({
  id: r.id, path: ['many', r.name], collection: false, size: r.size, etag: r.etag, contentType: r.mime,
  createdAt: new Date(r.created), modifiedAt: new Date(r.modified), sha1: null, permissions: 'RGDNVW', readOnly: false,
});
const folder = { id: randomUUID(), path: ['many'], collection: true, size: 0, etag: 'f', contentType: null, createdAt: new Date(), modifiedAt: new Date(), sha1: null, permissions: 'RGDNVCK', readOnly: false };
const backend = {
  principal: 'bench', locks: {}, stat: async () => folder, deadProperties: async () => new Map(), quota: async () => ({ used: 0, available: null }),
  async *members() {
    for (let i = 0; i < N; i += PAGE) {
      await setImmediate();
      yield rows.slice(i, i + PAGE).map(resource);
    }
  },
};
const handler = new DavHandler(backend, { mount: '/dav', resolvePath: () => null });
// The shared WebDAV bench's request.
const body = '<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/><D:getcontentlength/><D:getlastmodified/><D:getetag/><D:getcontenttype/></D:prop></D:propfind>';
let gc = 0;
new PerformanceObserver((list) => { for (const e of list.getEntries()) gc += e.duration; }).observe({ entryTypes: ['gc'] });

async function listing() {
  const res = await handler.handle({ method: 'PROPFIND', path: '/many/', headers: { depth: '1' }, body: Readable.from([Buffer.from(body)]) });
  let bytes = 0;
  // decodeStrings (the default) turns string chunks into bytes, as a socket write does.
  const sink = new Writable({ write(chunk, _enc, done) { bytes += chunk.length; done(); } });
  await new Promise((ok, fail) => res.body.pipe(sink).on('finish', ok).on('error', fail));
  return bytes;
}

for (let i = 0; i < 20; i++) await listing();
const times = [];
const pauses = [];
let bytes = 0;
for (let i = 0; i < 31; i++) {
  gc = 0;
  const start = performance.now();
  bytes = await listing();
  times.push(performance.now() - start);
  pauses.push(gc);
}
const median = (a) => a.sort((x, y) => x - y)[a.length >> 1];
console.log(`listing of ${N}: ${median(times).toFixed(1)} ms median (min ${Math.min(...times).toFixed(1)}), GC ${median(pauses).toFixed(1)} ms, ${bytes} bytes`);
