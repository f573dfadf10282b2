import { createHash, randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DavUser, type DavResult } from './helpers/dav.js';
import { deepText, kids, multistatus, OC, prop200, type MsResponse } from './helpers/dav-xml.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { until } from './helpers/until.js';

/**
 * What the Nextcloud Android and iOS apps send that the desktop clients do not, replayed request
 * by request from the apps' public sources (snapshots read for this file: nextcloud/android-library
 * 5a9da0c, nextcloud/android 36277a1, nextcloud/NextcloudKit 6d21f12, nextcloud/ios as stored by
 * the code index). Each test names the repository, file and function a request comes from, sends
 * exactly its method, path, headers and body, and asserts what the app reads from the answer.
 */

const NC = 'http://nextcloud.org/ns';
const DAV = 'DAV:';
/** nextcloud/android app/src/main/res/values/setup.xml `nextcloud_user_agent`: "Mozilla/5.0 (Android) Nextcloud-android/%1$s%2$s". */
const ANDROID = 'Mozilla/5.0 (Android) Nextcloud-android/3.33.0';
/** nextcloud/ios NCBrandOptions userAgent: "Mozilla/5.0 (iOS) Nextcloud-iOS/\\(appVersion)" (NKSession.userAgent on every request). */
const IOS = 'Mozilla/5.0 (iOS) Nextcloud-iOS/7.1.0';

/**
 * NextcloudKit Sources/NextcloudKit/Models/NKProperties.swift: every case, joined as
 * NKProperties.properties(createProperties: nil) does; NKDataFileXML.getRequestBodyFile wraps
 * them. readFileOrFolder sends this body for every PROPFIND unless the caller gives another.
 */
const NK_PROPERTIES = [
  '<d:displayname />', '<nc:share-download-limits />', '<d:getlastmodified />', '<d:getetag />', '<d:getcontenttype />', '<d:resourcetype />',
  '<d:quota-available-bytes />', '<d:quota-used-bytes />', '<d:getcontentlength />',
  '<permissions xmlns="http://owncloud.org/ns"/>', '<id xmlns="http://owncloud.org/ns"/>', '<fileid xmlns="http://owncloud.org/ns"/>',
  '<size xmlns="http://owncloud.org/ns"/>', '<favorite xmlns="http://owncloud.org/ns"/>', '<share-types xmlns="http://owncloud.org/ns"/>',
  '<owner-id xmlns="http://owncloud.org/ns"/>', '<owner-display-name xmlns="http://owncloud.org/ns"/>', '<comments-unread xmlns="http://owncloud.org/ns"/>',
  '<checksums xmlns="http://owncloud.org/ns"/>', '<downloadURL xmlns="http://owncloud.org/ns"/>', '<data-fingerprint xmlns="http://owncloud.org/ns"/>',
  '<creation_time xmlns="http://nextcloud.org/ns"/>', '<upload_time xmlns="http://nextcloud.org/ns"/>', '<is-encrypted xmlns="http://nextcloud.org/ns"/>',
  '<has-preview xmlns="http://nextcloud.org/ns"/>', '<mount-type xmlns="http://nextcloud.org/ns"/>', '<rich-workspace xmlns="http://nextcloud.org/ns"/>',
  '<note xmlns="http://nextcloud.org/ns"/>', '<lock xmlns="http://nextcloud.org/ns"/>', '<lock-owner xmlns="http://nextcloud.org/ns"/>',
  '<lock-owner-editor xmlns="http://nextcloud.org/ns"/>', '<lock-owner-displayname xmlns="http://nextcloud.org/ns"/>', '<lock-owner-type xmlns="http://nextcloud.org/ns"/>',
  '<lock-time xmlns="http://nextcloud.org/ns"/>', '<lock-timeout xmlns="http://nextcloud.org/ns"/>', '<system-tags xmlns="http://nextcloud.org/ns"/>',
  '<file-metadata-size xmlns="http://nextcloud.org/ns"/>', '<file-metadata-gps xmlns="http://nextcloud.org/ns"/>', '<metadata-photos-exif xmlns="http://nextcloud.org/ns"/>',
  '<metadata-photos-gps xmlns="http://nextcloud.org/ns"/>', '<metadata-photos-original_date_time xmlns="http://nextcloud.org/ns"/>', '<metadata-photos-place xmlns="http://nextcloud.org/ns"/>',
  '<metadata-photos-size xmlns="http://nextcloud.org/ns"/>', '<metadata-files-live-photo xmlns="http://nextcloud.org/ns"/>', '<hidden xmlns="http://nextcloud.org/ns"/>',
  '<share-permissions xmlns="http://open-collaboration-services.org/ns"/>', '<share-permissions xmlns="http://open-cloud-mesh.org/ns"/>',
].join('');
const NK_PROPFIND = `<?xml version="1.0" encoding="UTF-8"?>
<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns">
    <d:prop>${NK_PROPERTIES}    </d:prop>
</d:propfind>`;

/**
 * nextcloud/android-library WebdavUtils.getAllPropSet(), which ReadFolderRemoteOperation sends
 * with Depth 1 (Jackrabbit's PropFindMethod writes it with the D: prefix and one xmlns per
 * namespace on each element).
 */
const ANDROID_ALL_PROPS = `<?xml version="1.0" encoding="UTF-8" standalone="no"?><D:propfind xmlns:D="DAV:"><D:prop>
<D:displayname/><D:getcontenttype/><D:resourcetype/><D:getcontentlength/><D:getlastmodified/><D:creationdate/><D:getetag/>
${['permissions', 'fileid', 'id', 'size', 'favorite'].map((p) => `<oc:${p} xmlns:oc="http://owncloud.org/ns"/>`).join('')}
<nc:is-encrypted xmlns:nc="http://nextcloud.org/ns"/><nc:mount-type xmlns:nc="http://nextcloud.org/ns"/>
<oc:owner-id xmlns:oc="http://owncloud.org/ns"/><oc:owner-display-name xmlns:oc="http://owncloud.org/ns"/><oc:comments-unread xmlns:oc="http://owncloud.org/ns"/>
${['has-preview', 'note', 'sharees', 'rich-workspace', 'creation_time', 'upload_time', 'lock', 'lock-owner-type', 'lock-owner', 'lock-owner-displayname',
  'lock-owner-editor', 'lock-time', 'lock-timeout', 'lock-token', 'system-tags', 'color', 'file-metadata-size', 'file-metadata-gps', 'metadata-photos-size',
  'metadata-photos-gps', 'metadata-files-live-photo', 'hidden', 'share-download-limits'].map((p) => `<nc:${p} xmlns:nc="http://nextcloud.org/ns"/>`).join('')}
</D:prop></D:propfind>`;

/** A small JPEG's worth of bytes is enough: the type comes from the name, as the apps upload it. */
const photoBytes = (n: number, seed: number) => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
};

let server: TestServer;
let alice: DavUser;

const basic = (u: DavUser) => u.authorization;
const raw = (u: DavUser, method: string, target: string, headers: Record<string, string>, body?: string | Buffer): Promise<DavResult> =>
  u.request(method, target, { rawPath: true, headers, ...(body === undefined ? {} : { body }) });
const text = (r: MsResponse, ns: string, local: string) => deepText(prop200(r, ns, local));

/** What both apps read from every entry of a listing (NKDataFileXML.convertDataFile, WebdavEntry). */
function expectWellFormedEntry(r: MsResponse, kind: 'file' | 'folder', asked: { ncPreview: boolean } = { ncPreview: true }) {
  // oc:fileid: a 64-bit integer (NKFile.fileId is parsed to Int64 in iOS; WebdavEntry.localId is a Long).
  const fileId = text(r, OC, 'fileid');
  expect(fileId).toMatch(/^[1-9]\d{0,18}$/);
  expect(BigInt(fileId) < 2n ** 63n).toBe(true);
  // oc:id: the number, zero-padded to 8 digits, then the instance id (the apps keep it as ocId).
  expect(text(r, OC, 'id')).toMatch(/^\d{8,}[a-z][a-z0-9]+$/);
  expect(Number(/^\d+/.exec(text(r, OC, 'id'))![0])).toBe(Number(fileId));
  // Permissions as letters the apps test one by one (R, S, M, G, D, N, V, W, C, K).
  expect(text(r, OC, 'permissions')).toMatch(/^[RSMGDNVWCK]+$/);
  expect(text(r, OC, 'permissions')).toContain(kind === 'file' ? 'W' : 'C');
  // A quoted ETag (both apps strip the quotes, and compare it on the next listing).
  expect(text(r, DAV, 'getetag')).toMatch(/^"[^"]+"$/);
  expect(new Date(text(r, DAV, 'getlastmodified')).toUTCString()).toBe(text(r, DAV, 'getlastmodified'));
  expect(text(r, OC, 'favorite')).toMatch(/^[01]$/);
  expect(Number(text(r, OC, 'size'))).toBeGreaterThanOrEqual(0);
  const resourcetype = prop200(r, DAV, 'resourcetype');
  expect(kids(resourcetype, DAV, 'collection')).toHaveLength(kind === 'folder' ? 1 : 0);
  if (kind === 'file') expect(Number(text(r, DAV, 'getcontentlength'))).toBeGreaterThanOrEqual(0);
  // Unix seconds (NKFile.creationDate/uploadDate; WebdavEntry.creationTimestamp/uploadTimestamp).
  expect(text(r, NC, 'upload_time')).toMatch(/^\d{10}$/);
  expect(text(r, NC, 'creation_time')).toMatch(/^\d{10}$/);
  if (asked.ncPreview) expect(text(r, NC, 'has-preview')).toMatch(/^(true|false)$/);
}

