-- The folded name stored beside the name, and the two name indexes on it instead of on the
-- expression coffer_fold(name) (0024).
--
-- coffer_fold is an SQL function PostgreSQL cannot inline (unaccent() is only STABLE), so every
-- call runs the function machinery: ~29 µs a call on PGlite (measured on 10,000 names; lower()
-- and unaccent() alone take ~8 µs each). A name search evaluated it four or five times for each
-- candidate row (the trigram recheck, the "not a prefix" filter, the sort key, the output), and
-- an uncommon word's 1,200 candidates in 1,000,000 names took ~300 ms of that on PGlite
-- (bench/results/2026-12-07-search.md). Stored, it is computed once when a name is written
-- (where both indexes each computed it before) and read as any column after.
--
-- A generated column keeps what 0024 wanted of an expression index: PostgreSQL computes it on
-- every insert and rename whatever statement makes it, so no write path can forget it.
ALTER TABLE nodes ADD COLUMN name_folded text GENERATED ALWAYS AS (coffer_fold(name)) STORED;

DROP INDEX nodes_name_trgm;
DROP INDEX nodes_name_fold;
CREATE INDEX nodes_name_trgm ON nodes USING gin (name_folded gin_trgm_ops);
CREATE INDEX nodes_name_fold ON nodes (name_folded COLLATE "C");

-- Statistics on the folded MIME type a type filter compares (lower(mime) = any(…)): without
-- them the planner takes any such equality for 0.5 % of the rows, and for "invoice" in PDFs
-- (7,000 of the 50,000 names starting with it) it fetched and sorted all 50,000 instead of
-- reading names in order until a page was full: 395 ms instead of 8 ms on PostgreSQL.
CREATE STATISTICS nodes_mime_folded ON (lower(mime)) FROM nodes;

-- A finer histogram of the folded names on PostgreSQL, where ANALYZE runs in autovacuum's own
-- process: with the default 100 buckets PostgreSQL 15 took a word in 0.12 % of 1,000,000 names
-- ("kalomi") for one in 0.76 %, read names in order to fill a page instead of taking the 1,200
-- from the trigram index, and spent 355 ms instead of 4 ms; with 250 it chose right (ANALYZE of
-- nodes: 0.6 s → 1.3 s). Not on the embedded PGlite: it chose right with the default, and there
-- Coffer's own upkeep runs ANALYZE on the one connection every request waits for.
DO $$
BEGIN
  IF version() NOT LIKE '%emscripten%' THEN
    ALTER TABLE nodes ALTER COLUMN name_folded SET STATISTICS 250;
  END IF;
END
$$;
