-- Sharing: access to a node granted to another user (shares) or to whoever holds a token (links).
-- Each row is a source of access the core's access service reads in the same query that finds
-- the node; revoking is deleting the row, seen by every server on its next request.

CREATE TABLE shares (
  id uuid PRIMARY KEY,
  node_id uuid NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
  space_id uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  recipient_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('viewer', 'editor', 'manager')),
  -- The name the recipient sees it under in "Shared with me", unique among their shares.
  mount_name text NOT NULL,
  expires_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (node_id, recipient_id),
  UNIQUE (recipient_id, mount_name)
);
CREATE INDEX shares_space ON shares (space_id);

CREATE TABLE links (
  id uuid PRIMARY KEY,
  token text NOT NULL UNIQUE,
  node_id uuid NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
  space_id uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  name text NOT NULL DEFAULT '',
  permission text NOT NULL CHECK (permission IN ('read', 'upload', 'read-write')),
  password_hash text,
  expires_at timestamptz,
  max_downloads integer,
  downloads integer NOT NULL DEFAULT 0,
  max_views integer,
  views integer NOT NULL DEFAULT 0,
  -- A revoked link is kept (without its password) so its visitors are told it was revoked.
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (max_downloads IS NULL OR max_downloads > 0),
  CHECK (max_views IS NULL OR max_views > 0),
  CHECK (max_downloads IS NULL OR downloads <= max_downloads),
  CHECK (max_views IS NULL OR views <= max_views)
);
CREATE INDEX links_node ON links (node_id);
CREATE INDEX links_space ON links (space_id);
