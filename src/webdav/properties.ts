import type { DavLock, DavResource, DeadProperty, PropertyName } from './backend.js';
import { httpDate } from '../util/http-date.js';
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
  [key(DAV_NS, 'getlastmodified'), (r) => httpDate(r.modifiedAt)],
  [key(DAV_NS, 'creationdate'), (r) => r.createdAt.toISOString().replace(/\.\d{3}Z$/, 'Z')],
  [key(DAV_NS, 'getetag'), (r) => `&quot;${escapeXml(r.etag)}&quot;`],
  [key(DAV_NS, 'getcontenttype'), (r) => (r.collection ? null : escapeXml(r.contentType ?? 'application/octet-stream'))],
  [key(DAV_NS, 'displayname'), (r) => escapeXml(r.path.length === 0 ? '' : r.path[r.path.length - 1]!)],
  [key(DAV_NS, 'supportedlock'), () => SUPPORTED_LOCK],
  [key(DAV_NS, 'lockdiscovery'), (r, c) => c.locks.map((l) => activeLockXml(l, c.href(l.root, l.root.length === r.path.length ? r.collection : true), c.now)).join('')],
  // RFC 4331 defines quota on collections only: on a file, clients (davix-ls -l) would show the
  // account's usage as the file's size.
  [key(DAV_NS, 'quota-available-bytes'), (r, c) => (r.collection ? String(c.quota().available ?? 1e15) : null)],
  [key(DAV_NS, 'quota-used-bytes'), (r, c) => (r.collection ? String(c.quota().used) : null)],
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

/** Renders `<d:response>` elements for one PROPFIND: the request is looked at once, not per resource. */
export type ResponseRenderer = (r: DavResource, href: string, dead: DeadProperty[], ctx: LiveContext) => string;

export function compileRenderer(req: PropRequest, ns: NamespacePrefixes): ResponseRenderer {
  const tags = new Map<string, ReturnType<NamespacePrefixes['tag']>>();
  const tagOf = (p: PropertyName) => {
    const k = key(p.ns, p.local);
    let t = tags.get(k);
    if (!t) {
      t = ns.tag(p.ns, p.local);
      tags.set(k, t);
    }
    return t;
  };
  const element = (p: PropertyName, inner: string) => {
    const t = tagOf(p);
    return inner === '' ? t.selfClosing : t.open + inner + t.close;
  };
  const requested = req.kind === 'prop' ? dedupeNames(req.names) : req.kind === 'allprop' ? dedupeNames([...ALLPROP, ...req.include]) : ALLPROP;
  const planned = requested.map((p) => ({ p, k: key(p.ns, p.local), live: LIVE.get(key(p.ns, p.local)), tag: tagOf(p) }));
  const status200 = '<d:status>HTTP/1.1 200 OK</d:status></d:propstat>';
  const status404 = '<d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>';

  return (r, href, dead, ctx) => {
    let found = '';
    let missing = '';
    const extras = r.extra && r.extra.length > 0 ? new Map(r.extra.map((e) => [key(e.name.ns, e.name.local), e] as const)) : null;
    const deadByKey = dead.length > 0 ? new Map(dead.map((d) => [key(d.ns, d.local), d] as const)) : null;
    for (const { k, live, tag } of planned) {
      const extra = extras?.get(k);
      const value = extra ? escapeXml(extra.text) : live ? live(r, ctx) : null;
      if (value !== null) {
        found += req.kind === 'propname' || value === '' ? tag.selfClosing : tag.open + value + tag.close;
        continue;
      }
      const d = deadByKey?.get(k);
      if (d) found += req.kind === 'propname' || d.xml === '' ? tag.selfClosing : tag.open + d.xml + tag.close;
      else if (req.kind === 'prop') missing += tag.selfClosing;
    }
    if (req.kind !== 'prop') {
      // allprop and propname also report the backend's extra live properties and every dead one.
      const seen = new Set(planned.map((x) => x.k));
      for (const e of r.extra ?? []) {
        const k = key(e.name.ns, e.name.local);
        if (seen.has(k)) continue;
        seen.add(k);
        found += req.kind === 'propname' ? tagOf(e.name).selfClosing : element(e.name, escapeXml(e.text));
      }
      for (const d of dead) {
        const k = key(d.ns, d.local);
        if (seen.has(k)) continue;
        seen.add(k);
        found += req.kind === 'propname' ? tagOf(d).selfClosing : element(d, d.xml);
      }
    }
    let out = '<d:response><d:href>' + escapeXml(href) + '</d:href>';
    if (found !== '') out += '<d:propstat><d:prop>' + found + '</d:prop>' + status200;
    if (missing !== '') out += '<d:propstat><d:prop>' + missing + '</d:prop>' + status404;
    if (found === '' && missing === '') out += '<d:propstat><d:prop/>' + status200;
    return out + '</d:response>';
  };
}

function dedupeNames(names: PropertyName[]): PropertyName[] {
  const seen = new Set<string>();
  return names.filter((p) => {
    const k = key(p.ns, p.local);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
