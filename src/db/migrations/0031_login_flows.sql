-- Nextcloud's login flows (v2, polled; and the older one that ends in an nc:// redirect): a
-- device asks to be let in, its owner grants it in the web app, and the device gets an app
-- password of its own, named after it. Kept in the database so any server may take each step.
--
-- Both tokens are high-entropy secrets and stored as SHA-256 only. A polled flow's app password
-- is made when the flow starts, so the grant never sees it: it is kept sealed (AES-256-GCM)
-- under a key derived from the poll token, which only the device holds, and its hash becomes
-- the app password's when the owner grants. The row is deleted when the device collects it.
CREATE TABLE login_flows (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('poll', 'redirect')),
  login_token_hash text NOT NULL UNIQUE,
  poll_token_hash text UNIQUE,
  client_name text NOT NULL,
  -- The address the device reached the server at (what it is told to use afterwards).
  server text NOT NULL,
  sealed_password text,
  password_hash text,
  ip text,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  granted_at timestamptz,
  user_id uuid REFERENCES users(id) ON DELETE CASCADE,
  login_name text,
  app_password_id uuid REFERENCES app_passwords(id) ON DELETE SET NULL,
  CHECK (kind = 'redirect' OR (poll_token_hash IS NOT NULL AND sealed_password IS NOT NULL AND password_hash IS NOT NULL))
);
CREATE INDEX login_flows_expires ON login_flows (expires_at);
