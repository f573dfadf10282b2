import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { DavBackend, DavLock, DavResource, DeadProperty, PropertyName } from './backend.js';
import { ChunkWriter } from './chunk-writer.js';
import { clientContexts, clientHeaders, FAVORITE, isClientBackend, parseFavorite } from './client-properties.js';
import { header, ocMtime } from './request-headers.js';
import { DavError, statusLine } from './errors.js';
import { evaluateIf, parseIfHeader, submittedTokens, type IfList } from './if-header.js';
import { assertTokensSubmitted, lockConflict, LOCK_TOKEN_PREFIX, lockCovers, parseTimeout } from './locks.js';
import { decodePath, decodePathAsSent, encodeHref, isWithin, samePath, uriPath } from './paths.js';
import {
  activeLockXml,
  isProtected,
  modifiedTimeProperty,
  parsePropertyTime,
  compileRenderer,
  type LiveContext,
} from './properties.js';
import { interpretLockinfo, interpretPropfind, interpretProppatch, type PatchOp } from './requests.js';
import { httpDate } from '../util/http-date.js';
import { USER_CONTENT_CSP, userContentHeaders } from '../util/user-content.js';
import { DAV_NS, DEFAULT_XML_LIMITS, escapeXml, NamespacePrefixes, readXmlBody, XML_DECLARATION, type XmlLimits } from './xml.js';

export type DavHeaders = Record<string, string | string[] | undefined>;

/** An HTTP request as the protocol module sees it, whatever server framework carried it. */
export interface DavRequest {
  method: string;
  /** The percent-encoded path below the mount (query string allowed). */
  path: string;
  headers: DavHeaders;
  body: Readable;
}

export interface DavResponse {
  status: number;
  headers: Record<string, string>;
  body?: string | Readable | undefined;
}

export interface DavHandlerOptions {
  /** The URL path the DAV root is served at, e.g. "/dav". Hrefs are built on it. */
  mount: string;
  /**
   * Maps the URL path of a Destination or tagged If resource to segments below this DAV root,
   * or null when it is not on this server's DAV space (502 for a Destination).
   */
  resolvePath: (urlPath: string) => string[] | null;
  xmlLimits?: XmlLimits;
  /** Methods beyond RFC 4918 (e.g. SEARCH, search.ts), tried before it. */
  extensions?: readonly DavExtension[];
}

/** What an extension's method gets to work with: the same backend, hrefs and limits as RFC 4918's. */
export interface DavExtensionContext {
  backend: DavBackend;
  href: (path: string[], collection: boolean) => string;
  resolvePath: (urlPath: string) => string[] | null;
  /** The URL path of the DAV root this request is served at. */
  mount: string;
  limits: XmlLimits;
  now: Date;
}

/**
 * A protocol extension that plugs in beside RFC 4918 rather than into its method switch: the
 * methods it answers and the headers it adds to OPTIONS (so clients discover it).
 */
export interface DavExtension {
  methods: readonly string[];
  optionsHeaders?: Readonly<Record<string, string>>;
  handle(req: DavRequest, path: string[], ctx: DavExtensionContext): Promise<DavResponse>;
}

export const DAV_METHODS = ['OPTIONS', 'GET', 'HEAD', 'PUT', 'DELETE', 'MKCOL', 'COPY', 'MOVE', 'PROPFIND', 'PROPPATCH', 'LOCK', 'UNLOCK'];
const XML_TYPE = 'application/xml; charset=utf-8';
const MEMBER_PAGE_FLUSH = 64 * 1024;
const NO_DEAD: DeadProperty[] = [];

/** RFC 4918 over a DavBackend: one instance per request. */
export class DavHandler {
  private readonly limits: XmlLimits;
  private readonly now = new Date();

  constructor(
    private readonly b: DavBackend,
    private readonly o: DavHandlerOptions,
  ) {
    this.limits = o.xmlLimits ?? DEFAULT_XML_LIMITS;
  }

