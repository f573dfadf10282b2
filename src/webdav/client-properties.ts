import type { DavBackend, DavResource, PropertyName } from './backend.js';
import type { LiveContext } from './properties.js';
import { escapeXml } from './xml.js';

/**
 * The ownCloud and Nextcloud clients' properties and headers (the desktop client, the Android
 * and iOS apps, rclone's vendor modes), beside RFC 4918's: numeric file ids, permissions,
 * favourites, share types, owners. What they need of the backend beyond RFC 4918 is
 * DavClientBackend; the protocol module itself holds no rule about any of it.
 */

export const OC_NS = 'http://owncloud.org/ns';
export const NC_NS = 'http://nextcloud.org/ns';

/** What a listing shows beside a resource for the caller, fetched a page of resources at a time. */
export interface DavClientFacts {
  /** The caller's own star (oc:favorite). */
  favorite: boolean;
  /** Nextcloud's types of the caller's shares of the resource: 0 with a user, 3 by public link. */
  shareTypes: number[];
  /** oc:owner-id and oc:owner-display-name. */
  owner: { id: string; displayName: string } | null;
  /** nc:mount-type: "shared" in what others share, "group" in an organisation's space. */
  mountType: 'shared' | 'group' | null;
  /** nc:has-preview: the server makes previews of files of this type. */
  hasPreview: boolean;
}

/** A backend that can answer the clients' properties (see CoreDavBackend). */
export interface DavClientBackend {
  /** The installation's id, which oc:id and OC-FileId append to the file id (Nextcloud's format). */
  readonly instanceId: string;
  /** Facts for a page of resources: one round trip to storage for the page, not one per resource. */
  clientFacts(resources: DavResource[]): Promise<Map<string, DavClientFacts>>;
  /** Stars or unstars a resource for the caller alone. */
  setFavorite(resource: DavResource, favorite: boolean): Promise<void>;
  /** The caller's favourites in this tree, at most `max`, each at its path. */
  favorites(max: number): Promise<DavResource[]>;
}

export function isClientBackend(b: DavBackend): b is DavBackend & DavClientBackend {
  return typeof (b as Partial<DavClientBackend>).clientFacts === 'function';
}

/**
 * A file id as Nextcloud writes it in oc:id and OC-FileId: the number zero-padded to 8 digits,
 * then the instance id (OCP\Files\DavUtil::getDavFileId). The desktop client takes the digits
 * before the first non-digit as the numeric id (SyncJournalFileRecord::numericFileId), which is
 * why the instance id starts with letters.
 */
export function ocId(fileId: number, instanceId: string): string {
  return String(fileId).padStart(8, '0') + instanceId;
}

/** The per-request context client properties render with (part of LiveContext). */
export interface DavClientContext {
  instanceId: string | null;
  /** This resource's facts, when the request asked for any property that needs them. */
  facts?: DavClientFacts | undefined;
}

type Renderer = (r: DavResource, c: LiveContext) => string | null;

const key = (ns: string, local: string) => `${ns} ${local}`;
const seconds = (d: Date) => String(Math.floor(d.getTime() / 1000));

/** oc:favorite: the one client property a client sets (PROPPATCH), stored per user, never as a dead property. */
export const FAVORITE: PropertyName = { ns: OC_NS, local: 'favorite' };

/** Properties whose values come from DavClientBackend.clientFacts (a query per listing page). */
export const FACT_PROPERTIES: ReadonlySet<string> = new Set([
  key(OC_NS, 'favorite'),
  key(OC_NS, 'share-types'),
  key(OC_NS, 'owner-id'),
  key(OC_NS, 'owner-display-name'),
  key(NC_NS, 'mount-type'),
  key(NC_NS, 'has-preview'),
]);

