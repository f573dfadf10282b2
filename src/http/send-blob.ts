import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ByteRange } from '../blobs/blob-store.js';
import { badRequest, CofferError, rangeNotSatisfiable } from '../core/errors.js';
import { contentDisposition } from '../util/content-disposition.js';
import { httpDate } from '../util/http-date.js';
import { userContentHeaders } from '../util/user-content.js';

export { contentDisposition };

export interface Representation {
  size: number;
  etag: string;
  lastModified: Date;
  contentType: string;
  /** The file name for Content-Disposition; omitted means none is sent. */
  fileName?: string | undefined;
  /** What the client asked for; undefined lets the content's type decide (see userContentHeaders). */
  disposition?: 'attachment' | 'inline' | undefined;
  /** Served on COFFER_CONTENT_ORIGIN, embedded by the web app from its own origin. */
  crossOrigin?: boolean | undefined;
  open(range?: ByteRange): Promise<NodeJS.ReadableStream>;
}

export function quoteEtag(etag: string): string {
  return `"${etag}"`;
}

function etagMatches(header: string, etag: string, weak: boolean): boolean {
  if (header.trim() === '*') return true;
  return header.split(',').some((raw) => {
    let t = raw.trim();
    if (t.startsWith('W/')) {
      if (!weak) return false;
      t = t.slice(2);
    }
    return t === quoteEtag(etag);
  });
}

/** Parses a single `bytes=` range; multiple ranges are answered with the whole body (allowed by RFC 9110). */
export function parseRange(header: string, size: number): ByteRange | 'unsatisfiable' | null {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    return size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || (m[2] !== '' && Number(m[2]) < start)) return 'unsatisfiable';
  return { start, end };
}

/**
 * Answers GET/HEAD for a stored file with validators, conditional requests and byte ranges
 * (RFC 9110 §13–14), streaming the bytes. Returns the number of body bytes sent.
 */
export async function sendRepresentation(request: FastifyRequest, reply: FastifyReply, rep: Representation): Promise<number> {
  const lastModified = new Date(Math.floor(rep.lastModified.getTime() / 1000) * 1000);
  reply.header('etag', quoteEtag(rep.etag));
  reply.header('last-modified', httpDate(lastModified));
  reply.header('accept-ranges', 'bytes');
  reply.header('cache-control', 'private, no-cache');
  // Stored bytes must never run as Coffer's page: nosniff, a sandbox, attachment for active types.
  reply.headers(userContentHeaders({ contentType: rep.contentType, fileName: rep.fileName, disposition: rep.disposition, crossOrigin: rep.crossOrigin }));

  const h = request.headers;
  if (h['if-match'] && !etagMatches(h['if-match'], rep.etag, false)) {
    reply.code(412).header('content-length', '0').send();
    return 0;
  }
  if (h['if-unmodified-since'] && !h['if-match']) {
    const since = Date.parse(h['if-unmodified-since']);
    if (!Number.isNaN(since) && lastModified.getTime() > since) {
      reply.code(412).header('content-length', '0').send();
      return 0;
    }
  }
  const notModified = h['if-none-match']
    ? etagMatches(h['if-none-match'], rep.etag, true)
    : h['if-modified-since']
      ? !Number.isNaN(Date.parse(h['if-modified-since'])) && lastModified.getTime() <= Date.parse(h['if-modified-since'])
      : false;
  if (notModified) {
    reply.code(304).send();
    return 0;
  }

  let range: ByteRange | undefined;
  const rangeHeader = h.range;
  if (rangeHeader && (request.method === 'GET' || request.method === 'HEAD')) {
    const ifRange = h['if-range'] === undefined ? undefined : String(h['if-range']);
    const rangeApplies =
      !ifRange ||
      (ifRange.startsWith('"') ? ifRange.trim() === quoteEtag(rep.etag) : Date.parse(ifRange) >= lastModified.getTime());
    if (rangeApplies) {
      const parsed = parseRange(rangeHeader, rep.size);
      if (parsed === 'unsatisfiable') {
        reply.header('content-range', `bytes */${rep.size}`);
        throw rangeNotSatisfiable(rep.size);
      }
      if (parsed) range = parsed;
    }
  }
  reply.type(rep.contentType);
  if (range) {
    const length = range.end - range.start + 1;
    reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${rep.size}`).header('content-length', String(length));
    if (request.method === 'HEAD') {
      reply.send();
      return 0;
    }
    reply.send(await rep.open(range));
    return length;
  }
  reply.code(200).header('content-length', String(rep.size));
  if (request.method === 'HEAD') {
    reply.send();
    return 0;
  }
  reply.send(rep.size === 0 ? '' : await rep.open());
  return rep.size;
}

/** The body length a client announced, when it announced one (not with chunked encoding). */
export function declaredLength(request: FastifyRequest): number | undefined {
  const raw = request.headers['content-length'];
  if (raw === undefined || request.headers['transfer-encoding']) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/**
 * For an upload's promise: a client that went away mid-body is its fault, not a server error,
 * and nothing was stored; said as a 400. Everything else passes as it is.
 */
export function cutOffUpload(request: FastifyRequest): (err: unknown) => never {
  return (err) => {
    if (!(err instanceof CofferError) && request.raw.readableAborted) throw badRequest('The upload was cut off before the whole body arrived; nothing was stored');
    throw err;
  };
}

/** The routes of `app` take any body as the request's own stream (uploads): no parser reads it first. */
export function takeRawBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
}
