-- coffer_add_files of 0008, its folders' sizes and ETags updated by a probe of the primary key.
-- Joined on the set of ancestors alone, the planner read the whole nodes table (a hash join over
-- a scan) once a space held some thousands of nodes but too few for an index to look cheaper:
-- about 7 ms of every upload into a space of 10,000 files. The array of ids makes it an index
-- probe at every size. Nothing else changes.
CREATE OR REPLACE FUNCTION coffer_add_files(p_space uuid, p_files jsonb, p_now timestamptz)
RETURNS TABLE (ord int, outcome text, path text)
LANGUAGE plpgsql AS $$
DECLARE
  v_quota bigint;
  v_used bigint;
  v_checked jsonb;
  v_ok int[];
  v_total bigint;
BEGIN
  SELECT s.quota_bytes, s.used_bytes INTO v_quota, v_used FROM spaces s WHERE s.id = p_space FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT x.ord, 'folder-gone'::text, NULL::text FROM jsonb_to_recordset(p_files) AS x(ord int);
    RETURN;
  END IF;

  WITH RECURSIVE f AS (
    SELECT * FROM jsonb_to_recordset(p_files) AS x(ord int, folder_id uuid, name text, size bigint)
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
    SELECT f.ord, f.size,
           CASE
             WHEN dirs.live IS NOT TRUE THEN 'folder-gone'
             WHEN row_number() OVER (PARTITION BY f.folder_id, f.name ORDER BY f.ord) > 1
               OR EXISTS (SELECT 1 FROM nodes c WHERE c.parent_id = f.folder_id AND c.name = f.name AND c.deleted_at IS NULL LIMIT 1)
               THEN 'taken'
             ELSE 'ok'
           END AS outcome,
           CASE WHEN dirs.path = '/' THEN '/' || f.name ELSE dirs.path || '/' || f.name END AS path
      FROM f LEFT JOIN dirs ON dirs.target = f.folder_id
  )
  SELECT jsonb_agg(jsonb_build_object('ord', j.ord, 'outcome', j.outcome, 'path', j.path, 'size', j.size) ORDER BY j.ord) INTO v_checked FROM judged j;

  SELECT coalesce(sum((c->>'size')::bigint), 0), coalesce(array_agg((c->>'ord')::int), '{}') INTO v_total, v_ok
    FROM jsonb_array_elements(v_checked) c WHERE c->>'outcome' = 'ok';
  IF cardinality(v_ok) = 0 THEN
    RETURN QUERY SELECT (c->>'ord')::int, c->>'outcome', c->>'path' FROM jsonb_array_elements(v_checked) c;
    RETURN;
  END IF;
  IF v_quota IS NOT NULL AND v_used + v_total > v_quota THEN
    RETURN QUERY SELECT (c->>'ord')::int, CASE WHEN c->>'outcome' = 'ok' THEN 'quota' ELSE c->>'outcome' END, c->>'path'
      FROM jsonb_array_elements(v_checked) c;
    RETURN;
  END IF;

  INSERT INTO blobs (id, store_key, size, sha256, created_at)
  SELECT x.blob_id, x.store_key, x.size, x.sha256, p_now
    FROM jsonb_to_recordset(p_files) AS x(ord int, blob_id uuid, store_key text, size bigint, sha256 text)
   WHERE x.ord = ANY (v_ok);

  INSERT INTO nodes (id, space_id, parent_id, name, kind, current_version_id, size, mime, etag, created_by, created_at, modified_at, updated_at)
  SELECT x.node_id, p_space, x.folder_id, x.name, 'file', x.version_id, x.size, x.mime, x.etag, x.actor_id, p_now, x.modified_at, p_now
    FROM jsonb_to_recordset(p_files) AS x(ord int, node_id uuid, folder_id uuid, name text, version_id uuid, size bigint, mime text, etag text, actor_id uuid, modified_at timestamptz)
   WHERE x.ord = ANY (v_ok)
   ORDER BY x.ord;

  INSERT INTO versions (id, node_id, blob_id, size, sha256, sha1, mime, author_id, created_at)
  SELECT x.version_id, x.node_id, x.blob_id, x.size, x.sha256, x.sha1, x.mime, x.actor_id, p_now
    FROM jsonb_to_recordset(p_files) AS x(ord int, version_id uuid, node_id uuid, blob_id uuid, size bigint, sha256 text, sha1 text, mime text, actor_id uuid)
   WHERE x.ord = ANY (v_ok);

  UPDATE spaces SET used_bytes = used_bytes + v_total WHERE id = p_space;

  WITH RECURSIVE d AS (
    SELECT x.folder_id, sum(x.size) AS delta
      FROM jsonb_to_recordset(p_files) AS x(ord int, folder_id uuid, size bigint)
     WHERE x.ord = ANY (v_ok)
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
  SELECT p_now, x.actor_id, x.actor_name, x.ip, x.user_agent, 'file.upload', x.node_id, v_checked->x.ord->>'path', x.size, 'success', x.detail, p_space::text
    FROM jsonb_to_recordset(p_files) AS x(ord int, actor_id uuid, actor_name text, ip text, user_agent text, node_id uuid, size bigint, detail text)
   WHERE x.ord = ANY (v_ok)
   ORDER BY x.ord;

  RETURN QUERY SELECT (c->>'ord')::int, c->>'outcome', c->>'path' FROM jsonb_array_elements(v_checked) c;
END
$$;
