import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DavUser, type DavResult } from './helpers/dav.js';
import { DAV, kids, multistatus, parseXml, path, prop200 } from './helpers/dav-xml.js';
import { startTestServer, usingPostgres, type TestServer } from './helpers/server.js';

// Two Coffer servers over one PostgreSQL database and one blob directory: locks and writes made
// through one are seen by the other at once. PostgreSQL only (PGlite is one process's database).

const LOCKINFO = (owner = 'cluster-test') =>
  `<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>${owner}</D:owner></D:lockinfo>`;

function tokenOf(res: DavResult): string {
  expect([200, 201]).toContain(res.status);
  const al = kids(path(parseXml(res.body), 'lockdiscovery'), DAV, 'activelock');
  expect(al).toHaveLength(1);
  return path(al[0]!, 'locktoken', 'href').text;
}

describe.skipIf(!usingPostgres())('WebDAV on two servers sharing one database', () => {
  let s1: TestServer;
  let s2: TestServer;
  let one: DavUser;
  let two: DavUser;

  beforeAll(async () => {
    s1 = await startTestServer({}, { keepData: true });
    s2 = await startTestServer({ DATABASE_URL: s1.env.DATABASE_URL!, COFFER_DATA_DIR: s1.env.COFFER_DATA_DIR! }, { keepData: true });
    one = await DavUser.create(s1.url, 'cluster');
    two = new DavUser(s2.url, one.username, one.appPassword, one.api);
  });
  afterAll(async () => {
    await s2?.close();
    await s1?.close();
    await s1?.removeData();
  });

  it('a file written through one server is listed and read by the other at once', async () => {
    expect((await one.request('PUT', '/from-one.txt', { body: 'written on one' })).status).toBe(201);
    const listing = await two.request('PROPFIND', '/', { headers: { depth: '1' } });
    expect(listing.status).toBe(207);
    expect(multistatus(listing.body).map((r) => r.href)).toContain('/dav/from-one.txt');
    expect((await two.request('GET', '/from-one.txt')).body).toBe('written on one');

    expect((await two.request('MKCOL', '/dir')).status).toBe(201);
    expect((await two.request('PUT', '/dir/from-two.txt', { body: 'written on two' })).status).toBe(201);
    const [entry, child] = multistatus((await one.request('PROPFIND', '/dir/', { headers: { depth: '1' } })).body);
    expect(entry!.href).toBe('/dav/dir/');
    expect(child!.href).toBe('/dav/dir/from-two.txt');
    expect(prop200(child!, DAV, 'getcontentlength').text).toBe('14');
    expect((await one.request('GET', '/dir/from-two.txt')).body).toBe('written on two');
    // An overwrite on one is what the other serves next, with the same ETag.
    const put = await one.request('PUT', '/dir/from-two.txt', { body: 'rewritten on one' });
    expect(put.status).toBe(204);
    const get = await two.request('GET', '/dir/from-two.txt');
    expect(get.body).toBe('rewritten on one');
    expect(get.headers.etag).toBe(put.headers.etag);
    // Dead properties too.
    const pp = await one.request('PROPPATCH', '/from-one.txt', {
      body: '<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><x:tag xmlns:x="urn:cluster">red</x:tag></D:prop></D:set></D:propertyupdate>',
    });
    expect(pp.status).toBe(207);
    const [withProp] = multistatus((await two.request('PROPFIND', '/from-one.txt', { headers: { depth: '0' } })).body);
    expect(prop200(withProp!, 'urn:cluster', 'tag').text).toBe('red');
  });

  it('writes to one space through both servers at once keep its audit chain whole, each sealed once', async () => {
    const puts = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? one : two).request('PUT', `/chained-${i}.txt`, { body: `event ${i}` }));
    expect((await Promise.all(puts)).map((r) => r.status)).toEqual(Array(40).fill(201));
    const db = s1.core.db;
    const space = (await db.selectFrom('spaces').innerJoin('users', 'users.id', 'spaces.owner_user_id').select('spaces.id').where('users.username', '=', one.username).executeTakeFirstOrThrow()).id;
    // Both servers' sealers race for the chain; the head row decides, and neither waits for the other.
    for (;;) {
      const pending = await db.selectFrom('audit_events').select('id').where('chain', '=', space).where('seq', 'is', null).execute();
      if (pending.length === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const chain = await db.selectFrom('audit_events').select(['seq', 'prev_hash', 'hash', 'path']).where('chain', '=', space).orderBy('seq').execute();
    expect(chain.map((e) => Number(e.seq))).toEqual(chain.map((_, i) => i + 1));
    chain.forEach((e, i) => expect(e.prev_hash).toBe(i === 0 ? '0'.repeat(64) : chain[i - 1]!.hash));
    expect(chain.filter((e) => e.path?.startsWith('/chained-'))).toHaveLength(40);
    expect((await s2.core.audit.verify()).problems).toEqual([]);
  });

  it('a lock taken through server 1 is honoured by server 2', async () => {
    expect((await one.request('PUT', '/locked.txt', { body: 'v1' })).status).toBe(201);
    const token = tokenOf(await one.request('LOCK', '/locked.txt', { headers: { depth: '0', timeout: 'Second-600' }, body: LOCKINFO() }));

    expect((await two.request('PUT', '/locked.txt', { body: 'no token' })).status).toBe(423);
    expect((await two.request('DELETE', '/locked.txt')).status).toBe(423);
    expect((await two.request('MOVE', '/locked.txt', { headers: { destination: '/dav/elsewhere.txt' } })).status).toBe(423);
    expect((await two.request('LOCK', '/locked.txt', { headers: { depth: '0' }, body: LOCKINFO('intruder') })).status).toBe(423);
    expect((await two.request('GET', '/locked.txt')).body).toBe('v1');

    const [discovered] = multistatus(
      (await two.request('PROPFIND', '/locked.txt', { headers: { depth: '0' }, body: '<D:propfind xmlns:D="DAV:"><D:prop><D:lockdiscovery/></D:prop></D:propfind>' })).body,
    );
    const active = kids(prop200(discovered!, DAV, 'lockdiscovery'), DAV, 'activelock');
    expect(active.map((a) => path(a, 'locktoken', 'href').text)).toEqual([token]);

    const withToken = await two.request('PUT', '/locked.txt', { headers: { if: `(<${token}>)` }, body: 'v2 via two' });
    expect(withToken.status).toBe(204);
    expect((await one.request('GET', '/locked.txt')).body).toBe('v2 via two');

    // Refreshed through 2, released through 2, then free on 1.
    const refresh = await two.request('LOCK', '/locked.txt', { headers: { if: `(<${token}>)`, timeout: 'Second-900' } });
    expect(refresh.status).toBe(200);
    expect(tokenOf(refresh)).toBe(token);
    expect((await two.request('UNLOCK', '/locked.txt', { headers: { 'lock-token': `<${token}>` } })).status).toBe(204);
    expect((await one.request('PUT', '/locked.txt', { body: 'v3' })).status).toBe(204);
  });

  it('a depth-infinity lock on a folder through server 2 guards its members on server 1', async () => {
    expect((await two.request('MKCOL', '/guarded')).status).toBe(201);
    const token = tokenOf(await two.request('LOCK', '/guarded/', { headers: { depth: 'infinity' }, body: LOCKINFO() }));
    expect((await one.request('PUT', '/guarded/new.txt', { body: 'x' })).status).toBe(423);
    expect((await one.request('MKCOL', '/guarded/sub')).status).toBe(423);
    expect((await one.request('PUT', '/guarded/new.txt', { headers: { if: `(<${token}>)` }, body: 'x' })).status).toBe(201);
    expect((await one.request('UNLOCK', '/guarded/', { headers: { 'lock-token': `<${token}>` } })).status).toBe(204);
    expect((await two.request('PUT', '/guarded/new.txt', { body: 'y' })).status).toBe(204);
  });

  it('racing exclusive LOCKs on both servers: exactly one wins', async () => {
    for (const target of ['/race-new.txt', '/from-one.txt']) {
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? one : two).request('LOCK', target, { headers: { depth: '0' }, body: LOCKINFO(`racer-${i}`) })),
      );
      const winners = results.filter((r) => r.status === 200 || r.status === 201);
      expect(results.map((r) => r.status).filter((s) => s !== 423 && s !== 200 && s !== 201)).toEqual([]);
      expect(winners).toHaveLength(1);
      const token = tokenOf(winners[0]!);
      expect((await two.request('UNLOCK', target, { headers: { 'lock-token': `<${token}>` } })).status).toBe(204);
    }
  });
});
