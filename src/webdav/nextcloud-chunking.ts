import { Readable } from 'node:stream';
import type { DavResource, LockStore } from './backend.js';
import { header, ocMtime } from './request-headers.js';
import { DavError, statusLine } from './errors.js';
import type { DavRequest, DavResponse } from './handler.js';
import { parseIfHeader, submittedTokens } from './if-header.js';
import { clientHeaders } from './client-properties.js';
import { assertTokensSubmitted } from './locks.js';
import { encodeHref, uriPath } from './paths.js';
import { escapeXml, XML_DECLARATION } from './xml.js';
import { httpDate } from '../util/http-date.js';

/**
 * Nextcloud's and ownCloud's chunked uploads ("chunking NG" and Nextcloud's "chunking v2"), the
 * protocol side: the upload folder /remote.php/dav/uploads/{user}/{transfer id}/, its numbered
 * chunks and the final MOVE of `.file` onto the destination. What the clients send, from their
 * sources:
 *
 * - nextcloud/desktop 3.x, src/libsync/propagateuploadng.cpp (chunking NG, as nextcloudcmd 3.7
 *   sends it, see /work/shared/clients/nextcloud-logs/nextcloudcmd-shim-chunking-v2.txt):
 *   `MKCOL …/{transferId}` with `OC-Total-Length` (no Destination), expecting exactly 201; chunks
 *   `PUT …/{transferId}/{n}` numbered from 0, zero-padded (8 digits in the source, 16 as
 *   nextcloudcmd 3.7.3 sends them here), with `OC-Chunk-Offset`, one at a time (startNextChunk
 *   runs from slotPutFinished: never two chunks of a file in flight); then
 *   `MOVE …/{transferId}/.file` with `Destination`, `OC-Total-Length`, `X-OC-Mtime`, `OC-Checksum`
 *   and, to replace a known version, `If: <destination> (["etag"])`. 201 or 204 with `OC-FileID`
 *   and `OC-ETag`/`ETag` is success; a missing file id or ETag is an error; 202 would need
 *   `OC-JobStatus-Location` polling, which Coffer never needs (it assembles within the request).
 *   Resuming: PROPFIND Depth 1 of the folder asking `resourcetype` and `getcontentlength`; the
 *   chunk names are parsed as numbers and counted from the first while contiguous, summing their
 *   sizes into the offset to continue from; later chunks after a hole are DELETEd one by one, and
 *   if such a DELETE fails the client starts a new upload. PROPFIND 404 → new upload.
 * - nextcloud/desktop from 3.11 (same file, chunking v2): chunks numbered 1…10000 padded to 5
 *   digits, `Destination` and `OC-Total-Length` on MKCOL and on every chunk PUT.
 * - nextcloud/android-library ChunkedFileUploadRemoteOperation.kt: `MKCOL` with `Destination` only
 *   (its answer ignored; no length anywhere), PROPFIND Depth 1 summing every numeric chunk's
 *   `getcontentlength` and continuing after the highest number, chunks padded to 6 digits sent one
 *   after another in a loop, `MOVE …/.file` with `Destination`, `Overwrite: T`, `X-OC-Mtime`.
 * - nextcloud/NextcloudKit (the iOS app) NextcloudKit+Upload.swift uploadChunkAsync: `Destination`
 *   and `OC-Total-Length` on every request of the upload; PROPFIND Depth 0 of the folder, MKCOL on
 *   404; chunks named "1", "2", … (NKCommon.chunkedFile) PUT one after another, each awaited;
 *   `MOVE …/.file` with `Overwrite: T`, `X-OC-MTime`/`X-OC-CTime` as fractional seconds
 *   ("1767262500.0") and, when replacing a known version, `If-Match: "etag"`.
 * - owncloud/client 2.11 (src/libsync/propagateuploadng.cpp, chunkUrl(qint64 chunkOffset)): as
 *   Nextcloud desktop's NG, but each chunk is named by its byte offset padded to 16 digits
 *   (0000000000000000, 0000000010000000, …), as owncloudcmd 2.11 sends them here; on resuming,
 *   markRangeAsDone reuses each listed chunk whose name is where the remaining range starts.
 *
 * So every client sends its chunks in order, one at a time: chunks are appended to one upload
 * session as they come (on S3 they stream into multipart parts), and a chunk out of order is a
 * 409 rather than staged for later. A chunk cut off mid-way keeps the bytes that arrived and is
 * listed with that size: the clients resume from the sum of the sizes, which is exactly where
 * the session stands. The same chunk sent again (a retry) skips the bytes already kept.
 */