  async handle(req: DavRequest): Promise<DavResponse> {
    try {
      const path = decodePath(req.path);
      const extension = this.o.extensions?.find((e) => e.methods.includes(req.method));
      if (extension) {
        const ctx = { backend: this.b, href: (p: string[], c: boolean) => this.href(p, c), resolvePath: this.o.resolvePath, mount: this.o.mount, limits: this.limits, now: this.now };
        return await extension.handle(req, path, ctx);
      }
      switch (req.method) {
        case 'OPTIONS':
          return optionsResponse(this.o.extensions);
        case 'GET':
        case 'HEAD':
          return await this.get(req, path);
        case 'PUT':
          return await this.put(req, path);
        case 'DELETE':
          return await this.delete(req, path);
        case 'MKCOL':
          return await this.mkcol(req, path);
        case 'COPY':
        case 'MOVE':
          return await this.copyMove(req, path);
        case 'PROPFIND':
          return await this.propfind(req, path);
        case 'PROPPATCH':
          return await this.proppatch(req, path);
        case 'LOCK':
          return await this.lock(req, path);
        case 'UNLOCK':
          return await this.unlock(req, path);
        default:
          throw new DavError(405, `${req.method} is not a WebDAV method this server supports`, undefined, { allow: allowedMethods(this.o.extensions) });
      }
    } catch (err) {
      if (err instanceof DavError) return errorResponse(err);
      throw err;
    }
  }

  /** The installation's id for the clients' file ids, when the backend has one. */
  private instanceId(): string | null {
    return isClientBackend(this.b) ? this.b.instanceId : null;
  }

  private href(path: string[], collection: boolean): string {
    return encodeHref(this.o.mount, path, collection);
  }

  private async mustStat(path: string[]): Promise<DavResource> {
    const r = await this.b.stat(path);
    if (!r) throw new DavError(404, `Nothing at ${this.href(path, false)}`);
    return r;
  }

  /** The parent collection of a resource about to be created; 409 if it is missing. */
  private async parentCollection(path: string[]): Promise<Pick<DavResource, 'readOnly'>> {
    const parent = await this.b.container(path.slice(0, -1));
    if (!parent || !parent.collection) {
      throw new DavError(409, `The parent collection ${this.href(path.slice(0, -1), true)} does not exist`);
    }
    return parent;
  }

  // ---- preconditions ------------------------------------------------------------------------

  private parseIf(req: DavRequest): IfList[] | null {
    const h = header(req, 'if');
    return h === undefined ? null : parseIfHeader(h);
  }

  /** Evaluates the If header (412 when no list holds) and returns the submitted tokens. */
  private async checkIf(req: DavRequest, path: string[], resource: DavResource | null): Promise<Set<string>> {
    const lists = this.parseIf(req);
    if (!lists) return new Set();
    const ok = await evaluateIf(lists, async (tag) => {
      let target = path;
      let r = resource;
      if (tag !== undefined) {
        const resolved = this.o.resolvePath(uriPath(tag));
        if (!resolved) return { etag: null, lockTokens: new Set<string>() };
        target = resolved;
        r = samePath(resolved, path) ? resource : await this.b.stat(resolved);
      }
      const locks = await this.b.locks.covering(target, false);
      return { etag: r?.etag ?? null, lockTokens: new Set(locks.map((l) => l.token)) };
    });
    if (!ok) throw new DavError(412, 'The If header conditions do not hold');
    return submittedTokens(lists);
  }

  /**
   * 423 unless every lock the write touches has its token submitted: locks covering `path`
   * (and beneath it with `subtree`), and with `membership` the parent's locks too.
   */
  private async checkLocks(path: string[], tokens: Set<string>, how: { subtree: boolean; membership: boolean }): Promise<void> {
    const locks = await this.b.locks.covering(path, how.subtree, how.membership);
    assertTokensSubmitted(locks, tokens, this.b.principal, (l) => this.href(l.root, l.root.length < path.length));
  }

  /** If-Match / If-None-Match / If-(Un)Modified-Since for writes: 412 when they fail. */
  private checkWriteConditionals(req: DavRequest, r: DavResource | null): void {
    const ifMatch = header(req, 'if-match');
    if (ifMatch !== undefined && !etagListMatches(ifMatch, r)) throw new DavError(412, 'If-Match does not match the current version');
    const ifNoneMatch = header(req, 'if-none-match');
    if (ifNoneMatch !== undefined && etagListMatches(ifNoneMatch, r)) {
      throw new DavError(412, ifNoneMatch.trim() === '*' ? 'The resource already exists' : 'If-None-Match matches the current version');
    }
    const since = header(req, 'if-unmodified-since');
    if (since !== undefined && r && !Number.isNaN(Date.parse(since)) && seconds(r.modifiedAt) > Date.parse(since) / 1000) {
      throw new DavError(412, 'The resource was modified since the given time');
    }
  }

