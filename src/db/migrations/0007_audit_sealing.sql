-- Audit events are written in the transaction of the change they record, but chained (sealed)
-- just after it commits, by whichever server gets the chain's head first. Until then an event is
-- pending: durable and listed like any other, with no place in its chain yet (seq, prev_hash and
-- hash are null). Keeping the head lock and the keyed hash out of every write's transaction is
-- what lets writes to one space commit in one statement and without queueing on the chain.
--
-- seq is the event's position in its chain (1, 2, …); verification walks a chain in seq order.
-- It is not covered by the MAC: the order is, through prev_hash.
ALTER TABLE audit_events ADD COLUMN seq bigint;
UPDATE audit_events e SET seq = o.seq
  FROM (SELECT id, row_number() OVER (PARTITION BY chain ORDER BY id) AS seq FROM audit_events) o
 WHERE o.id = e.id;
ALTER TABLE audit_events ALTER COLUMN prev_hash DROP NOT NULL;
ALTER TABLE audit_events ALTER COLUMN hash DROP NOT NULL;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_sealed_whole
  CHECK ((seq IS NULL) = (hash IS NULL) AND (seq IS NULL) = (prev_hash IS NULL));
CREATE UNIQUE INDEX audit_events_chain_seq ON audit_events (chain, seq);
CREATE INDEX audit_events_pending ON audit_events (chain, id) WHERE seq IS NULL;