/** A chunk as the upload folder lists it. */
export interface UploadChunk {
  name: string;
  size: number;
}

export interface UploadFolder {
  chunks: UploadChunk[];
  /** Bytes staged so far: the sum of the chunks' sizes. */
  received: number;
  createdAt: Date;
  modifiedAt: Date;
}

export interface AssembleOptions {
  totalLength?: number | undefined;
  modifiedAt?: Date | undefined;
  checksum?: { algorithm: 'sha1' | 'md5' | 'sha256'; hex: string } | undefined;
  /** Replace only the version with this ETag (the client's If header on the destination). */
  ifMatch?: string | undefined;
  /** Overwrite: F: refuse when the destination exists. */
  overwrite: boolean;
}

/** What the protocol needs from storage; every storage, quota and permission rule lives behind it. */
export interface ChunkedUploadBackend {
  folder(transferId: string): Promise<UploadFolder | null>;
  /** False when an open upload of that name exists already. */
  create(transferId: string, o: { length?: number | undefined; destination?: string[] | undefined }): Promise<boolean>;
  /**
   * Stages `body` at `offset` as chunk `name`: a new chunk after the last, or (`continuesLast`) the
   * rest of the last chunk sent again.
   */
  append(transferId: string, offset: number, body: Readable, chunk: { name: string; continuesLast: boolean }): Promise<void>;
  assemble(transferId: string, destination: string[], o: AssembleOptions): Promise<{ resource: DavResource; created: boolean }>;
  abort(transferId: string): Promise<void>;
  /** The WebDAV locks of the caller's files, and who the caller is to them: a locked destination needs its token. */
  readonly locks: LockStore;
  readonly principal: string;
  /** This installation's id, for the OC-FileId of the assembled file (see client-properties.ts). */
  readonly instanceId: string | null;
}

export interface ChunkedUploadContext {
  /** The URL path of the caller's uploads root, e.g. /remote.php/dav/uploads/alice. */
  mount: string;
  /** A Destination's URL path as segments below the caller's files, or null when it is not on them. */
  resolveDestination: (urlPath: string) => string[] | null;
  /** The URL path of the caller's files, e.g. /remote.php/dav/files/alice (for hrefs in errors). */
  filesMount: string;
}

export const CHUNKED_UPLOAD_METHODS = ['OPTIONS', 'MKCOL', 'PUT', 'PROPFIND', 'MOVE', 'DELETE', 'HEAD', 'GET'];

const CHUNK_NAME = /^\d{1,16}$/;
const TRANSFER_ID = /^[A-Za-z0-9._~-]{1,128}$/;
const ASSEMBLED = '.file';
const XML_TYPE = 'application/xml; charset=utf-8';

/** One request below the uploads root: `path` are the decoded segments below it. */
export async function handleChunkedUpload(req: DavRequest, path: string[], b: ChunkedUploadBackend, ctx: ChunkedUploadContext): Promise<DavResponse> {
  const [transferId, member, ...rest] = path;
  if (rest.length > 0) return drained(req, new DavError(404, 'Upload folders hold chunks only, no folders'));
  if (transferId !== undefined && !TRANSFER_ID.test(transferId)) return drained(req, new DavError(400, 'An upload folder is named with letters, digits, ".", "_", "~" or "-" (at most 128)'));
  switch (req.method) {
    case 'OPTIONS':
      return { status: 200, headers: { dav: '1, 2', allow: CHUNKED_UPLOAD_METHODS.join(', '), 'content-length': '0' } };
    case 'PROPFIND':
      await drain(req.body);
      return propfind(req, transferId, member, b, ctx);
    case 'MKCOL':
      if (transferId === undefined || member !== undefined) return drained(req, new DavError(403, 'Create an upload folder directly below your uploads: /remote.php/dav/uploads/{user}/{transfer id}'));
      return mkcol(req, transferId, b, ctx);
    case 'PUT':
      if (transferId === undefined || member === undefined) return drained(req, new DavError(405, 'PUT the chunks inside an upload folder'));
      return put(req, transferId, member, b);
    case 'MOVE':
      await drain(req.body);
      if (transferId === undefined || member !== ASSEMBLED) throw new DavError(403, 'Only the assembled file, …/{transfer id}/.file, can be moved out of an upload folder');
      return move(req, transferId, b, ctx);
    case 'DELETE':
      await drain(req.body);
      if (transferId === undefined) throw new DavError(403, 'Your uploads folder itself cannot be deleted');
      if (member !== undefined) {
        // The chunks are already part of the upload; the clients then start a new upload, as they do when such a DELETE fails.
        throw new DavError(403, 'Chunks cannot be removed one by one; DELETE the upload folder to start again');
      }
      if (!(await b.folder(transferId))) throw new DavError(404, 'There is no such upload (it may have finished, expired or been cancelled)');
      await b.abort(transferId);
      return { status: 204, headers: { 'content-length': '0' } };
    case 'GET':
    case 'HEAD':
      await drain(req.body);
      throw new DavError(405, 'Chunks cannot be read back; list the upload folder with PROPFIND');
    default:
      return drained(req, new DavError(405, `${req.method} is not supported on upload folders`));
  }
}

