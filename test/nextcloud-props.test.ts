import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DavUser, type DavResult } from './helpers/dav.js';
import { deepText, kids, multistatus, OC, prop200, type MsResponse } from './helpers/dav-xml.js';
import { recordQueries } from './helpers/queries.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// The WebDAV properties and headers the Nextcloud and ownCloud apps read, through real HTTP at
// /remote.php/dav/files/<user>/: numeric file ids (oc:fileid, oc:id, OC-FileId), permissions,
// checksums, favourites (each user's own), share types, owners, previews, times; REPORT
// oc:filter-files for favourites; and a listing's cost staying per page, not per entry.

const NC = 'http://nextcloud.org/ns';
/** The desktop client's user agent: a sync client (no trash folder, shares shown). */
const DESKTOP = 'Mozilla/5.0 (Linux) mirall/3.7.3 (Nextcloud, debian)';
const ALL_PROPS = `<?xml version="1.0"?>
<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns"><d:prop>
  <d:getetag/><d:resourcetype/><oc:id/><oc:fileid/><oc:permissions/><oc:size/><oc:checksums/><oc:favorite/>
  <oc:share-types/><oc:owner-id/><oc:owner-display-name/><nc:has-preview/><oc:downloadURL/><oc:dDC/>
  <oc:data-fingerprint/><nc:creation_time/><nc:upload_time/><nc:mount-type/>
</d:prop></d:propfind>`;
const ID_PROPS = '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop><d:getetag/><oc:id/><oc:fileid/></d:prop></d:propfind>';
/**
 * The favourites listing as the apps send it: NextcloudKit (iOS) `requestBodyFileListingFavorites`
 * and the Android library's favourites search both send REPORT to /remote.php/dav/files/<user>
 * with `<oc:filter-files><d:prop>…</d:prop><oc:filter-rules><oc:favorite>1</oc:favorite>
 * </oc:filter-rules></oc:filter-files>` (also Nextcloud's developer manual, "Listing favorites").
 */
const FAVORITES_REPORT = `<?xml version="1.0" encoding="UTF-8"?>
<oc:filter-files xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns">
  <d:prop><d:displayname/><d:getetag/><oc:fileid/><oc:id/><oc:permissions/><oc:favorite/><oc:size/></d:prop>
  <oc:filter-rules><oc:favorite>1</oc:favorite></oc:filter-rules>
</oc:filter-files>`;
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

