-- Audit chains keyed with a secret kept outside the database, one chain per space plus one for
-- account and admin events, each with its head (event count and newest hash) anchored in
-- audit_heads. The head row is MACed with the same key, so deleting the newest events of a chain
-- (or rewriting the head to match) shows.
--
-- `chain` is the space id for events in a space, 'account' for account and admin events, and
-- 'legacy' for the events written before this migration (one unkeyed SHA-256 chain). The server
-- seals the legacy chain at its first start with the key: its head is written like any other, so
-- the old rows cannot be cut or rewritten after that without it showing.
ALTER TABLE audit_events ADD COLUMN chain text;
UPDATE audit_events SET chain = 'legacy';
ALTER TABLE audit_events ALTER COLUMN chain SET NOT NULL;
CREATE INDEX audit_events_chain ON audit_events (chain, id);

CREATE TABLE audit_heads (
  chain text PRIMARY KEY,
  event_count bigint NOT NULL,
  hash text NOT NULL,
  -- HMAC-SHA256 over (chain, event_count, hash) with the audit key
  mac text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
