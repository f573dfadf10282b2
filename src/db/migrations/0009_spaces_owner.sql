-- Every request finds the caller's home through spaces.owner_user_id (the path walk, the lock
-- check), without naming the space's kind: the partial index of 0001 (kind = 'personal') cannot
-- answer that, and with many users the lookup was a scan of every space.
CREATE INDEX spaces_owner ON spaces (owner_user_id);