describe('Nextcloud and ownCloud properties', () => {
  let server: TestServer;
  let alice: DavUser;
  let bob: DavUser;

  const nc = (u: DavUser, method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<DavResult> =>
    u.request(method, `/remote.php/dav/files/${u.username}${path}`, { rawPath: true, headers: { 'user-agent': DESKTOP, ...headers }, ...(body === undefined ? {} : { body }) });
  const propfind = async (u: DavUser, path: string, depth = '0', body = ALL_PROPS): Promise<MsResponse[]> => {
    const r = await nc(u, 'PROPFIND', path, { depth, 'content-type': 'application/xml' }, body);
    expect(r.status, r.body).toBe(207);
    return multistatus(r.body);
  };
  const one = async (u: DavUser, path: string, body = ALL_PROPS) => (await propfind(u, path, '0', body))[0]!;
  const text = (r: MsResponse, ns: string, local: string) => deepText(prop200(r, ns, local));
  const fileIdOf = async (u: DavUser, path: string) => Number(text(await one(u, path, ID_PROPS), OC, 'fileid'));
  const favorite = (u: DavUser, path: string, on: string) =>
    nc(u, 'PROPPATCH', path, { 'content-type': 'application/xml' }, `<?xml version="1.0"?><d:propertyupdate xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:set><d:prop><oc:favorite>${on}</oc:favorite></d:prop></d:set></d:propertyupdate>`);
  const favourites = async (u: DavUser) => {
    const r = await nc(u, 'REPORT', '/', { 'content-type': 'application/xml' }, FAVORITES_REPORT);
    expect(r.status, r.body).toBe(207);
    return multistatus(r.body);
  };
  const idOf = async (u: DavUser, path: string) => (await u.api.json<{ id: string }>(`/resolve?path=${encodeURIComponent(path)}`)).body.id;

  beforeAll(async () => {
    // No job runs in this server (the uploads' search and preview jobs): the listing's queries
    // are counted in-process, and a job's would be counted with them.
    server = await startTestServer({ COFFER_WORKERS: 'false' });
    alice = await DavUser.create(server.url, 'alice');
    bob = await DavUser.create(server.url, 'bob');
    expect((await nc(alice, 'MKCOL', '/Docs')).status).toBe(201);
    // As the desktop client uploads: with the SHA-1 it computed (Coffer keeps SHA-1s it was sent).
    const sha1 = createHash('sha1').update('some notes').digest('hex');
    expect((await nc(alice, 'PUT', '/Docs/notes.txt', { 'oc-checksum': `SHA1:${sha1}` }, 'some notes')).status).toBe(201);
    expect((await nc(alice, 'PUT', '/Docs/pixel.png', { 'content-type': 'image/png' }, PNG)).status).toBe(201);
  });
  afterAll(async () => server?.close());

  it('shows each property of an own file and folder as Nextcloud does', async () => {
    const before = Math.floor(Date.now() / 1000) - 120;
    const [folder, ...members] = await propfind(alice, '/Docs/', '1');
    const notes = members.find((m) => m.href.endsWith('/notes.txt'))!;
    const png = members.find((m) => m.href.endsWith('/pixel.png'))!;
    expect(folder!.href).toBe('/remote.php/dav/files/alice/Docs/');

    for (const r of [folder!, notes, png]) {
      const fileId = text(r, OC, 'fileid');
      expect(fileId).toMatch(/^[1-9]\d*$/);
      // oc:id: the number zero-padded to 8 digits, then the instance id (letters first, so the
      // desktop client's numericFileId reads the number back).
      const ocId = text(r, OC, 'id');
      expect(ocId).toMatch(/^\d{8,}oc[a-z0-9]{10}$/);
      expect(Number(/^\d+/.exec(ocId)![0])).toBe(Number(fileId));
      expect(text(r, OC, 'favorite')).toBe('0');
      expect(kids(prop200(r, OC, 'share-types'), OC, 'share-type')).toHaveLength(0);
      expect(text(r, OC, 'owner-id')).toBe('alice');
      expect(text(r, OC, 'owner-display-name')).toBe('alice');
      for (const empty of ['downloadURL', 'dDC', 'data-fingerprint']) expect(text(r, OC, empty)).toBe('');
      expect(text(r, NC, 'mount-type')).toBe('');
      for (const time of ['creation_time', 'upload_time']) {
        expect(Number(text(r, NC, time))).toBeGreaterThanOrEqual(before);
        expect(Number(text(r, NC, time))).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
      }
    }
    expect(text(folder!, OC, 'permissions')).toBe('RGDNVCK');
    expect(text(notes, OC, 'permissions')).toBe('RGDNVW');
    expect(text(notes, OC, 'size')).toBe('10');
    expect(text(folder!, OC, 'size')).toBe(String(10 + PNG.length));
    expect(text(notes, OC, 'checksums')).toBe(`SHA1:${createHash('sha1').update('some notes').digest('hex')}`);
    expect(folder!.props.get(`${OC} checksums`)!.status).toBe(404);
    // Previews are made of images (previews.service.ts), not of text.
    expect(text(png, NC, 'has-preview')).toBe('true');
    expect(text(notes, NC, 'has-preview')).toBe('false');
    expect(text(folder!, NC, 'has-preview')).toBe('false');
    // Unique ids across the listing.
    expect(new Set([folder!, notes, png].map((r) => text(r, OC, 'fileid'))).size).toBe(3);
  });

  it('every node has a unique number, kept across rename and move; OC-FileId and OC-ETag answer PUT, MKCOL and MOVE', async () => {
    const put = await nc(alice, 'PUT', '/first.txt', {}, 'first');
    expect(put.status).toBe(201);
    const first = await one(alice, '/first.txt', ID_PROPS);
    expect(put.headers['oc-fileid']).toBe(text(first, OC, 'id'));
    expect(put.headers['oc-etag']).toBe(text(first, 'DAV:', 'getetag'));
    const id = Number(text(first, OC, 'fileid'));

    const mkcol = await nc(alice, 'MKCOL', '/Archive');
    expect(mkcol.status).toBe(201);
    const archive = await one(alice, '/Archive', ID_PROPS);
    expect(mkcol.headers['oc-fileid']).toBe(text(archive, OC, 'id'));
    expect(mkcol.headers['oc-etag']).toBe(text(archive, 'DAV:', 'getetag'));
    expect(Number(text(archive, OC, 'fileid'))).not.toBe(id);

    // Rename, then move into a folder: the same number, announced in OC-FileId.
    const renamed = await nc(alice, 'MOVE', '/first.txt', { destination: `${server.url}/remote.php/dav/files/alice/renamed.txt` });
    expect(renamed.status).toBe(201);
    expect(await fileIdOf(alice, '/renamed.txt')).toBe(id);
    expect(renamed.headers['oc-fileid']).toBe(text(first, OC, 'id'));
    const moved = await nc(alice, 'MOVE', '/renamed.txt', { destination: `${server.url}/remote.php/dav/files/alice/Archive/moved.txt`, 'x-oc-mtime': '1700000000' });
    expect(moved.status).toBe(201);
    const after = await one(alice, '/Archive/moved.txt', ID_PROPS);
    expect(Number(text(after, OC, 'fileid'))).toBe(id);
    expect(moved.headers['oc-fileid']).toBe(text(first, OC, 'id'));
    expect(moved.headers['oc-etag']).toBe(text(after, 'DAV:', 'getetag'));
    // An overwrite is a new version of the same file; a copy is a new file.
    expect((await nc(alice, 'PUT', '/Archive/moved.txt', {}, 'second')).headers['oc-fileid']).toBe(text(first, OC, 'id'));
    expect((await nc(alice, 'COPY', '/Archive/moved.txt', { destination: `${server.url}/remote.php/dav/files/alice/copy.txt` })).status).toBe(201);
    expect(await fileIdOf(alice, '/copy.txt')).not.toBe(id);
    // The same numbers at the other doors.
    const viaWebdav = multistatus((await alice.request('PROPFIND', '/remote.php/webdav/copy.txt', { rawPath: true, headers: { depth: '0' }, body: ID_PROPS })).body)[0]!;
    expect(Number(text(viaWebdav, OC, 'fileid'))).toBe(await fileIdOf(alice, '/copy.txt'));

    // Every node in the database has its own number.
    const counts = await server.core.db
      .selectFrom('nodes')
      .select((eb) => [eb.fn.countAll<number>().as('all'), eb.fn.count<number>('file_id').distinct().as('distinct')])
      .executeTakeFirstOrThrow();
    expect(Number(counts.distinct)).toBe(Number(counts.all));
  });

  it('stores a favourite per user (PROPPATCH), lists it with REPORT oc:filter-files, and never shows it to anyone else', async () => {
    expect((await nc(alice, 'PUT', '/Docs/shared-fav.txt', {}, 'shared and starred')).status).toBe(201);
    const share = await alice.api.json('/shares', { method: 'POST', json: { node_id: await idOf(alice, '/Docs'), recipient: 'bob', role: 'editor' } });
    expect(share.status, JSON.stringify(share.body)).toBe(201);

    const set = await favorite(alice, '/Docs/notes.txt', '1');
    expect(set.status).toBe(207);
    expect(multistatus(set.body)[0]!.props.get(`${OC} favorite`)!.status).toBe(200);
    expect((await favorite(alice, '/Docs/', '1')).status).toBe(207);
    expect(text(await one(alice, '/Docs/notes.txt'), OC, 'favorite')).toBe('1');
    // Not a dead property: nothing stored under that name.
    expect(await server.core.db.selectFrom('properties').select('name').where('name', '=', 'favorite').execute()).toEqual([]);

    const listed = await favourites(alice);
    expect(listed.map((r) => decodeURIComponent(r.href)).sort()).toEqual(['/remote.php/dav/files/alice/Docs/', '/remote.php/dav/files/alice/Docs/notes.txt']);
    const notes = listed.find((r) => r.href.endsWith('notes.txt'))!;
    expect(text(notes, OC, 'favorite')).toBe('1');
    expect(text(notes, OC, 'permissions')).toBe('RGDNVW');
    expect(Number(text(notes, OC, 'fileid'))).toBe(await fileIdOf(alice, '/Docs/notes.txt'));

    // Bob sees the same file through the share, not starred: Alice's star is hers.
    const bobsView = await one(bob, '/Shared%20with%20me/Docs/notes.txt');
    expect(text(bobsView, OC, 'favorite')).toBe('0');
    expect(await favourites(bob)).toEqual([]);
    // Bob's own star on a shared file shows for him (at his path), never for Alice.
    expect((await favorite(bob, '/Shared%20with%20me/Docs/shared-fav.txt', '1')).status).toBe(207);
    expect((await favourites(bob)).map((r) => decodeURIComponent(r.href))).toEqual(['/remote.php/dav/files/bob/Shared with me/Docs/shared-fav.txt']);
    expect(text(await one(alice, '/Docs/shared-fav.txt'), OC, 'favorite')).toBe('0');
    expect((await favourites(alice)).map((r) => r.href).some((h) => h.endsWith('shared-fav.txt'))).toBe(false);

    // Unstarring; a value that is neither 0 nor 1 is refused and changes nothing.
    expect((await favorite(alice, '/Docs/', '0')).status).toBe(207);
    const refused = await favorite(alice, '/Docs/notes.txt', 'maybe');
    expect(multistatus(refused.body)[0]!.props.get(`${OC} favorite`)!.status).toBe(409);
    expect((await favourites(alice)).map((r) => decodeURIComponent(r.href))).toEqual(['/remote.php/dav/files/alice/Docs/notes.txt']);
    // A favourite in the trash is not listed.
    expect((await nc(bob, 'DELETE', '/Shared%20with%20me/Docs/shared-fav.txt')).status).toBe(204);
    expect(await favourites(bob)).toEqual([]);

    // With another property in the same PROPPATCH: both apply; the other one as a dead property.
    const both = await nc(alice, 'PROPPATCH', '/Docs/', { 'content-type': 'application/xml' },
      '<?xml version="1.0"?><d:propertyupdate xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:x="urn:example:colour"><d:set><d:prop><oc:favorite>1</oc:favorite><x:colour>red</x:colour></d:prop></d:set></d:propertyupdate>');
    expect([...multistatus(both.body)[0]!.props.values()].map((p) => p.status)).toEqual([200, 200]);
    const docs = await one(alice, '/Docs/', '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:x="urn:example:colour"><d:prop><oc:favorite/><x:colour/></d:prop></d:propfind>');
    expect([text(docs, OC, 'favorite'), text(docs, 'urn:example:colour', 'colour')]).toEqual(['1', 'red']);
    expect((await favorite(alice, '/Docs/', '0')).status).toBe(207);

    // A public link's visitor has no account to keep favourites in.
    const link = await alice.api.json<{ token: string }>('/links', { method: 'POST', json: { node_id: await idOf(alice, '/Docs'), permission: 'read-write' } });
    expect(link.status, JSON.stringify(link.body)).toBe(201);
    const visitor = await alice.request('PROPPATCH', `/public.php/dav/files/${link.body.token}/notes.txt`, {
      rawPath: true,
      auth: false,
      headers: { 'content-type': 'application/xml' },
      body: '<?xml version="1.0"?><d:propertyupdate xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:set><d:prop><oc:favorite>1</oc:favorite></d:prop></d:set></d:propertyupdate>',
    });
    expect(visitor.status).toBe(403);
    expect(text(await one(alice, '/Docs/notes.txt'), OC, 'favorite')).toBe('1');

    // Other filters are refused, not ignored.
    const tags = await nc(alice, 'REPORT', '/', { 'content-type': 'application/xml' }, FAVORITES_REPORT.replace('<oc:favorite>1</oc:favorite>', '<oc:systemtag>3</oc:systemtag>'));
    expect(tags.status).toBe(400);
  });

  it('shows share types on what the caller shares, and a share as the recipient sees it (S, M, the sharer as owner)', async () => {
    expect((await nc(alice, 'PUT', '/linked.txt', {}, 'by link')).status).toBe(201);
    expect((await alice.api.json('/links', { method: 'POST', json: { node_id: await idOf(alice, '/linked.txt') } })).status).toBe(201);
    const [root, ...top] = await propfind(alice, '/', '1');
    const types = (r: MsResponse) => kids(prop200(r, OC, 'share-types'), OC, 'share-type').map((t) => Number(t.text));
    // Docs is shared with Bob and by a link (the favourites test made both).
    expect(types(top.find((r) => r.href.endsWith('/Docs/'))!)).toEqual([0, 3]);
    expect(types(top.find((r) => r.href.endsWith('/linked.txt'))!)).toEqual([3]);
    expect(types(root!)).toEqual([]);
    // The recipient sees no share types of Alice's (they are hers).
    const [shareTop, ...inside] = await propfind(bob, '/Shared%20with%20me/Docs/', '1');
    expect(types(shareTop!)).toEqual([]);

    expect(text(shareTop!, OC, 'permissions')).toBe('SMGDCK');
    expect(text(shareTop!, OC, 'owner-id')).toBe('alice');
    expect(text(shareTop!, NC, 'mount-type')).toBe('shared');
    const notes = inside.find((r) => r.href.endsWith('/notes.txt'))!;
    expect(text(notes, OC, 'permissions')).toBe('SMGDNVW');
    expect(text(notes, OC, 'owner-id')).toBe('alice');
    expect(text(notes, NC, 'mount-type')).toBe('shared');
    // The same node, the same number, whoever looks.
    expect(text(notes, OC, 'fileid')).toBe(String(await fileIdOf(alice, '/Docs/notes.txt')));
  });

  it('shows an organisation space as a group mount', async () => {
    const admin = (await import('./helpers/api.js')).Api;
    const adminApi = await admin.admin(server.url);
    expect((await adminApi.json('/orgs', { method: 'POST', json: { slug: 'acme', name: 'Acme', owner: 'alice' } })).status).toBe(201);
    const space = await alice.api.json<{ id: string; name: string }>('/orgs/acme/spaces', { method: 'POST', json: { name: 'Team' } });
    expect(space.status, JSON.stringify(space.body)).toBe(201);
    await alice.api.json(`/spaces/${space.body.id}/members`, { method: 'POST', json: { user: 'alice', role: 'manager' } });
    expect((await nc(alice, 'MKCOL', '/Spaces/Team/Plans')).status).toBe(201);
    const [top, plans] = await propfind(alice, '/Spaces/Team/', '1');
    expect(text(top!, NC, 'mount-type')).toBe('group');
    expect(text(top!, OC, 'permissions')).toContain('M');
    expect(text(plans!, NC, 'mount-type')).toBe('group');
    expect(text(plans!, OC, 'permissions')).toMatch(/^R?MGDNVCK$/);
    expect(text(plans!, OC, 'fileid')).toMatch(/^\d+$/);
  });

  it('lists a large folder with the clients\' properties in a number of queries that does not grow with its size', async () => {
    // The fewest of three: anything else the server does meanwhile (a session's upkeep) is not the listing's.
    const count = async (path: string) => {
      const counts: number[] = [];
      for (let i = 0; i < 3; i++) {
        await propfind(alice, path, '0', ID_PROPS);
        const counter = recordQueries();
        try {
          await propfind(alice, path, '1');
        } finally {
          counter.restore();
        }
        counts.push(counter.texts.length);
      }
      return Math.min(...counts);
    };
    expect((await nc(alice, 'MKCOL', '/Small')).status).toBe(201);
    expect((await nc(alice, 'MKCOL', '/Large')).status).toBe(201);
    for (const name of ['a.txt', 'b.txt']) expect((await nc(alice, 'PUT', `/Small/${name}`, {}, name)).status).toBe(201);
    // 1,500 entries (two pages of the listing) made in bulk: uploading them would test uploads.
    const largeId = await idOf(alice, '/Large');
    const { space_id } = await server.core.db.selectFrom('nodes').select('space_id').where('id', '=', largeId).executeTakeFirstOrThrow();
    const rows = Array.from({ length: 1500 }, (_, i) => ({ id: randomUUID(), space_id, parent_id: largeId, name: `f-${String(i).padStart(4, '0')}.txt`, kind: 'file' as const, size: 0, mime: 'text/plain', etag: randomUUID().replaceAll('-', '') }));
    for (let i = 0; i < rows.length; i += 500) await server.core.db.insertInto('nodes').values(rows.slice(i, i + 500)).execute();
    await favorite(alice, '/Large/f-0007.txt', '1');

    const small = await count('/Small/');
    const large = await count('/Large/');
    expect(small).toBeGreaterThan(0);
    // 1,500 members are two pages: a page more costs its listing and its marks (8 against 6 when
    // measured), not a query per member.
    expect(large).toBeLessThanOrEqual(small + 4);
    const listed = await propfind(alice, '/Large/', '1');
    expect(listed).toHaveLength(1501);
    expect(listed.filter((r) => text(r, OC, 'favorite') === '1').map((r) => r.href)).toEqual(['/remote.php/dav/files/alice/Large/f-0007.txt']);
    expect(new Set(listed.map((r) => text(r, OC, 'fileid'))).size).toBe(1501);
  }, 120_000);
});
