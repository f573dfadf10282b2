-- Sign-in hardening: failed sign-ins are counted per source (account and client IP, and client
-- IP alone) with growing delays, instead of locking the account for everyone.
CREATE TABLE login_failures (
  key text PRIMARY KEY,
  failures integer NOT NULL,
  last_failure_at timestamptz NOT NULL
);
CREATE INDEX login_failures_last ON login_failures (last_failure_at);

-- Account-wide failure counters of the old lockout are no longer read.
DELETE FROM rate_limits WHERE key LIKE 'login:account:%';

-- Signing a device out, and suspending an account, now revoke the app passwords they used, for
-- good. Apply that to what was signed out or suspended before.
UPDATE app_passwords SET revoked_at = now()
 WHERE revoked_at IS NULL
   AND (user_id IN (SELECT id FROM users WHERE status IN ('suspended', 'deleted'))
        OR id IN (SELECT app_password_id FROM protocol_sessions WHERE ended_at IS NOT NULL AND app_password_id IS NOT NULL));
UPDATE protocol_sessions SET ended_at = now()
 WHERE ended_at IS NULL
   AND app_password_id IN (SELECT id FROM app_passwords WHERE revoked_at IS NOT NULL);
