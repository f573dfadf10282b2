-- Coffer schema, version 1. One dialect for PGlite and PostgreSQL.

CREATE TABLE settings (
  key text PRIMARY KEY,
  value text NOT NULL
);

CREATE TABLE users (
  id uuid PRIMARY KEY,
  username text NOT NULL,
  email text,
  display_name text NOT NULL DEFAULT '',
  password_hash text,
  role text NOT NULL CHECK (role IN ('admin', 'user')),
  status text NOT NULL CHECK (status IN ('pending', 'active', 'suspended', 'deleted')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE UNIQUE INDEX users_email_key ON users (lower(email)) WHERE email IS NOT NULL;

CREATE TABLE app_passwords (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX app_passwords_user ON app_passwords (user_id);

CREATE TABLE refresh_tokens (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  family_id uuid NOT NULL,
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  revoked_at timestamptz,
  ip text,
  user_agent text
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

CREATE TABLE protocol_sessions (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  app_password_id uuid REFERENCES app_passwords (id) ON DELETE CASCADE,
  device text NOT NULL,
  ip text,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_activity_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz
);
CREATE INDEX protocol_sessions_user ON protocol_sessions (user_id);

-- Fixed-window counters shared by all servers (login throttling).
CREATE TABLE rate_limits (
  key text PRIMARY KEY,
  window_start timestamptz NOT NULL,
  count integer NOT NULL
);

CREATE TABLE spaces (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('personal', 'organization')),
  owner_user_id uuid REFERENCES users (id) ON DELETE CASCADE,
  name text NOT NULL,
  quota_bytes bigint,
  used_bytes bigint NOT NULL DEFAULT 0 CHECK (used_bytes >= 0),
  root_node_id uuid,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX spaces_personal_owner ON spaces (owner_user_id) WHERE kind = 'personal';

CREATE TABLE blobs (
  id uuid PRIMARY KEY,
  store_key text NOT NULL UNIQUE,
  size bigint NOT NULL,
  sha256 text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE nodes (
  id uuid PRIMARY KEY,
  space_id uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  parent_id uuid REFERENCES nodes (id) ON DELETE CASCADE,
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('file', 'folder')),
  current_version_id uuid,
  -- files: bytes of the current version; folders: total bytes of live files beneath
  size bigint NOT NULL DEFAULT 0,
  mime text,
  etag text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  modified_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  -- set only on the top node of a trashed subtree; its descendants are hidden through it
  deleted_at timestamptz,
  deleted_by uuid,
  trash_origin_path text,
  trash_origin_parent_id uuid
);
CREATE UNIQUE INDEX nodes_live_name ON nodes (parent_id, name) WHERE deleted_at IS NULL;
CREATE INDEX nodes_parent ON nodes (parent_id);
CREATE INDEX nodes_space_trash ON nodes (space_id, deleted_at) WHERE deleted_at IS NOT NULL;

ALTER TABLE spaces ADD CONSTRAINT spaces_root_fk FOREIGN KEY (root_node_id) REFERENCES nodes (id) DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE versions (
  id uuid PRIMARY KEY,
  node_id uuid NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
  blob_id uuid NOT NULL REFERENCES blobs (id),
  size bigint NOT NULL,
  sha256 text NOT NULL,
  mime text,
  author_id uuid,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX versions_node ON versions (node_id, created_at DESC);
CREATE INDEX versions_blob ON versions (blob_id);

ALTER TABLE nodes ADD CONSTRAINT nodes_current_version_fk FOREIGN KEY (current_version_id) REFERENCES versions (id) DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE properties (
  node_id uuid NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
  namespace text NOT NULL,
  name text NOT NULL,
  value text NOT NULL,
  PRIMARY KEY (node_id, namespace, name)
);

CREATE TABLE tags (
  node_id uuid NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
  tag text NOT NULL,
  PRIMARY KEY (node_id, tag)
);

CREATE TABLE locks (
  token text PRIMARY KEY,
  space_id uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  path text NOT NULL,
  depth text NOT NULL,
  scope text NOT NULL,
  owner_xml text,
  user_id uuid REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX locks_space_path ON locks (space_id, path);

CREATE TABLE audit_events (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  actor_id uuid,
  actor_name text,
  ip text,
  user_agent text,
  action text NOT NULL,
  node_id uuid,
  path text,
  bytes bigint,
  result text NOT NULL,
  detail text,
  prev_hash text NOT NULL,
  hash text NOT NULL
);
CREATE INDEX audit_events_actor ON audit_events (actor_id, id);
CREATE INDEX audit_events_action ON audit_events (action, id);
CREATE INDEX audit_events_at ON audit_events (at);