async function mkcol(req: DavRequest, transferId: string, b: ChunkedUploadBackend, ctx: ChunkedUploadContext): Promise<DavResponse> {
  await drain(req.body);
  const length = byteCount(req, 'oc-total-length');
  const destination = destinationOf(req, ctx, false);
  if (!(await b.create(transferId, { length, destination }))) throw new DavError(405, 'This upload folder exists already');
  return { status: 201, headers: { 'content-length': '0' } };
}

async function put(req: DavRequest, transferId: string, name: string, b: ChunkedUploadBackend): Promise<DavResponse> {
  if (!CHUNK_NAME.test(name)) return drained(req, new DavError(400, 'Chunks are named by their number (digits only, e.g. 00001)'));
  const folder = await b.folder(transferId);
  if (!folder) return drained(req, new DavError(404, 'There is no such upload folder; create it with MKCOL first (it may have expired or been cancelled)'));
  const size = byteCount(req, 'content-length');
  const offset = byteCount(req, 'oc-chunk-offset');
  const number = Number(name);
  const last = folder.chunks.at(-1);
  const resume = `list the upload folder (PROPFIND) and continue after its last chunk, at byte ${folder.received}`;
  if (last && Number(last.name) === number) {
    // The last chunk again (a retry, or the rest of one cut off): the bytes kept are skipped.
    const start = folder.received - last.size;
    if (offset !== undefined && offset !== start) return drained(req, new DavError(409, `Chunk ${name} starts at byte ${start}, not ${offset}; ${resume}`));
    if (size !== undefined && size <= last.size) {
      await drain(req.body);
      return { status: 201, headers: { 'content-length': '0' } };
    }
    await b.append(transferId, folder.received, skipBytes(req.body, last.size), { name, continuesLast: true });
    return { status: 201, headers: { 'content-length': '0' } };
  }
  const earlier = folder.chunks.find((c) => Number(c.name) === number);
  if (earlier) {
    if (size === earlier.size) {
      await drain(req.body);
      return { status: 201, headers: { 'content-length': '0' } };
    }
    return drained(req, new DavError(409, `Chunk ${name} arrived already with ${earlier.size} bytes; ${resume}`));
  }
  // Numbered chunks follow each other (Nextcloud); chunks named by their byte offset (ownCloud 2.11) start where the upload stands.
  if (last && number !== Number(last.name) + 1 && number !== folder.received) {
    return drained(req, new DavError(409, `Chunks are taken in order, one at a time: after chunk ${last.name} comes ${Number(last.name) + 1} (or, named by offset, ${folder.received}), not ${name}; ${resume}`));
  }
  if (offset !== undefined && offset !== folder.received) return drained(req, new DavError(409, `This chunk starts at byte ${offset}, but the upload holds ${folder.received}; ${resume}`));
  await b.append(transferId, folder.received, req.body, { name, continuesLast: false });
  return { status: 201, headers: { 'content-length': '0' } };
}