/** The clients' live properties, by "namespace local"; null from a renderer means "not defined here" (404). */
export const CLIENT_LIVE: readonly (readonly [string, Renderer])[] = [
  // Virtual folders (the shares', the spaces', the trash) have no node and no number.
  [key(OC_NS, 'fileid'), (r) => (r.fileId === undefined ? null : String(r.fileId))],
  [key(OC_NS, 'id'), (r, c) => (r.fileId !== undefined && c.client?.instanceId ? ocId(r.fileId, c.client.instanceId) : escapeXml(r.id))],
  [key(OC_NS, 'permissions'), (r) => escapeXml(r.permissions)],
  [key(OC_NS, 'size'), (r) => String(r.size)],
  // SHA-1 is what the desktop client and rclone compare; Coffer's SHA-256 is not among the
  // algorithms the clients know (SHA1, MD5, Adler32, SHA3-256), so it is not offered.
  [key(OC_NS, 'checksums'), (r) => (r.collection || !r.sha1 ? null : `<oc:checksum>SHA1:${r.sha1}</oc:checksum>`)],
  [key(OC_NS, 'favorite'), (_r, c) => (c.client?.facts?.favorite ? '1' : '0')],
  [key(OC_NS, 'share-types'), (_r, c) => (c.client?.facts?.shareTypes ?? []).map((t) => `<oc:share-type>${t}</oc:share-type>`).join('')],
  [key(OC_NS, 'owner-id'), (_r, c) => (c.client?.facts?.owner ? escapeXml(c.client.facts.owner.id) : null)],
  [key(OC_NS, 'owner-display-name'), (_r, c) => (c.client?.facts?.owner ? escapeXml(c.client.facts.owner.displayName) : null)],
  [key(NC_NS, 'mount-type'), (_r, c) => (c.client?.facts?.mountType ?? '')],
  [key(NC_NS, 'has-preview'), (_r, c) => (c.client?.facts?.hasPreview ? 'true' : 'false')],
  // Direct download links and data fingerprints (set after a backup restore) are not offered:
  // empty, as Nextcloud answers them when it has none.
  [key(OC_NS, 'downloadURL'), () => ''],
  [key(OC_NS, 'dDC'), () => ''],
  [key(OC_NS, 'data-fingerprint'), () => ''],
  // Unix seconds. Coffer keeps when a node was created on the server, which is also when it was
  // uploaded; a client's own creation time is not kept.
  [key(NC_NS, 'creation_time'), (r) => seconds(r.createdAt)],
  [key(NC_NS, 'upload_time'), (r) => seconds(r.createdAt)],
];

/**
 * The headers the clients read from the answer to a write (PUT, MKCOL, MOVE): the new ETag again
 * (OC-ETag) and the file id in oc:id's format (OC-FileId), which the desktop client records
 * without asking for the properties again.
 */
export function clientHeaders(r: DavResource, instanceId: string | null): Record<string, string> {
  const headers: Record<string, string> = { 'oc-etag': `"${r.etag}"` };
  if (r.fileId !== undefined && instanceId) headers['oc-fileid'] = ocId(r.fileId, instanceId);
  return headers;
}

/** PROPPATCH of oc:favorite: "1" stars, "0" (or empty) unstars; anything else is refused. */
export function parseFavorite(text: string): boolean | null {
  const t = text.trim();
  if (t === '1' || t.toLowerCase() === 'true') return true;
  if (t === '0' || t === '' || t.toLowerCase() === 'false') return false;
  return null;
}

/** Whether a PROPFIND (or REPORT, or SEARCH) asks for any property whose value needs the page's facts. */
export function needsFacts(names: readonly PropertyName[] | null): boolean {
  return names !== null && names.some((n) => FACT_PROPERTIES.has(key(n.ns, n.local)));
}

/**
 * The client context of each resource of a page: the instance id, and the facts, fetched once
 * for the whole page when `wanted` (the requested names; null for allprop or propname, which
 * name none of these) needs them.
 */
export async function clientContexts(backend: DavBackend, wanted: readonly PropertyName[] | null, page: DavResource[]): Promise<(r: DavResource) => DavClientContext> {
  if (!isClientBackend(backend)) return () => NO_CLIENT;
  const shared: DavClientContext = { instanceId: backend.instanceId };
  if (!needsFacts(wanted) || page.length === 0) return () => shared;
  const facts = await backend.clientFacts(page);
  return (r) => ({ instanceId: backend.instanceId, facts: facts.get(r.id) });
}

const NO_CLIENT: DavClientContext = { instanceId: null };
