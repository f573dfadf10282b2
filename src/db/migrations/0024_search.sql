-- Search: file and folder names by substring, prefix, case and accents ignored; file contents by
-- full-text search. Both contrib modules are trusted on PostgreSQL 13+ (a database owner may
-- create them) and ship with PGlite (src/db/pglite-worker.mjs loads them).

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- A name folded for search: accents stripped, lower case. unaccent() is only STABLE (its
-- dictionary is looked up by name at run time, through search_path), so it cannot appear in an
-- index; this wrapper names the dictionary and the function by schema, which makes its result
-- depend on its argument alone, and may so be declared IMMUTABLE and indexed. (Changing
-- unaccent.rules on the server would need a REINDEX, as for any such wrapper.)
--
-- An expression index rather than a folded column: the folded name is computed by PostgreSQL on
-- every insert and rename whichever statement makes it (coffer_add_files, copies, restores,
-- moves, the CLI), so no write path can forget it, and rows carry no second copy of each name.
-- Queries must then use this very expression, coffer_fold(name), which the repository does.
CREATE FUNCTION coffer_fold(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT lower(public.unaccent('public.unaccent'::regdictionary, t))
$$;

-- Trigrams of every name (live, trashed or below a trashed folder: what may be seen is the
-- access check's business, on the few rows a page shows). GIN over GiST: searches are many
-- times faster, and GIN's pending list (fastupdate, on by default) keeps an insert's cost low by
-- batching the index's own work.
CREATE INDEX nodes_name_trgm ON nodes USING gin (coffer_fold(name) gin_trgm_ops);
-- The folded names in order: results come sorted by name, and where a word is in many names
-- (one in ten of a million) reading this index in order until a page is full costs milliseconds,
-- where finding all of them through the trigrams and sorting them cost seconds. Names starting
-- with the words are a range of it. The planner picks one index or the other for each search.
CREATE INDEX nodes_name_fold ON nodes ((coffer_fold(name)) COLLATE "C");

-- Words of a file's text with accents folded too, unstemmed: a person's files are in any
-- language, and a stemmer for one mangles the others; prefixes ("report:*") match the forms.
CREATE TEXT SEARCH CONFIGURATION coffer_text (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION coffer_text
  ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, pg_catalog.simple;

-- The text of a file version, extracted by a background job (SearchService.indexVersion). One
-- row per version tried: the text (capped) and its words, or why nothing could be read. A
-- version that is no longer current keeps its row until the version itself is purged.
CREATE TABLE search_texts (
  version_id uuid PRIMARY KEY REFERENCES versions (id) ON DELETE CASCADE,
  node_id uuid NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
  status text NOT NULL CHECK (status IN ('indexed', 'failed')),
  -- Why nothing (or not everything) was read: a damaged file, a size or time limit.
  reason text,
  -- What snippets are cut from (ts_headline); at most SearchService's cap.
  body text NOT NULL DEFAULT '',
  truncated boolean NOT NULL DEFAULT false,
  words tsvector NOT NULL DEFAULT ''::tsvector,
  indexed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX search_texts_words ON search_texts USING gin (words);
CREATE INDEX search_texts_node ON search_texts (node_id);
