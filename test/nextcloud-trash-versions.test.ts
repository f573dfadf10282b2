import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DavUser, type DavResult } from './helpers/dav.js';
import { DAV, deepText, kid, multistatus, OC, prop200, type MsResponse } from './helpers/dav-xml.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { until } from './helpers/until.js';

// Nextcloud's trash bin, file versions and previews as its apps use them, through real HTTP:
// - trash: nextcloud/server apps/files_trashbin/lib/Sabre (TrashRoot, RestoreFolder,
//   TrashbinPlugin's nc:trashbin-* properties); the Android library's ReadTrashbinFolderRemoteOperation
//   (PROPFIND Depth 1 on /remote.php/dav/trashbin/{user}/trash), RestoreTrashbinFileRemoteOperation
//   (MOVE to …/restore/{name}), RemoveTrashbinFileRemoteOperation and EmptyTrashbinRemoteOperation
//   (DELETE of an item, of …/trash); iOS NextcloudKit listingTrash / restore by MOVE / delete.
// - versions: apps/files_versions/lib/Sabre (VersionCollection, VersionFile, RestoreFolder, Plugin's
//   nc:version-author); the Android ReadFileVersionsRemoteOperation (PROPFIND
//   /remote.php/dav/versions/{user}/versions/{fileid}) and RestoreFileVersionRemoteOperation
//   (MOVE to …/restore/target).
// - previews: core/Controller/PreviewController.php; Android ThumbnailsCacheManager and
//   NextcloudKit downloadPreview ask /index.php/core/preview?fileId=…&x=…&y=…&a=1&mode=cover.

const NC = 'http://nextcloud.org/ns';
const ANDROID = 'Mozilla/5.0 (Android) Nextcloud-android/3.29.0';
const TRASH_PROPS = `<?xml version="1.0" encoding="UTF-8"?>
<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns"><d:prop>
  <nc:trashbin-filename/><nc:trashbin-original-location/><nc:trashbin-deletion-time/><d:getlastmodified/>
  <d:getcontentlength/><d:resourcetype/><d:getcontenttype/><oc:size/><oc:fileid/><oc:id/><oc:permissions/><nc:has-preview/>
</d:prop></d:propfind>`;
const VERSION_PROPS = `<?xml version="1.0" encoding="UTF-8"?>
<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns"><d:prop>
  <d:getcontentlength/><d:getcontenttype/><d:getlastmodified/><d:getetag/><d:resourcetype/><nc:version-author/><nc:has-preview/>
</d:prop></d:propfind>`;
const ID_PROPS = '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns"><d:prop><oc:fileid/><nc:has-preview/></d:prop></d:propfind>';

