-- Bytes made from a blob's bytes (previews): tied to the content they came from, so a copy or a
-- restored version shares them; they count toward no quota, and go when their blob goes
-- (VersionRepository.deleteUnreferencedBlobs deletes them with it and returns their keys).
-- A row with a failure and no store key records why none could be made.
CREATE TABLE derived_blobs (
  blob_id uuid NOT NULL REFERENCES blobs(id) ON DELETE CASCADE,
  kind text NOT NULL,
  store_key text UNIQUE,
  size bigint,
  mime text,
  width integer,
  height integer,
  failure text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (blob_id, kind),
  CHECK ((store_key IS NULL) = (failure IS NOT NULL))
);
