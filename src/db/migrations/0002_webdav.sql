-- WebDAV: SHA-1 kept beside SHA-256 (ownCloud checksums), locks looked up by path prefix,
-- one protocol session per app password and device.

ALTER TABLE versions ADD COLUMN sha1 text;

DROP INDEX locks_space_path;
CREATE INDEX locks_space_path ON locks (space_id, path text_pattern_ops);
CREATE INDEX locks_expires ON locks (expires_at);

CREATE UNIQUE INDEX protocol_sessions_device ON protocol_sessions (app_password_id, device);

-- Listings read a folder's children of one kind in name order straight off this index, a page
-- at a time from where the last one ended (PROPFIND of any size, REST pages).
CREATE INDEX nodes_children_by_name ON nodes (parent_id, kind, (lower(name) COLLATE "C"), (name COLLATE "C"), id)
  WHERE deleted_at IS NULL;