describe('Nextcloud trash bin, versions and previews', () => {
  let server: TestServer;
  let alice: DavUser;
  let bob: DavUser;
  let carol: DavUser;

  const req = (u: DavUser, method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<DavResult> =>
    u.request(method, path, { rawPath: true, headers: { 'user-agent': ANDROID, ...headers }, ...(body === undefined ? {} : { body }) });
  const files = (u: DavUser) => `/remote.php/dav/files/${u.username}`;
  const trash = (u: DavUser) => `/remote.php/dav/trashbin/${u.username}`;
  const versions = (u: DavUser) => `/remote.php/dav/versions/${u.username}`;
  const put = async (u: DavUser, path: string, body: string | Buffer, type = 'text/plain') => {
    const r = await req(u, 'PUT', `${files(u)}${path}`, { 'content-type': type }, body);
    expect([201, 204], r.body).toContain(r.status);
  };
  const del = async (u: DavUser, path: string) => expect((await req(u, 'DELETE', `${files(u)}${path}`)).status).toBe(204);
  const propfind = async (u: DavUser, path: string, depth: string, body: string): Promise<MsResponse[]> => {
    const r = await req(u, 'PROPFIND', path, { depth, 'content-type': 'application/xml' }, body);
    expect(r.status, r.body).toBe(207);
    return multistatus(r.body);
  };
  const text = (r: MsResponse, ns: string, local: string) => deepText(prop200(r, ns, local));
  const fileIdOf = async (u: DavUser, path: string) => Number(text((await propfind(u, `${files(u)}${path}`, '0', ID_PROPS))[0]!, OC, 'fileid'));
  const trashItems = async (u: DavUser) => (await propfind(u, `${trash(u)}/trash/`, '1', TRASH_PROPS)).slice(1);
  const read = async (u: DavUser, path: string) => {
    const r = await req(u, 'GET', path);
    return { status: r.status, body: r.body };
  };
  const move = (u: DavUser, from: string, to: string, headers: Record<string, string> = {}) =>
    req(u, 'MOVE', from, { destination: `${u.base}${to}`, ...headers });
  const preview = (u: DavUser, query: string, auth = true) =>
    fetch(`${u.base}/index.php/core/preview?${query}`, { headers: auth ? { authorization: u.authorization, 'user-agent': ANDROID } : {} });

  beforeAll(async () => {
    server = await startTestServer({ COFFER_JOBS_POLL_MS: '50' });
    alice = await DavUser.create(server.url, 'alice');
    bob = await DavUser.create(server.url, 'bob');
    carol = await DavUser.create(server.url, 'carol');
    expect((await req(alice, 'MKCOL', `${files(alice)}/Docs`)).status).toBe(201);
  });
  afterAll(async () => server?.close());

  it('lists the trash with the properties the apps read, reads a trashed file, purges one item', async () => {
    await put(alice, '/Docs/report.txt', 'the report');
    await put(alice, '/gone.txt', 'to be purged');
    const reportId = await fileIdOf(alice, '/Docs/report.txt');
    const before = Math.floor(Date.now() / 1000);
    await del(alice, '/Docs/report.txt');
    await del(alice, '/gone.txt');

    const [root, ...items] = await propfind(alice, `${trash(alice)}/trash/`, '1', TRASH_PROPS);
    expect(root!.href).toBe('/remote.php/dav/trashbin/alice/trash/');
    expect(items).toHaveLength(2);
    const report = items.find((i) => text(i, NC, 'trashbin-filename') === 'report.txt')!;
    const deleted = Number(text(report, NC, 'trashbin-deletion-time'));
    expect(deleted).toBeGreaterThanOrEqual(before - 1);
    expect(report.href).toBe(`/remote.php/dav/trashbin/alice/trash/report.txt.d${deleted}`);
    // Relative to the user's files, without a leading slash, as TrashbinPlugin gives it.
    expect(text(report, NC, 'trashbin-original-location')).toBe('Docs/report.txt');
    expect(text(report, DAV, 'getcontentlength')).toBe('10');
    expect(text(report, OC, 'fileid')).toBe(String(reportId));
    expect(text(report, OC, 'permissions')).toBe('GD');
    expect(text(report, NC, 'has-preview')).toBe('false');
    expect(kid(prop200(report, DAV, 'resourcetype'), DAV, 'collection')).toBeUndefined();

    // Depth 0 on an item, and its bytes without restoring it.
    const [one] = await propfind(alice, report.href, '0', TRASH_PROPS);
    expect(text(one!, NC, 'trashbin-filename')).toBe('report.txt');
    expect(await read(alice, report.href)).toEqual({ status: 200, body: 'the report' });

    // Purge one item: it is gone for good, the other stays.
    const gone = items.find((i) => text(i, NC, 'trashbin-filename') === 'gone.txt')!;
    expect((await req(alice, 'DELETE', gone.href)).status).toBe(204);
    expect((await req(alice, 'PROPFIND', gone.href, { depth: '0' })).status).toBe(404);
    expect((await trashItems(alice)).map((i) => text(i, NC, 'trashbin-filename'))).toEqual(['report.txt']);

    // The trash home lists trash/ and restore/.
    const home = await propfind(alice, `${trash(alice)}/`, '1', TRASH_PROPS);
    expect(home.map((r) => r.href).sort()).toEqual(['/remote.php/dav/trashbin/alice/', '/remote.php/dav/trashbin/alice/restore/', '/remote.php/dav/trashbin/alice/trash/']);
  });

  it('restores by MOVE into restore/, to the original place, and onto a taken name beside it', async () => {
    const [report] = (await trashItems(alice)).filter((i) => text(i, NC, 'trashbin-filename') === 'report.txt');
    const r = await move(alice, report!.href, `${trash(alice)}/restore/report.txt`);
    expect(r.status, r.body).toBe(201);
    expect(await read(alice, `${files(alice)}/Docs/report.txt`)).toEqual({ status: 200, body: 'the report' });
    expect(await trashItems(alice)).toHaveLength(0);

    // A file of the same name was made meanwhile: the restored one lands beside it, nothing is lost.
    await del(alice, '/Docs/report.txt');
    await put(alice, '/Docs/report.txt', 'a newer report');
    const [again] = await trashItems(alice);
    expect((await move(alice, again!.href, `${trash(alice)}/restore/report.txt`)).status).toBe(201);
    expect(await read(alice, `${files(alice)}/Docs/report.txt`)).toEqual({ status: 200, body: 'a newer report' });
    expect(await read(alice, `${files(alice)}/Docs/report%20(1).txt`)).toEqual({ status: 200, body: 'the report' });

    // Only into restore/: a MOVE elsewhere, or of something that is not in the trash, is refused.
    await del(alice, '/Docs/report%20(1).txt');
    const [item] = await trashItems(alice);
    expect((await move(alice, item!.href, `${trash(alice)}/trash/elsewhere.txt`)).status).toBe(403);
    expect((await move(alice, `${trash(alice)}/trash/nothing.txt.d1700000000`, `${trash(alice)}/restore/x`)).status).toBe(404);
    expect(await trashItems(alice)).toHaveLength(1);
  });

  it('empties the trash with DELETE of trash/', async () => {
    await put(alice, '/one.txt', '1');
    await del(alice, '/one.txt');
    expect((await trashItems(alice)).length).toBeGreaterThanOrEqual(2);
    expect((await req(alice, 'DELETE', `${trash(alice)}/trash`)).status).toBe(204);
    expect(await trashItems(alice)).toHaveLength(0);
    // The files themselves are untouched.
    expect((await read(alice, `${files(alice)}/Docs/report.txt`)).status).toBe(200);
  });

  it('keeps each user to their own trash', async () => {
    await put(alice, '/private.txt', 'mine');
    await del(alice, '/private.txt');
    const [item] = (await trashItems(alice)).filter((i) => text(i, NC, 'trashbin-filename') === 'private.txt');
    const bobsView = item!.href.replace('/trashbin/alice/', '/trashbin/bob/');
    // Bob at Alice's trash: refused; Bob's own trash does not hold Alice's item.
    expect((await req(bob, 'PROPFIND', `${trash(alice)}/trash/`, { depth: '1' })).status).toBe(403);
    expect((await req(bob, 'GET', item!.href)).status).toBe(403);
    expect((await req(bob, 'DELETE', `${trash(alice)}/trash`)).status).toBe(403);
    expect((await req(bob, 'GET', bobsView)).status).toBe(404);
    expect((await move(bob, bobsView, `${trash(bob)}/restore/x`)).status).toBe(404);
    expect(await trashItems(bob)).toHaveLength(0);
    // A restore cannot be aimed at another user's restore folder either.
    expect((await move(alice, item!.href, `${trash(bob)}/restore/x`)).status).toBe(502);
    expect((await trashItems(alice)).map((i) => i.href)).toContain(item!.href);
    // Without credentials: 401 with a challenge.
    const anonymous = await alice.request('PROPFIND', `${trash(alice)}/trash/`, { rawPath: true, auth: false, headers: { depth: '1' } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Basic /);
  });

  it('lists, reads and restores versions by the numeric file id', async () => {
    await put(alice, '/Docs/story.txt', 'first draft');
    await put(alice, '/Docs/story.txt', 'second draft!');
    await put(alice, '/Docs/story.txt', 'final');
    const id = await fileIdOf(alice, '/Docs/story.txt');
    const [collection, ...older] = await propfind(alice, `${versions(alice)}/versions/${id}`, '1', VERSION_PROPS);
    expect(collection!.href).toBe(`/remote.php/dav/versions/alice/versions/${id}/`);
    // The older versions, newest first, named by Unix time (a second one in the same second gets a suffix).
    expect(older).toHaveLength(2);
    for (const v of older) expect(v.href).toMatch(new RegExp(`^/remote\\.php/dav/versions/alice/versions/${id}/\\d{10}(\\.[0-9a-f]{8})?$`));
    expect(older.map((v) => text(v, DAV, 'getcontentlength'))).toEqual(['13', '11']);
    expect(text(older[0]!, DAV, 'getcontenttype')).toBe('text/plain');
    expect(text(older[0]!, NC, 'version-author')).toBe('alice');
    expect(text(older[0]!, DAV, 'getetag')).toMatch(/^"[0-9a-f]{32}"$/);
    expect(Date.parse(text(older[0]!, DAV, 'getlastmodified'))).toBeGreaterThan(Date.now() - 600_000);

    expect(await read(alice, older[1]!.href)).toEqual({ status: 200, body: 'first draft' });
    expect(await read(alice, older[0]!.href)).toEqual({ status: 200, body: 'second draft!' });

    const restored = await move(alice, older[1]!.href, `${versions(alice)}/restore/target`);
    expect(restored.status, restored.body).toBe(201);
    expect(await read(alice, `${files(alice)}/Docs/story.txt`)).toEqual({ status: 200, body: 'first draft' });
    // "final" is now an older version too, and the file keeps its id.
    expect(await fileIdOf(alice, '/Docs/story.txt')).toBe(id);
    const after = (await propfind(alice, `${versions(alice)}/versions/${id}`, '1', VERSION_PROPS)).slice(1);
    expect(after.map((v) => text(v, DAV, 'getcontentlength'))).toEqual(['5', '13', '11']);

    // Unknown ids and folders have no versions; a version of the wrong file is not found.
    expect((await req(alice, 'PROPFIND', `${versions(alice)}/versions/999999999`, { depth: '1' })).status).toBe(404);
    expect((await req(alice, 'PROPFIND', `${versions(alice)}/versions/${await fileIdOf(alice, '/Docs')}`, { depth: '1' })).status).toBe(404);
    expect((await req(alice, 'GET', `${versions(alice)}/versions/${id}/1700000000`)).status).toBe(404);
  });

  it('lets a viewer of a share read versions and an editor restore them; others see nothing', async () => {
    await put(alice, '/Docs/shared.txt', 'v1');
    await put(alice, '/Docs/shared.txt', 'v2');
    const id = await fileIdOf(alice, '/Docs/shared.txt');
    const nodeId = (await alice.api.json<{ id: string }>(`/resolve?path=${encodeURIComponent('/Docs/shared.txt')}`)).body.id;
    const share = async (to: string, role: string) =>
      expect((await alice.api.json('/shares', { method: 'POST', json: { node_id: nodeId, recipient: to, role } })).status).toBe(201);
    await share('bob', 'viewer');
    await share('carol', 'editor');

    // Bob, a viewer: lists and reads through his own versions folder, but may not restore.
    const [, old] = await propfind(bob, `${versions(bob)}/versions/${id}`, '1', VERSION_PROPS);
    expect(await read(bob, old!.href)).toEqual({ status: 200, body: 'v1' });
    expect((await move(bob, old!.href, `${versions(bob)}/restore/target`)).status).toBe(403);
    expect(await read(alice, `${files(alice)}/Docs/shared.txt`)).toEqual({ status: 200, body: 'v2' });

    // Carol, an editor: restores.
    const [, carolsOld] = await propfind(carol, `${versions(carol)}/versions/${id}`, '1', VERSION_PROPS);
    expect((await move(carol, carolsOld!.href, `${versions(carol)}/restore/target`)).status).toBe(201);
    expect(await read(alice, `${files(alice)}/Docs/shared.txt`)).toEqual({ status: 200, body: 'v1' });

    // Alice's own file id in someone else's versions path, or an unshared file: refused / not found.
    expect((await req(bob, 'PROPFIND', `${versions(alice)}/versions/${id}`, { depth: '1' })).status).toBe(403);
    const unshared = await fileIdOf(alice, '/Docs/story.txt');
    expect((await req(bob, 'PROPFIND', `${versions(bob)}/versions/${unshared}`, { depth: '1' })).status).toBe(404);
    expect((await req(bob, 'GET', `${versions(bob)}/versions/${unshared}/1700000000`)).status).toBe(404);
  });

  it('serves previews at /index.php/core/preview by file id, small or large by x and y', async () => {
    const png = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: { r: 200, g: 30, b: 90 } } }).png().toBuffer();
    await put(alice, '/Docs/photo.png', png, 'image/png');
    const id = await fileIdOf(alice, '/Docs/photo.png');
    const [listed] = await propfind(alice, `${files(alice)}/Docs/photo.png`, '0', ID_PROPS);
    expect(text(listed!, NC, 'has-preview')).toBe('true');

    // As the Android app asks; 202 while the preview job runs.
    const small = await until('the small preview', async () => {
      const res = await preview(alice, `fileId=${id}&x=96&y=96&a=1&mode=cover&forceIcon=0`);
      if (res.status === 202) {
        await res.arrayBuffer();
        return undefined;
      }
      return res;
    });
    expect(small.status).toBe(200);
    const smallMeta = await sharp(Buffer.from(await small.arrayBuffer())).metadata();
    expect(Math.max(smallMeta.width!, smallMeta.height!)).toBe(256);
    const large = await preview(alice, `fileId=${id}&x=1024&y=768&a=1`);
    expect(large.status).toBe(200);
    const largeMeta = await sharp(Buffer.from(await large.arrayBuffer())).metadata();
    expect(Math.max(largeMeta.width!, largeMeta.height!)).toBe(1024);
    // The older form, by path.
    const byPath = await fetch(`${alice.base}/index.php/core/preview.png?file=${encodeURIComponent('/Docs/photo.png')}&x=64&y=64`, { headers: { authorization: alice.authorization } });
    expect(byPath.status).toBe(200);
    await byPath.arrayBuffer();

    // A text file has none (has-preview false): 404.
    await put(alice, '/Docs/plain.txt', 'no picture here');
    const textId = await fileIdOf(alice, '/Docs/plain.txt');
    const [plain] = await propfind(alice, `${files(alice)}/Docs/plain.txt`, '0', ID_PROPS);
    expect(text(plain!, NC, 'has-preview')).toBe('false');
    const none = await preview(alice, `fileId=${textId}&x=96&y=96`);
    expect(none.status).toBe(404);
    await none.arrayBuffer();

    // Someone who cannot read the file: 404, as for a file that does not exist; no credentials: 401; bad sizes: 400.
    for (const [res, status] of [
      [await preview(carol, `fileId=${id}&x=96&y=96`), 404],
      [await preview(alice, 'fileId=999999999&x=96&y=96'), 404],
      [await preview(alice, `fileId=${id}&x=96&y=96`, false), 401],
      [await preview(alice, `fileId=${id}&x=0&y=96`), 400],
      [await preview(alice, 'x=96&y=96'), 400],
    ] as const) {
      expect(res.status).toBe(status);
      await res.arrayBuffer();
    }

    // In the trash: the listing says it has a preview, and the trash bin's preview endpoint serves
    // it (only to its owner); the files' endpoint no longer does.
    await del(alice, '/Docs/photo.png');
    const [photo] = (await trashItems(alice)).filter((i) => text(i, NC, 'trashbin-filename') === 'photo.png');
    expect(text(photo!, NC, 'has-preview')).toBe('true');
    const trashedId = text(photo!, OC, 'fileid');
    const trashPreview = (u: DavUser) =>
      fetch(`${u.base}/index.php/apps/files_trashbin/preview?fileId=${trashedId}&x=96&y=96`, { headers: { authorization: u.authorization } });
    const trashed = await trashPreview(alice);
    expect(trashed.status).toBe(200);
    expect(trashed.headers.get('content-type')).toBe('image/webp');
    await trashed.arrayBuffer();
    for (const res of [await trashPreview(bob), await preview(alice, `fileId=${trashedId}&x=96&y=96`)]) {
      expect(res.status).toBe(404);
      await res.arrayBuffer();
    }
  });
});
