-- A rename or a move within one space committed in one statement. The row of the node changes
-- whatever the size of its subtree; what the function adds is every check of the server's
-- transaction done under the space lock without a round trip between them: the node and the
-- target folder are still live where the request found them, the folder is not the node or below
-- it, the subtree still fits under the depth limit, the name is free. Then the sizes and ETags of
-- both folders' ancestors move, and the audit event is written (pending, see 0007).
--
-- Outcomes:
--   ok         moved; path and from_path are where it is and was, node is its row
--   unchanged  the same folder and name: nothing to do
--   gone       the node is not a live node of the space below its root
--   folder-gone the target is not a live folder of the space
--   cycle      the target folder is the node or lies below it
--   too-deep   the subtree would go below the depth limit
--   taken      another live item has the name
-- Anything but ok and unchanged commits nothing: the server takes its transactional path, which
-- knows every rule (replace, free names, exact errors).
--
-- p_parent null keeps the node in whichever folder holds it when the lock is taken (a rename).
-- p_detail is the rest of the audit event's detail as JSON text ('{}' or '{"link":…}'); the event
-- reads {"from":<old path>,…} exactly as the server's JSON.stringify would write it, so searches
-- on its text find both.
CREATE FUNCTION coffer_move_node(
  p_space uuid, p_node uuid, p_parent uuid, p_name text, p_max_depth int, p_now timestamptz,
  p_actor_id uuid, p_actor_name text, p_ip text, p_user_agent text, p_detail text
)
RETURNS TABLE (outcome text, path text, from_path text, node jsonb)
LANGUAGE plpgsql AS $$
DECLARE
  v_node nodes%ROWTYPE;
  v_parent uuid;
  v_live boolean;
  v_from text;
  v_depth int;
  v_dest_live boolean;
  v_dest_kind text;
  v_dest_path text;
  v_dest_depth int;
  v_cycle boolean;
  v_height int;
  v_same boolean;
  v_path text;
  v_moved jsonb;