  // ---- methods ------------------------------------------------------------------------------

  private async get(req: DavRequest, path: string[]): Promise<DavResponse> {
    const r = await this.mustStat(path);
    const head = req.method === 'HEAD';
    if (r.collection) {
      const body = `<!doctype html><title>${escapeXml(r.path.at(-1) ?? '/')}</title><p>This is a WebDAV folder. Open it with a WebDAV client or the Coffer web app.</p>\n`;
      return {
        status: 200,
        headers: {
          'content-type': 'text/html; charset=utf-8',
          'content-length': String(Buffer.byteLength(body)),
          etag: `"${r.etag}"`,
          'x-content-type-options': 'nosniff',
          'content-security-policy': USER_CONTENT_CSP,
        },
        body: head ? undefined : body,
      };
    }
    const validators = { etag: `"${r.etag}"`, 'last-modified': httpDate(r.modifiedAt) };
    const ifMatch = header(req, 'if-match');
    if (ifMatch !== undefined && !etagListMatches(ifMatch, r)) throw new DavError(412, 'If-Match does not match the current version');
    const ifUnmodified = header(req, 'if-unmodified-since');
    if (ifUnmodified !== undefined && seconds(r.modifiedAt) > Date.parse(ifUnmodified) / 1000) {
      throw new DavError(412, 'The file was modified since the given time');
    }
    const ifNoneMatch = header(req, 'if-none-match');
    const ifModified = header(req, 'if-modified-since');
    const notModified =
      ifNoneMatch !== undefined
        ? etagListMatches(ifNoneMatch, r, true)
        : ifModified !== undefined && !Number.isNaN(Date.parse(ifModified)) && seconds(r.modifiedAt) <= Date.parse(ifModified) / 1000;
    if (notModified) return { status: 304, headers: validators };

    const contentType = r.contentType ?? 'application/octet-stream';
    const base = {
      ...validators,
      // Stored bytes must never run as Coffer's page, whichever door serves them.
      ...userContentHeaders({ contentType, fileName: r.path.at(-1) }),
      'content-type': contentType,
      'accept-ranges': 'bytes',
      ...(r.sha1 ? { 'oc-checksum': `SHA1:${r.sha1}` } : {}),
    };
    const range = this.wantedRange(req, r);
    if (range === 'unsatisfiable') {
      return { status: 416, headers: { ...validators, 'content-range': `bytes */${r.size}`, 'content-length': '0' } };
    }
    if (range) {
      const length = range.end - range.start + 1;
      const headers = { ...base, 'content-range': `bytes ${range.start}-${range.end}/${r.size}`, 'content-length': String(length) };
      if (head) return { status: 206, headers };
      return { status: 206, headers, body: this.counted(r, await this.b.open(r, range)) };
    }
    const headers = { ...base, 'content-length': String(r.size) };
    if (head) return { status: 200, headers };
    return { status: 200, headers, body: this.counted(r, await this.b.open(r)) };
  }

  private counted(r: DavResource, stream: Readable): Readable {
    let bytes = 0;
    stream.on('data', (c: Buffer) => (bytes += c.length));
    stream.once('end', () => void this.b.downloaded(r, bytes).catch(() => undefined));
    return stream;
  }

  /** A single byte range honoured by Range (and If-Range), or null for the whole file. */
  private wantedRange(req: DavRequest, r: DavResource): { start: number; end: number } | 'unsatisfiable' | null {
    const h = header(req, 'range');
    if (!h) return null;
    const ifRange = header(req, 'if-range');
    if (ifRange !== undefined) {
      const matches = ifRange.startsWith('"') || ifRange.startsWith('W/')
        ? ifRange === `"${r.etag}"`
        : seconds(r.modifiedAt) <= Date.parse(ifRange) / 1000;
      if (!matches) return null;
    }
    const m = /^bytes=(\d*)-(\d*)$/.exec(h.trim());
    if (!m || (m[1] === '' && m[2] === '')) return null; // several ranges or another unit: send it all
    const size = r.size;
    let start: number;
    let end: number;
    if (m[1] === '') {
      const suffix = Number(m[2]);
      if (suffix === 0) return 'unsatisfiable';
      start = Math.max(0, size - suffix);
      end = size - 1;
    } else {
      start = Number(m[1]);
      end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
      if (m[2] !== '' && Number(m[2]) < start) return null;
    }
    if (start >= size || size === 0) return 'unsatisfiable';
    return { start, end };
  }

