-- Signed URLs carry everything they allow in their own (HMAC-signed) query: nothing is stored to
-- issue one. A single-use URL leaves its nonce here when used, so a second use fails on every
-- server; rows past their URL's expiry are removed by the maintenance task.
CREATE TABLE signed_url_uses (
  nonce text PRIMARY KEY,
  used_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX signed_url_uses_expiry ON signed_url_uses (expires_at);