async function move(req: DavRequest, transferId: string, b: ChunkedUploadBackend, ctx: ChunkedUploadContext): Promise<DavResponse> {
  const destination = destinationOf(req, ctx, true)!;
  if (destination.length === 0) throw new DavError(403, 'The destination must name a file below your files');
  const mtime = ocMtime(req);
  const overwrite = (header(req, 'overwrite') ?? 'T').trim().toUpperCase() !== 'F';
  // A locked destination (or folder) takes the file only with the lock's token, as a PUT there would
  // (Nextcloud desktop sends `If: <destination> (<opaquelocktoken:…>)` for files it locked).
  const ifValue = header(req, 'if');
  const locks = await b.locks.covering(destination, false, true);
  assertTokensSubmitted(locks, submittedTokens(ifValue ? parseIfHeader(ifValue) : []), b.principal, (l) => encodeHref(ctx.filesMount, l.root, l.root.length < destination.length));
  const { resource, created } = await b.assemble(transferId, destination, {
    totalLength: byteCount(req, 'oc-total-length'),
    modifiedAt: mtime,
    checksum: ocChecksum(req),
    ifMatch: destinationEtag(req, ctx, destination),
    overwrite,
  });
  return {
    status: created ? 201 : 204,
    headers: {
      etag: `"${resource.etag}"`,
      ...clientHeaders(resource, b.instanceId),
      'last-modified': httpDate(resource.modifiedAt),
      'content-length': '0',
      ...(mtime ? { 'x-oc-mtime': 'accepted' } : {}),
    },
  };
}

async function propfind(req: DavRequest, transferId: string | undefined, member: string | undefined, b: ChunkedUploadBackend, ctx: ChunkedUploadContext): Promise<DavResponse> {
  const depth = (header(req, 'depth') ?? 'infinity').trim();
  const now = new Date();
  const entries: string[] = [];
  if (transferId === undefined) {
    // The uploads root itself; its upload folders are not listed (each client knows its own).
    entries.push(collectionEntry(`${ctx.mount}/`, now, now, 'uploads'));
  } else {
    const folder = await b.folder(transferId);
    if (!folder) throw new DavError(404, 'There is no such upload (it may have finished, expired or been cancelled)');
    const base = `${ctx.mount}/${encodeURIComponent(transferId)}`;
    if (member !== undefined) {
      const chunk = folder.chunks.find((c) => c.name === member);
      if (!chunk) throw new DavError(404, `There is no chunk ${member} in this upload`);
      entries.push(chunkEntry(base, chunk, folder));
    } else {
      entries.push(collectionEntry(`${base}/`, folder.createdAt, folder.modifiedAt, `${transferId}-${folder.received}`));
      if (depth !== '0') for (const chunk of folder.chunks) entries.push(chunkEntry(base, chunk, folder));
    }
  }
  const body = `${XML_DECLARATION}<d:multistatus xmlns:d="DAV:">${entries.join('')}</d:multistatus>\n`;
  return { status: 207, headers: { 'content-type': XML_TYPE, 'content-length': String(Buffer.byteLength(body)) }, body };
}

function collectionEntry(href: string, createdAt: Date, modifiedAt: Date, etag: string): string {
  return response(href, `<d:resourcetype><d:collection/></d:resourcetype><d:getlastmodified>${httpDate(modifiedAt)}</d:getlastmodified><d:creationdate>${createdAt.toISOString()}</d:creationdate><d:getetag>"${escapeXml(etag)}"</d:getetag>`);
}

function chunkEntry(base: string, chunk: UploadChunk, folder: UploadFolder): string {
  return response(
    `${base}/${encodeURIComponent(chunk.name)}`,
    `<d:resourcetype/><d:getcontentlength>${chunk.size}</d:getcontentlength><d:getlastmodified>${httpDate(folder.modifiedAt)}</d:getlastmodified><d:getetag>"${escapeXml(`${chunk.name}-${chunk.size}`)}"</d:getetag>`,
  );
}

function response(href: string, props: string): string {
  return `<d:response><d:href>${escapeXml(href)}</d:href><d:propstat><d:prop>${props}</d:prop><d:status>${statusLine(200)}</d:status></d:propstat></d:response>`;
}

/**
 * `PUT …-chunking-{transfer id}-{count}-{index}` with `OC-Chunked` (ownCloud's old chunking,
 * which clients fall back to when the server does not announce `dav.chunking` ≥ 1.0): refused,
 * never stored as a file named like the chunk. The refusal is a plain error status, which
 * nextcloud/desktop's classifyError (owncloudpropagator_p.h) files as a NormalError: the file is
 * shown as failed and retried on the next sync, instead of believed stored.
 */
export function refuseOldChunking(req: Pick<DavRequest, 'method' | 'headers'>): DavError | null {
  if (req.method !== 'PUT' || header(req, 'oc-chunked') === undefined) return null;
  return new DavError(
    501,
    'Old-style chunked uploads (OC-Chunked) are not supported, and a chunk is never stored as a file: upload through /remote.php/dav/uploads/{user}/{transfer id}/ (chunking NG, as the server capabilities announce with dav.chunking 1.0), or in one PUT',
  );
}