  private async put(req: DavRequest, path: string[]): Promise<DavResponse> {
    if (path.length === 0) throw new DavError(405, 'The root is a collection; PUT a file inside it');
    if (header(req, 'content-range') !== undefined) throw new DavError(400, 'Partial PUT with Content-Range is not supported');
    const existing = await this.b.stat(path);
    if (existing?.collection) throw new DavError(405, 'A collection exists at this path; a file cannot replace it');
    const parent = await this.parentCollection(path);
    if (parent.readOnly || existing?.readOnly) throw new DavError(403, 'This folder is read-only');
    this.checkWriteConditionals(req, existing);
    const tokens = await this.checkIf(req, path, existing);
    await this.checkLocks(path, tokens, { subtree: false, membership: existing === null });

    const size = declaredSize(req);
    const mtime = ocMtime(req);
    const sha1 = ocChecksumSha1(req);
    const ifMatch = header(req, 'if-match');
    const { resource, created } = await this.b.put(path, req.body, {
      size,
      contentType: header(req, 'content-type'),
      modifiedAt: mtime,
      sha1,
      ifMatch: existing && ifMatch !== undefined && ifMatch.trim() !== '*' ? existing.etag : undefined,
    });
    return {
      status: created ? 201 : 204,
      headers: {
        etag: `"${resource.etag}"`,
        ...clientHeaders(resource, this.instanceId()),
        'last-modified': httpDate(resource.modifiedAt),
        'content-length': '0',
        ...(mtime ? { 'x-oc-mtime': 'accepted' } : {}),
      },
    };
  }

  private async delete(req: DavRequest, path: string[]): Promise<DavResponse> {
    if (path.length === 0) throw new DavError(403, 'The root collection cannot be deleted');
    const r = await this.mustStat(path);
    this.checkWriteConditionals(req, r);
    const tokens = await this.checkIf(req, path, r);
    await this.checkLocks(path, tokens, { subtree: r.collection, membership: true });
    await this.b.delete(r);
    await this.b.locks.removeUnder(path);
    return { status: 204, headers: { 'content-length': '0' } };
  }

  private async mkcol(req: DavRequest, path: string[]): Promise<DavResponse> {
    if (hasBody(req)) {
      req.body.resume();
      throw new DavError(415, 'MKCOL with a request body is not supported');
    }
    if (path.length === 0) throw new DavError(405, 'The root collection already exists');
    if (await this.b.stat(path)) throw new DavError(405, 'Something already exists at this path');
    const parent = await this.parentCollection(path);
    if (parent.readOnly) throw new DavError(403, 'This folder is read-only');
    const tokens = await this.checkIf(req, path, null);
    await this.checkLocks(path, tokens, { subtree: false, membership: true });
    const created = await this.b.mkcol(path);
    return { status: 201, headers: { 'content-length': '0', ...clientHeaders(created, this.instanceId()) } };
  }

