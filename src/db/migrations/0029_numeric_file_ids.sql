-- Numeric file ids and per-user favourites, for the ownCloud and Nextcloud apps (issue 14).
--
-- The apps keep a file's id as a 64-bit integer (oc:fileid; Android's and iOS's local databases,
-- the desktop client's "numeric file id" taken from the digits that start oc:id): Coffer's ids
-- are UUIDs, so every node gets a number too, for its whole life (a rename or move keeps it; a
-- copy is a new node with a new number). An identity column: existing rows are numbered when it
-- is added, new rows take the next value of its sequence inside their INSERT (no round trip of
-- their own, whichever statement inserts them, coffer_add_files included), and ALWAYS refuses a
-- number written by hand, so a row copied wholesale cannot duplicate one.
ALTER TABLE nodes ADD COLUMN file_id bigint GENERATED ALWAYS AS IDENTITY;
CREATE UNIQUE INDEX nodes_file_id ON nodes (file_id);

-- A user's favourites (oc:favorite, Nextcloud's star): each user's own, on any node they can
-- reach (their own, shared with them, in an organisation's space).
CREATE TABLE favorites (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  node_id uuid NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, node_id)
);
-- Deleting a node (trash purge) finds its favourites by node.
CREATE INDEX favorites_node ON favorites (node_id);

-- Before, a PROPPATCH of oc:favorite was kept as a dead property of the node: one star for
-- everyone who reached it. Each such star becomes a favourite of the owner of the personal space
-- it is in (who set it, unless an editor they shared it with did), and the dead rows go, their
-- bytes leaving the space's usage as a PROPPATCH removing them would have. Stars in
-- organisations' spaces cannot be given to anyone in particular and are dropped.
INSERT INTO favorites (user_id, node_id)
SELECT s.owner_user_id, p.node_id
  FROM properties p JOIN nodes n ON n.id = p.node_id JOIN spaces s ON s.id = n.space_id
 WHERE p.namespace = 'http://owncloud.org/ns' AND p.name = 'favorite'
   AND lower(trim(p.value)) IN ('1', 'true') AND s.kind = 'personal' AND s.owner_user_id IS NOT NULL
ON CONFLICT DO NOTHING;

WITH gone AS (
  DELETE FROM properties p WHERE p.namespace = 'http://owncloud.org/ns' AND p.name = 'favorite'
  RETURNING p.node_id, p.size
),
per_space AS (
  SELECT n.space_id, sum(g.size) AS bytes FROM gone g JOIN nodes n ON n.id = g.node_id GROUP BY n.space_id
)
UPDATE spaces s SET used_bytes = greatest(0, s.used_bytes - per_space.bytes) FROM per_space WHERE per_space.space_id = s.id;

-- coffer_add_files of 0011, unchanged but for its last statement: a new file's row (outcome ok)
-- comes back as a replaced one's does, so the caller learns the file id the INSERT gave it.
CREATE OR REPLACE FUNCTION coffer_add_files(p_space uuid, p_files jsonb, p_now timestamptz)
RETURNS TABLE (ord int, outcome text, path text, node jsonb)
LANGUAGE plpgsql AS $$
DECLARE
  v_quota bigint;
  v_used bigint;
  v_checked jsonb;
  v_ok int[];
  v_replaced int[];
  v_total bigint;
