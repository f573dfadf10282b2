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
