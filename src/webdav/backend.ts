import type { Readable } from 'node:stream';
import type { SearchRanges } from '../util/search-ranges.js';

/**
 * What the WebDAV protocol module needs from storage: resources addressed by path segments
 * (decoded, Unicode-normalised) below the DAV root. Implementations hold every storage and
 * permission rule; the protocol module holds none.
 */
export interface DavBackend {
  /** Whose request this is: lock tokens only count when submitted by their owner. */
  readonly principal: string;
  stat(path: string[]): Promise<DavResource | null>;
  /**
   * What a new member's parent must be (a collection, and whether it is writable): stat without
   * the validators, which may cost work of their own (the root's ETag covers the shares too).
   */
  container(path: string[]): Promise<Pick<DavResource, 'collection' | 'readOnly'> | null>;
  /** Members of a collection, in pages so huge folders stream. */
  members(collection: DavResource): AsyncIterable<DavResource[]>;
  quota(): Promise<{ used: number; available: number | null }>;
  open(file: DavResource, range?: { start: number; end: number }): Promise<Readable>;
  /** Called once a GET has sent `bytes` of the file. */
  downloaded(file: DavResource, bytes: number): Promise<void>;
  put(path: string[], body: Readable, options: PutOptions): Promise<{ resource: DavResource; created: boolean }>;
  mkcol(path: string[]): Promise<DavResource>;
  /** Deletes a resource and everything beneath it (to the trash, where the backend has one). */
  delete(resource: DavResource): Promise<void>;
  copy(source: DavResource, destination: string[], options: TransferOptions): Promise<{ created: boolean }>;
  /** `resource`: where the source now is, when the backend knows it without asking again. */
  move(source: DavResource, destination: string[], options: TransferOptions): Promise<{ created: boolean; resource?: DavResource | undefined }>;
  setModifiedAt(resource: DavResource, at: Date): Promise<void>;
  deadProperties(resources: DavResource[]): Promise<Map<string, DeadProperty[]>>;
  /** Applies all changes or none. */
  patchDeadProperties(resource: DavResource, set: DeadProperty[], remove: PropertyName[]): Promise<void>;
  readonly locks: LockStore;
}

export interface DavResource {
  /** Stable id (survives renames); the key for dead properties. */
  id: string;
  /**
   * A number that stays the resource's for its life, for clients that keep ids as 64-bit
   * integers (oc:fileid, client-properties.ts); absent where there is none (virtual folders).
   */
  fileId?: number | undefined;
  path: string[];
  collection: boolean;
  /** Files: length of the content. Collections: bytes beneath. */
  size: number;
  /** Strong entity tag without quotes. */
  etag: string;
  contentType: string | null;
  createdAt: Date;
  modifiedAt: Date;
  sha1: string | null;
  /** ownCloud-style permission letters for oc:permissions. */
  permissions: string;
  /** Writes are refused with 403 (the virtual trash). */
  readOnly: boolean;
  /** Live properties the backend adds, e.g. the deletion time of a trashed item. */
  extra?: { name: PropertyName; text: string }[];
}

export interface PropertyName {
  ns: string;
  local: string;
}

/** A dead property: its value is serialised XML content. */
export interface DeadProperty extends PropertyName {
  xml: string;
}

export interface PutOptions {
  /** Declared length, from Content-Length or X-Expected-Entity-Length; checked against what arrives. */
  size?: number | undefined;
  contentType?: string | undefined;
  modifiedAt?: Date | undefined;
  /** Replace only if the current ETag is this one (If-Match). */
  ifMatch?: string | undefined;
  /** SHA-1 the client claims (OC-Checksum); the upload is refused if the bytes differ. */
  sha1?: string | undefined;
}

export interface TransferOptions {
  overwrite: boolean;
  /** COPY with Depth 0: the collection alone, without members. */
  shallow?: boolean;
}

export type LockScope = 'exclusive' | 'shared';

export interface DavLock {
  token: string;
  /** The locked resource's path. */
  root: string[];
  depth: '0' | 'infinity';
  scope: LockScope;
  ownerXml: string | null;
  principal: string;
  timeoutSeconds: number;
  expiresAt: Date;
}

/** Lock records, shared by every server (the database). */
export interface LockStore {
  /**
   * Unexpired locks that cover `path`: on it, on an ancestor with depth infinity, and with
   * `descendants` also those on anything beneath it; with `withParent` also every lock on the
   * parent collection (a depth-0 lock there guards its membership).
   */
  covering(path: string[], descendants: boolean, withParent?: boolean): Promise<DavLock[]>;
  /** Unexpired locks on `path` itself or beneath it, for lockdiscovery of a listing. */
  under(path: string[]): Promise<DavLock[]>;
  /**
   * Records `lock` unless `conflicts` (given the locks covering its root and beneath it) returns
   * an error, atomically across servers.
   */
  create(lock: DavLock, conflicts: (existing: DavLock[]) => Error | null): Promise<void>;
  refresh(token: string, timeoutSeconds: number): Promise<DavLock | null>;
  remove(token: string): Promise<boolean>;
  /** Drops every lock on `path` and beneath it (the resource went away). */
  removeUnder(path: string[]): Promise<void>;
}

/**
 * A backend that can search (RFC 5323 SEARCH, see search.ts): names of what lies in or beneath
 * a collection. The protocol module asks with the conditions it can narrow by, then checks each
 * resource it gets against the whole query itself, so a backend may return more than matches.
 */
export interface DavSearchBackend {
  search(query: DavSearchQuery): Promise<DavResource[]>;
}

/** WebDAV has no property for when content was uploaded: sizes and modification dates only. */
export interface DavSearchQuery extends Pick<SearchRanges, 'minSize' | 'maxSize' | 'modifiedFrom' | 'modifiedTo'> {
  /** The collection searched; its own members with depth "1", everything beneath with "infinity". */
  scope: DavResource;
  depth: '1' | 'infinity';
  /** Part of the name (case and accents ignored); empty for any name. */
  nameContains: string;
  kind?: 'file' | 'folder' | undefined;
  /** MIME types ("image/png") and prefixes ("image/"); any of them. */
  types?: string[] | undefined;
  /** At most this many resources. */
  max: number;
}

export function canSearch(b: DavBackend): b is DavBackend & DavSearchBackend {
  return typeof (b as Partial<DavSearchBackend>).search === 'function';
}