BEGIN
  SELECT s.quota_bytes, s.used_bytes INTO v_quota, v_used FROM spaces s WHERE s.id = p_space FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT x.ord, 'folder-gone'::text, NULL::text, NULL::jsonb FROM jsonb_to_recordset(p_files) AS x(ord int);
    RETURN;
  END IF;

  WITH RECURSIVE f AS (
    SELECT * FROM jsonb_to_recordset(p_files) AS x(ord int, folder_id uuid, name text, size bigint, replace boolean)
  ),
  up AS (
    SELECT d.folder_id AS target, n.id, n.parent_id, n.name, n.kind, n.space_id, n.deleted_at, 0 AS depth
      FROM (SELECT DISTINCT f.folder_id FROM f) d JOIN nodes n ON n.id = d.folder_id
    UNION ALL
    SELECT up.target, n.id, n.parent_id, n.name, n.kind, n.space_id, n.deleted_at, up.depth + 1
      FROM up CROSS JOIN LATERAL (SELECT * FROM nodes p WHERE p.id = up.parent_id LIMIT 1) n
  ),
  dirs AS (
    SELECT up.target,
           bool_and(up.deleted_at IS NULL AND up.space_id = p_space)
             AND (array_agg(up.kind ORDER BY up.depth))[1] = 'folder' AS live,
           '/' || coalesce(string_agg(up.name, '/' ORDER BY up.depth DESC) FILTER (WHERE up.parent_id IS NOT NULL), '') AS path
      FROM up GROUP BY up.target
  ),
  judged AS (
    SELECT f.ord, f.size, ex.id AS existing_id, ex.size AS existing_size,
           CASE
             WHEN dirs.live IS NOT TRUE THEN 'folder-gone'
             WHEN row_number() OVER (PARTITION BY f.folder_id, f.name ORDER BY f.ord) > 1 THEN 'taken'
             WHEN ex.id IS NULL THEN 'ok'
             WHEN f.replace IS TRUE AND ex.kind = 'file' THEN 'replaced'
             ELSE 'taken'
           END AS outcome,
           CASE WHEN dirs.path = '/' THEN '/' || f.name ELSE dirs.path || '/' || f.name END AS path
      FROM f LEFT JOIN dirs ON dirs.target = f.folder_id
      LEFT JOIN LATERAL (
        SELECT c.id, c.kind, c.size FROM nodes c WHERE c.parent_id = f.folder_id AND c.name = f.name AND c.deleted_at IS NULL LIMIT 1
      ) ex ON true
  )
  SELECT jsonb_agg(jsonb_build_object('ord', j.ord, 'outcome', j.outcome, 'path', j.path, 'size', j.size,
                                      'existing_id', j.existing_id, 'existing_size', j.existing_size) ORDER BY j.ord)
    INTO v_checked FROM judged j;

  SELECT coalesce(sum((c->>'size')::bigint), 0),
         coalesce(array_agg((c->>'ord')::int) FILTER (WHERE c->>'outcome' = 'ok'), '{}'),
         coalesce(array_agg((c->>'ord')::int) FILTER (WHERE c->>'outcome' = 'replaced'), '{}')
    INTO v_total, v_ok, v_replaced
    FROM jsonb_array_elements(v_checked) c WHERE c->>'outcome' IN ('ok', 'replaced');
  IF cardinality(v_ok) + cardinality(v_replaced) = 0 THEN
    RETURN QUERY SELECT (c->>'ord')::int, c->>'outcome', c->>'path', NULL::jsonb FROM jsonb_array_elements(v_checked) c;
    RETURN;
  END IF;
  -- A new version counts in full, like a new file: the old ones are kept (and counted) until
  -- they are deleted.
  IF v_quota IS NOT NULL AND v_used + v_total > v_quota THEN
    RETURN QUERY SELECT (c->>'ord')::int, CASE WHEN c->>'outcome' IN ('ok', 'replaced') THEN 'quota' ELSE c->>'outcome' END, c->>'path', NULL::jsonb
      FROM jsonb_array_elements(v_checked) c;
    RETURN;
  END IF;

  INSERT INTO blobs (id, store_key, size, sha256, created_at)
  SELECT x.blob_id, x.store_key, x.size, x.sha256, p_now
    FROM jsonb_to_recordset(p_files) AS x(ord int, blob_id uuid, store_key text, size bigint, sha256 text)
   WHERE x.ord = ANY (v_ok) OR x.ord = ANY (v_replaced);

  INSERT INTO nodes (id, space_id, parent_id, name, kind, current_version_id, size, mime, etag, created_by, created_at, modified_at, updated_at)
  SELECT x.node_id, p_space, x.folder_id, x.name, 'file', x.version_id, x.size, x.mime, x.etag, x.actor_id, p_now, x.modified_at, p_now
    FROM jsonb_to_recordset(p_files) AS x(ord int, node_id uuid, folder_id uuid, name text, version_id uuid, size bigint, mime text, etag text, actor_id uuid, modified_at timestamptz)
   WHERE x.ord = ANY (v_ok)
   ORDER BY x.ord;

  INSERT INTO versions (id, node_id, blob_id, size, sha256, sha1, mime, author_id, created_at)
  SELECT x.version_id, CASE WHEN x.ord = ANY (v_ok) THEN x.node_id ELSE (v_checked->x.ord->>'existing_id')::uuid END,
         x.blob_id, x.size, x.sha256, x.sha1, x.mime, x.actor_id, p_now
    FROM jsonb_to_recordset(p_files) AS x(ord int, version_id uuid, node_id uuid, blob_id uuid, size bigint, sha256 text, sha1 text, mime text, actor_id uuid)
   WHERE x.ord = ANY (v_ok) OR x.ord = ANY (v_replaced);

  -- The replaced files' rows point at their new versions (ids in an array: a key probe each).
  WITH r AS (
    SELECT (v_checked->x.ord->>'existing_id')::uuid AS id, x.version_id, x.size, x.mime, x.etag, x.modified_at
      FROM jsonb_to_recordset(p_files) AS x(ord int, version_id uuid, size bigint, mime text, etag text, modified_at timestamptz)
     WHERE x.ord = ANY (v_replaced)
  )
  UPDATE nodes SET current_version_id = r.version_id, size = r.size, mime = r.mime, etag = r.etag,
                   modified_at = r.modified_at, updated_at = p_now
    FROM r WHERE nodes.id = r.id AND nodes.id = ANY (array(SELECT r.id FROM r));

  UPDATE spaces SET used_bytes = used_bytes + v_total WHERE id = p_space;

  WITH RECURSIVE d AS (
    SELECT x.folder_id, sum(x.size - coalesce((v_checked->x.ord->>'existing_size')::bigint, 0)) AS delta
      FROM jsonb_to_recordset(p_files) AS x(ord int, folder_id uuid, size bigint)
     WHERE x.ord = ANY (v_ok) OR x.ord = ANY (v_replaced)
     GROUP BY x.folder_id
  ),
  up AS (
    SELECT n.id, n.parent_id, d.delta FROM d JOIN nodes n ON n.id = d.folder_id
    UNION ALL
    SELECT n.id, n.parent_id, up.delta
      FROM up CROSS JOIN LATERAL (SELECT p.id, p.parent_id FROM nodes p WHERE p.id = up.parent_id LIMIT 1) n
  ),
  moved AS (SELECT up.id, sum(up.delta) AS delta FROM up GROUP BY up.id)
  UPDATE nodes SET size = nodes.size + moved.delta, etag = replace(gen_random_uuid()::text, '-', ''), updated_at = now()
    FROM moved WHERE nodes.id = moved.id AND nodes.id = ANY (array(SELECT moved.id FROM moved));

  INSERT INTO audit_events (at, actor_id, actor_name, ip, user_agent, action, node_id, path, bytes, result, detail, chain)
  SELECT p_now, x.actor_id, x.actor_name, x.ip, x.user_agent,
         CASE WHEN x.ord = ANY (v_ok) THEN 'file.upload' ELSE 'file.overwrite' END,
         CASE WHEN x.ord = ANY (v_ok) THEN x.node_id ELSE (v_checked->x.ord->>'existing_id')::uuid END,
         v_checked->x.ord->>'path', x.size, 'success', x.detail, p_space::text
    FROM jsonb_to_recordset(p_files) AS x(ord int, actor_id uuid, actor_name text, ip text, user_agent text, node_id uuid, size bigint, detail text)
   WHERE x.ord = ANY (v_ok) OR x.ord = ANY (v_replaced)
   ORDER BY x.ord;

  RETURN QUERY SELECT (c->>'ord')::int, c->>'outcome', c->>'path',
                      CASE c->>'outcome'
                        WHEN 'replaced' THEN (SELECT to_jsonb(n.*) FROM nodes n WHERE n.id = (c->>'existing_id')::uuid)
                        WHEN 'ok' THEN (SELECT to_jsonb(n.*) FROM nodes n WHERE n.id = (p_files->((c->>'ord')::int)->>'node_id')::uuid)
                      END
    FROM jsonb_array_elements(v_checked) c;
END
$$;

-- CREATE OR REPLACE drops the function's settings: 0013's generic plans again.
ALTER FUNCTION coffer_add_files(uuid, jsonb, timestamptz) SET plan_cache_mode = force_generic_plan;
