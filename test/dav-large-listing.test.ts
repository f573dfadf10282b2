import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DavUser } from './helpers/dav.js';
import { multistatus } from './helpers/dav-xml.js';
import { recordQueries } from './helpers/queries.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// A PROPFIND of a 10,000-entry folder: every entry listed once, in a bounded number of queries
// (not one per child), and streamed (the first bytes arrive long before the last).

const ENTRIES = 10_000;

describe('WebDAV listing of a 10,000-entry folder', () => {
  let server: TestServer;
  let user: DavUser;
  let folderId: string;

  beforeAll(async () => {
    server = await startTestServer();
    user = await DavUser.create(server.url, 'lister');
    expect((await user.request('MKCOL', '/big')).status).toBe(201);
    const folder = await user.api.json<{ id: string; space_id?: string }>(`/resolve?path=${encodeURIComponent('/big')}`);
    folderId = folder.body.id;
    // The entries themselves are made in bulk through the database: uploading 10,000 files
    // over HTTP would test uploads, not listings.
    const parent = await server.core.db.selectFrom('nodes').select(['space_id']).where('id', '=', folderId).executeTakeFirstOrThrow();
    const now = new Date();
    for (let i = 0; i < ENTRIES; i += 1000) {
      await server.core.db
        .insertInto('nodes')
        .values(
          Array.from({ length: Math.min(1000, ENTRIES - i) }, (_, k) => ({
            id: randomUUID(),
            space_id: parent.space_id,
            parent_id: folderId,
            name: `entry-${String(i + k).padStart(5, '0')}.txt`,
            kind: 'file' as const,
            size: 0,
            mime: 'text/plain',
            etag: randomUUID().replaceAll('-', ''),
            created_at: now,
            modified_at: now,
            updated_at: now,
          })),
        )
        .execute();
    }
  }, 180_000);

  afterAll(async () => {
    await server?.close();
  });

  it('lists every entry once, in name order, and streams the body in chunks', async () => {
    const chunks: { at: number; bytes: number }[] = [];
    const started = Date.now();
    const { status, headers, body } = await new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
      const url = new URL(server.url);
      const req = httpRequest(
        { host: url.hostname, port: url.port, method: 'PROPFIND', path: '/dav/big/', headers: { authorization: user.authorization, depth: '1' } },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => {
            chunks.push({ at: Date.now() - started, bytes: c.length });
            parts.push(c);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(207);
    // Streamed: no length known up front, and the body came in many pieces.
    expect(headers['content-length']).toBeUndefined();
    expect(headers['transfer-encoding']).toBe('chunked');
    expect(chunks.length).toBeGreaterThan(10);
    const responses = multistatus(body);
    expect(responses).toHaveLength(ENTRIES + 1);
    const hrefs = responses.slice(1).map((r) => r.href);
    expect(new Set(hrefs).size).toBe(ENTRIES);
    expect(hrefs[0]).toBe('/dav/big/entry-00000.txt');
    expect(hrefs[ENTRIES - 1]).toBe(`/dav/big/entry-${String(ENTRIES - 1).padStart(5, '0')}.txt`);
  }, 120_000);

  it('runs a bounded number of queries, not one per entry', async () => {
    // Warm up: the app password sign-in and the device session are remembered for a moment.
    expect((await user.request('PROPFIND', '/big/', { headers: { depth: '0' } })).status).toBe(207);
    const counter = recordQueries();
    let res;
    try {
      res = await user.request('PROPFIND', '/big/', { headers: { depth: '1' } });
    } finally {
      counter.restore();
    }
    expect(res.status).toBe(207);
    expect(multistatus(res.body)).toHaveLength(ENTRIES + 1);
    expect(counter.texts.length).toBeGreaterThan(0);
    expect(counter.texts.length).toBeLessThan(60);
  }, 120_000);
});