  private async copyMove(req: DavRequest, path: string[]): Promise<DavResponse> {
    const move = req.method === 'MOVE';
    const destinationHeader = header(req, 'destination');
    if (!destinationHeader) throw new DavError(400, `${req.method} needs a Destination header`);
    const destination = this.o.resolvePath(uriPath(destinationHeader));
    if (!destination) throw new DavError(502, 'The Destination is not on this WebDAV server');
    const overwriteHeader = (header(req, 'overwrite') ?? 'T').trim().toUpperCase();
    if (overwriteHeader !== 'T' && overwriteHeader !== 'F') throw new DavError(400, 'Overwrite must be T or F');
    const overwrite = overwriteHeader === 'T';
    const depth = (header(req, 'depth') ?? 'infinity').trim().toLowerCase();
    if (move ? depth !== 'infinity' : depth !== 'infinity' && depth !== '0') {
      throw new DavError(400, move ? 'MOVE always applies to the whole subtree (Depth: infinity)' : 'COPY takes Depth 0 or infinity');
    }
    if (path.length === 0) throw new DavError(403, `The root collection cannot be ${move ? 'moved' : 'copied'}`);
    if (destination.length === 0) throw new DavError(403, 'The root collection cannot be replaced');
    const source = await this.mustStat(path);
    if (samePath(path, destination)) throw new DavError(403, 'The source and the destination are the same');
    if (source.collection && isWithin(destination, path)) {
      throw new DavError(409, `A collection cannot be ${move ? 'moved' : 'copied'} into itself`);
    }
    const destParent = await this.parentCollection(destination);
    if (destParent.readOnly) throw new DavError(403, 'The destination folder is read-only');
    const existing = await this.b.stat(destination);
    if (existing && !overwrite) throw new DavError(412, 'The destination exists and Overwrite is F');
    if (existing?.readOnly) throw new DavError(403, 'The destination is read-only');

    const tokens = await this.checkIf(req, path, source);
    if (move) await this.checkLocks(path, tokens, { subtree: true, membership: true });
    await this.checkLocks(destination, tokens, { subtree: existing !== null, membership: true });

    const result: { created: boolean; resource?: DavResource | undefined } = move
      ? await this.b.move(source, destination, { overwrite })
      : await this.b.copy(source, destination, { overwrite, shallow: depth === '0' });
    if (move) await this.b.locks.removeUnder(path);
    const mtime = ocMtime(req);
    // The clients read the moved item's id and ETag from the answer (OC-FileId, OC-ETag).
    let moved = move && this.instanceId() !== null ? (result.resource ?? (await this.b.stat(destination))) : null;
    if (mtime) {
      moved ??= await this.b.stat(destination);
      if (moved) {
        await this.b.setModifiedAt(moved, mtime);
        // Setting the time gave the item a new ETag.
        if (move && this.instanceId() !== null) moved = await this.b.stat(destination);
      }
    }
    return {
      status: result.created ? 201 : 204,
      headers: { 'content-length': '0', ...(mtime ? { 'x-oc-mtime': 'accepted' } : {}), ...(move && moved ? clientHeaders(moved, this.instanceId()) : {}) },
    };
  }

  private async propfind(req: DavRequest, path: string[]): Promise<DavResponse> {
    const depth = (header(req, 'depth') ?? 'infinity').trim().toLowerCase();
    if (depth !== '0' && depth !== '1') {
      req.body.resume();
      throw new DavError(403, 'PROPFIND with Depth: infinity is not supported; use Depth 0 or 1', { name: 'propfind-finite-depth' });
    }
    const what = interpretPropfind(await readXmlBody(req.body, this.limits));
    const resource = await this.mustStat(path);
    const needsLocks = what.kind !== 'prop' || what.names.some((n) => n.ns === DAV_NS && n.local === 'lockdiscovery');
    const locks = needsLocks
      ? [...(await this.b.locks.covering(path, false)), ...(depth === '1' && resource.collection ? await this.b.locks.under(path) : [])]
      : [];
    const needsQuota = what.kind === 'prop' && what.names.some((n) => n.ns === DAV_NS && n.local.startsWith('quota-'));
    const quota = needsQuota ? await this.b.quota() : { used: 0, available: null };
    const needsDead = what.kind !== 'prop' || what.names.some((n) => !isProtected(n));
    const ns = new NamespacePrefixes();
    const renderer = compileRenderer(what, ns);
    const shared: LiveContext = { href: (p, c) => this.href(p, c), locks: [], quota: () => quota, now: this.now };
    const ctxFor = (r: DavResource): LiveContext =>
      locks.length === 0 ? shared : { ...shared, locks: dedupe(locks.filter((l) => lockCovers(l, r.path))) };
    const wanted = what.kind === 'prop' ? what.names : null;
    // The listed path as the client wrote it, so every href starts with the URL it asked for.
    const sent = decodePathAsSent(req.path);
    const asSent = sent.length === path.length && sent.some((s, i) => s !== path[i]) ? sent : null;
    const hrefOf = (r: DavResource) => this.href(asSent && r.path.length >= asSent.length ? [...asSent, ...r.path.slice(asSent.length)] : r.path, r.collection);
    const render = (r: DavResource, dead: Map<string, DeadProperty[]>, client: Awaited<ReturnType<typeof clientContexts>>) =>
      renderer(r, hrefOf(r), dead.get(r.id) ?? NO_DEAD, { ...ctxFor(r), client: client(r) });

    const first = render(resource, needsDead ? await this.b.deadProperties([resource]) : new Map(), await clientContexts(this.b, wanted, [resource]));
    const b = this.b;
    async function* body(): AsyncGenerator<Buffer> {
      const out = new ChunkWriter(MEMBER_PAGE_FLUSH);
      out.write(`${XML_DECLARATION}<d:multistatus${ns.rootDeclarations()}>`);
      out.write(first);
      if (depth === '1' && resource.collection) {
        for await (const page of b.members(resource)) {
          const dead = needsDead ? await b.deadProperties(page) : new Map<string, DeadProperty[]>();
          // The clients' favourites, shares and owners: one query for the page, like its dead properties.
          const client = await clientContexts(b, wanted, page);
          for (const m of page) {
            if (out.write(render(m, dead, client))) yield out.take();
          }
        }
      }
      out.write('</d:multistatus>\n');
      yield out.take();
    }
    return { status: 207, headers: { 'content-type': XML_TYPE }, body: Readable.from(body(), { objectMode: false }) };
  }