BEGIN
  PERFORM 1 FROM spaces s WHERE s.id = p_space FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'gone'::text, NULL::text, NULL::text, NULL::jsonb;
    RETURN;
  END IF;

  SELECT * INTO v_node FROM nodes n WHERE n.id = p_node;
  IF NOT FOUND OR v_node.space_id <> p_space OR v_node.parent_id IS NULL OR v_node.deleted_at IS NOT NULL THEN
    RETURN QUERY SELECT 'gone'::text, NULL::text, NULL::text, NULL::jsonb;
    RETURN;
  END IF;

  WITH RECURSIVE up AS (
    SELECT n.id, n.parent_id, n.name, n.deleted_at, 0 AS depth FROM nodes n WHERE n.id = p_node
    UNION ALL
    SELECT p.id, p.parent_id, p.name, p.deleted_at, up.depth + 1
      FROM up CROSS JOIN LATERAL (SELECT * FROM nodes x WHERE x.id = up.parent_id LIMIT 1) p
  )
  SELECT bool_and(up.deleted_at IS NULL),
         '/' || string_agg(up.name, '/' ORDER BY up.depth DESC) FILTER (WHERE up.parent_id IS NOT NULL),
         count(*)::int - 1
    INTO v_live, v_from, v_depth
    FROM up;
  IF NOT v_live THEN
    RETURN QUERY SELECT 'gone'::text, NULL::text, NULL::text, NULL::jsonb;
    RETURN;
  END IF;

  v_parent := coalesce(p_parent, v_node.parent_id);
  WITH RECURSIVE up AS (
    SELECT n.id, n.parent_id, n.name, n.kind, n.space_id, n.deleted_at, 0 AS depth FROM nodes n WHERE n.id = v_parent
    UNION ALL
    SELECT p.id, p.parent_id, p.name, p.kind, p.space_id, p.deleted_at, up.depth + 1
      FROM up CROSS JOIN LATERAL (SELECT * FROM nodes x WHERE x.id = up.parent_id LIMIT 1) p
  )
  SELECT bool_and(up.deleted_at IS NULL AND up.space_id = p_space),
         (array_agg(up.kind ORDER BY up.depth))[1],
         '/' || coalesce(string_agg(up.name, '/' ORDER BY up.depth DESC) FILTER (WHERE up.parent_id IS NOT NULL), ''),
         count(*)::int - 1,
         bool_or(up.id = p_node)
    INTO v_dest_live, v_dest_kind, v_dest_path, v_dest_depth, v_cycle
    FROM up;
  IF v_dest_live IS NOT TRUE OR v_dest_kind <> 'folder' THEN
    RETURN QUERY SELECT 'folder-gone'::text, NULL::text, v_from, NULL::jsonb;
    RETURN;
  END IF;
  IF v_cycle THEN
    RETURN QUERY SELECT 'cycle'::text, NULL::text, v_from, NULL::jsonb;
    RETURN;
  END IF;

  v_same := v_node.parent_id = v_parent;
  v_path := CASE WHEN v_dest_path = '/' THEN '/' || p_name ELSE v_dest_path || '/' || p_name END;
  IF v_same AND v_node.name = p_name THEN
    RETURN QUERY SELECT 'unchanged'::text, v_path, v_from, to_jsonb(v_node);
    RETURN;
  END IF;

  -- Only a move that goes deeper can take the subtree past the limit; it is measured one level
  -- past the room left, which is all it takes to know it does not fit.
  IF v_dest_depth + 1 > v_depth THEN
    IF v_dest_depth + 1 > p_max_depth THEN
      RETURN QUERY SELECT 'too-deep'::text, v_path, v_from, NULL::jsonb;
      RETURN;
    END IF;
    WITH RECURSIVE down(id, depth) AS (
      SELECT p_node, 0
      UNION ALL
      SELECT c.id, d.depth + 1
        FROM down d CROSS JOIN LATERAL (SELECT x.id FROM nodes x WHERE x.parent_id = d.id AND x.deleted_at IS NULL OFFSET 0) c
       WHERE d.depth < p_max_depth - v_dest_depth
    )
    SELECT max(down.depth) INTO v_height FROM down;
    IF v_height > p_max_depth - v_dest_depth - 1 THEN
      RETURN QUERY SELECT 'too-deep'::text, v_path, v_from, NULL::jsonb;
      RETURN;
    END IF;
  END IF;

  IF EXISTS (SELECT 1 FROM nodes c WHERE c.parent_id = v_parent AND c.name = p_name AND c.deleted_at IS NULL AND c.id <> p_node LIMIT 1) THEN
    RETURN QUERY SELECT 'taken'::text, v_path, v_from, NULL::jsonb;
    RETURN;
  END IF;

  UPDATE nodes n SET parent_id = v_parent, name = p_name, updated_at = p_now WHERE n.id = p_node
  RETURNING to_jsonb(n.*) INTO v_moved;

  -- Both folders' ancestors in one pass: the old chain loses the size, the new one gains it, a
  -- common ancestor nets zero; every one of them gets a new ETag.
  WITH RECURSIVE d(folder_id, delta) AS (
    SELECT v_node.parent_id, CASE WHEN v_same THEN 0 ELSE -v_node.size END
    UNION ALL
    SELECT v_parent, v_node.size WHERE NOT v_same
  ),
  up AS (
    SELECT n.id, n.parent_id, d.delta FROM d JOIN nodes n ON n.id = d.folder_id
    UNION ALL
    SELECT p.id, p.parent_id, up.delta
      FROM up CROSS JOIN LATERAL (SELECT x.id, x.parent_id FROM nodes x WHERE x.id = up.parent_id LIMIT 1) p
  ),
  moved AS (SELECT up.id, sum(up.delta) AS delta FROM up GROUP BY up.id)
  -- The array makes it a probe of the primary key: joined on moved alone, a table of some
  -- thousands of rows is read whole (a hash join over a scan of every node).
  UPDATE nodes SET size = nodes.size + moved.delta, etag = replace(gen_random_uuid()::text, '-', ''), updated_at = now()
    FROM moved WHERE nodes.id = moved.id AND nodes.id = ANY (array(SELECT moved.id FROM moved));

  INSERT INTO audit_events (at, actor_id, actor_name, ip, user_agent, action, node_id, path, bytes, result, detail, chain)
  VALUES (p_now, p_actor_id, p_actor_name, p_ip, p_user_agent,
          CASE WHEN v_same THEN 'node.rename' ELSE 'node.move' END, p_node, v_path, NULL, 'success',
          '{"from":' || to_json(v_from)::text || CASE WHEN p_detail = '{}' THEN '}' ELSE ',' || substr(p_detail, 2) END,
          p_space::text);

  RETURN QUERY SELECT 'ok'::text, v_path, v_from, v_moved;
END
$$;
