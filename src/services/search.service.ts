import type { Logger } from 'pino';
import type { BlobStore } from '../blobs/blob-store.js';
import { SHARED_WITH_ME } from '../core/access.js';
import type { CallContext } from '../core/context.js';
import { badRequest, forbidden } from '../core/errors.js';
import type { Db } from '../repositories/node.repository.js';
import type { OrgRepository } from '../repositories/org.repository.js';
import type { ContentKey, NameKey, SearchFilters, SearchRepository, SearchScope } from '../repositories/search.repository.js';
import type { ShareRepository } from '../repositories/share.repository.js';
import type { SpaceRepository } from '../repositories/space.repository.js';
import { visiblePath, type AccessibleNode, type AccessService } from './access.service.js';
import { SearchCursors } from './search-cursor.js';
import { rangesOf, type SearchRanges } from '../util/search-ranges.js';
import { JobPriority, type JobRequest } from '../jobs/queue.js';
import { EXTRACTABLE, ExtractionError, formatOf } from './text-extraction.js';
import { ExtractorUnavailableError, type TextExtractor } from './text-extraction-process.js';

export const SEARCH_INDEX_JOB = 'search.index';

/** Kinds of file people filter by, as MIME types and prefixes. */
export const TYPE_CATEGORIES: Record<string, { folders?: boolean; exact?: string[]; prefixes?: string[] }> = {
  folder: { folders: true },
  image: { prefixes: ['image/'] },
  video: { prefixes: ['video/'] },
  audio: { prefixes: ['audio/'] },
  text: { prefixes: ['text/'] },
  pdf: { exact: ['application/pdf'] },
  document: {
    exact: ['application/pdf', 'application/msword', 'application/rtf', 'text/plain', 'text/markdown'],
    prefixes: ['application/vnd.openxmlformats-officedocument.wordprocessingml.', 'application/vnd.oasis.opendocument.text'],
  },
  spreadsheet: {
    exact: ['application/vnd.ms-excel', 'text/csv'],
    prefixes: ['application/vnd.openxmlformats-officedocument.spreadsheetml.', 'application/vnd.oasis.opendocument.spreadsheet'],
  },
  presentation: {
    exact: ['application/vnd.ms-powerpoint'],
    prefixes: ['application/vnd.openxmlformats-officedocument.presentationml.', 'application/vnd.oasis.opendocument.presentation'],
  },
  archive: {
    exact: ['application/zip', 'application/gzip', 'application/x-tar', 'application/x-7z-compressed', 'application/vnd.rar', 'application/x-rar-compressed', 'application/x-bzip2', 'application/x-xz', 'application/zstd'],
  },
};

