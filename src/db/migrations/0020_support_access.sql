-- Owner-approved support access. A tenant organisation (a backup service's customer) keeps its
-- files from its own admins as from the instance's: admins there manage members and spaces, but
-- read files only in a support session one of its owners approved, for a limited time.

ALTER TABLE organisations ADD COLUMN tenant boolean NOT NULL DEFAULT false;

CREATE TABLE support_requests (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
  space_id uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  requested_by uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  reason text NOT NULL,
  -- Asked for, then as granted by the owner (who may give less, or more, than asked).
  access text NOT NULL CHECK (access IN ('read', 'write')),
  minutes integer NOT NULL CHECK (minutes BETWEEN 5 AND 1440),
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'approved', 'refused', 'cancelled', 'active', 'ended', 'revoked')),
  decided_by uuid REFERENCES users (id) ON DELETE SET NULL,
  decided_at timestamptz,
  decision_note text,
  started_at timestamptz,
  ends_at timestamptz,
  ended_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX support_requests_org ON support_requests (org_id, created_at DESC);
CREATE INDEX support_requests_requester ON support_requests (requested_by, created_at DESC);
-- The access check looks a live session up by space and person.
CREATE INDEX support_requests_live ON support_requests (space_id, requested_by) WHERE status = 'active';

-- As in 0014, but a tenant's admins hold no role on its spaces by being admins.
CREATE OR REPLACE FUNCTION coffer_space_role(p_space uuid, p_user uuid) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT CASE
           WHEN om.role = 'owner' OR (om.role = 'admin' AND NOT o.tenant) THEN 'manager'
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

-- A person's live support session on a space: 'read' or 'write', or null. Only while the
-- organisation is active; an expired session is no session, whatever its row says.
CREATE FUNCTION coffer_support_access(p_space uuid, p_user uuid) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT r.access || ':' || r.id
    FROM support_requests r
    JOIN organisations o ON o.id = r.org_id AND o.status = 'active'
   WHERE r.space_id = p_space AND r.requested_by = p_user AND r.status = 'active' AND r.ends_at > now()
   ORDER BY r.ends_at DESC
   LIMIT 1
$$;
