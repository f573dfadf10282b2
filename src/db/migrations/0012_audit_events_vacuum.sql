-- Every audit event is written once and updated once, when it is sealed into its chain (0007):
-- each leaves a dead row version, and a dead entry in the index of pending events, until the
-- table is vacuumed. Autovacuum's default waits for a fifth of the table to be dead; on a table
-- of ten million events that is two million entries for every look at the pending events to read
-- past. Vacuum it once 1 % (and at least 5,000 rows) is dead instead: each run still reads every
-- index, so its cost stays in proportion to the events written.
--
-- (Where autovacuum does not run, the server vacuums this table itself: see table-upkeep.ts.)
ALTER TABLE audit_events SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 5000);