const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;
const MIME_PREFIX = /^([a-z0-9][a-z0-9!#$&^_.+-]{0,126})\/\*?$/;

/** A search as every door asks it. */
export interface SearchRequest extends SearchRanges {
  /** Words of a name (substring, case and accents ignored), or of a file's text with `in: 'content'`. */
  q: string;
  in: 'name' | 'content';
  kind?: 'file' | 'folder' | undefined;
  /** Type categories (TYPE_CATEGORIES) or MIME types ("application/pdf") and prefixes ("image/", "image/*"). */
  types?: string[] | undefined;
  /** Only what lies beneath this folder. */
  folderId?: string | undefined;
  /** Only this folder's own children (WebDAV SEARCH with Depth 1). */
  parentId?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface SearchHit {
  item: AccessibleNode;
  /** Where the caller sees it (below "Shared with me" for a share). */
  path: string;
  /** Content searches: how well the text matched (higher is better) and where. */
  rank?: number | undefined;
  snippet?: Snippet | undefined;
}

/** A passage of a file's text with the matched words at [start, end) (UTF-16 offsets). */
export interface Snippet {
  text: string;
  highlights: [number, number][];
}

export interface SearchPage {
  hits: SearchHit[];
  /** Pass back for the next page; null when there is no more. */
  cursor: string | null;
}

export type IndexOutcome =
  | { status: 'indexed'; chars: number; truncated: boolean }
  | { status: 'failed'; reason: string }
  /** Not a type whose text Coffer reads. */
  | { status: 'skipped' }
  /** The version no longer exists. */
  | { status: 'gone' };

export interface SearchDeps {
  db: Db;
  repo: SearchRepository;
  access: AccessService;
  orgs: OrgRepository;
  shares: ShareRepository;
  spaces: SpaceRepository;
  blobs: BlobStore;
  logger: Logger;
  /** 32 bytes that seal cursors (derived from the server's secret, like the other keys). */
  cursorKey: Buffer;
  /** Reads files' text in a process of its own, within limits. */
  extractor: TextExtractor;
}

/** Rounds of candidates a page may look through when the access check keeps many back. */
const MAX_ROUNDS = 5;
const START = '\u0002';
const STOP = '\u0003';
const HEADLINE = `StartSel=${START}, StopSel=${STOP}, MaxWords=30, MinWords=10, MaxFragments=2, FragmentDelimiter=" … "`;

/**
 * Search over what the caller may reach, by name or by the text of files, and the background
 * work that reads that text. Which nodes are candidates is narrowed in SQL (the spaces and
 * shared folders the caller reaches, out of the trash); whether each one may be shown is the
 * access service's answer, for every row of every page.
 */
export class SearchService {
  private readonly cursors: SearchCursors;

  constructor(private readonly d: SearchDeps) {
    this.cursors = new SearchCursors(d.cursorKey);
  }

  async search(ctx: CallContext, req: SearchRequest): Promise<SearchPage> {
    const filters = this.filtersOf(req);
    const words = req.in === 'content' ? contentQuery(req.q) : null;
    if (req.in === 'content' && !words) throw badRequest('Give a word to look for in the files\' text (letters or digits)');
    if (req.q.length > 200) throw badRequest('Search words can be at most 200 characters');
    if (req.limit < 1 || req.limit > 200) throw badRequest('limit must be between 1 and 200');
    const scope = await this.scopeOf(ctx, req.folderId);
    const { cursor, limit, ...asked } = req;
    const fingerprint = SearchCursors.fingerprint(asked);
    const hits: SearchHit[] = [];
    if (scope.spaceIds.length === 0) return { hits, cursor: null };

    const batch = Math.min(limit + 1, 201);
    if (words) {
      let after = cursor ? this.cursors.open(fingerprint, cursor, isContentKey) : null;
      const scores = new Map<string, number>();
      for (let round = 0; ; round++) {
        const rows = await this.d.repo.byContent(this.d.db, words, scope, filters, after, batch);
        const reached = await this.d.access.reachable(ctx, rows.map((r) => r.id));
        for (const r of rows) {
          const item = reached.get(r.id);
          if (item && this.visible(item)) {
            if (hits.length === limit) return this.contentPage(hits, scores, words, this.cursors.seal(fingerprint, after));
            hits.push(hitOf(item));
            scores.set(r.id, r.score);
          }
          after = { rank: r.rank, id: r.id };
        }
        if (rows.length < batch) return this.contentPage(hits, scores, words, null);
        if (round + 1 >= MAX_ROUNDS) return this.contentPage(hits, scores, words, this.cursors.seal(fingerprint, after));
      }
    }
    let after = cursor ? this.cursors.open(fingerprint, cursor, isNameKey) : null;
    for (let round = 0; ; round++) {
      const rows = await this.d.repo.byName(this.d.db, req.q, scope, filters, after, batch);
      const reached = await this.d.access.reachable(ctx, rows.map((r) => r.id));
      for (const r of rows) {
        const item = reached.get(r.id);
        if (item && this.visible(item)) {
          if (hits.length === limit) return { hits, cursor: this.cursors.seal(fingerprint, after) };
          hits.push(hitOf(item));
        }
        after = { bucket: r.bucket, name: r.name, id: r.id };
      }
      if (rows.length < batch) return { hits, cursor: null };
      // The access check kept back most of what was read: hand over what there is and where to go on.
      if (round + 1 >= MAX_ROUNDS) return { hits, cursor: this.cursors.seal(fingerprint, after) };
    }
  }

  private visible(item: AccessibleNode): boolean {
    return this.d.access.can(item, 'list') || this.d.access.can(item, 'read');
  }

  private async contentPage(hits: SearchHit[], scores: Map<string, number>, words: string, cursor: string | null): Promise<SearchPage> {
    const snippets = await this.d.repo.snippets(this.d.db, hits.map((h) => h.item.node.id), words, HEADLINE);
    for (const h of hits) {
      h.rank = scores.get(h.item.node.id);
      const s = snippets.get(h.item.node.id);
      if (s !== undefined) h.snippet = parseSnippet(s);
    }
    return { hits, cursor };
  }

  /**
   * Where the caller's search may look: every space they hold whole (their own, an
   * organisation's where they have a role or a support session) and every folder shared with
   * them; a service account, the folders its scopes name. The lists are the ones the rest of
   * Coffer shows (spaces, "Shared with me"); the access check still judges each hit.
   */
  private async scopeOf(ctx: CallContext, folderId: string | undefined): Promise<SearchScope> {
    const { actor } = ctx;
    if (actor.link) throw forbidden('A public link cannot search; sign in to search your files');
    const db = this.d.db;
    const spaceIds = new Set<string>();
    const roots = new Set<string>();
    if (actor.service) {
      for (const s of actor.service.scopes) {
        const space = await this.d.spaces.getById(db, s.spaceId);
        if (!space?.root_node_id) continue;
        const top = await this.d.repo.walk(db, space.root_node_id, s.prefix);
        if (!top) continue;
        spaceIds.add(space.id);
        roots.add(top);
      }
    } else {
      const [spaces, shares] = await Promise.all([this.d.orgs.spacesOf(db, actor.userId), this.d.shares.incoming(db, actor.userId)]);
      for (const s of spaces) {
        if (!s.root_node_id) continue;
        spaceIds.add(s.id);
        roots.add(s.root_node_id);
      }
      for (const s of shares) {
        spaceIds.add(s.space_id);
        roots.add(s.node_id);
      }
    }
    if (folderId === undefined) return { spaceIds: [...spaceIds], roots: [...roots] };
    const folder = await this.d.access.requireOne(ctx, 'list', folderId);
    if (folder.node.kind !== 'folder') throw badRequest(`${folder.node.name} is a file; search beneath a folder`);
    return { spaceIds: [folder.space.id], roots: [...roots, ...folder.chain.map((n) => n.id)], within: folder.node.id };
  }

  private filtersOf(req: SearchRequest): SearchFilters {
    const f: SearchFilters = { kind: req.kind, parentId: req.parentId };
    if (req.types && req.types.length > 0) {
      const types = { folders: false, exact: [] as string[], prefixes: [] as string[] };
      for (const raw of req.types) {
        const t = raw.trim().toLowerCase();
        const category = Object.hasOwn(TYPE_CATEGORIES, t) ? TYPE_CATEGORIES[t] : undefined;
        const prefix = MIME_PREFIX.exec(t);
        if (category) {
          types.folders ||= category.folders ?? false;
          types.exact.push(...(category.exact ?? []));
          types.prefixes.push(...(category.prefixes ?? []));
        } else if (prefix) types.prefixes.push(`${prefix[1]}/`);
        else if (MIME_TYPE.test(t)) types.exact.push(t);
        else {
          throw badRequest(`"${raw}" is neither a kind of file (${Object.keys(TYPE_CATEGORIES).join(', ')}) nor a MIME type such as "image/png" or "image/*"`);
        }
      }
      f.types = types;
    }
    const range = <T extends number | Date>(from: T | undefined, to: T | undefined, what: string) => {
      if (from !== undefined && to !== undefined && from > to) throw badRequest(`The ${what} range ends before it starts`);
    };
    range(req.minSize, req.maxSize, 'size');
    range(req.modifiedFrom, req.modifiedTo, 'modified date');
    range(req.uploadedFrom, req.uploadedTo, 'upload date');
    return { ...f, ...rangesOf(req) };
  }

  // ---- the text index ------------------------------------------------------------------------

  /**
   * Reads the text of one file version into the index: streamed from the blob store to the
   * extraction process, within its limits of size, time and memory; a file that cannot be read gets
   * a row saying why, so it is not tried again until its content changes. Safe to run twice (the
   * row is replaced). `signal` (the job's) stops the reading and rejects with its reason.
   */
  async indexVersion(versionId: string, signal?: AbortSignal): Promise<IndexOutcome> {
    const db = this.d.db;
    const v = await this.d.repo.version(db, versionId);
    if (!v) return { status: 'gone' };
    const format = formatOf(v.name, v.mime);
    if (!format) return { status: 'skipped' };
    // Bytes already read for another version (a copy, a restore) as the same format are not read again.
    const twin = await this.d.repo.sameBytes(db, versionId);
    if (twin && formatOf(twin.name, twin.mime) === format && (await this.d.repo.copyRow(db, twin.versionId, { versionId, nodeId: v.nodeId }))) {
      const state = await this.d.repo.stateOf(db, versionId);
      if (state) return state.status === 'indexed' ? { status: 'indexed', chars: state.chars, truncated: state.truncated } : { status: 'failed', reason: state.reason ?? 'The file could not be read' };
    }
    const source = { size: v.size, read: (range?: { start: number; end: number }) => this.d.blobs.read(v.storeKey, range) };
    let outcome: IndexOutcome;
    try {
      const { text, truncated } = await this.d.extractor.extract(source, format, signal);
      const maxChars = this.d.extractor.limits.maxChars;
      await this.d.repo.save(db, { versionId, nodeId: v.nodeId, status: 'indexed', reason: truncated ? `Only the first ${maxChars.toLocaleString('en')} characters are searchable` : null, body: text, truncated });
      outcome = { status: 'indexed', chars: text.length, truncated };
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      // Nothing is known about the file yet: the job tries again later.
      if (err instanceof ExtractorUnavailableError) throw err;
      const reason = err instanceof ExtractionError ? err.message : 'The file could not be read';
      if (!(err instanceof ExtractionError)) this.d.logger.warn({ err, versionId }, 'text extraction failed');
      await this.d.repo.save(db, { versionId, nodeId: v.nodeId, status: 'failed', reason, body: '', truncated: false });
      outcome = { status: 'failed', reason };
    }
    return outcome;
  }

  /** The job that reads a new version's text, or null when its type has none to read. */
  jobFor(versionId: string, name: string, mime: string | null): JobRequest | null {
    if (!formatOf(name, mime)) return null;
    return { kind: SEARCH_INDEX_JOB, key: versionId, payload: { versionId }, priority: JobPriority.fresh, maxAttempts: 3 };
  }

  /**
   * Enqueues, at background priority, the reading of every current version that has no row and
   * no job: versions stored before search existed (an upgrade), or whose job was lost. Every
   * version stored since has its job from the transaction that stored it.
   */
  async enqueuePending(): Promise<number> {
    return this.d.repo.enqueuePending(this.d.db, EXTRACTABLE, { kind: SEARCH_INDEX_JOB, priority: JobPriority.background, maxAttempts: 3 });
  }

  /**
   * Indexes up to `limit` current versions that have no row yet, newest first, in this call;
   * returns how many it looked at (the catch-up run by hand where no worker runs).
   */
  async indexPending(limit: number, signal?: AbortSignal): Promise<number> {
    const pending = await this.d.repo.pending(this.d.db, EXTRACTABLE, limit);
    for (const v of pending) {
      signal?.throwIfAborted();
      try {
        await this.indexVersion(v.versionId, signal);
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        // A version deleted meanwhile (its row cannot be stored) or a database hiccup: the next run retries.
        this.d.logger.warn({ err, versionId: v.versionId }, 'indexing a version failed');
      }
    }
    return pending.length;
  }

  /** The index's state of a version: for tests and the admin. */
  indexState(versionId: string) {
    return this.d.repo.stateOf(this.d.db, versionId);
  }

  /** Ends the extraction process (a reading still under way is stopped). */
  close(): Promise<void> {
    return this.d.extractor.close();
  }
}

function hitOf(item: AccessibleNode): SearchHit {
  return { item, path: visiblePath(item, SHARED_WITH_ME) };
}

/**
 * A to_tsquery string for what a person typed: its words (letters and digits), each a prefix
 * ("report" finds "reports"), all required. Quoting is safe: no word holds a quote.
 */
export function contentQuery(q: string): string | null {
  const words = (q.normalize('NFC').match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 16).map((w) => w.slice(0, 64));
  return words.length === 0 ? null : words.map((w) => `'${w}':*`).join(' & ');
}

/** ts_headline's output, the matches marked with \u0002 … \u0003, as text and highlight ranges. */
export function parseSnippet(marked: string): Snippet {
  let text = '';
  const marks: [number, number][] = [];
  let start = -1;
  for (const ch of marked) {
    if (ch === START) start = text.length;
    else if (ch === STOP) {
      if (start >= 0 && text.length > start) marks.push([start, text.length]);
      start = -1;
    } else if (/\s/.test(ch)) {
      // Line breaks and runs of spaces read as one space in a one-line passage.
      if (text.length > 0 && !text.endsWith(' ')) text += ' ';
    } else text += ch;
  }
  const lead = text.length - text.trimStart().length;
  const trimmed = text.trim();
  const highlights = marks.map(([a, b]): [number, number] => [a - lead, b - lead]).filter(([a, b]) => a >= 0 && b <= trimmed.length);
  return { text: trimmed, highlights };
}

function isNameKey(p: unknown): p is NameKey {
  const k = p as NameKey;
  return typeof k === 'object' && k !== null && Number.isInteger(k.bucket) && typeof k.name === 'string' && typeof k.id === 'string';
}

function isContentKey(p: unknown): p is ContentKey {
  const k = p as ContentKey;
  return typeof k === 'object' && k !== null && typeof k.rank === 'string' && /^[0-9.e+-]{1,40}$/i.test(k.rank) && typeof k.id === 'string';
}
