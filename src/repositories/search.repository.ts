import { sql, type RawBuilder } from 'kysely';
import type { SearchRanges } from '../util/search-ranges.js';
import type { Db } from './node.repository.js';

/** Conditions on the nodes a search may return, besides the words it looks for. */
export interface SearchFilters extends SearchRanges {
  kind?: 'file' | 'folder' | undefined;
  /** Any of these: folders, exact MIME types, MIME prefixes ("image/"). Empty or absent: any type. */
  types?: { folders: boolean; exact: string[]; prefixes: string[] } | undefined;
  /** Only direct children of this folder (WebDAV SEARCH with Depth 1). */
  parentId?: string | undefined;
}

/**
 * Where a search looks. `spaceIds` narrows the index scan; `roots` are the tops of what the
 * caller reaches (a space's root, a shared folder, a service account's scope): a candidate is
 * kept only when one of them is on its way up, nothing on that way is in the trash, and (with
 * `within`) that folder is above it. This only narrows the candidates in the same statement; the
 * access service decides on the rows that come out.
 */
export interface SearchScope {
  spaceIds: string[];
  roots: string[];
  within?: string | undefined;
}

/** Position after which a name search goes on: how well the name matched, the folded name, the id. */
export interface NameKey {
  bucket: number;
  name: string;
  id: string;
}

/** Position after which a content search goes on: rank (as PostgreSQL printed it), then id. */
export interface ContentKey {
  rank: string;
  id: string;
}

export type NameCandidate = NameKey;

export interface ContentCandidate extends ContentKey {
  score: number;
}

export interface PendingVersion {
  versionId: string;
  nodeId: string;
  name: string;
  mime: string | null;
  size: number;
  storeKey: string;
}

/** MIME types and name endings whose text the indexer reads (see text-extraction.ts). */
export interface Extractable {
  mimes: readonly string[];
  mimePrefixes: readonly string[];
  extensions: readonly string[];
}

const likeEscape = (v: RawBuilder<string>) => sql<string>`replace(replace(replace(${v}, '\\', '\\\\'), '%', '\\%'), '_', '\\_')`;
const escapeLiteral = (v: string) => v.replace(/[\\%_]/g, (c) => `\\${c}`);

/** SQL for search: candidates by name or content, and the text index's rows. */
export class SearchRepository {
  /**
   * Nodes whose folded name contains the folded `q` (all when empty), in two runs: names that
   * start with it (the name itself first), then the other names that contain it, each run by
   * folded name, then id. Each run is its own branch with a LIMIT, so PostgreSQL plans each for
   * what the words are (see `tuned`): the ordered btree (nodes_name_fold) where many names match,
   * the trigram index (nodes_name_trgm) and a sort where few do. The way up is walked only for
   * the rows read, in order, until `limit` pass (the OFFSET 0 keeps it after the sort).
   */
  async byName(db: Db, q: string, scope: SearchScope, filters: SearchFilters, after: NameKey | null, limit: number): Promise<NameCandidate[]> {
    const folded = sql<string>`coffer_fold(${q}::text)`;
    const name = sql<string>`n.name_folded collate "C"`;
    const prefix = sql<boolean>`(${name} >= ${folded} and ${name} < ${folded} || chr(1114111))`;
    const base = this.conditions(filters, scope);
    const branch = (bucket: 1 | 2, match: RawBuilder<boolean>) => {
      // After the cursor: nothing of a run already done, all of a run not begun; within its run,
      // a bound the index can start from (>= name) and the rest as a filter.
      const keyset =
        after === null || after.bucket < bucket
          ? sql<boolean>`true`
          : after.bucket > bucket
            ? sql<boolean>`false`
            : sql<boolean>`${name} >= ${after.name}::text collate "C" and (${name} > ${after.name}::text collate "C" or n.id > ${after.id}::uuid)`;
      return sql`(select c.id, ${sql.lit(bucket)} as bucket, c.name from (
          select n.id, n.name_folded as name from nodes n
           where ${sql.join([...base, match, keyset], sql` and `)}
           order by ${name}, n.id
           offset 0
        ) c
        ${this.placement(sql`c.id`, scope)}
        limit ${limit})`;
    };
    const branches = [branch(1, prefix)];
    if (q !== '') branches.push(branch(2, sql<boolean>`n.name_folded like '%' || ${likeEscape(folded)} || '%' and not ${prefix}`));
    return this.tuned(db, async (tx) => {
      const result = await sql<NameCandidate>`select x.id, x.bucket, x.name from (${sql.join(branches, sql` union all `)}) x limit ${limit}`.execute(tx);
      return result.rows.map((r) => ({ id: r.id, bucket: Number(r.bucket), name: r.name }));
    });
  }

