-- Rules on writes, enforced in the core's write path whatever the door: a space's path layout
-- (named segments with allowed values), an option to prefix stored file names with the time, and
-- policies set on folders and inherited below them (allowed extensions and sniffed types, a
-- maximum file size, write-once). A space without any costs its writes nothing: the flags come
-- with the space row every write reads anyway.

ALTER TABLE spaces ADD COLUMN layout jsonb;
ALTER TABLE spaces ADD COLUMN timestamp_names boolean NOT NULL DEFAULT false;
-- Set when a folder of the space gets a policy; then writes look their folder's policies up.
ALTER TABLE spaces ADD COLUMN has_policies boolean NOT NULL DEFAULT false;

CREATE TABLE folder_policies (
  node_id uuid PRIMARY KEY REFERENCES nodes (id) ON DELETE CASCADE,
  space_id uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  -- Lower-case, without the dot ("zip", "pdf"); null: any.
  allowed_extensions text[],
  -- Media types the content must sniff as ("application/zip", "image/*"); null: any.
  allowed_types text[],
  max_file_bytes bigint CHECK (max_file_bytes IS NULL OR max_file_bytes >= 0),
  -- Files can be added here, never overwritten, renamed, moved out or deleted (but by an org admin, audited).
  write_once boolean NOT NULL DEFAULT false,
  updated_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX folder_policies_space ON folder_policies (space_id);
