-- Upload sessions: a file sent in several requests (tus, later Nextcloud chunking, direct-to-S3
-- multipart). The bytes are staged in the blob store under the key the blob will have; this row
-- is the only state, so any server can take the next append. The file appears only when the
-- session completes, through the same commit as a one-request upload.

CREATE TABLE upload_sessions (
  id uuid PRIMARY KEY,
  -- Who may append, complete or abort: 'user:<id>' or 'service:<account id>' (the actor kind and id).
  owner text NOT NULL,
  space_id uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  -- The target: a folder and a relative path below it (missing folders are created at completion).
  folder_id uuid NOT NULL,
  relative_path text NOT NULL,
  overwrite boolean NOT NULL DEFAULT false,
  -- Client's type and modification time, applied at completion.
  mime text,
  modified_at timestamptz,
  -- derived_from / override_write_once as asked at creation (they ride on the request elsewhere).
  options jsonb NOT NULL DEFAULT '{}',
  -- How the bytes arrive: through the server (tus) or straight to the store (presigned parts).
  protocol text NOT NULL CHECK (protocol IN ('tus', 'direct')),
  -- Declared length, and how many bytes are durably staged (the tus offset).
  length bigint NOT NULL CHECK (length >= 0),
  received bigint NOT NULL DEFAULT 0 CHECK (received >= 0 AND received <= length),
  -- The blob store's staging state (key, multipart upload id, parts, tail) as JSON.
  store_state jsonb NOT NULL,
  -- SHA-256 state after `received` bytes (hash-wasm's saved state, base64), so no append re-reads.
  hash_state text,
  -- Protocol metadata as the client sent it (tus Upload-Metadata), echoed back on HEAD.
  metadata jsonb NOT NULL DEFAULT '{}',
  status text NOT NULL DEFAULT 'receiving' CHECK (status IN ('receiving', 'completed')),
  -- The file the completed session made.
  node_id uuid,
  -- One append at a time across servers: a lease taken with the expected offset, renewed while
  -- the body streams, released by the commit of the new offset.
  lease text,
  lease_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- Moves on with every append: an upload expires after a quiet period, not a fixed time.
  expires_at timestamptz NOT NULL
);
CREATE INDEX upload_sessions_expiry ON upload_sessions (expires_at);
CREATE INDEX upload_sessions_owner ON upload_sessions (owner, created_at DESC);
