import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DavUser, type DavResult } from './helpers/dav.js';
import { pseudoRandom, sha256 } from './helpers/content.js';
import { startS3rver, type RunningS3rver } from './helpers/s3rver.js';
import { listPartsProxy } from './helpers/s3rver-list-parts.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { until } from './helpers/until.js';

const MiB = 1024 * 1024;

/**
 * Nextcloud/ownCloud chunked uploads at /remote.php/dav/uploads/{user}/{transfer id}/, replaying
 * what the clients send (their sources are cited in src/webdav/nextcloud-chunking.ts):
 * - desktop 3.7 (chunking NG, nextcloud/desktop src/libsync/propagateuploadng.cpp): MKCOL with
 *   OC-Total-Length, chunks 00000000, 00000001… with OC-Chunk-Offset, MOVE …/.file with
 *   Destination, OC-Total-Length, X-OC-Mtime, OC-Checksum, If: <dest> (["etag"]);
 * - desktop ≥ 3.11 (chunking v2): 00001… with Destination and OC-Total-Length on MKCOL and chunks;
 * - Android (nextcloud/android-library ChunkedFileUploadRemoteOperation.kt): MKCOL with
 *   Destination only, PROPFIND Depth 1, chunks 000001…, MOVE with Overwrite: T and X-OC-Mtime.
 */

const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');
const uploadsPath = (user: DavUser, tid: string, member = '') => `/remote.php/dav/uploads/${user.username}/${tid}${member ? `/${member}` : ''}`;
const filesPath = (user: DavUser, name: string) => `/remote.php/dav/files/${user.username}/${name}`;
/** An absolute Destination, as the desktop client sends it. */
const destination = (user: DavUser, name: string) => `${user.base}${filesPath(user, name)}`;

