import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DavUser } from './helpers/dav.js';
import { multistatus } from './helpers/dav-xml.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const NS = 'urn:example:quota-test';
const VALUE_64K = 'x'.repeat(64 * 1024);

/** A PROPPATCH body setting `names` (in NS) to `value`, and removing `remove`. */
function propertyUpdate(set: string[], value: string, remove: string[] = []): string {
  const sets = set.length > 0 ? `<D:set><D:prop>${set.map((n) => `<Q:${n}>${value}</Q:${n}>`).join('')}</D:prop></D:set>` : '';
  const removes = remove.length > 0 ? `<D:remove><D:prop>${remove.map((n) => `<Q:${n}/>`).join('')}</D:prop></D:remove>` : '';
  return `<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:" xmlns:Q="${NS}">${sets}${removes}</D:propertyupdate>`;
}

/** What one property costs: UTF-8 bytes of namespace, name and value. */
const cost = (name: string, value: string) => Buffer.byteLength(NS) + Buffer.byteLength(name) + Buffer.byteLength(value);

describe('dead properties count against the quota', () => {
  let server: TestServer;

  const used = async (user: DavUser) => (await user.api.json<{ used: number; quota: number | null }>('/account/quota')).body.used;
  const proppatch = (user: DavUser, path: string, body: string) =>
    user.request('PROPPATCH', path, { headers: { 'content-type': 'application/xml' }, body });
  /** fsck's view of every space: no usage drift means it agrees with the counters. */
  const drift = async () => (await server.core.fsck.run({ repair: false, skipHashes: true })).problems.filter((p) => p.kind === 'usage-drift');

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses the 0-byte-quota attack (1,000 values of 64 KiB) with 507 per property, and usage stays 0', async () => {
    const mallory = await DavUser.create(server.url, 'mallory', { quota: 0 });
    expect((await mallory.request('MKCOL', '/stash/')).status).toBe(201);
    // 1,000 values, 14 to a request (the XML body limit is 1 MiB).
    const names = Array.from({ length: 1000 }, (_, i) => `blob${i}`);
    for (let i = 0; i < names.length; i += 14) {
      const batch = names.slice(i, i + 14);
      const res = await proppatch(mallory, '/stash/', propertyUpdate(batch, VALUE_64K));
      expect(res.status).toBe(207);
      const [response] = multistatus(res.body);
      // RFC 4918 §9.2.1: 507 for each property that could not be stored; nothing else applied.
      expect([...response!.props.values()].map((p) => p.status)).toEqual(batch.map(() => 507));
    }
    expect(await used(mallory)).toBe(0);
    const stored = await server.core.db
      .selectFrom('properties')
      .innerJoin('nodes', 'nodes.id', 'properties.node_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('nodes.name', '=', 'stash')
      .executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(0);

    // A refused property among others that would succeed: 507 for the sets, 424 for the rest.
    const mixed = await proppatch(mallory, '/stash/', propertyUpdate(['one'], 'tiny', ['absent']));
    const [r] = multistatus(mixed.body);
    expect(r!.props.get(`${NS} one`)?.status).toBe(507);
    expect(r!.props.get(`${NS} absent`)?.status).toBe(424);
    expect(await drift()).toEqual([]);
  });

  it('counts property bytes: usage rises and falls with them, and then a file no longer fits', async () => {
    const quota = 10_000;
    const alice = await DavUser.create(server.url, 'alice', { quota });
    expect((await alice.request('MKCOL', '/notes/')).status).toBe(201);
    const value = 'é'.repeat(1000); // 2,000 UTF-8 bytes
    const set = await proppatch(alice, '/notes/', propertyUpdate(['a', 'b', 'c'], value));
    expect(set.status).toBe(207);
    expect([...multistatus(set.body)[0]!.props.values()].every((p) => p.status === 200)).toBe(true);
    const threeProps = cost('a', value) + cost('b', value) + cost('c', value);
    expect(await used(alice)).toBe(threeProps);
    expect(await drift()).toEqual([]);

    // Replacing a value counts only the difference; removing one gives its bytes back.
    await proppatch(alice, '/notes/', propertyUpdate(['a'], 'short'));
    expect(await used(alice)).toBe(threeProps - cost('a', value) + cost('a', 'short'));
    await proppatch(alice, '/notes/', propertyUpdate([], '', ['a']));
    expect(await used(alice)).toBe(cost('b', value) + cost('c', value));

    // With the properties holding most of the quota, a file that would have fit is refused.
    const left = quota - (await used(alice));
    const put = await alice.request('PUT', '/notes/file.bin', { body: Buffer.alloc(left + 1) });
    expect(put.status).toBe(507);
    expect((await alice.request('PUT', '/notes/file.bin', { body: Buffer.alloc(left) })).status).toBe(201);
    expect(await used(alice)).toBe(quota);
    expect(await drift()).toEqual([]);

    // COPY counts them again (refused here: no room), MOVE does not change usage.
    const copy = await alice.request('COPY', '/notes/', { headers: { destination: alice.url('/notes-copy/') } });
    expect(copy.status).toBe(507);
    expect((await alice.request('DELETE', '/notes/file.bin')).status).toBe(204);
    await server.core.trash.purgeExpired(new Date(Date.now() + 1000), null, 0);
    const before = await used(alice);
    expect(before).toBe(cost('b', value) + cost('c', value));
    expect((await alice.request('COPY', '/notes/', { headers: { destination: alice.url('/notes-copy/') } })).status).toBe(201);
    expect(await used(alice)).toBe(2 * before);
    expect((await alice.request('MOVE', '/notes-copy/', { headers: { destination: alice.url('/moved/') } })).status).toBe(201);
    expect(await used(alice)).toBe(2 * before);
    expect(await drift()).toEqual([]);

    // Deleting puts the folder in the trash, where it still counts; purging it frees its properties.
    expect((await alice.request('DELETE', '/moved/')).status).toBe(204);
    expect(await used(alice)).toBe(2 * before);
    await server.core.trash.purgeExpired(new Date(Date.now() + 1000), null, 0);
    expect(await used(alice)).toBe(before);
    expect(await drift()).toEqual([]);
  });

  it('keeps the per-node caps (64 KiB a value, 1,000 a node) and counts properties under no quota too', async () => {
    const bob = await DavUser.create(server.url, 'bob');
    expect((await bob.request('MKCOL', '/f/')).status).toBe(201);
    expect((await proppatch(bob, '/f/', propertyUpdate(['big'], VALUE_64K + 'x'))).status).toBe(400);
    const many = Array.from({ length: 1001 }, (_, i) => `p${i}`);
    expect((await proppatch(bob, '/f/', propertyUpdate(many, 'v'))).status).toBe(400);
    expect(await used(bob)).toBe(0);
    expect((await proppatch(bob, '/f/', propertyUpdate(['ok'], 'fine'))).status).toBe(207);
    expect(await used(bob)).toBe(cost('ok', 'fine'));
    expect(await drift()).toEqual([]);
  });
});
