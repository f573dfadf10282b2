import type { DavLock, DavResource, DeadProperty, PropertyName } from './backend.js';
import { DAV_NS, escapeXml, type NamespacePrefixes } from './xml.js';

export const OC_NS = 'http://owncloud.org/ns';
export const NC_NS = 'http://nextcloud.org/ns';
export const MS_NS = 'urn:schemas-microsoft-com:';

/** Context for rendering one resource's live properties. */
export interface LiveContext {
  href: (path: string[], collection: boolean) => string;
  locks: DavLock[];
  quota: () => { used: number; available: number | null };
  now: Date;
}

type Renderer = (r: DavResource, c: LiveContext) => string | null;

const SUPPORTED_LOCK =
  '<d:lockentry><d:lockscope><d:exclusive/></d:lockscope><d:locktype><d:write/></d:locktype></d:lockentry>' +
  '<d:lockentry><d:lockscope><d:shared/></d:lockscope><d:locktype><d:write/></d:locktype></d:lockentry>';

const key = (ns: string, local: string) => `${ns} ${local}`;

/** Live properties by "namespace local"; null from a renderer means "not defined here" (404). */
const LIVE = new Map<string, Renderer>([
  [key(DAV_NS, 'resourcetype'), (r) => (r.collection ? '<d:collection/>' : '')],
  [key(DAV_NS, 'getcontentlength'), (r) => (r.collection ? null : String(r.size))],
  [key(DAV_NS, 'getlastmodified'), (r) => r.modifiedAt.toUTCString()],
  [key(DAV_NS, 'creationdate'), (r) => r.createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z')],
  [key(DAV_NS, 'getetag'), (r) => escapeXml(`"${r.etag}"`)],
  [key(DAV_NS, 'getcontenttype'), (r) => (r.collection ? null : escapeXml(r.contentType ?? 'application/octet-stream'))],
  [key(DAV_NS, 'displayname'), (r) => escapeXml(r.path.length === 0 ? '' : r.path[r.path.length - 1]!)],
  [key(DAV_NS, 'supportedlock'), () => SUPPORTED_LOCK],
  [key(DAV_NS, 'lockdiscovery'), (r, c) => c.locks.map((l) => activeLockXml(l, c.href(l.root, l.root.length === r.path.length ? r.collection : true), c.now)).join('')],
  [key(DAV_NS, 'quota-available-bytes'), (_r, c) => String(c.quota().available ?? 1e15)],
  [key(DAV_NS, 'quota-used-bytes'), (_r, c) => String(c.quota().used)],
  [key(OC_NS, 'fileid'), (r) => escapeXml(r.id)],
  [key(OC_NS, 'id'), (r) => escapeXml(r.id)],
  [key(OC_NS, 'permissions'), (r) => escapeXml(r.permissions)],
  [key(OC_NS, 'size'), (r) => String(r.size)],
  [key(OC_NS, 'checksums'), (r) => (r.collection || !r.sha1 ? null : `<oc:checksum>SHA1:${r.sha1}</oc:checksum>`)],
]);

/** Properties reported by `allprop` (RFC 4918 §9.1: the DAV: ones, not the costly or extension ones). */
const ALLPROP: PropertyName[] = [
  'resourcetype',
  'getcontentlength',
  'getlastmodified',
  'creationdate',
  'getetag',
  'getcontenttype',
  'displayname',
  'supportedlock',
  'lockdiscovery',
].map((local) => ({ ns: DAV_NS, local }));

/** Properties clients may not set. */
export function isProtected(p: PropertyName): boolean {
  return LIVE.has(key(p.ns, p.local));
}

/** Properties that set the modification time when written (Windows, rclone, Cyberduck). */
export function modifiedTimeProperty(p: PropertyName): boolean {
  return (
    (p.ns === MS_NS && p.local === 'Win32LastModifiedTime') ||
    (p.ns === DAV_NS && p.local === 'lastmodified') ||
    (p.ns === 'SAR:' && p.local === 'lastmodified')
  );
}

/** Reads a time as RFC 1123 / ISO 8601 text or Unix seconds. */
export function parsePropertyTime(text: string): Date | null {
  const t = text.trim();
  if (/^\d{1,12}(\.\d+)?$/.test(t)) return new Date(Number(t) * 1000);
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? null : new Date(ms);
}

export function activeLockXml(lock: DavLock, rootHref: string, now: Date): string {
  const remaining = Math.max(0, Math.round((lock.expiresAt.getTime() - now.getTime()) / 1000));
  return (
    '<d:activelock>' +
    '<d:locktype><d:write/></d:locktype>' +
    `<d:lockscope><d:${lock.scope}/></d:lockscope>` +
    `<d:depth>${lock.depth === '0' ? '0' : 'infinity'}</d:depth>` +
    (lock.ownerXml !== null ? `<d:owner>${lock.ownerXml}</d:owner>` : '') +
    `<d:timeout>Second-${remaining}</d:timeout>` +
    `<d:locktoken><d:href>${escapeXml(lock.token)}</d:href></d:locktoken>` +
    `<d:lockroot><d:href>${escapeXml(rootHref)}</d:href></d:lockroot>` +
    '</d:activelock>'
  );
}

export type PropRequest = { kind: 'allprop'; include: PropertyName[] } | { kind: 'propname' } | { kind: 'prop'; names: PropertyName[] };

/** One `<d:response>` for a resource, given what was asked for. */
export function renderResponse(
  r: DavResource,
  href: string,
  req: PropRequest,
  dead: DeadProperty[],
  ctx: LiveContext,
  ns: NamespacePrefixes,
): string {
  const found: string[] = [];
  const missing: string[] = [];
  const element = (p: PropertyName, inner: string) => {
    const t = ns.tag(p.ns, p.local);
    return inner === '' ? t.selfClosing : `${t.open}${inner}${t.close}`;
  };
  const extras = new Map((r.extra ?? []).map((e) => [key(e.name.ns, e.name.local), e] as const));
  const deadByKey = new Map(dead.map((d) => [key(d.ns, d.local), d] as const));
  const live = (p: PropertyName): string | null => {
    const extra = extras.get(key(p.ns, p.local));
    if (extra) return escapeXml(extra.text);
    const render = LIVE.get(key(p.ns, p.local));
    return render ? render(r, ctx) : null;
  };

  if (req.kind === 'propname') {
    for (const p of [...ALLPROP, ...(r.extra ?? []).map((e) => e.name), ...dead]) {
      if (live(p) !== null || deadByKey.has(key(p.ns, p.local))) found.push(element(p, ''));
    }
  } else {
    const names =
      req.kind === 'prop'
        ? req.names
        : [...ALLPROP, ...(r.extra ?? []).map((e) => e.name), ...dead, ...req.include];
    const seen = new Set<string>();
    for (const p of names) {
      const k = key(p.ns, p.local);
      if (seen.has(k)) continue;
      seen.add(k);
      const value = live(p);
      if (value !== null) {
        found.push(element(p, value));
        continue;
      }
      const d = deadByKey.get(k);
      if (d) found.push(element(p, d.xml));
      else if (req.kind === 'prop') missing.push(element(p, ''));
    }
  }
  let out = `<d:response><d:href>${escapeXml(href)}</d:href>`;
  if (found.length > 0) out += `<d:propstat><d:prop>${found.join('')}</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>`;
  if (missing.length > 0) out += `<d:propstat><d:prop>${missing.join('')}</d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>`;
  if (found.length === 0 && missing.length === 0) out += '<d:propstat><d:prop/><d:status>HTTP/1.1 200 OK</d:status></d:propstat>';
  return out + '</d:response>';
}