  /**
   * Runs a search statement planned for its own values, never a generic plan: how many names
   * hold "invoice" and how many "1234567" decides between the two indexes, and a plan made
   * without the words is wrong for one of them (measured: 15 s instead of 12 ms). No parallel
   * workers either: starting them cost more than these statements (bench/results/2026-12-07-search.md).
   * No JIT: PostgreSQL compiled a statement whose plan it costed high (40 ms of a 50 ms search).
   */
  private tuned<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
    return db.transaction().execute(async (tx) => {
      await sql`select set_config('plan_cache_mode', 'force_custom_plan', true), set_config('max_parallel_workers_per_gather', '0', true), set_config('jit', 'off', true)`.execute(tx);
      return fn(tx);
    });
  }

  /**
   * Current versions of files whose extracted text matches `tsquery` (a to_tsquery string of
   * coffer_text), best ranked first (ts_rank_cd, normalised by the document's length), then id.
   */
  async byContent(db: Db, tsquery: string, scope: SearchScope, filters: SearchFilters, after: ContentKey | null, limit: number): Promise<ContentCandidate[]> {
    const query = sql`(select to_tsquery('coffer_text', ${tsquery}))`;
    const conditions = [...this.conditions({ ...filters, kind: 'file' }, scope), sql<boolean>`st.words @@ ${query}`];
    const keyset = after ? sql`where (m.score < ${after.rank}::real or (m.score = ${after.rank}::real and m.id > ${after.id}::uuid))` : sql``;
    const result = await this.tuned(db, (tx) => sql<{ id: string; score: number; rank: string }>`
      select c.id, c.score, c.score::text as rank from (
        select m.* from (
          select n.id, ts_rank_cd(st.words, ${query}, 1)::real as score
            from search_texts st join nodes n on n.id = st.node_id and n.current_version_id = st.version_id
           where st.status = 'indexed' and ${sql.join(conditions, sql` and `)}
        ) m
        ${keyset}
        order by m.score desc, m.id
        offset 0
      ) c
      ${this.placement(sql`c.id`, scope)}
      limit ${limit}`.execute(tx));
    return result.rows.map((r) => ({ id: r.id, score: Number(r.score), rank: r.rank }));
  }

  /** Snippets of the matching text of files (ts_headline), matches between the given markers. */
  async snippets(db: Db, nodeIds: string[], tsquery: string, options: string): Promise<Map<string, string>> {
    if (nodeIds.length === 0) return new Map();
    const result = await sql<{ id: string; snippet: string }>`
      select n.id, ts_headline('coffer_text', st.body, to_tsquery('coffer_text', ${tsquery}), ${options}) as snippet
        from nodes n join search_texts st on st.version_id = n.current_version_id
       where n.id = any(${nodeIds}::uuid[])`.execute(db);
    return new Map(result.rows.map((r) => [r.id, r.snippet]));
  }

  /** The node at a path of names below `rootId` (live nodes only), or null where it ends early. */
  async walk(db: Db, rootId: string, names: string[]): Promise<string | null> {
    const result = await sql<{ id: string; depth: number }>`
      with recursive walk(id, depth) as (
        select ${rootId}::uuid, 0
        union all
        select n.id, w.depth + 1 from walk w
          join nodes n on n.parent_id = w.id and n.deleted_at is null and n.name = (${names}::text[])[w.depth + 1]
         where w.depth < ${names.length}
      )
      select id, depth from walk order by depth desc limit 1`.execute(db);
    const row = result.rows[0];
    return row && Number(row.depth) === names.length ? row.id : null;
  }

  private conditions(f: SearchFilters, scope: SearchScope): RawBuilder<boolean>[] {
    const c: RawBuilder<boolean>[] = [sql`n.space_id = any(${scope.spaceIds}::uuid[])`, sql`n.parent_id is not null`];
    if (f.kind) c.push(sql`n.kind = ${f.kind}`);
    if (f.parentId) c.push(sql`n.parent_id = ${f.parentId}::uuid`);
    if (f.types) {
      const any: RawBuilder<boolean>[] = [];
      if (f.types.folders) any.push(sql`n.kind = 'folder'`);
      if (f.types.exact.length > 0) any.push(sql`(n.kind = 'file' and lower(n.mime) = any(${f.types.exact}::text[]))`);
      if (f.types.prefixes.length > 0) any.push(sql`(n.kind = 'file' and lower(n.mime) like any(${f.types.prefixes.map((p) => escapeLiteral(p) + '%')}::text[]))`);
      c.push(any.length > 0 ? sql`(${sql.join(any, sql` or `)})` : sql`false`);
    }
    // Sizes are about files: a folder's size is what lies beneath it.
    if (f.minSize !== undefined) c.push(sql`(n.kind = 'file' and n.size >= ${f.minSize})`);
    if (f.maxSize !== undefined) c.push(sql`(n.kind = 'file' and n.size <= ${f.maxSize})`);
    if (f.modifiedFrom) c.push(sql`n.modified_at >= ${f.modifiedFrom}`);
    if (f.modifiedTo) c.push(sql`n.modified_at < ${f.modifiedTo}`);
    if (f.uploadedFrom || f.uploadedTo) {
      const v: RawBuilder<boolean>[] = [sql`v.id = n.current_version_id`];
      if (f.uploadedFrom) v.push(sql`v.created_at >= ${f.uploadedFrom}`);
      if (f.uploadedTo) v.push(sql`v.created_at < ${f.uploadedTo}`);
      c.push(sql`exists (select 1 from versions v where ${sql.join(v, sql` and `)})`);
    }
    return c;
  }

  /**
   * The walk up from each candidate, one index probe a step, as a lateral subquery over the
   * sorted rows: a `where` on it that keeps what lies below one of the roots, out of the trash
   * (only the top of a trashed subtree is marked), and below `within` when given.
   */
  private placement(id: RawBuilder<unknown>, scope: SearchScope): RawBuilder<unknown> {
    const within = scope.within ? sql`and bool_or(up.id = ${scope.within}::uuid and up.depth > 0)` : sql``;
    return sql`
      where exists (
        with recursive up as (
          select p.id, p.parent_id, p.deleted_at, 0 as depth from nodes p where p.id = ${id}
          union all
          select p.id, p.parent_id, p.deleted_at, up.depth + 1
            from up cross join lateral (select q.id, q.parent_id, q.deleted_at from nodes q where q.id = up.parent_id limit 1) p
        )
        select 1 from up
        having bool_and(up.deleted_at is null) and bool_or(up.id = any(${scope.roots}::uuid[])) ${within}
      )`;
  }

  // ---- the text index ------------------------------------------------------------------------

  /**
   * Current versions of files whose type the indexer reads and that have no row yet, newest
   * first. Reads every file's row (no index serves it): a catch-up for the background job, which
   * otherwise gets each new version as it is uploaded.
   */
  async pending(db: Db, types: Extractable, limit: number): Promise<PendingVersion[]> {
    const endings = types.extensions.map((e) => `%.${escapeLiteral(e)}`);
    const prefixes = types.mimePrefixes.map((p) => `${escapeLiteral(p)}%`);
    const result = await sql<PendingVersion>`
      select v.id as "versionId", n.id as "nodeId", n.name, n.mime, v.size, b.store_key as "storeKey"
        from nodes n
        join versions v on v.id = n.current_version_id
        join blobs b on b.id = v.blob_id
       where n.kind = 'file'
         and (lower(n.mime) = any(${[...types.mimes]}::text[]) or lower(n.mime) like any(${prefixes}::text[]) or lower(n.name) like any(${endings}::text[]))
         and not exists (select 1 from search_texts st where st.version_id = v.id)
       order by v.created_at desc
       limit ${limit}`.execute(db);
    return result.rows.map((r) => ({ ...r, size: Number(r.size) }));
  }

  /**
   * Enqueues `job` (its kind, priority and attempts; the version's id as key and payload) for
   * every current version `pending` would return, in one statement: one pass over the files
   * however many there are. A version whose job is queued or running already is left alone.
   */
  async enqueuePending(db: Db, types: Extractable, job: { kind: string; priority: number; maxAttempts: number }): Promise<number> {
    const endings = types.extensions.map((e) => `%.${escapeLiteral(e)}`);
    const prefixes = types.mimePrefixes.map((p) => `${escapeLiteral(p)}%`);
    const result = await sql`
      insert into jobs (kind, key, payload, priority, max_attempts)
      select ${job.kind}, v.id::text, jsonb_build_object('versionId', v.id), ${job.priority}, ${job.maxAttempts}
        from nodes n
        join versions v on v.id = n.current_version_id
       where n.kind = 'file'
         and (lower(n.mime) = any(${[...types.mimes]}::text[]) or lower(n.mime) like any(${prefixes}::text[]) or lower(n.name) like any(${endings}::text[]))
         and not exists (select 1 from search_texts st where st.version_id = v.id)
      on conflict (kind, key) where key is not null and state in ('queued', 'running') do nothing`.execute(db);
    return Number(result.numAffectedRows ?? 0);
  }

  /** One version with what the indexer needs, or undefined when it is gone. */
  async version(db: Db, versionId: string): Promise<PendingVersion | undefined> {
    const result = await sql<PendingVersion>`
      select v.id as "versionId", n.id as "nodeId", n.name, coalesce(v.mime, n.mime) as mime, v.size, b.store_key as "storeKey"
        from versions v join nodes n on n.id = v.node_id join blobs b on b.id = v.blob_id
       where v.id = ${versionId}::uuid`.execute(db);
    const row = result.rows[0];
    return row ? { ...row, size: Number(row.size) } : undefined;
  }

  /**
   * The index's row of another version of the same bytes (a copy's source, the version a restore
   * brought back), with the name and type it was read as; undefined when none was read yet.
   */
  async sameBytes(db: Db, versionId: string): Promise<{ versionId: string; name: string; mime: string | null } | undefined> {
    const result = await sql<{ versionId: string; name: string; mime: string | null }>`
      select o.id as "versionId", n.name, coalesce(o.mime, n.mime) as mime
        from versions v
        join versions o on o.blob_id = v.blob_id and o.id <> v.id
        join search_texts st on st.version_id = o.id
        join nodes n on n.id = o.node_id
       where v.id = ${versionId}::uuid
       limit 1`.execute(db);
    return result.rows[0];
  }

  /** Gives a version the row of another version of the same bytes: what was read, or why nothing was. */
  async copyRow(db: Db, from: string, to: { versionId: string; nodeId: string }): Promise<boolean> {
    const result = await sql`
      insert into search_texts (version_id, node_id, status, reason, body, truncated, words, indexed_at)
      select ${to.versionId}::uuid, ${to.nodeId}::uuid, st.status, st.reason, st.body, st.truncated, st.words, now()
        from search_texts st where st.version_id = ${from}::uuid
      on conflict (version_id) do update
        set status = excluded.status, reason = excluded.reason, body = excluded.body, truncated = excluded.truncated,
            words = excluded.words, indexed_at = excluded.indexed_at`.execute(db);
    return Number(result.numAffectedRows ?? 0) > 0;
  }

  /** Stores what was read of a version (or why nothing was), replacing an earlier try. */
  async save(db: Db, row: { versionId: string; nodeId: string; status: 'indexed' | 'failed'; reason: string | null; body: string; truncated: boolean }): Promise<void> {
    await sql`
      insert into search_texts (version_id, node_id, status, reason, body, truncated, words, indexed_at)
      values (${row.versionId}::uuid, ${row.nodeId}::uuid, ${row.status}, ${row.reason}, ${row.body}, ${row.truncated}, to_tsvector('coffer_text', ${row.body}), now())
      on conflict (version_id) do update
        set status = excluded.status, reason = excluded.reason, body = excluded.body, truncated = excluded.truncated,
            words = excluded.words, indexed_at = excluded.indexed_at`.execute(db);
  }

  /** The index's row of a version, for the admin and tests: status, reason, how much was read. */
  async stateOf(db: Db, versionId: string): Promise<{ status: 'indexed' | 'failed'; reason: string | null; chars: number; truncated: boolean } | undefined> {
    const row = await db
      .selectFrom('search_texts')
      .select(['status', 'reason', 'truncated', sql<number>`length(body)`.as('chars')])
      .where('version_id', '=', versionId)
      .executeTakeFirst();
    return row ? { status: row.status, reason: row.reason, truncated: row.truncated, chars: Number(row.chars) } : undefined;
  }
}
