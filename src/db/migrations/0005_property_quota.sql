-- Dead properties count against the space's quota like file bytes: each row's size is the UTF-8
-- bytes of its namespace, name and value, kept by the database itself.
ALTER TABLE properties ADD COLUMN size bigint GENERATED ALWAYS AS (octet_length(namespace) + octet_length(name) + octet_length(value)) STORED;

-- Properties stored before now start counting (a space may end up over its quota: reads and
-- deletes still work there, writes are refused until it is under again).
UPDATE spaces s
   SET used_bytes = used_bytes + p.bytes
  FROM (SELECT n.space_id, sum(pr.size) AS bytes
          FROM properties pr JOIN nodes n ON n.id = pr.node_id
         GROUP BY n.space_id) p
 WHERE p.space_id = s.id;