function raw(user: DavUser, method: string, p: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<DavResult> {
  return user.request(method, p, { headers, rawPath: true, ...(body !== undefined ? { body } : {}) });
}

/** The chunks a Depth 1 PROPFIND of the upload folder lists: name and getcontentlength, as the clients read them. */
async function listChunks(user: DavUser, tid: string): Promise<{ status: number; chunks: { name: string; size: number }[] }> {
  // The body nextcloud/desktop's LsColJob sends for the upload folder (resourcetype, getcontentlength).
  const body = '<?xml version="1.0" ?><d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/><d:getcontentlength/></d:prop></d:propfind>';
  const res = await raw(user, 'PROPFIND', uploadsPath(user, tid), { depth: '1', 'content-type': 'application/xml' }, body);
  const chunks: { name: string; size: number }[] = [];
  for (const m of res.body.matchAll(/<d:href>([^<]*)<\/d:href><d:propstat><d:prop><d:resourcetype\/><d:getcontentlength>(\d+)<\/d:getcontentlength>/g)) {
    chunks.push({ name: decodeURIComponent(m[1]!.split('/').at(-1)!), size: Number(m[2]) });
  }
  return { status: res.status, chunks };
}

/** nextcloud/desktop 3.7's whole sequence for one file: MKCOL, sequential chunks, MOVE. */
async function desktopUpload(user: DavUser, tid: string, name: string, data: Buffer, chunkSize: number, moveHeaders: Record<string, string> = {}): Promise<DavResult> {
  const mk = await raw(user, 'MKCOL', uploadsPath(user, tid), { 'oc-total-length': String(data.length) });
  expect(mk.status).toBe(201);
  for (let sent = 0, n = 0; sent < data.length; sent += chunkSize, n++) {
    const chunk = data.subarray(sent, Math.min(sent + chunkSize, data.length));
    const put = await raw(user, 'PUT', uploadsPath(user, tid, String(n).padStart(8, '0')), { 'oc-chunk-offset': String(sent), 'content-type': 'application/octet-stream' }, chunk);
    expect(put.status).toBe(201);
  }
  return raw(user, 'MOVE', uploadsPath(user, tid, '.file'), {
    destination: destination(user, name),
    'oc-total-length': String(data.length),
    'x-oc-mtime': '1796040840',
    'oc-checksum': `SHA1:${sha1(data)}`,
    ...moveHeaders,
  });
}

async function getFile(user: DavUser, name: string): Promise<{ status: number; body: Buffer; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const url = new URL(user.base);
    const req = httpRequest({ host: url.hostname, port: url.port, method: 'GET', path: filesPath(user, name), headers: { authorization: user.authorization } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Files (not folders) below `dir`, recursively; none when it does not exist. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => fs.statSync(path.join(dir, f)).isFile());
}

const usage = async (user: DavUser) => (await user.api.json<{ used: number }>('/account/quota')).body.used;

describe('Nextcloud chunked uploads', () => {
  let server: TestServer;
  let alice: DavUser;
  let bob: DavUser;
  let small: DavUser;
  const staged = () => filesUnder(path.join(server.dataDir, 'blobs', 'uploads'));

  /** Sends chunk `name` declaring all of `body` but drops the connection once `cutAt` bytes are staged on disk (after `offset` staged before). */
  async function cutChunk(tid: string, name: string, offset: number, body: Buffer, cutAt: number): Promise<void> {
    const url = new URL(server.url);
    const req = httpRequest({
      host: url.hostname,
      port: url.port,
      method: 'PUT',
      path: uploadsPath(alice, tid, name),
      headers: { authorization: alice.authorization, 'oc-chunk-offset': String(offset), 'content-length': String(body.length) },
    });
    req.on('error', () => undefined);
    req.on('response', (res) => res.resume());
    req.write(body.subarray(0, cutAt));
    const stagedSize = () => {
      const files = staged();
      return files.length === 1 ? fs.statSync(path.join(server.dataDir, 'blobs', 'uploads', files[0]!)).size : -1;
    };
    await until('the cut chunk\'s bytes to be staged', async () => stagedSize() === offset + cutAt);
    req.destroy();
    await until('the cut chunk to be recorded', async () => (await listChunks(alice, tid)).chunks.some((c) => c.name === name));
  }

  beforeAll(async () => {
    server = await startTestServer();
    alice = await DavUser.create(server.url, 'nc-alice');
    bob = await DavUser.create(server.url, 'nc-bob');
    small = await DavUser.create(server.url, 'nc-small', { quota: 5 * MiB });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('assembles a desktop 3.7 upload of several chunks into one file, answered as the client expects', async () => {
    const data = pseudoRandom(5 * MiB + 4321, 1);
    const moved = await desktopUpload(alice, '3406066163', 'big.bin', data, 2 * MiB);
    expect(moved.status).toBe(201);
    // slotMoveJobFinished: OC-FileID and an ETag (OC-ETag or ETag) are required.
    expect(moved.headers['oc-fileid']).toBeTruthy();
    expect(moved.headers['oc-etag']).toMatch(/^"[^"]+"$/);
    expect(moved.headers.etag).toBe(moved.headers['oc-etag']);
    expect(moved.headers['x-oc-mtime']).toBe('accepted');
    const got = await getFile(alice, 'big.bin');
    expect(got.status).toBe(200);
    expect(sha256(got.body)).toBe(sha256(data));
    expect(got.headers.etag).toBe(moved.headers.etag);
    expect(Date.parse(String(got.headers['last-modified']))).toBe(1796040840 * 1000);
    // The upload folder is gone once assembled; its bytes became the file.
    expect((await listChunks(alice, '3406066163')).status).toBe(404);
    expect(staged()).toHaveLength(0);
  });

  it('takes chunking v2 (desktop ≥ 3.11) with Destination on MKCOL and chunks, numbered from 1', async () => {
    const data = pseudoRandom(3 * MiB + 7, 2);
    const tid = 'v2-1234';
    const dest = destination(alice, 'v2.bin');
    expect((await raw(alice, 'MKCOL', uploadsPath(alice, tid), { destination: dest, 'oc-total-length': String(data.length) })).status).toBe(201);
    for (let n = 1, sent = 0; sent < data.length; n++, sent += 2 * MiB) {
      const chunk = data.subarray(sent, sent + 2 * MiB);
      const headers = { 'oc-chunk-offset': String(sent), destination: dest, 'oc-total-length': String(data.length) };
      expect((await raw(alice, 'PUT', uploadsPath(alice, tid, String(n).padStart(5, '0')), headers, chunk)).status).toBe(201);
    }
    const moved = await raw(alice, 'MOVE', uploadsPath(alice, tid, '.file'), { destination: dest, 'oc-total-length': String(data.length), 'x-oc-mtime': '1700000000' });
    expect(moved.status).toBe(201);
    expect(sha256((await getFile(alice, 'v2.bin')).body)).toBe(sha256(data));
  });

  it('takes the Android app\'s upload, whose length is announced nowhere', async () => {
    const data = pseudoRandom(2 * MiB + 99, 3);
    const tid = createHash('md5').update(data).digest('hex');
    const dest = destination(alice, 'android.bin');
    // createUploadFolder: MKCOL with Destination only; then PROPFIND Depth 1 (nothing uploaded yet).
    expect((await raw(alice, 'MKCOL', uploadsPath(alice, tid), { destination: dest })).status).toBe(201);
    expect(await listChunks(alice, tid)).toEqual({ status: 207, chunks: [] });
    for (let id = 1, sent = 0; sent < data.length; id++, sent += MiB) {
      expect((await raw(alice, 'PUT', uploadsPath(alice, tid, String(id).padStart(6, '0')), { destination: dest }, data.subarray(sent, sent + MiB))).status).toBe(201);
    }
    const moved = await raw(alice, 'MOVE', uploadsPath(alice, tid, '.file'), { destination: dest, overwrite: 'T', 'x-oc-mtime': '1700000001' });
    expect(moved.status).toBe(201);
    expect(sha256((await getFile(alice, 'android.bin')).body)).toBe(sha256(data));
    // The same content uploaded again names the same folder: it starts afresh.
    expect((await raw(alice, 'MKCOL', uploadsPath(alice, tid), { destination: destination(alice, 'android-again.bin') })).status).toBe(201);
    expect(await listChunks(alice, tid)).toEqual({ status: 207, chunks: [] });
    expect((await raw(alice, 'DELETE', uploadsPath(alice, tid))).status).toBe(204);
  });

  it('takes owncloudcmd 2.11\'s chunks, named by their byte offset', async () => {
    // owncloud/client propagateuploadng.cpp chunkUrl(qint64 chunkOffset): 16-digit offsets.
    const data = pseudoRandom(3 * MiB + 5, 17);
    const tid = '1162552735';
    expect((await raw(alice, 'MKCOL', uploadsPath(alice, tid), { 'oc-total-length': String(data.length) })).status).toBe(201);
    for (let sent = 0; sent < data.length; sent += MiB) {
      const put = await raw(alice, 'PUT', uploadsPath(alice, tid, String(sent).padStart(16, '0')), { 'oc-chunk-offset': String(sent) }, data.subarray(sent, sent + MiB));
      expect(put.status).toBe(201);
    }
    const moved = await raw(alice, 'MOVE', uploadsPath(alice, tid, '.file'), { destination: filesPath(alice, 'owncloud.bin'), 'oc-total-length': String(data.length), 'x-oc-mtime': '1700000002' });
    expect(moved.status).toBe(201);
    expect(sha256((await getFile(alice, 'owncloud.bin')).body)).toBe(sha256(data));
  });

  it('resumes after a chunk cut off mid-way: the listing shows what was kept, the client goes on from its sum', async () => {
    const data = pseudoRandom(9 * MiB, 4);
    const tid = '777001';
    expect((await raw(alice, 'MKCOL', uploadsPath(alice, tid), { 'oc-total-length': String(data.length) })).status).toBe(201);
    expect((await raw(alice, 'PUT', uploadsPath(alice, tid, '00000000'), { 'oc-chunk-offset': '0' }, data.subarray(0, 2 * MiB))).status).toBe(201);
    // Chunk 1 declares 6 MiB but the connection drops after 4 MiB, once the server has them on
    // disk (the disk store writes in batches of 4 MiB: the staged file then shows all of them).
    const cutAt = 4 * MiB;
    await cutChunk(tid, '00000001', 2 * MiB, data.subarray(2 * MiB, 8 * MiB), cutAt);
    const listed = await until('the cut chunk to be recorded', async () => {
      const l = await listChunks(alice, tid);
      return l.chunks.length === 2 && l;
    });
    expect(listed.chunks).toEqual([
      { name: '00000000', size: 2 * MiB },
      { name: '00000001', size: cutAt },
    ]);
    expect(await getFile(alice, 'resumed.bin')).toMatchObject({ status: 404 });

    // slotPropfindFinished: chunks counted from 0 while contiguous, their sizes summed into the offset; the next number follows.
    const sent = listed.chunks.reduce((n, c) => n + c.size, 0);
    expect((await raw(alice, 'PUT', uploadsPath(alice, tid, '00000002'), { 'oc-chunk-offset': String(sent) }, data.subarray(sent))).status).toBe(201);
    const moved = await raw(alice, 'MOVE', uploadsPath(alice, tid, '.file'), { destination: destination(alice, 'resumed.bin'), 'oc-total-length': String(data.length), 'oc-checksum': `SHA1:${sha1(data)}` });
    expect(moved.status).toBe(201);
    expect(sha256((await getFile(alice, 'resumed.bin')).body)).toBe(sha256(data));
  });

  it('takes a cut-off chunk sent again whole, keeping only the bytes it lacked', async () => {
    const data = pseudoRandom(7 * MiB, 19);
    const tid = '777003';
    expect((await raw(alice, 'MKCOL', uploadsPath(alice, tid), { 'oc-total-length': String(data.length) })).status).toBe(201);
    await cutChunk(tid, '00000000', 0, data.subarray(0, 6 * MiB), 4 * MiB);
    expect((await listChunks(alice, tid)).chunks).toEqual([{ name: '00000000', size: 4 * MiB }]);
    // A client that retries the same chunk from its start: the 4 MiB kept are skipped, the rest appended.
    expect((await raw(alice, 'PUT', uploadsPath(alice, tid, '00000000'), { 'oc-chunk-offset': '0' }, data.subarray(0, 6 * MiB))).status).toBe(201);
    expect((await listChunks(alice, tid)).chunks).toEqual([{ name: '00000000', size: 6 * MiB }]);
    expect((await raw(alice, 'PUT', uploadsPath(alice, tid, '00000001'), { 'oc-chunk-offset': String(6 * MiB) }, data.subarray(6 * MiB))).status).toBe(201);
    const moved = await raw(alice, 'MOVE', uploadsPath(alice, tid, '.file'), { destination: destination(alice, 'rechunked.bin'), 'oc-total-length': String(data.length), 'oc-checksum': `SHA1:${sha1(data)}` });
    expect(moved.status).toBe(201);
    expect(sha256((await getFile(alice, 'rechunked.bin')).body)).toBe(sha256(data));
  });

  it('takes a chunk sent again (a retry) without storing its bytes twice, and refuses chunks out of order', async () => {
    const data = pseudoRandom(3 * MiB, 5);
    const tid = '777002';
    expect((await raw(alice, 'MKCOL', uploadsPath(alice, tid), { 'oc-total-length': String(data.length) })).status).toBe(201);
    const chunk0 = data.subarray(0, MiB);
    expect((await raw(alice, 'PUT', uploadsPath(alice, tid, '00000000'), { 'oc-chunk-offset': '0' }, chunk0)).status).toBe(201);
    expect((await raw(alice, 'PUT', uploadsPath(alice, tid, '00000000'), { 'oc-chunk-offset': '0' }, chunk0)).status).toBe(201);
    // A chunk past the next one, or at the wrong offset: 409, and the upload stands as it was.
    const skipped = await raw(alice, 'PUT', uploadsPath(alice, tid, '00000002'), { 'oc-chunk-offset': String(2 * MiB) }, data.subarray(2 * MiB));
    expect(skipped.status).toBe(409);
    expect(skipped.body).toContain('in order');
    const misplaced = await raw(alice, 'PUT', uploadsPath(alice, tid, '00000001'), { 'oc-chunk-offset': '5' }, data.subarray(MiB, 2 * MiB));
    expect(misplaced.status).toBe(409);
    expect((await listChunks(alice, tid)).chunks).toEqual([{ name: '00000000', size: MiB }]);
    expect((await raw(alice, 'PUT', uploadsPath(alice, tid, '00000001'), { 'oc-chunk-offset': String(MiB) }, data.subarray(MiB, 2 * MiB))).status).toBe(201);
    expect((await raw(alice, 'PUT', uploadsPath(alice, tid, '00000002'), { 'oc-chunk-offset': String(2 * MiB) }, data.subarray(2 * MiB))).status).toBe(201);
    // A MOVE announcing another length than arrived is refused, and the upload can still be finished.
    expect((await raw(alice, 'MOVE', uploadsPath(alice, tid, '.file'), { destination: destination(alice, 'retried.bin'), 'oc-total-length': String(data.length + 1) })).status).toBe(400);
    expect((await raw(alice, 'MOVE', uploadsPath(alice, tid, '.file'), { destination: destination(alice, 'retried.bin'), 'oc-total-length': String(data.length) })).status).toBe(201);
    expect(sha256((await getFile(alice, 'retried.bin')).body)).toBe(sha256(data));
  });

  it('refuses at MKCOL an upload the quota cannot hold, leaving nothing', async () => {
    const before = await usage(small);
    const mk = await raw(small, 'MKCOL', uploadsPath(small, '900001'), { 'oc-total-length': String(6 * MiB) });
    expect(mk.status).toBe(507);
    expect((await listChunks(small, '900001')).status).toBe(404);
    expect(await usage(small)).toBe(before);
    expect(staged()).toHaveLength(0);
  });

  it('refuses at MOVE an upload the quota can no longer hold: nothing appears, nothing is counted', async () => {
    const data = pseudoRandom(3 * MiB, 6);
    const tid = '900002';
    expect((await raw(small, 'MKCOL', uploadsPath(small, tid), { 'oc-total-length': String(data.length) })).status).toBe(201);
    expect((await raw(small, 'PUT', uploadsPath(small, tid, '00000000'), { 'oc-chunk-offset': '0' }, data)).status).toBe(201);
    // Meanwhile another file takes most of the space.
    expect((await raw(small, 'PUT', filesPath(small, 'other.bin'), {}, pseudoRandom(3 * MiB, 7))).status).toBe(201);
    const used = await usage(small);
    const moved = await raw(small, 'MOVE', uploadsPath(small, tid, '.file'), { destination: destination(small, 'too-big.bin'), 'oc-total-length': String(data.length) });
    expect(moved.status).toBe(507);
    expect((await getFile(small, 'too-big.bin')).status).toBe(404);
    expect(await usage(small)).toBe(used);
    // The chunks wait (until they expire or are deleted) for space to be freed.
    expect((await listChunks(small, tid)).chunks).toEqual([{ name: '00000000', size: data.length }]);
    expect((await raw(small, 'DELETE', filesPath(small, 'other.bin'))).status).toBe(204);
    expect((await raw(small, 'DELETE', uploadsPath(small, tid))).status).toBe(204);
    expect(staged()).toHaveLength(0);
  });

  it('refuses a file whose checksum does not match, storing nothing', async () => {
    const data = pseudoRandom(MiB + 3, 8);
    const tid = '900003';
    const before = await usage(alice);
    const moved = await desktopUpload(alice, tid, 'corrupt.bin', data, MiB, { 'oc-checksum': `SHA1:${sha1(Buffer.from('something else'))}` });
    expect(moved.status).toBe(400);
    expect(moved.body).toContain('SHA');
    expect((await getFile(alice, 'corrupt.bin')).status).toBe(404);
    expect(await usage(alice)).toBe(before);
    // The bytes are gone with the upload: the client's next sync starts a new one (PROPFIND 404).
    expect((await listChunks(alice, tid)).status).toBe(404);
    expect(staged()).toHaveLength(0);
    // MD5 is checked too.
    const md5 = await desktopUpload(alice, '900004', 'md5.bin', data, MiB, { 'oc-checksum': `MD5:${createHash('md5').update(data).digest('hex')}` });
    expect(md5.status).toBe(201);
  });

  it('replaces an existing file as a new version only when its If condition (the ETag the client knows) holds', async () => {
    const v1 = pseudoRandom(1000, 9);
    const put = await raw(alice, 'PUT', filesPath(alice, 'versioned.bin'), {}, v1);
    expect(put.status).toBe(201);
    const etag = String(put.headers.etag);
    const v2 = pseudoRandom(MiB + 10, 10);
    // PropagateUploadFileNG::finishUpload turns If-Match into If: <destination> (["etag"]).
    const ifHeader = (tag: string) => `<${filesPath(alice, 'versioned.bin')}> ([${tag}])`;
    const stale = await desktopUpload(alice, '900005', 'versioned.bin', v2, MiB, { if: ifHeader('"not-the-etag"') });
    expect(stale.status).toBe(412);
    expect((await getFile(alice, 'versioned.bin')).body.equals(v1)).toBe(true);
    // The chunks stay for the right condition.
    const moved = await raw(alice, 'MOVE', uploadsPath(alice, '900005', '.file'), { destination: destination(alice, 'versioned.bin'), 'oc-total-length': String(v2.length), if: ifHeader(etag) });
    expect(moved.status).toBe(204);
    expect(moved.headers['oc-fileid']).toBe(put.headers['oc-fileid']);
    expect(moved.headers.etag).not.toBe(etag);
    expect(sha256((await getFile(alice, 'versioned.bin')).body)).toBe(sha256(v2));
    const listed = await alice.api.json<{ items: { id: string; name: string }[] }>('/folders/root/children?limit=1000');
    const id = listed.body.items.find((n) => n.name === 'versioned.bin')!.id;
    const versions = await alice.api.json<{ items: unknown[] }>(`/files/${id}/versions`);
    expect(versions.body.items).toHaveLength(2);
  });

  it('finishes onto a locked file only with the lock\'s token', async () => {
    expect((await raw(alice, 'PUT', filesPath(alice, 'locked.bin'), {}, 'old')).status).toBe(201);
    const lockBody = '<?xml version="1.0" encoding="utf-8"?><d:lockinfo xmlns:d="DAV:"><d:lockscope><d:exclusive/></d:lockscope><d:locktype><d:write/></d:locktype></d:lockinfo>';
    const lock = await raw(alice, 'LOCK', filesPath(alice, 'locked.bin'), { 'content-type': 'application/xml', timeout: 'Second-600', depth: '0' }, lockBody);
    expect(lock.status).toBe(200);
    const token = String(lock.headers['lock-token']).replace(/^<|>$/g, '');
    const data = pseudoRandom(MiB + 1, 18);
    const refused = await desktopUpload(alice, '900010', 'locked.bin', data, MiB);
    expect(refused.status).toBe(423);
    expect((await getFile(alice, 'locked.bin')).body.toString()).toBe('old');
    // Nextcloud desktop's token lock: If: <destination> (<opaquelocktoken:…>).
    const moved = await raw(alice, 'MOVE', uploadsPath(alice, '900010', '.file'), { destination: destination(alice, 'locked.bin'), if: `<${destination(alice, 'locked.bin')}> (<${token}>)` });
    expect(moved.status).toBe(204);
    expect(sha256((await getFile(alice, 'locked.bin')).body)).toBe(sha256(data));
  });

  it('aborts on DELETE of the upload folder, removing the staged bytes', async () => {
    const tid = '900006';
    expect((await raw(alice, 'MKCOL', uploadsPath(alice, tid), { 'oc-total-length': String(2 * MiB) })).status).toBe(201);
    expect((await raw(alice, 'PUT', uploadsPath(alice, tid, '00000000'), {}, pseudoRandom(MiB, 11))).status).toBe(201);
    expect(staged()).toHaveLength(1);
    expect((await raw(alice, 'DELETE', uploadsPath(alice, tid))).status).toBe(204);
    expect(staged()).toHaveLength(0);
    expect((await listChunks(alice, tid)).status).toBe(404);
    expect((await raw(alice, 'PUT', uploadsPath(alice, tid, '00000001'), {}, pseudoRandom(MiB, 12))).status).toBe(404);
    expect((await raw(alice, 'MOVE', uploadsPath(alice, tid, '.file'), { destination: destination(alice, 'aborted.bin') })).status).toBe(404);
    expect((await getFile(alice, 'aborted.bin')).status).toBe(404);
  });

  it('keeps each user to their own uploads', async () => {
    const tid = '900007';
    expect((await raw(alice, 'MKCOL', uploadsPath(alice, tid), { 'oc-total-length': '10' })).status).toBe(201);
    expect((await raw(alice, 'PUT', uploadsPath(alice, tid, '00000000'), {}, Buffer.from('0123456789'))).status).toBe(201);
    // Bob on Alice's uploads: refused whatever the method.
    for (const [method, member] of [['PROPFIND', ''], ['PUT', '00000001'], ['DELETE', ''], ['MKCOL', ''], ['MOVE', '.file']] as const) {
      const res = await raw(bob, method, uploadsPath(alice, tid, member), { destination: destination(bob, 'stolen.bin') }, method === 'PUT' ? 'x' : undefined);
      expect(res.status, method).toBe(403);
    }
    // The same transfer id under Bob's own uploads is another, empty, place.
    expect((await listChunks(bob, tid)).status).toBe(404);
    // Nor can Alice finish into Bob's files.
    const intoBob = await raw(alice, 'MOVE', uploadsPath(alice, tid, '.file'), { destination: destination(bob, 'gift.bin') });
    expect(intoBob.status).toBe(403);
    expect((await raw(alice, 'MOVE', uploadsPath(alice, tid, '.file'), { destination: destination(alice, 'own.bin') })).status).toBe(201);
    expect((await getFile(alice, 'own.bin')).body.toString()).toBe('0123456789');
    // Without credentials: 401.
    expect((await alice.request('PROPFIND', uploadsPath(alice, tid), { rawPath: true, auth: false })).status).toBe(401);
  });

  it('never stores an old-style (OC-Chunked) chunk as a file: 501, so the client fails the file visibly', async () => {
    // What nextcloudcmd 3.7.3 sent without dav.chunking (nextcloudcmd-shim-chunking-v1.txt #436).
    const name = 'big14.bin-chunking-2006666309-2-0';
    const res = await raw(alice, 'PUT', filesPath(alice, name), { 'oc-chunked': '1', 'oc-total-length': String(3 * MiB), 'x-oc-mtime': '1796040840' }, pseudoRandom(2 * MiB, 13));
    expect(res.status).toBe(501);
    expect(res.body).toContain('/remote.php/dav/uploads/');
    expect((await getFile(alice, name)).status).toBe(404);
    expect((await raw(alice, 'PROPFIND', filesPath(alice, name), { depth: '0' })).status).toBe(404);
  });
});

describe('Nextcloud chunked uploads: expiry', () => {
  let server: TestServer;
  let user: DavUser;

  beforeAll(async () => {
    server = await startTestServer({ COFFER_UPLOAD_EXPIRY: '1' });
    user = await DavUser.create(server.url, 'nc-expiring');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('expires an unfinished upload and removes its staged bytes', async () => {
    const tid = '500001';
    expect((await raw(user, 'MKCOL', uploadsPath(user, tid), { 'oc-total-length': String(2 * MiB) })).status).toBe(201);
    expect((await raw(user, 'PUT', uploadsPath(user, tid, '00000000'), {}, pseudoRandom(MiB, 14))).status).toBe(201);
    const dir = path.join(server.dataDir, 'blobs', 'uploads');
    expect(filesUnder(dir)).toHaveLength(1);
    // Past its expiry the folder is gone for the client at once, before any purge.
    await until('the upload to expire', async () => (await listChunks(user, tid)).status === 404);
    expect((await raw(user, 'PUT', uploadsPath(user, tid, '00000001'), {}, pseudoRandom(MiB, 15))).status).toBe(404);
    expect(await server.core.uploads.purgeExpired()).toBe(1);
    expect(filesUnder(dir)).toHaveLength(0);
  });
});

describe('Nextcloud chunked uploads on S3', () => {
  const BUCKET = 'nc-chunks';
  let s3: RunningS3rver;
  let proxy: { endpoint: string; close: () => Promise<void> };
  let server: TestServer;
  let user: DavUser;

  beforeAll(async () => {
    s3 = await startS3rver({ buckets: [BUCKET] });
    proxy = await listPartsProxy(s3.endpoint, s3.directory);
    server = await startTestServer({ ...s3.env(BUCKET), COFFER_S3_ENDPOINT: proxy.endpoint });
    user = await DavUser.create(server.url, 'nc-s3');
  });
  afterAll(async () => {
    await server?.close();
    await proxy?.close();
    await s3?.close();
  });

  /** Sizes of the parts s3rver holds for unfinished multipart uploads. */
  const partSizes = () => {
    const dir = path.join(s3.directory, BUCKET, '._S3rver_uploads');
    if (!fs.existsSync(dir)) return [] as number[];
    return fs.readdirSync(dir).flatMap((u) => fs.readdirSync(path.join(dir, u)).filter((n) => /^\d+$/.test(n)).map((n) => fs.statSync(path.join(dir, u, n)).size));
  };

  it('streams the chunks into multipart parts, never onto the server\'s disk', async () => {
    const data = pseudoRandom(21 * MiB + 17, 16);
    const tid = '3300001';
    const chunkSize = 10 * MiB;
    expect((await raw(user, 'MKCOL', uploadsPath(user, tid), { 'oc-total-length': String(data.length) })).status).toBe(201);
    let n = 0;
    for (let sent = 0; sent < data.length; sent += chunkSize, n++) {
      const put = await raw(user, 'PUT', uploadsPath(user, tid, String(n).padStart(8, '0')), { 'oc-chunk-offset': String(sent) }, data.subarray(sent, sent + chunkSize));
      expect(put.status).toBe(201);
      if (n === 0) {
        // The first chunk is already on S3: one 8 MiB part, the rest short of a part as a tail object.
        expect(partSizes()).toEqual([8 * MiB]);
      }
    }
    expect(filesUnder(path.join(server.dataDir, 'blobs'))).toEqual([]);
    const moved = await raw(user, 'MOVE', uploadsPath(user, tid, '.file'), { destination: destination(user, 's3-big.bin'), 'oc-total-length': String(data.length), 'oc-checksum': `SHA1:${sha1(data)}` });
    expect(moved.status).toBe(201);
    expect(sha256((await getFile(user, 's3-big.bin')).body)).toBe(sha256(data));
    expect(filesUnder(path.join(server.dataDir, 'blobs'))).toEqual([]);
  });
});
