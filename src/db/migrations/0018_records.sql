-- Records: typed metadata an organisation keeps about its folders (a book and its dataset, an app
-- build and its files). A space defines record types with a JSON Schema of scalar fields; each
-- record belongs to one folder and goes with it: trashed, it reads as archived; purged, it is gone.
CREATE TABLE record_types (
  id uuid PRIMARY KEY,
  space_id uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_-]{0,62}$'),
  title text NOT NULL,
  schema jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (space_id, name)
);

CREATE TABLE records (
  id uuid PRIMARY KEY,
  type_id uuid NOT NULL REFERENCES record_types (id) ON DELETE CASCADE,
  space_id uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  -- One record per folder: the folder is the record's files.
  folder_id uuid NOT NULL UNIQUE REFERENCES nodes (id) ON DELETE CASCADE,
  data jsonb NOT NULL,
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX records_type ON records (type_id, created_at);
