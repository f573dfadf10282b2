-- Space templates (a layout plus folder policies, kept as data on the space they shaped), files
-- derived from originals, and folders emptied of old items by a job: what a backup service's
-- device folders need (originals/ write-once, derived/ linked to originals, tmp/ and deleted/
-- emptied after a set age), made from data so that other shapes can be made the same way.

-- The template a space was made with, as it was then: later edits of a template change no space.
-- Apart from the space's row, which every access check reads and which stays narrow.
CREATE TABLE space_templates (
  space_id uuid PRIMARY KEY REFERENCES spaces (id) ON DELETE CASCADE,
  name text NOT NULL,
  definition jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Files written here are made from an original below this folder, and say which.
ALTER TABLE folder_policies ADD COLUMN originals_id uuid REFERENCES nodes (id) ON DELETE SET NULL;
CREATE INDEX folder_policies_originals ON folder_policies (originals_id) WHERE originals_id IS NOT NULL;
-- Items below this folder unchanged for longer are deleted for good by the maintenance job.
ALTER TABLE folder_policies ADD COLUMN max_age_hours integer CHECK (max_age_hours IS NULL OR max_age_hours > 0);
CREATE INDEX folder_policies_expiring ON folder_policies (space_id) WHERE max_age_hours IS NOT NULL;

-- A derived file (a preview, a transcode, an extract) and the original it was made from.
CREATE TABLE derived_files (
  node_id uuid PRIMARY KEY REFERENCES nodes (id) ON DELETE CASCADE,
  original_id uuid NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
  space_id uuid NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX derived_files_original ON derived_files (original_id);
