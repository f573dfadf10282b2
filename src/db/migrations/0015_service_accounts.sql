-- Service accounts: an organisation's applications. Each is scoped to some of the organisation's
-- spaces (optionally below a path, with a set of permissions) and signs in with API keys that are
-- shown once and stored as SHA-256 (high-entropy secrets: no slow hash needed). Revoking a key or
-- disabling the account is a row change, seen by every server on its next request.

CREATE TABLE service_accounts (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  disabled_at timestamptz
);
CREATE UNIQUE INDEX service_accounts_name ON service_accounts (org_id, lower(name));

CREATE TABLE service_account_scopes (
  service_account_id uuid NOT NULL REFERENCES service_accounts (id) ON DELETE CASCADE,
  space_id uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  -- The folder (from the top of the space) the account is kept below; '/' for the whole space.
  path_prefix text NOT NULL DEFAULT '/',
  permissions text[] NOT NULL CHECK (permissions <@ ARRAY['read', 'list', 'create', 'write', 'delete', 'purge']::text[] AND cardinality(permissions) > 0),
  PRIMARY KEY (service_account_id, space_id)
);
CREATE INDEX service_account_scopes_space ON service_account_scopes (space_id);

CREATE TABLE api_keys (
  id uuid PRIMARY KEY,
  service_account_id uuid NOT NULL REFERENCES service_accounts (id) ON DELETE CASCADE,
  name text NOT NULL DEFAULT '',
  token_hash text NOT NULL UNIQUE,
  -- The key's last characters, to tell keys apart in lists without storing the key.
  hint text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX api_keys_account ON api_keys (service_account_id);
