-- WebDAV: SHA-1 kept beside SHA-256 (ownCloud checksums), locks looked up by path prefix,
-- one protocol session per app password and device.

ALTER TABLE versions ADD COLUMN sha1 text;

DROP INDEX locks_space_path;
CREATE INDEX locks_space_path ON locks (space_id, path text_pattern_ops);
CREATE INDEX locks_expires ON locks (expires_at);

CREATE UNIQUE INDEX protocol_sessions_device ON protocol_sessions (app_password_id, device);

-- Listings (REST pages and PROPFIND) read children in name order straight off this index.
CREATE INDEX nodes_children_by_name ON nodes (parent_id, (kind = 'folder') DESC, (lower(name) COLLATE "C"), (name COLLATE "C"), id)
  WHERE deleted_at IS NULL;