function destinationOf(req: DavRequest, ctx: ChunkedUploadContext, required: boolean): string[] | undefined {
  const value = header(req, 'destination');
  if (value === undefined || value.trim() === '') {
    if (required) throw new DavError(400, 'Name the file to make with a Destination header (…/remote.php/dav/files/{user}/{path})');
    return undefined;
  }
  const path = ctx.resolveDestination(uriPath(value));
  if (!path) throw new DavError(502, 'The destination is not among your files on this server (/remote.php/dav/files/{user}/…)');
  return path;
}

/**
 * The ETag the client requires of the destination: `If: <destination> (["etag"])`, as Nextcloud
 * desktop sends it, or an untagged list; or `If-Match: "etag"`, as NextcloudKit's
 * uploadChunkAsync (the iOS app) sends it on the assembling MOVE alone. On that MOVE the request
 * URL is the upload's `.file`, which has no ETag of its own: the condition can only be about the
 * file it replaces.
 */
function destinationEtag(req: DavRequest, ctx: ChunkedUploadContext, destination: string[]): string | undefined {
  const ifMatch = header(req, 'if-match');
  if (ifMatch !== undefined && ifMatch.trim() !== '*') {
    const tags = ifMatch.split(',').map((t) => t.trim()).filter((t) => t !== '');
    if (tags.length !== 1 || !/^(W\/)?"[^"]*"$/.test(tags[0]!)) throw new DavError(400, 'If-Match on an assembling MOVE names one quoted ETag, the destination\'s current one');
    return tags[0]!.replace(/^W\//, '').slice(1, -1);
  }
  const value = header(req, 'if');
  if (value === undefined) return undefined;
  for (const list of parseIfHeader(value)) {
    if (list.resource !== undefined) {
      const tagged = ctx.resolveDestination(uriPath(list.resource));
      if (!tagged || tagged.join('/') !== destination.join('/')) continue;
    }
    const etag = list.conditions.find((c) => c.kind === 'etag' && !c.not);
    if (etag) return etag.value.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
  }
  return undefined;
}

function byteCount(req: Pick<DavRequest, 'headers'>, name: string): number | undefined {
  const v = header(req, name);
  if (v === undefined) return undefined;
  if (!/^\d{1,16}$/.test(v.trim())) throw new DavError(400, `${name} must be a number of bytes`);
  return Number(v.trim());
}

const DIGEST_LENGTHS = { sha1: 40, md5: 32, sha256: 64 } as const;

/**
 * The first checksum of `OC-Checksum` that can be verified (SHA1, MD5, SHA256). Others, such as
 * Adler32 (which Nextcloud desktop may send), are not verified: the server keeps SHA-256.
 */
function ocChecksum(req: DavRequest): AssembleOptions['checksum'] {
  const v = header(req, 'oc-checksum');
  if (v === undefined) return undefined;
  for (const part of v.split(/[\s,]+/)) {
    const m = /^(sha1|md5|sha256):(.*)$/i.exec(part);
    if (!m) continue;
    const algorithm = m[1]!.toLowerCase() as keyof typeof DIGEST_LENGTHS;
    if (!new RegExp(`^[0-9a-f]{${DIGEST_LENGTHS[algorithm]}}$`, 'i').test(m[2]!)) throw new DavError(400, `OC-Checksum ${m[1]} must be ${DIGEST_LENGTHS[algorithm]} hex digits`);
    return { algorithm, hex: m[2]!.toLowerCase() };
  }
  return undefined;
}

/** The body without its first `skip` bytes (those the upload holds already). */
function skipBytes(body: Readable, skip: number): Readable {
  if (skip === 0) return body;
  let left = skip;
  return Readable.from(
    (async function* () {
      for await (const chunk of body) {
        const buf = chunk as Buffer;
        if (left >= buf.length) {
          left -= buf.length;
          continue;
        }
        yield left > 0 ? buf.subarray(left) : buf;
        left = 0;
      }
    })(),
    { objectMode: false },
  );
}

async function drain(body: Readable): Promise<void> {
  for await (const _ of body) {
    // discarded
  }
}

/** An error answered after the request body was read and dropped, so the connection stays usable. */
async function drained(req: DavRequest, err: DavError): Promise<never> {
  await drain(req.body).catch(() => undefined);
  throw err;
}