  private async proppatch(req: DavRequest, path: string[]): Promise<DavResponse> {
    const ops = interpretProppatch(await readXmlBody(req.body, this.limits));
    const r = await this.mustStat(path);
    if (r.readOnly) throw new DavError(403, 'This item is read-only');
    const tokens = await this.checkIf(req, path, r);
    await this.checkLocks(path, tokens, { subtree: false, membership: false });

    const statuses = new Map<string, { prop: PropertyName; status: number }>();
    let mtime: Date | undefined;
    let favorite: boolean | undefined;
    for (const op of ops) {
      let status = 200;
      if (isFavorite(op.prop)) {
        // A live property each user sets for themselves, stored by the backend, not as a dead one.
        const value = op.op === 'remove' ? false : parseFavorite(op.text);
        if (!isClientBackend(this.b)) status = 403;
        else if (value === null) status = 409;
        else favorite = value;
      } else if (isProtected(op.prop)) status = 403;
      else if (op.op === 'set' && modifiedTimeProperty(op.prop)) {
        const t = parsePropertyTime(op.text);
        if (t) mtime = t;
        else status = 409;
      }
      statuses.set(`${op.prop.ns} ${op.prop.local}`, { prop: op.prop, status });
    }
    const failed = [...statuses.values()].some((s) => s.status !== 200);
    if (failed) {
      for (const s of statuses.values()) if (s.status === 200) s.status = 424;
    } else {
      // Instructions apply in document order, so only the last one per property counts.
      const final = new Map<string, PatchOp>();
      for (const op of ops) final.set(`${op.prop.ns} ${op.prop.local}`, op);
      const set: DeadProperty[] = [];
      const remove: PropertyName[] = [];
      for (const op of final.values()) {
        if (isFavorite(op.prop)) continue;
        if (op.op === 'set') set.push(op.prop);
        else remove.push(op.prop);
      }
      try {
        if (set.length > 0 || remove.length > 0) await this.b.patchDeadProperties(r, set, remove);
        if (mtime) await this.b.setModifiedAt(r, mtime);
        if (favorite !== undefined && isClientBackend(this.b)) await this.b.setFavorite(r, favorite);
      } catch (err) {
        // No room for the values (RFC 4918 §9.2.1): 507 for the properties being set, 424 for the
        // rest, and nothing applied.
        if (!(err instanceof DavError) || err.status !== 507) throw err;
        const refused = new Set(set.map((p) => `${p.ns} ${p.local}`));
        for (const [key, s] of statuses) s.status = refused.has(key) ? 507 : 424;
      }
    }
    const ns = new NamespacePrefixes();
    const byStatus = new Map<number, string[]>();
    for (const s of statuses.values()) {
      const list = byStatus.get(s.status) ?? [];
      list.push(ns.tag(s.prop.ns, s.prop.local).selfClosing);
      byStatus.set(s.status, list);
    }
    let xml = `${XML_DECLARATION}<d:multistatus${ns.rootDeclarations()}><d:response><d:href>${escapeXml(this.href(r.path, r.collection))}</d:href>`;
    for (const [status, props] of byStatus) {
      xml += `<d:propstat><d:prop>${props.join('')}</d:prop><d:status>${statusLine(status)}</d:status></d:propstat>`;
    }
    xml += '</d:response></d:multistatus>\n';
    return { status: 207, headers: { 'content-type': XML_TYPE }, body: xml };
  }

