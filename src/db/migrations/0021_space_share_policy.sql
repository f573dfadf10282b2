-- Whether what lies in a space may be shared from it: 'all' (with people and by public link, as
-- before), 'people' (with people only) or 'off'. Checked by the access check itself, so a policy
-- made stricter stops existing shares or links at their next request, through every door.
ALTER TABLE spaces ADD COLUMN share_policy text NOT NULL DEFAULT 'all' CHECK (share_policy IN ('all', 'people', 'off'));
