-- Organisations and their spaces (shared drives). A member's access to an organisation's space is
-- a row like any other source of access: their org role, a space role of their own or of a group
-- they are in. The access check reads it in the same query that finds the node, so removing a
-- member is seen by every server on its next request.

CREATE TABLE organisations (
  id uuid PRIMARY KEY,
  -- The handle in URLs and the CLI: lower case letters, digits and dashes.
  slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- Suspended: every member, key and link loses access; the data is kept.
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  -- The longest a signed URL issued for this organisation's files may live.
  signed_url_max_seconds integer NOT NULL DEFAULT 86400 CHECK (signed_url_max_seconds BETWEEN 60 AND 604800),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE org_members (
  org_id uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- owner and admin manage the organisation and act as managers of every space; a guest reads only.
  role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'guest')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, user_id)
);
CREATE INDEX org_members_user ON org_members (user_id);

CREATE TABLE org_groups (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX org_groups_name ON org_groups (org_id, lower(name));

CREATE TABLE org_group_members (
  group_id uuid NOT NULL REFERENCES org_groups (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  PRIMARY KEY (group_id, user_id)
);
CREATE INDEX org_group_members_user ON org_group_members (user_id);

ALTER TABLE spaces ADD COLUMN org_id uuid REFERENCES organisations (id) ON DELETE CASCADE;
-- Days a trashed item is kept: null takes the instance's default, 0 keeps it until emptied by hand.
ALTER TABLE spaces ADD COLUMN trash_retention_days integer CHECK (trash_retention_days BETWEEN 0 AND 36500);
ALTER TABLE spaces ADD CONSTRAINT spaces_org_kind CHECK ((kind = 'organization') = (org_id IS NOT NULL));
CREATE UNIQUE INDEX spaces_org_name ON spaces (org_id, lower(name)) WHERE org_id IS NOT NULL;

CREATE TABLE space_members (
  id uuid PRIMARY KEY,
  space_id uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  user_id uuid REFERENCES users (id) ON DELETE CASCADE,
  group_id uuid REFERENCES org_groups (id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('viewer', 'editor', 'manager')),
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((user_id IS NULL) <> (group_id IS NULL))
);
CREATE UNIQUE INDEX space_members_user ON space_members (space_id, user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX space_members_group ON space_members (space_id, group_id) WHERE group_id IS NOT NULL;
CREATE INDEX space_members_by_user ON space_members (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX space_members_by_group ON space_members (group_id) WHERE group_id IS NOT NULL;

-- The role a user holds on an organisation's space, or null: none while the organisation is
-- suspended or the user is not (or no longer) one of its members, whatever rows remain. Org
-- owners and admins manage every space; a guest reads at most; anyone else holds the strongest
-- of their own space role and their groups'.
CREATE FUNCTION coffer_space_role(p_space uuid, p_user uuid) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT CASE
           WHEN om.role IN ('owner', 'admin') THEN 'manager'
           WHEN best.rank IS NULL THEN NULL
           WHEN om.role = 'guest' THEN 'viewer'
           WHEN best.rank = 3 THEN 'manager'
           WHEN best.rank = 2 THEN 'editor'
           ELSE 'viewer'
         END
    FROM spaces s
    JOIN organisations o ON o.id = s.org_id AND o.status = 'active'
    JOIN org_members om ON om.org_id = s.org_id AND om.user_id = p_user
    LEFT JOIN LATERAL (
      SELECT max(CASE sm.role WHEN 'manager' THEN 3 WHEN 'editor' THEN 2 ELSE 1 END) AS rank
        FROM space_members sm
       WHERE sm.space_id = s.id
         AND (sm.user_id = p_user
              OR sm.group_id IN (SELECT gm.group_id FROM org_group_members gm WHERE gm.user_id = p_user))
    ) best ON true
   WHERE s.id = p_space
$$;