  private async lock(req: DavRequest, path: string[]): Promise<DavResponse> {
    const depthHeader = (header(req, 'depth') ?? 'infinity').trim().toLowerCase();
    if (depthHeader !== '0' && depthHeader !== 'infinity') throw new DavError(400, 'LOCK takes Depth 0 or infinity');
    const info = interpretLockinfo(await readXmlBody(req.body, this.limits));
    const timeout = parseTimeout(header(req, 'timeout'));

    if (info === null) {
      const r = await this.mustStat(path);
      const lists = this.parseIf(req);
      if (!lists) throw new DavError(400, 'A LOCK refresh needs the lock token in an If header');
      const tokens = await this.checkIf(req, path, r);
      const mine = (await this.b.locks.covering(path, false)).filter((l) => tokens.has(l.token) && l.principal === this.b.principal);
      if (mine.length === 0) throw new DavError(412, 'No lock of yours with that token covers this resource', { name: 'lock-token-matches-request-uri' });
      const refreshed = (await this.b.locks.refresh(mine[0]!.token, timeout)) ?? mine[0]!;
      return this.lockResponse(200, refreshed, r.collection, false);
    }

    let r = await this.b.stat(path);
    if (r?.readOnly) throw new DavError(403, 'This item is read-only');
    if (!r) {
      if (path.length === 0) throw new DavError(409, 'The root cannot be locked');
      const parent = await this.parentCollection(path);
      if (parent.readOnly) throw new DavError(403, 'This folder is read-only');
    }
    const tokens = await this.checkIf(req, path, r);
    if (!r) await this.checkLocks(path, tokens, { subtree: false, membership: true });
    const lock: DavLock = {
      token: `${LOCK_TOKEN_PREFIX}${randomUUID()}`,
      root: path,
      depth: r?.collection ? (depthHeader === '0' ? '0' : 'infinity') : '0',
      scope: info.scope,
      ownerXml: info.ownerXml,
      principal: this.b.principal,
      timeoutSeconds: timeout,
      expiresAt: new Date(Date.now() + timeout * 1000),
    };
    await this.b.locks.create(lock, (existing) => lockConflict(lock, existing));
    let created = false;
    if (!r) {
      try {
        r = (await this.b.put(path, Readable.from([]), { size: 0 })).resource;
        created = true;
      } catch (err) {
        await this.b.locks.remove(lock.token);
        throw err;
      }
    }
    return this.lockResponse(created ? 201 : 200, lock, r.collection, true);
  }

  private lockResponse(status: number, lock: DavLock, collection: boolean, withTokenHeader: boolean): DavResponse {
    const xml =
      `${XML_DECLARATION}<d:prop xmlns:d="DAV:"><d:lockdiscovery>` +
      activeLockXml(lock, this.href(lock.root, collection), new Date()) +
      '</d:lockdiscovery></d:prop>\n';
    return {
      status,
      headers: { 'content-type': XML_TYPE, ...(withTokenHeader ? { 'lock-token': `<${lock.token}>` } : {}) },
      body: xml,
    };
  }

  private async unlock(req: DavRequest, path: string[]): Promise<DavResponse> {
    const raw = header(req, 'lock-token');
    if (!raw) throw new DavError(400, 'UNLOCK needs a Lock-Token header');
    const token = raw.trim().replace(/^<(.*)>$/, '$1').trim();
    await this.mustStat(path);
    const lock = (await this.b.locks.covering(path, false)).find((l) => l.token === token);
    if (!lock) throw new DavError(409, 'No lock with that token covers this resource', { name: 'lock-token-matches-request-uri' });
    if (lock.principal !== this.b.principal) throw new DavError(403, 'This lock belongs to someone else');
    await this.b.locks.remove(token);
    return { status: 204, headers: { 'content-length': '0' } };
  }
}

/**
 * The paths a request names, as the handler goes on to look them up: its target and, for COPY
 * and MOVE, its Destination; for a backend that fetches them together beforehand. Nothing is
 * judged here: a path that does not parse is left out, and the handler reports it.
 */