beforeAll(async () => {
  server = await startTestServer();
  alice = await DavUser.create(server.url, 'alice');
});
afterAll(async () => server?.close());

describe('login flow v2, as the apps run it', () => {
  const grant = async (login: string) => {
    const token = /\/login\/v2\/flow\/([^/]+)$/.exec(new URL(login).pathname)![1]!;
    const granted = await alice.api.fetch(`/login-flows/${token}/grant`, { method: 'POST' });
    expect(granted.status).toBe(200);
  };

  it('Android: an empty form POST to start, then the form token=… every 30 seconds until granted', async () => {
    // nextcloud/android AuthenticatorActivity.getResponseOfAnonymouslyPostLoginRequest:
    //   new PostMethod(baseUrl + "/index.php/login/v2", false, new FormBody.Builder().build())
    // through a PlainClient (no credentials): an empty application/x-www-form-urlencoded body.
    const start = await fetch(`${server.url}/index.php/login/v2`, {
      method: 'POST',
      headers: { 'user-agent': ANDROID, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(start.status).toBe(200);
    // getLoginFromJsonObject reads login and poll.token; extractPollUrlAndToken reads poll.endpoint.
    const started = (await start.json()) as { poll: { token: string; endpoint: string }; login: string };
    expect(started.login.startsWith(server.url)).toBe(true);

    // performLoginFlowV2 (scheduled by poolLogin every 30 s): POST poll.endpoint with FormBody token=….
    const poll = () =>
      fetch(started.poll.endpoint, {
        method: 'POST',
        headers: { 'user-agent': ANDROID, 'content-type': 'application/x-www-form-urlencoded' },
        body: `token=${encodeURIComponent(started.poll.token)}`,
      });
    // LoginUrlInfo.isValid(status) needs 200: anything else keeps the loop going.
    expect((await poll()).status).toBe(404);
    await grant(started.login);
    const done = await poll();
    expect(done.status).toBe(200);
    const info = (await done.json()) as { server: string; loginName: string; appPassword: string };
    // completeLoginFlow: server becomes the account's base URL, then checkOcServer asks status.php there.
    expect(info.server).toBe(server.url);
    expect(info.loginName).toBe('alice');
    const status = await fetch(`${info.server}/status.php`, { headers: { 'user-agent': ANDROID } });
    expect(((await status.json()) as { installed: boolean }).installed).toBe(true);
    const dav = await fetch(`${server.url}/remote.php/dav/files/alice/`, {
      method: 'PROPFIND',
      headers: { authorization: `Basic ${Buffer.from(`alice:${info.appPassword}`).toString('base64')}`, depth: '0', 'user-agent': ANDROID },
    });
    expect(dav.status).toBe(207);
    // The app password is named after the app (its user agent), as the person sees it among devices.
    const passwords = await alice.api.json<{ items: { name: string }[] }>('/auth/app-passwords');
    expect(passwords.body.items.map((p) => p.name)).toContain(ANDROID);
  });

  it('iOS: POST without a body to start, then POST endpoint?token=… (no body) until granted', async () => {
    // NextcloudKit NextcloudKit+Login.swift getLoginFlowV2: unauthorizedSession.request(
    //   "<server>/index.php/login/v2", method: .post, encoding: URLEncoding.default, headers: [User-Agent])
    // with no parameters: no body, no Content-Type.
    const start = await fetch(`${server.url}/index.php/login/v2`, { method: 'POST', headers: { 'user-agent': IOS } });
    expect(start.status).toBe(200);
    const started = (await start.json()) as { poll: { token: string; endpoint: string }; login: string };
    // getLoginFlowV2Poll: serverUrl = endpoint + "?token=" + token; .post, no parameters, no body.
    const poll = () => fetch(`${started.poll.endpoint}?token=${started.poll.token}`, { method: 'POST', headers: { 'user-agent': IOS } });
    // validate(statusCode: 200..<300): a 404 is an error the app's loop (LoginFlowModel) retries.
    expect((await poll()).status).toBe(404);
    await grant(started.login);
    const done = await poll();
    expect(done.status).toBe(200);
    const json = (await done.json()) as Record<string, string>;
    expect(json).toEqual({ server: server.url, loginName: 'alice', appPassword: expect.any(String) as unknown });
    // Once only.
    expect((await poll()).status).toBe(404);
  });
});

describe('the first account set-up', () => {
  it('status.php, capabilities, the user, then the root PROPFIND with NextcloudKit’s full property list (iOS)', async () => {
    // NextcloudKit+API.swift getServerStatus: GET <server>/status.php (no credentials).
    const status = await fetch(`${server.url}/status.php`, { headers: { 'user-agent': IOS } });
    expect(status.status).toBe(200);
    const st = (await status.json()) as Record<string, unknown>;
    expect(st).toMatchObject({ installed: true, maintenance: false, productname: expect.any(String) as unknown });
    expect(String(st.version)).toMatch(/^\d+\.\d+\.\d+/);
    // NextcloudKit+Capabilities.swift getCapabilities: GET ocs/v1.php/cloud/capabilities, with
    // getStandardHeaders (Basic auth, OCS-APIRequest: true, Accept: application/json, X-NC-Account).
    const ocsHeaders = { authorization: basic(alice), 'ocs-apirequest': 'true', accept: 'application/json', 'user-agent': IOS, 'x-nc-account': `alice ${server.url}` };
    const caps = await fetch(`${server.url}/ocs/v1.php/cloud/capabilities`, { headers: ocsHeaders });
    expect(caps.status).toBe(200);
    const c = ((await caps.json()) as { ocs: { data: { capabilities: { dav: { chunking: string }; core: { 'webdav-root': string } } } } }).ocs.data.capabilities;
    // The apps chunk only when dav.chunking is announced (NCCapabilities / OCCapability.isChunkingAllowed).
    expect(Number(c.dav.chunking)).toBeGreaterThanOrEqual(1);
    // NextcloudKit+API.swift getUserMetadata: GET ocs/v2.php/cloud/users/{userId}.
    const user = await fetch(`${server.url}/ocs/v2.php/cloud/users/alice`, { headers: ocsHeaders });
    expect(user.status).toBe(200);
    const data = ((await user.json()) as { ocs: { data: { id: string; quota: { used: number } } } }).ocs.data;
    expect(data.id).toBe('alice');
    expect(typeof data.quota.used).toBe('number');

    // NCNetworking readFolder → NextcloudKit readFileOrFolder(serverUrlFileName: ".../files/alice", depth: "0"):
    // PROPFIND with Depth 0, getStandardHeaders(contentType: application/xml, accept: application/xml), the NKProperties body.
    const root = await raw(alice, 'PROPFIND', '/remote.php/dav/files/alice', { ...ocsHeaders, accept: 'application/xml', 'content-type': 'application/xml', depth: '0' }, NK_PROPFIND);
    expect(root.status, root.body).toBe(207);
    const [self] = multistatus(root.body);
    // convertDataFile compares the href with "/remote.php/dav/files/<user>/" to spot the root.
    expect(self!.href).toBe('/remote.php/dav/files/alice/');
    expectWellFormedEntry(self!, 'folder');
    expect(Number(text(self!, DAV, 'quota-used-bytes'))).toBeGreaterThanOrEqual(0);
    expect(self!.props.get(`${DAV} quota-available-bytes`)?.status).toBe(200);
    // Unknown properties come back 404 in their own propstat, never failing the listing.
    expect(self!.props.get(`${NC} metadata-photos-exif`)?.status).toBe(404);
  });

  it('Android: status.php, capabilities (with the stored ETag as If-None-Match), the user', async () => {
    // android-library AccountUtils.STATUS_PATH: GET <baseUri>/status.php (GetStatusRemoteOperation, no credentials).
    const status = await fetch(`${server.url}/status.php`, { headers: { 'user-agent': ANDROID } });
    expect(((await status.json()) as { installed: boolean; maintenance: boolean })).toMatchObject({ installed: true, maintenance: false });
    // GetCapabilitiesRemoteOperation.run(NextcloudClient): GET <baseUri>/ocs/v2.php/cloud/capabilities?format=json,
    // new GetMethod(url, true) → OCS-APIRequest: true; If-None-Match: <capability ETag> once it has one; 304 = unchanged.
    const headers = { authorization: basic(alice), 'ocs-apirequest': 'true', 'user-agent': ANDROID };
    const caps = await fetch(`${server.url}/ocs/v2.php/cloud/capabilities?format=json`, { headers });
    expect(caps.status).toBe(200);
    const body = (await caps.json()) as { ocs: { meta: { statuscode: number }; data: { version: { major: number }; capabilities: { dav: { chunking: string } } } } };
    expect(body.ocs.meta.statuscode).toBe(200);
    // OCCapability: the version decides features (NextcloudVersion checks), dav.chunking turns on chunked uploads.
    expect(body.ocs.data.version.major).toBeGreaterThanOrEqual(22);
    expect(Number(body.ocs.data.capabilities.dav.chunking)).toBeGreaterThanOrEqual(1);
    // An If-None-Match the server did not hand out (a capability ETag kept from before) gets the full answer:
    // isNotModified(status) would keep stale capabilities on a 304.
    const again = await fetch(`${server.url}/ocs/v2.php/cloud/capabilities?format=json`, { headers: { ...headers, 'if-none-match': '"kept-from-another-server"' } });
    expect(again.status).toBe(200);
    expect(((await again.json()) as typeof body).ocs.data.capabilities.dav.chunking).toBe(body.ocs.data.capabilities.dav.chunking);
    // GetUserInfoRemoteOperation: GET <baseUri>/ocs/v2.php/cloud/user?format=json with OCS-APIRequest.
    const user = await fetch(`${server.url}/ocs/v2.php/cloud/user?format=json`, { headers });
    expect(user.status).toBe(200);
    const data = ((await user.json()) as { ocs: { data: { id: string; 'display-name': string; quota: { used: number; free?: number } } } }).ocs.data;
    expect(data.id).toBe('alice');
    expect(typeof data['display-name']).toBe('string');
    expect(typeof data.quota.used).toBe('number');
  });

  it('Android ReadFolderRemoteOperation: Depth 1 with WebdavUtils.getAllPropSet()', async () => {
    expect((await raw(alice, 'MKCOL', '/remote.php/dav/files/alice/Setup', { 'user-agent': ANDROID })).status).toBe(201);
    expect((await raw(alice, 'PUT', '/remote.php/dav/files/alice/Setup/a.txt', { 'user-agent': ANDROID }, 'aaa')).status).toBe(201);
    // ReadFolderRemoteOperation.run: new PropFindMethod(client.getFilesDavUri(remotePath), WebdavUtils.getAllPropSet(), DEPTH_1).
    const res = await raw(alice, 'PROPFIND', '/remote.php/dav/files/alice/Setup/', { authorization: basic(alice), depth: '1', 'content-type': 'text/xml; charset=UTF-8', 'user-agent': ANDROID }, ANDROID_ALL_PROPS);
    expect(res.status, res.body).toBe(207);
    const [folder, file] = multistatus(res.body);
    expect(folder!.href).toBe('/remote.php/dav/files/alice/Setup/');
    expectWellFormedEntry(folder!, 'folder');
    expectWellFormedEntry(file!, 'file');
    expect(text(file!, DAV, 'displayname')).toBe('a.txt');
    expect(text(file!, DAV, 'getcontenttype')).toBe('text/plain');
    expect(new Date(text(file!, DAV, 'creationdate')).getTime()).not.toBeNaN();
  });
});

describe('photo auto-upload with chunking', () => {
  it('Android ChunkedFileUploadRemoteOperation: MKCOL with Destination, PROPFIND the chunks, 6-digit chunks with Destination, MOVE .file with X-OC-Mtime', async () => {
    const photo = photoBytes(2_500, 7);
    const md5 = createHash('md5').update(photo).digest('hex');
    const folder = `/remote.php/dav/uploads/alice/${md5}`; // FileUtils.md5Sum(file)
    const destination = `${server.url}/remote.php/dav/files/alice/InstantUpload/Camera/IMG_20260101_101500.jpg`;
    const h = { authorization: basic(alice), 'user-agent': ANDROID };
    expect((await raw(alice, 'MKCOL', '/remote.php/dav/files/alice/InstantUpload', h)).status).toBe(201);
    expect((await raw(alice, 'MKCOL', '/remote.php/dav/files/alice/InstantUpload/Camera', h)).status).toBe(201);

    // new MkColMethod(uploadFolderUri) + Destination; its answer is not read.
    expect((await raw(alice, 'MKCOL', folder, { ...h, destination })).status).toBe(201);
    // new PropFindMethod(uploadFolderUri, WebdavUtils.getChunksPropSet(), DEPTH_1): it must succeed.
    const chunksProps = '<?xml version="1.0" encoding="UTF-8" standalone="no"?><D:propfind xmlns:D="DAV:"><D:prop><D:getcontenttype/><D:resourcetype/><D:getcontentlength/></D:prop></D:propfind>';
    const listed = await raw(alice, 'PROPFIND', folder, { ...h, depth: '1', 'content-type': 'text/xml; charset=UTF-8' }, chunksProps);
    expect(listed.status).toBe(207);
    expect(multistatus(listed.body)).toHaveLength(1);

    // uploadChunk: PUT uploadFolderUri + "/" + %06d(id), ids from 1, with Destination (and the mime type as Content-Type).
    const chunkSize = 1_000; // CHUNK_SIZE_MOBILE is 10240000; smaller here, same requests
    const put = (id: number) =>
      raw(alice, 'PUT', `${folder}/${String(id).padStart(6, '0')}`, { ...h, destination, 'content-type': 'image/jpeg' }, photo.subarray((id - 1) * chunkSize, id * chunkSize));
    expect((await put(1)).status).toBe(201);

    // The app is killed, and the job runs again: MKCOL again (the answer is ignored), then the
    // listing, which must give back chunk 000001 with its length for nextByte and lastId.
    await raw(alice, 'MKCOL', folder, { ...h, destination });
    const resumed = multistatus((await raw(alice, 'PROPFIND', folder, { ...h, depth: '1', 'content-type': 'text/xml; charset=UTF-8' }, chunksProps)).body);
    const chunks = resumed.filter((r) => /\/\d{6}$/.test(r.href));
    expect(chunks.map((r) => [r.href.split('/').pop(), Number(text(r, DAV, 'getcontentlength'))])).toEqual([['000001', 1_000]]);
    expect(kids(prop200(chunks[0]!, DAV, 'resourcetype'), DAV, 'collection')).toHaveLength(0);
    expect((await put(2)).status).toBe(201);
    expect((await put(3)).status).toBe(201);

    // new MoveMethod(uploadFolderUri + "/.file", destinationUri, true) → Overwrite: T; X-OC-Mtime; X-OC-Ctime.
    const moved = await raw(alice, 'MOVE', `${folder}/.file`, { ...h, destination, overwrite: 'T', 'x-oc-mtime': '1767262500', 'x-oc-ctime': '1767262500' });
    expect(moved.status).toBe(201);
    expect(moved.headers['oc-fileid']).toMatch(/^\d{8,}[a-z]/);
    expect(moved.headers.etag).toMatch(/^"[^"]+"$/);
    const got = await fetch(destination, { headers: { authorization: basic(alice) } });
    expect(Buffer.from(await got.arrayBuffer()).equals(photo)).toBe(true);
    expect(got.headers.get('last-modified')).toBe(new Date(1_767_262_500_000).toUTCString());
    // The upload folder is gone once assembled.
    expect((await raw(alice, 'PROPFIND', folder, { ...h, depth: '0' })).status).toBe(404);
  });

  it('iOS NextcloudKit uploadChunkAsync: PROPFIND the folder (404), MKCOL, chunks "1", "2", … one after another, MOVE .file with If-Match', async () => {
    const photo = photoBytes(2_200, 3);
    const chunkFolder = 'E621E1F8-C36C-495A-93FC-0C247A3E6E5F'; // the app's UUID for this upload
    const folder = `/remote.php/dav/uploads/alice/${chunkFolder}`;
    const destination = `${server.url}/remote.php/dav/files/alice/Photos/IMG_0042.HEIC`;
    expect((await raw(alice, 'MKCOL', '/remote.php/dav/files/alice/Photos', { 'user-agent': IOS })).status).toBe(201);
    // uploadChunkAsync puts Destination and OC-Total-Length into options.customHeader, so every
    // request of the upload carries them, beside getStandardHeaders' own.
    const standard = { authorization: basic(alice), 'user-agent': IOS, 'ocs-apirequest': 'true', 'x-nc-account': `alice ${server.url}`, destination, 'oc-total-length': String(photo.length) };
    const xml = { ...standard, 'content-type': 'application/xml', accept: 'application/xml' };

    // readFileOrFolderAsync(serverUrlChunkFolder, depth: "0"): PROPFIND with the NKProperties body; 404 → createFolderAsync.
    expect((await raw(alice, 'PROPFIND', folder, { ...xml, depth: '0' }, NK_PROPFIND)).status).toBe(404);
    // createFolder: MKCOL with getStandardHeaders(contentType: "application/xml", accept: "application/xml").
    expect((await raw(alice, 'MKCOL', folder, xml)).status).toBe(201);
    // A second run of the same upload finds the folder (2xx), and goes on.
    expect((await raw(alice, 'PROPFIND', folder, { ...xml, depth: '0' }, NK_PROPFIND)).status).toBe(207);

    // NKCommon.chunkedFile names chunks String(counter) from 1; upload() PUTs each with
    // Content-Type: application/octet-stream, awaiting each before the next (no parallelism).
    const size = 1_000;
    const names = ['1', '2', '3'];
    for (const [i, name] of names.entries()) {
      const res = await raw(alice, 'PUT', `${folder}/${name}`, { ...standard, accept: 'application/json', 'content-type': 'application/octet-stream' }, photo.subarray(i * size, (i + 1) * size));
      expect(res.status).toBe(201);
    }
    // A resumed upload sends the same chunk list again (filesChunk non-empty): chunks already
    // there are accepted again without being added twice.
    expect((await raw(alice, 'PUT', `${folder}/1`, { ...standard, 'content-type': 'application/octet-stream' }, photo.subarray(0, size))).status).toBe(201);

    // moveFileOrFolder(.file → destination, overwrite: true): Destination (urlEncoded), Overwrite: T,
    // X-OC-MTime / X-OC-CTime as "\(timeIntervalSince1970)" (a Double), If-Match when replacing.
    const move = (extra: Record<string, string>) =>
      raw(alice, 'MOVE', `${folder}/.file`, { ...xml, overwrite: 'T', 'x-oc-mtime': '1767262500.0', 'x-oc-ctime': '1767262400.0', ...extra });
    const moved = await move({});
    expect(moved.status).toBe(201);
    // assembledFile(fromMoveResponseHeaders:): OC-FileID and OC-ETag make the NKFile without another PROPFIND.
    expect(moved.headers['oc-fileid']).toMatch(/^\d{8,}[a-z]/);
    expect(moved.headers['oc-etag']).toMatch(/^"[^"]+"$/);
    const got = await fetch(destination, { headers: { authorization: basic(alice) } });
    expect(Buffer.from(await got.arrayBuffer()).equals(photo)).toBe(true);
    expect(got.headers.get('last-modified')).toBe(new Date(1_767_262_500_000).toUTCString());

    // Replacing it with If-Match (uploadChunkAsync's ifMatch, "only on the final assembly MOVE"):
    // a stale ETag is 412 and leaves the file as it was; the current one replaces it.
    const second = photoBytes(1_200, 9);
    const again = async (ifMatch: string) => {
      const f = `${folder}-2-${ifMatch.length}-${randomBytes(3).toString('hex')}`;
      const s = { ...standard, 'oc-total-length': String(second.length) };
      expect((await raw(alice, 'MKCOL', f, { ...s, 'content-type': 'application/xml' })).status).toBe(201);
      expect((await raw(alice, 'PUT', `${f}/1`, { ...s, 'content-type': 'application/octet-stream' }, second)).status).toBe(201);
      return raw(alice, 'MOVE', `${f}/.file`, { ...s, overwrite: 'T', 'x-oc-mtime': '1767262600.0', 'if-match': ifMatch });
    };
    expect((await again('"not-the-current-etag"')).status).toBe(412);
    expect(Buffer.from(await (await fetch(destination, { headers: { authorization: basic(alice) } })).arrayBuffer()).equals(photo)).toBe(true);
    const replaced = await again(moved.headers['oc-etag'] as string);
    expect(replaced.status).toBe(204);
    expect(Buffer.from(await (await fetch(destination, { headers: { authorization: basic(alice) } })).arrayBuffer()).equals(second)).toBe(true);
  });
});

describe('single-request uploads and folders', () => {
  it('iOS NextcloudKit upload() and createFolder(): fractional X-OC-MTime, OC-FileId, ETag and Date read from the answer', async () => {
    const h = { authorization: basic(alice), 'user-agent': IOS, 'ocs-apirequest': 'true', 'x-nc-account': `alice ${server.url}` };
    // createFolder: MKCOL with getStandardHeaders(contentType/accept: application/xml); it reads OC-FileId and Date.
    const mkcol = await raw(alice, 'MKCOL', '/remote.php/dav/files/alice/Screenshots', { ...h, 'content-type': 'application/xml', accept: 'application/xml' });
    expect(mkcol.status).toBe(201);
    expect(mkcol.headers['oc-fileid']).toMatch(/^\d{8,}[a-z]/);
    expect(Number.isNaN(Date.parse(String(mkcol.headers.date)))).toBe(false);
    // upload(): PUT, Content-Type application/octet-stream, X-OC-CTime and X-OC-MTime as "\(timeIntervalSince1970)".
    const shot = photoBytes(700, 5);
    const put = await raw(alice, 'PUT', '/remote.php/dav/files/alice/Screenshots/IMG_0100.PNG', { ...h, accept: 'application/json', 'content-type': 'application/octet-stream', 'x-oc-ctime': '1767262000.25', 'x-oc-mtime': '1767262000.75' }, shot);
    expect(put.status).toBe(201);
    expect(put.headers['oc-fileid']).toMatch(/^\d{8,}[a-z]/);
    expect(put.headers.etag).toMatch(/^"[^"]+"$/);
    expect(put.headers['oc-etag']).toBe(put.headers.etag);
    const listed = multistatus((await raw(alice, 'PROPFIND', '/remote.php/dav/files/alice/Screenshots/IMG_0100.PNG', { ...h, depth: '0', 'content-type': 'application/xml' }, NK_PROPFIND)).body)[0]!;
    expectWellFormedEntry(listed, 'file');
    // Whole seconds on the wire; the type from the name, not the octet-stream the app labels every upload with.
    expect(text(listed, DAV, 'getlastmodified')).toBe(new Date(1_767_262_000_000).toUTCString());
    expect(text(listed, DAV, 'getcontenttype')).toBe('image/png');
    expect(text(listed, DAV, 'getetag')).toBe(put.headers.etag);
    expect(put.headers['oc-fileid']).toBe(text(listed, OC, 'id'));
  });

  it('Android ExistenceCheckRemoteOperation: HEAD on a file or folder is 200, on nothing 404, never a redirect', async () => {
    // new HeadMethod(client.getFilesDavUri(path)), redirects not followed; success is 200 (exists) or 404 (absent).
    const head = (path: string) => raw(alice, 'HEAD', `/remote.php/dav/files/alice${path}`, { authorization: basic(alice), 'user-agent': ANDROID });
    expect((await head('/Setup/a.txt')).status).toBe(200);
    expect((await head('/Setup')).status).toBe(200);
    expect((await head('/Setup/')).status).toBe(200);
    expect((await head('/Setup/nothing-here.jpg')).status).toBe(404);
  });

  it('Android UploadFileRemoteOperation: If-Match with the known ETag, OC-Total-Length, X-OC-Mtime; a stale ETag is refused', async () => {
    const h = { authorization: basic(alice), 'user-agent': ANDROID };
    const first = await raw(alice, 'PUT', '/remote.php/dav/files/alice/Setup/report.pdf', { ...h, 'content-type': 'application/pdf', 'oc-total-length': '5', 'x-oc-mtime': '1767000000' }, 'first');
    expect(first.status).toBe(201);
    // requiredEtag → If-Match: "\"" + requiredEtag + "\"" (the app keeps the ETag without quotes); reads the "etag" header back.
    const etag = String(first.headers.etag).replace(/^"|"$/g, '');
    const stale = await raw(alice, 'PUT', '/remote.php/dav/files/alice/Setup/report.pdf', { ...h, 'content-type': 'application/pdf', 'if-match': '"0123456789abcdef"', 'oc-total-length': '6', 'x-oc-mtime': '1767000100' }, 'stale!');
    expect(stale.status).toBe(412);
    expect(await (await fetch(`${server.url}/remote.php/dav/files/alice/Setup/report.pdf`, { headers: { authorization: basic(alice) } })).text()).toBe('first');
    const replaced = await raw(alice, 'PUT', '/remote.php/dav/files/alice/Setup/report.pdf', { ...h, 'content-type': 'application/pdf', 'if-match': `"${etag}"`, 'oc-total-length': '6', 'x-oc-mtime': '1767000100' }, 'second');
    expect(replaced.status).toBe(204);
    expect(replaced.headers.etag).toMatch(/^"[^"]+"$/);
    expect(replaced.headers.etag).not.toBe(first.headers.etag);
    const got = await fetch(`${server.url}/remote.php/dav/files/alice/Setup/report.pdf`, { headers: { authorization: basic(alice) } });
    expect(await got.text()).toBe('second');
    expect(got.headers.get('last-modified')).toBe(new Date(1_767_000_100_000).toUTCString());
  });
});

describe('favourites', () => {
  const favourites = async (u: DavUser, props: string) => {
    // NextcloudKit listingFavorites: REPORT <server>/remote.php/dav/files/<userId> (no trailing slash),
    // getRequestBodyFileListingFavorites; the Android app lists them through SEARCH (below).
    const body = `<?xml version="1.0"?>
<oc:filter-files xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns">
    <d:prop>${props}    </d:prop>
    <oc:filter-rules>
        <oc:favorite>1</oc:favorite>
    </oc:filter-rules>
</oc:filter-files>`;
    const res = await raw(u, 'REPORT', `/remote.php/dav/files/${u.username}`, { authorization: basic(u), 'user-agent': IOS, 'content-type': 'application/xml', accept: 'application/xml' }, body);
    expect(res.status, res.body).toBe(207);
    return multistatus(res.body);
  };

  it('iOS: PROPPATCH <oc:favorite>1</oc:favorite>, then REPORT oc:filter-files with every NKProperties', async () => {
    expect((await raw(alice, 'PUT', '/remote.php/dav/files/alice/starred.jpg', { 'user-agent': IOS }, photoBytes(300, 1))).status).toBe(201);
    // setFavorite: PROPPATCH <urlBase>/remote.php/dav/files/<userId>/<fileName>, requestBodyFileSetFavorite with %i = 1.
    const body = `<?xml version="1.0"?>
<d:propertyupdate xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">
    <d:set>
        <d:prop>
            <oc:favorite>1</oc:favorite>
        </d:prop>
    </d:set>
</d:propertyupdate>`;
    const set = await raw(alice, 'PROPPATCH', '/remote.php/dav/files/alice/starred.jpg', { authorization: basic(alice), 'user-agent': IOS, 'content-type': 'application/xml', accept: 'application/xml' }, body);
    expect(set.status).toBe(207);
    expect(multistatus(set.body)[0]!.props.get(`${OC} favorite`)?.status).toBe(200);
    const listed = await favourites(alice, NK_PROPERTIES);
    expect(listed.map((r) => r.href)).toEqual(['/remote.php/dav/files/alice/starred.jpg']);
    expectWellFormedEntry(listed[0]!, 'file');
    expect(text(listed[0]!, OC, 'favorite')).toBe('1');
  });

  it('Android ToggleFavoriteRemoteOperation: set with oc:favorite 1, unset with <D:remove>', async () => {
    expect((await raw(alice, 'PUT', '/remote.php/dav/files/alice/toggled.txt', { 'user-agent': ANDROID }, 'x')).status).toBe(201);
    // new PropPatchMethod(davUri + "/files/" + userId + path, newProps, removeProperties), as Jackrabbit writes it.
    const patch = (op: string) =>
      raw(alice, 'PROPPATCH', '/remote.php/dav/files/alice/toggled.txt', { authorization: basic(alice), 'user-agent': ANDROID, 'content-type': 'text/xml; charset=UTF-8' },
        `<?xml version="1.0" encoding="UTF-8" standalone="no"?><D:propertyupdate xmlns:D="DAV:">${op}</D:propertyupdate>`);
    const on = await patch('<D:set><D:prop><oc:favorite xmlns:oc="http://owncloud.org/ns">1</oc:favorite></D:prop></D:set>');
    expect(on.status).toBe(207); // isSuccess: 207 or 200
    expect((await favourites(alice, '<d:getetag/>')).map((r) => r.href)).toContain('/remote.php/dav/files/alice/toggled.txt');
    const off = await patch('<D:remove><D:prop><oc:favorite xmlns:oc="http://owncloud.org/ns"/></D:prop></D:remove>');
    expect(off.status).toBe(207);
    expect((await favourites(alice, '<d:getetag/>')).map((r) => r.href)).not.toContain('/remote.php/dav/files/alice/toggled.txt');
  });

  it('Android favourites view (SearchType.FAVORITE_SEARCH): SEARCH where oc:favorite eq "yes"', async () => {
    const bob = await DavUser.create(server.url, 'bob-favourites');
    const h = { authorization: basic(bob), 'user-agent': ANDROID };
    expect((await raw(bob, 'MKCOL', `/remote.php/dav/files/${bob.username}/Trips`, h)).status).toBe(201);
    for (const name of ['Trips/rome.jpg', 'Trips/paris.jpg', 'plain.txt']) {
      expect((await raw(bob, 'PUT', `/remote.php/dav/files/${bob.username}/${name}`, h, 'x')).status).toBe(201);
    }
    const star = (path: string) =>
      raw(bob, 'PROPPATCH', `/remote.php/dav/files/${bob.username}/${path}`, { ...h, 'content-type': 'text/xml; charset=UTF-8' },
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><oc:favorite xmlns:oc="http://owncloud.org/ns">1</oc:favorite></D:prop></D:set></D:propertyupdate>');
    expect((await star('Trips/rome.jpg')).status).toBe(207);
    expect((await star('Trips/')).status).toBe(207);
    // Someone else's star is not bob's.
    expect((await raw(alice, 'PUT', '/remote.php/dav/files/alice/alice-starred.txt', {}, 'x')).status).toBe(201);

    // SearchRemoteOperation.run: OPTIONS <davUri> first; SEARCH only if Allow lists it.
    const options = await raw(bob, 'OPTIONS', '/remote.php/dav', h);
    expect(String(options.headers.allow).split(/\s*,\s*/)).toContain('SEARCH');
    // NcSearchMethod.createQuery for FAVORITE_SEARCH (internalSearchString = "yes"): SEARCH <davUri>,
    // Content-Type: text/xml, scope /files/<userId> depth infinity, no orderby entries, no limit.
    // The literal "yes" is Nextcloud's boolean (FileSearchBackend::castValue: $value === 'yes').
    const body = '<?xml version="1.0" encoding="UTF-8" standalone="no"?><D:searchrequest xmlns:D="DAV:" xmlns:oc="http://nextcloud.com/ns"><D:basicsearch>'
      + '<D:select><D:prop><D:displayname/><D:creationdate/><D:quota-used-bytes/><D:quota-available-bytes/><oc:size xmlns:oc="http://owncloud.org/ns"/>'
      + '<is-encrypted xmlns="http://nextcloud.org/ns"/><D:getcontenttype/><D:resourcetype/><D:getcontentlength/><D:getlastmodified/><D:getetag/>'
      + '<oc:id xmlns:oc="http://owncloud.org/ns"/><oc:fileid xmlns:oc="http://owncloud.org/ns"/><oc:favorite xmlns:oc="http://owncloud.org/ns"/>'
      + '<oc:permissions xmlns:oc="http://owncloud.org/ns"/><oc:owner-id xmlns:oc="http://owncloud.org/ns"/><nc:upload_time xmlns:nc="http://nextcloud.org/ns"/>'
      + '<nc:creation_time xmlns:nc="http://nextcloud.org/ns"/><nc:has-preview xmlns:nc="http://owncloud.org/ns"/></D:prop></D:select>'
      + `<D:from><D:scope><D:href>/files/${bob.username}</D:href><D:depth>infinity</D:depth></D:scope></D:from>`
      + '<D:where><D:eq><D:prop><oc:favorite xmlns:oc="http://owncloud.org/ns"/></D:prop><D:literal>yes</D:literal></D:eq></D:where><D:orderby/></D:basicsearch></D:searchrequest>';
    const search = () => raw(bob, 'SEARCH', '/remote.php/dav', { ...h, 'content-type': 'text/xml' }, body);
    const res = await search();
    expect(res.status, res.body).toBe(207);
    const found = multistatus(res.body);
    expect(found.map((r) => r.href).sort()).toEqual([`/remote.php/dav/files/${bob.username}/Trips/`, `/remote.php/dav/files/${bob.username}/Trips/rome.jpg`]);
    for (const r of found) {
      expect(text(r, OC, 'favorite')).toBe('1');
      // NcSearchMethod makes has-preview with NAMESPACE_OC ("nc:has-preview" in http://owncloud.org/ns),
      // a property no server defines: it comes back 404, and the listing still stands.
      expect(r.props.get(`${OC} has-preview`)?.status).toBe(404);
      expectWellFormedEntry(r, r.href.endsWith('/') ? 'folder' : 'file', { ncPreview: false });
    }
    // Unstarred (ToggleFavoriteRemoteOperation's <D:remove>), it is gone from the next search.
    await raw(bob, 'PROPPATCH', `/remote.php/dav/files/${bob.username}/Trips/rome.jpg`, { ...h, 'content-type': 'text/xml; charset=UTF-8' },
      '<?xml version="1.0" encoding="UTF-8" standalone="no"?><D:propertyupdate xmlns:D="DAV:"><D:remove><D:prop><oc:favorite xmlns:oc="http://owncloud.org/ns"/></D:prop></D:remove></D:propertyupdate>');
    expect(multistatus((await search()).body).map((r) => r.href)).toEqual([`/remote.php/dav/files/${bob.username}/Trips/`]);
    // "no" finds what is not starred, combined with the other conditions.
    const notStarred = body.replace('<D:literal>yes</D:literal></D:eq>', '<D:literal>no</D:literal></D:eq>')
      .replace('<D:where><D:eq>', '<D:where><D:and><D:like><D:prop><D:displayname/></D:prop><D:literal>%.jpg</D:literal></D:like><D:eq>')
      .replace('</D:eq></D:where>', '</D:eq></D:and></D:where>');
    const unstarred = await raw(bob, 'SEARCH', '/remote.php/dav', { ...h, 'content-type': 'text/xml' }, notStarred);
    expect(multistatus(unstarred.body).map((r) => r.href.split('/').pop()).sort()).toEqual(['paris.jpg', 'rome.jpg']);
    // Ordered by the star (descending: starred first), as Nextcloud's FileSearchBackend orders by its boolean.
    const byStar = body.replace('<D:where><D:eq><D:prop><oc:favorite xmlns:oc="http://owncloud.org/ns"/></D:prop><D:literal>yes</D:literal></D:eq></D:where><D:orderby/>',
      '<D:where><D:like><D:prop><D:displayname/></D:prop><D:literal>%</D:literal></D:like></D:where><D:orderby><D:order><D:prop><oc:favorite xmlns:oc="http://owncloud.org/ns"/></D:prop><D:descending/></D:order></D:orderby>');
    expect(byStar).not.toBe(body);
    const ordered = multistatus((await raw(bob, 'SEARCH', '/remote.php/dav', { ...h, 'content-type': 'text/xml' }, byStar)).body);
    expect(ordered).toHaveLength(4);
    expect(ordered[0]!.href).toBe(`/remote.php/dav/files/${bob.username}/Trips/`);
    const ascending = multistatus((await raw(bob, 'SEARCH', '/remote.php/dav', { ...h, 'content-type': 'text/xml' }, byStar.replace('<D:descending/>', '<D:ascending/>'))).body);
    expect(ascending.at(-1)!.href).toBe(`/remote.php/dav/files/${bob.username}/Trips/`);
    // A literal Nextcloud would not read as a boolean is refused, not guessed.
    const maybe = await raw(bob, 'SEARCH', '/remote.php/dav', { ...h, 'content-type': 'text/xml' }, body.replace('<D:literal>yes</D:literal>', '<D:literal>maybe</D:literal>'));
    expect(maybe.status).toBe(400);
  });
});

describe('SEARCH as the apps send it', () => {
  const searchBody = (props: string, scope: string, depth: string, where: string, extra = '') => `<?xml version="1.0"?>
<d:searchrequest xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns">
<d:basicsearch>
    <d:select>
        <d:prop>${props}        </d:prop>
    </d:select>
    <d:from>
        <d:scope>
            <d:href>${scope}</d:href>
            <d:depth>${depth}</d:depth>
        </d:scope>
    </d:from>
    <d:where>${where}</d:where>${extra}
</d:basicsearch>
</d:searchrequest>`;
  const iosSearch = (body: string, extra: Record<string, string> = {}) =>
    // NextcloudKit search(serverUrl:httpBody:): SEARCH <urlBase>/remote.php/dav (no trailing slash).
    raw(carol, 'SEARCH', '/remote.php/dav', { authorization: basic(carol), 'user-agent': IOS, 'ocs-apirequest': 'true', 'content-type': 'application/xml', accept: 'application/xml', ...extra }, body);
  let mediaIds: string[] = [];
  // Their own account, so that what the other replays uploaded is not among the matches.
  let carol: DavUser;

  beforeAll(async () => {
    carol = await DavUser.create(server.url, 'carol');
    const h = { 'user-agent': IOS };
    expect((await raw(carol, 'MKCOL', '/remote.php/dav/files/carol/Camera', h)).status).toBe(201);
    // Three photos and a video taken on three days, and a text file: X-OC-MTime as the apps send it.
    const items: [string, string, number][] = [
      ['Camera/day1.jpg', 'image/jpeg', 1_767_225_600], // 2026-01-01
      ['Camera/day2.jpg', 'image/jpeg', 1_767_312_000], // 2026-01-02
      ['Camera/day2.mov', 'video/quicktime', 1_767_315_600],
      ['Camera/day3.png', 'image/png', 1_767_398_400], // 2026-01-03
      ['Camera/notes day2.txt', 'text/plain', 1_767_312_000],
    ];
    for (const [path, type, mtime] of items) {
      const res = await raw(carol, 'PUT', `/remote.php/dav/files/carol/${path.split('/').map(encodeURIComponent).join('/')}`, { ...h, 'content-type': type, 'x-oc-mtime': `${mtime}.0` }, photoBytes(200, mtime % 7));
      expect(res.status).toBe(201);
    }
  });

  it('iOS searchLiteral: like %name% on displayname below /files/<user>', async () => {
    // NextcloudKit searchLiteral: href ("/files/" + userId).urlEncoded, depth as asked, literal "%" + text + "%".
    const res = await iosSearch(searchBody(NK_PROPERTIES, '/files/carol', 'infinity', '<d:like><d:prop><d:displayname/></d:prop><d:literal>%day2%</d:literal></d:like>'));
    expect(res.status, res.body).toBe(207);
    const found = multistatus(res.body);
    expect(found.map((r) => decodeURIComponent(r.href)).sort()).toEqual([
      '/remote.php/dav/files/carol/Camera/day2.jpg',
      '/remote.php/dav/files/carol/Camera/day2.mov',
      '/remote.php/dav/files/carol/Camera/notes day2.txt',
    ]);
    for (const r of found) expectWellFormedEntry(r, 'file');
  });

  it('iOS getFileFromFileId: eq on oc:fileid (opening a file from a link or a notification)', async () => {
    const id = text(multistatus((await raw(carol, 'PROPFIND', '/remote.php/dav/files/carol/Camera/day3.png', { depth: '0' }, NK_PROPFIND)).body)[0]!, OC, 'fileid');
    // getRequestBodySearchFileId: scope /files/<userId> depth infinity, <d:eq><d:prop><oc:fileid …/></d:prop><d:literal>id</d:literal></d:eq>.
    const res = await iosSearch(searchBody(NK_PROPERTIES, '/files/carol', 'infinity', `<d:eq><d:prop><oc:fileid xmlns:oc="http://owncloud.org/ns"/></d:prop><d:literal>${id}</d:literal></d:eq>`));
    expect(res.status, res.body).toBe(207);
    const found = multistatus(res.body);
    expect(found.map((r) => r.href)).toEqual(['/remote.php/dav/files/carol/Camera/day3.png']);
    expect(text(found[0]!, OC, 'fileid')).toBe(id);
  });

  it('iOS media view (NCMediaNetwork.searchMediaPage): images and videos in a date range, newest first, with X-NC-Paginate headers', async () => {
    const mediaSelect = `
                    <id xmlns="http://owncloud.org/ns"/>
                    <fileid xmlns="http://owncloud.org/ns"/>
                    <d:getetag/>
                    <d:getlastmodified />
                    <upload_time xmlns="http://nextcloud.org/ns"/>
                    <size xmlns="http://owncloud.org/ns"/>
                    <has-preview xmlns="http://nextcloud.org/ns"/>
                    <metadata-files-live-photo xmlns="http://nextcloud.org/ns"/>`;
    // elementDate = "d:" + NCGlobal.mediaPropOrder (getlastmodified); dates as "yyyy-MM-dd'T'HH:mm:ssZZZZZ";
    // String(format:) turns the body's "image/%%" into "image/%".
    const body = (less: string, greater: string, limit: string) =>
      searchBody(mediaSelect, '/files/carol', 'infinity', `
                <d:and>
                    <d:or>
                        <d:like><d:prop><d:getcontenttype/></d:prop><d:literal>image/%</d:literal></d:like>
                        <d:like><d:prop><d:getcontenttype/></d:prop><d:literal>video/%</d:literal></d:like>
                    </d:or>
                    <d:and>
                        <d:lte><d:prop><d:getlastmodified/></d:prop><d:literal>${less}</d:literal></d:lte>
                        <d:gte><d:prop><d:getlastmodified/></d:prop><d:literal>${greater}</d:literal></d:gte>
                    </d:and>
                </d:and>`, `
    <d:orderby>
        <d:order><d:prop><d:getlastmodified/></d:prop><d:descending/></d:order>
        <d:order><d:prop><d:displayname/></d:prop><d:descending/></d:order>
    </d:orderby>
    <d:limit><d:nresults>${limit}</d:nresults></d:limit>`);
    // NKRequestOptions(paginate:, paginateOffset:, paginateCount: 200) → X-NC-Paginate, -Count, -Offset headers.
    const paginate = { 'x-nc-paginate': 'true', 'x-nc-paginate-count': '200', 'x-nc-paginate-offset': '0' };
    // From 2 January 00:00 in UTC+01:00 to the end of 3 January.
    const res = await iosSearch(body('2026-01-03T23:59:59+00:00', '2026-01-02T00:00:00+01:00', '100'), paginate);
    expect(res.status, res.body).toBe(207);
    const found = multistatus(res.body);
    expect(found.map((r) => r.href)).toEqual([
      '/remote.php/dav/files/carol/Camera/day3.png',
      '/remote.php/dav/files/carol/Camera/day2.mov',
      '/remote.php/dav/files/carol/Camera/day2.jpg',
    ]);
    for (const r of found) {
      expect(text(r, OC, 'fileid')).toMatch(/^[1-9]\d*$/);
      expect(text(r, DAV, 'getetag')).toMatch(/^"[^"]+"$/);
      expect(text(r, NC, 'upload_time')).toMatch(/^\d{10}$/);
      expect(text(r, NC, 'has-preview')).toMatch(/^(true|false)$/);
    }
    mediaIds = found.map((r) => text(r, OC, 'fileid'));
    expect(new Set(mediaIds).size).toBe(3);
    // No X-NC-Paginate: true in the answer means "everything came at once": the loop stops
    // (`if !isPaginate || files.count < paginateCount { finish() }`), so nothing may be left out.
    expect(res.headers['x-nc-paginate']).not.toBe('true');

    // searchMediaPlaceholders asks for up to 100000 results at once (`let limit = 100000`).
    const all = await iosSearch(body('2026-12-31T23:59:59+00:00', '2025-01-01T00:00:00+00:00', '100000'), paginate);
    expect(all.status, all.body).toBe(207);
    expect(multistatus(all.body).map((r) => r.href.split('/').pop())).toEqual(['day3.png', 'day2.mov', 'day2.jpg', 'day1.jpg']);
  });

  it('older iOS apps (NextcloudKit searchMedia, before 9f29c5f): the range on nc:upload_time in Unix seconds', async () => {
    // NextcloudKit+WebDAV.swift searchMedia(path:lessDate:greaterDate:elementDate:limit:) as it stood until January 2026:
    // elementDate + "/" fills <%@> ("nc:upload_time" → <nc:upload_time/>), Int dates as String(lessDate),
    // getRequestBodySearchMedia: lt/gt inside <d:or><d:and>, orderby the date then displayname, both descending.
    const now = Math.floor(Date.now() / 1000);
    const body = (less: number, greater: number) => `<?xml version="1.0"?>
<d:searchrequest xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns">
<d:basicsearch>
<d:select>
    <d:prop>${NK_PROPERTIES}    </d:prop>
</d:select>
    <d:from><d:scope><d:href>/files/carol</d:href><d:depth>infinity</d:depth></d:scope></d:from>
    <d:orderby>
        <d:order><d:prop><nc:upload_time/></d:prop><d:descending/></d:order>
        <d:order><d:prop><d:displayname/></d:prop><d:descending/></d:order>
    </d:orderby>
    <d:where>
        <d:and>
        <d:or>
            <d:like><d:prop><d:getcontenttype/></d:prop><d:literal>image/%</d:literal></d:like>
            <d:like><d:prop><d:getcontenttype/></d:prop><d:literal>video/%</d:literal></d:like>
        </d:or>
        <d:or>
            <d:and>
                <d:lt><d:prop><nc:upload_time/></d:prop><d:literal>${less}</d:literal></d:lt>
                <d:gt><d:prop><nc:upload_time/></d:prop><d:literal>${greater}</d:literal></d:gt>
            </d:and>
        </d:or>
        </d:and>
    </d:where>
    <d:limit><d:nresults>200</d:nresults></d:limit>
</d:basicsearch>
</d:searchrequest>`;
    const recent = await iosSearch(body(now + 600, now - 600));
    expect(recent.status, recent.body).toBe(207);
    const found = multistatus(recent.body);
    // Uploaded in this run, whatever their X-OC-MTime: every image and video, and nothing else.
    expect(found.map((r) => r.href.split('/').pop()).sort()).toEqual(['day1.jpg', 'day2.jpg', 'day2.mov', 'day3.png']);
    for (const r of found) {
      expect(Number(text(r, NC, 'upload_time'))).toBeGreaterThan(now - 600);
      expectWellFormedEntry(r, 'file');
    }
    // A window that ended before they were uploaded finds none of them.
    expect(multistatus((await iosSearch(body(now - 600, now - 7200))).body)).toEqual([]);
  });

  it('Android gallery (SearchType.GALLERY_SEARCH with startDate/endDate): after OPTIONS, SEARCH text/xml with Unix-second bounds', async () => {
    // SearchRemoteOperation.run: OPTIONS client.davUri; the search goes on only if Allow lists SEARCH.
    const options = await raw(carol, 'OPTIONS', '/remote.php/dav', { authorization: basic(carol), 'user-agent': ANDROID });
    expect(options.status).toBe(200);
    expect(String(options.headers.allow).split(/\s*,\s*/)).toContain('SEARCH');
    // NcSearchMethod.createQuery for GALLERY_SEARCH: the gallery select (has-preview first, no displayname),
    // where <d:and><d:lt getlastmodified endDate/><d:gt getlastmodified startDate/><d:or>image/% video/%</d:or></d:and>,
    // orderby getlastmodified descending, nresults = limit. Jackrabbit writes D: prefixes.
    const androidSelect = '<D:prop><nc:has-preview xmlns:nc="http://owncloud.org/ns"/><D:getcontenttype/><D:resourcetype/><D:getcontentlength/><D:getlastmodified/><D:getetag/>'
      + '<oc:id xmlns:oc="http://owncloud.org/ns"/><oc:fileid xmlns:oc="http://owncloud.org/ns"/><oc:favorite xmlns:oc="http://owncloud.org/ns"/><oc:permissions xmlns:oc="http://owncloud.org/ns"/>'
      + '<oc:owner-id xmlns:oc="http://owncloud.org/ns"/><oc:share-types xmlns:oc="http://owncloud.org/ns"/><nc:mount-type xmlns:nc="http://nextcloud.org/ns"/>'
      + '<nc:creation_time xmlns:nc="http://nextcloud.org/ns"/><nc:upload_time xmlns:nc="http://nextcloud.org/ns"/><nc:metadata-files-live-photo xmlns:nc="http://nextcloud.org/ns"/></D:prop>';
    const gallery = (start: number, end: number) => `<?xml version="1.0" encoding="UTF-8" standalone="no"?><D:searchrequest xmlns:D="DAV:" xmlns:oc="http://nextcloud.com/ns"><D:basicsearch>`
      + `<D:select>${androidSelect}</D:select><D:from><D:scope><D:href>/files/carol</D:href><D:depth>infinity</D:depth></D:scope></D:from>`
      + `<D:where><D:and><D:lt><D:prop><D:getlastmodified/></D:prop><D:literal>${end}</D:literal></D:lt><D:gt><D:prop><D:getlastmodified/></D:prop><D:literal>${start}</D:literal></D:gt>`
      + '<D:or><D:like><D:prop><D:getcontenttype/></D:prop><D:literal>image/%</D:literal></D:like><D:like><D:prop><D:getcontenttype/></D:prop><D:literal>video/%</D:literal></D:like></D:or></D:and></D:where>'
      + '<D:orderby><D:order><D:prop><D:getlastmodified/></D:prop><D:descending/></D:order></D:orderby><D:limit><D:nresults>150</D:nresults></D:limit></D:basicsearch></D:searchrequest>';
    const res = await raw(carol, 'SEARCH', '/remote.php/dav', { authorization: basic(carol), 'user-agent': ANDROID, 'content-type': 'text/xml' }, gallery(1_767_225_600, 1_767_398_400));
    expect(res.status, res.body).toBe(207);
    const found = multistatus(res.body);
    // Strictly between the bounds: day1 (= start) and day3 (= end) are out.
    expect(found.map((r) => r.href.split('/').pop())).toEqual(['day2.mov', 'day2.jpg']);
    for (const r of found) {
      expect(text(r, OC, 'fileid')).toMatch(/^[1-9]\d*$/);
      expect(text(r, OC, 'permissions')).toMatch(/^[RSMGDNVWCK]+$/);
      expect(text(r, DAV, 'getetag')).toMatch(/^"[^"]+"$/);
    }
  });

  it('Android file search (SearchType.FILE_SEARCH): like %text% on displayname, text/xml', async () => {
    const body = '<?xml version="1.0" encoding="UTF-8" standalone="no"?><D:searchrequest xmlns:D="DAV:" xmlns:oc="http://nextcloud.com/ns"><D:basicsearch>'
      + '<D:select><D:prop><D:displayname/><D:creationdate/><D:quota-used-bytes/><D:quota-available-bytes/><oc:size xmlns:oc="http://owncloud.org/ns"/><is-encrypted xmlns="http://nextcloud.org/ns"/>'
      + '<D:getcontenttype/><D:resourcetype/><D:getcontentlength/><D:getlastmodified/><D:getetag/><oc:id xmlns:oc="http://owncloud.org/ns"/><oc:fileid xmlns:oc="http://owncloud.org/ns"/>'
      + '<oc:favorite xmlns:oc="http://owncloud.org/ns"/><oc:permissions xmlns:oc="http://owncloud.org/ns"/><nc:has-preview xmlns:nc="http://owncloud.org/ns"/></D:prop></D:select>'
      + '<D:from><D:scope><D:href>/files/carol</D:href><D:depth>infinity</D:depth></D:scope></D:from>'
      + '<D:where><D:like><D:prop><D:displayname/></D:prop><D:literal>%notes%</D:literal></D:like></D:where><D:orderby/></D:basicsearch></D:searchrequest>';
    const res = await raw(carol, 'SEARCH', '/remote.php/dav', { authorization: basic(carol), 'user-agent': ANDROID, 'content-type': 'text/xml' }, body);
    expect(res.status, res.body).toBe(207);
    const found = multistatus(res.body);
    expect(found.map((r) => decodeURIComponent(r.href))).toEqual(['/remote.php/dav/files/carol/Camera/notes day2.txt']);
    expect(text(found[0]!, DAV, 'displayname')).toBe('notes day2.txt');
  });
});

describe('previews, trash and shares, as the apps ask for them', () => {
  const IDS = '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns"><d:prop><oc:fileid/><nc:has-preview/><d:getetag/></d:prop></d:propfind>';
  const fileIdOf = async (u: DavUser, rel: string) => {
    const res = await raw(u, 'PROPFIND', `/remote.php/dav/files/${u.username}/${rel}`, { authorization: basic(u), depth: '0', 'content-type': 'application/xml' }, IDS);
    expect(res.status, res.body).toBe(207);
    return multistatus(res.body)[0]!;
  };

  it('iOS: GET /index.php/core/preview?fileId=…&x=…&y=…&a=1&mode=cover answers the image, and 304 for the ETag it cached', async () => {
    const png = await sharp({ create: { width: 900, height: 600, channels: 3, background: { r: 20, g: 140, b: 60 } } }).png().toBuffer();
    expect((await raw(alice, 'PUT', '/remote.php/dav/files/alice/beach.png', { authorization: basic(alice), 'user-agent': IOS }, png)).status).toBe(201);
    const entry = await fileIdOf(alice, 'beach.png');
    expect(text(entry, NC, 'has-preview')).toBe('true');
    // NextcloudKit NextcloudKit+API.swift downloadPreview: GET <urlBase>/index.php/core/preview?fileId=<oc:fileid>
    //   &x=<w>&y=<h>&a=1&mode=cover&forceIcon=0&mimeFallback=0, getStandardHeaders (Basic, OCS-APIRequest: true),
    //   validate(statusCode: 200..<300); a cached preview is asked again with If-None-Match: <its etag>.
    const url = `${server.url}/index.php/core/preview?fileId=${text(entry, OC, 'fileid')}&x=512&y=512&a=1&mode=cover&forceIcon=0&mimeFallback=0`;
    const headers = { authorization: basic(alice), 'user-agent': IOS, 'ocs-apirequest': 'true' };
    const got = await until('the preview', async () => {
      const res = await fetch(url, { headers });
      if (res.status === 202) return undefined;
      return res;
    });
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toMatch(/^image\//);
    const meta = await sharp(Buffer.from(await got.arrayBuffer())).metadata();
    expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBeGreaterThan(0);
    const etag = got.headers.get('etag');
    expect(etag).toBeTruthy();
    expect((await fetch(url, { headers: { ...headers, 'if-none-match': etag! } })).status).toBe(304);
  });

  it('iOS and Android: PROPFIND /remote.php/dav/trashbin/<user>/trash/ lists the trash with nc:trashbin-* properties', async () => {
    expect((await raw(alice, 'PUT', '/remote.php/dav/files/alice/old-note.txt', { authorization: basic(alice) }, 'to be deleted')).status).toBe(201);
    const fileId = text(await fileIdOf(alice, 'old-note.txt'), OC, 'fileid');
    expect((await raw(alice, 'DELETE', '/remote.php/dav/files/alice/old-note.txt', { authorization: basic(alice), 'user-agent': ANDROID })).status).toBe(204);
    // android-library ReadTrashbinFolderRemoteOperation: PROPFIND <davUri>/trashbin/<userId>/trash, Depth 1,
    // WebdavUtils.getTrashbinPropSet() (NextcloudKit listingTrash sends the same three nc: names in requestBodyTrash).
    const body = '<?xml version="1.0" encoding="UTF-8" standalone="no"?><D:propfind xmlns:D="DAV:"><D:prop>'
      + '<nc:trashbin-filename xmlns:nc="http://nextcloud.org/ns"/><nc:trashbin-original-location xmlns:nc="http://nextcloud.org/ns"/>'
      + '<nc:trashbin-deletion-time xmlns:nc="http://nextcloud.org/ns"/><D:getcontentlength/><D:getcontenttype/><D:resourcetype/>'
      + '<oc:size xmlns:oc="http://owncloud.org/ns"/><oc:fileid xmlns:oc="http://owncloud.org/ns"/><nc:has-preview xmlns:nc="http://nextcloud.org/ns"/>'
      + '</D:prop></D:propfind>';
    const res = await raw(alice, 'PROPFIND', '/remote.php/dav/trashbin/alice/trash', { authorization: basic(alice), depth: '1', 'user-agent': ANDROID, 'content-type': 'text/xml' }, body);
    expect(res.status, res.body).toBe(207);
    const items = multistatus(res.body).slice(1);
    const item = items.find((r) => text(r, NC, 'trashbin-filename') === 'old-note.txt');
    expect(item, res.body).toBeDefined();
    expect(text(item!, NC, 'trashbin-original-location')).toBe('old-note.txt');
    expect(text(item!, NC, 'trashbin-deletion-time')).toMatch(/^\d{10}$/);
    expect(text(item!, OC, 'fileid')).toBe(fileId);
    expect(Number(text(item!, DAV, 'getcontentlength'))).toBe('to be deleted'.length);
  });

  it('iOS and Android: GET /ocs/v2.php/apps/files_sharing/api/v1/shares lists the caller’s shares with file_source = oc:fileid', async () => {
    const carol2 = await DavUser.create(server.url, 'carol-shares');
    expect((await raw(alice, 'MKCOL', '/remote.php/dav/files/alice/Holiday', { authorization: basic(alice) })).status).toBe(201);
    const fileId = text(await fileIdOf(alice, 'Holiday'), OC, 'fileid');
    const ocs = (method: string, pathAndQuery: string, ua: string, body?: string) =>
      fetch(`${server.url}/ocs/v2.php/apps/files_sharing/api/v1/${pathAndQuery}`, {
        method,
        headers: { authorization: basic(alice), 'user-agent': ua, 'ocs-apirequest': 'true', accept: 'application/json', ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        ...(body ? { body } : {}),
      });
    // android-library CreateShareRemoteOperation: POST …/shares?format=json, form path, shareType=0, shareWith, permissions.
    const created = await ocs('POST', 'shares?format=json', ANDROID, `path=${encodeURIComponent('/Holiday')}&shareType=0&shareWith=${carol2.username}&permissions=1`);
    expect(created.status).toBe(200);
    // NextcloudKit NextcloudKit+Share.swift readShares: GET …/shares?format=json&path=<path>&reshares=false&subfiles=false&shared_with_me=false.
    const listed = await ocs('GET', `shares?format=json&path=${encodeURIComponent('/Holiday')}&reshares=false&subfiles=false&shared_with_me=false`, IOS);
    expect(listed.status).toBe(200);
    const data = ((await listed.json()) as { ocs: { meta: { statuscode: number }; data: { share_type: number; path: string; file_source: number; item_type: string; share_with: string }[] } }).ocs;
    expect(data.meta.statuscode).toBe(200);
    expect(data.data).toHaveLength(1);
    expect(data.data[0]).toMatchObject({ share_type: 0, path: '/Holiday', item_type: 'folder', share_with: carol2.username });
    expect(String(data.data[0]!.file_source)).toBe(fileId);
  });
});