export function namedPaths(req: Pick<DavRequest, 'method' | 'path' | 'headers'>, resolvePath: DavHandlerOptions['resolvePath']): string[][] {
  const paths: string[][] = [];
  try {
    paths.push(decodePath(req.path));
    const destination = req.method === 'COPY' || req.method === 'MOVE' ? header(req, 'destination') : undefined;
    const resolved = destination === undefined ? null : resolvePath(uriPath(destination));
    if (resolved) paths.push(resolved);
  } catch (err) {
    if (!(err instanceof DavError)) throw err;
  }
  return paths;
}

/** RFC 4918's methods and the extensions'. */
export function allowedMethods(extensions: readonly DavExtension[] = []): string {
  return [...DAV_METHODS, ...extensions.flatMap((e) => e.methods)].join(', ');
}

/**
 * The answer to OPTIONS on any path: class 1 and 2, for Finder, Windows and every other client,
 * and what the extensions add (SEARCH's DASL header, as sabre/dav and Nextcloud send it).
 */
export function optionsResponse(extensions: readonly DavExtension[] = []): DavResponse {
  return {
    status: 200,
    headers: {
      dav: '1, 2',
      'ms-author-via': 'DAV',
      allow: allowedMethods(extensions),
      'accept-ranges': 'bytes',
      'content-length': '0',
      ...Object.assign({}, ...extensions.map((e) => e.optionsHeaders ?? {})),
    },
  };
}

/** A DavError as a response: `<d:error>` with the RFC 4918 precondition, if any, and a message. */
export function errorResponse(err: DavError): DavResponse {
  const condition = err.condition
    ? `<d:${err.condition.name}>${(err.condition.hrefs ?? []).map((h) => `<d:href>${escapeXml(h)}</d:href>`).join('')}</d:${err.condition.name}>`
    : '';
  const body = `${XML_DECLARATION}<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns">${condition}<s:message>${escapeXml(err.message)}</s:message></d:error>\n`;
  return {
    status: err.status,
    headers: { 'content-type': XML_TYPE, 'content-length': String(Buffer.byteLength(body)), ...err.headers },
    body,
  };
}

function isFavorite(p: PropertyName): boolean {
  return p.ns === FAVORITE.ns && p.local === FAVORITE.local;
}

function hasBody(req: DavRequest): boolean {
  return header(req, 'transfer-encoding') !== undefined || Number(header(req, 'content-length') ?? 0) > 0;
}

/** Whether an If-Match / If-None-Match value matches the resource (strong unless `weak`). */
function etagListMatches(value: string, r: DavResource | null, weak = false): boolean {
  if (value.trim() === '*') return r !== null;
  if (!r) return false;
  return value.split(',').some((t) => {
    let tag = t.trim();
    if (tag.startsWith('W/')) {
      if (!weak) return false;
      tag = tag.slice(2);
    }
    return tag === `"${r.etag}"`;
  });
}

function seconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

/** The length the client announced, from Content-Length or (Finder's chunked PUT) X-Expected-Entity-Length. */
function declaredSize(req: DavRequest): number | undefined {
  const parse = (name: string) => {
    const v = header(req, name);
    if (v === undefined) return undefined;
    if (!/^\d{1,16}$/.test(v.trim())) throw new DavError(400, `${name} must be a number of bytes`);
    return Number(v.trim());
  };
  const length = parse('content-length');
  const expected = parse('x-expected-entity-length');
  if (length !== undefined && expected !== undefined && length !== expected) {
    throw new DavError(400, 'Content-Length and X-Expected-Entity-Length disagree');
  }
  return length ?? expected;
}

/** The SHA-1 of an `OC-Checksum: SHA1:<hex> MD5:<hex>` header; other algorithms are ignored. */
function ocChecksumSha1(req: DavRequest): string | undefined {
  const v = header(req, 'oc-checksum');
  if (v === undefined) return undefined;
  for (const part of v.split(/[\s,]+/)) {
    const m = /^sha1:(.*)$/i.exec(part);
    if (m) {
      if (!/^[0-9a-f]{40}$/i.test(m[1]!)) throw new DavError(400, 'OC-Checksum SHA1 must be 40 hex digits');
      return m[1]!.toLowerCase();
    }
  }
  return undefined;
}

function dedupe(locks: DavLock[]): DavLock[] {
  const seen = new Set<string>();
  return locks.filter((l) => (seen.has(l.token) ? false : (seen.add(l.token), true)));
}
