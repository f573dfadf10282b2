-- coffer_add_files (0011) runs a dozen statements whose parameters are the batch itself: arrays
-- and JSON whose contents no statistics describe. PostgreSQL planned some of them afresh at every
-- call (a custom plan looked cheaper than the generic one by its estimate of the arrays' sizes),
-- which cost more than running them: pgbench, one file in a rolled-back transaction, 1.10–2.24 ms
-- a call, 0.82 ms with generic plans; four files 1.41–1.59 ms, 1.09–1.10 ms. The generic plans
-- are the same index probes; they are made again whenever the tables' statistics change.
ALTER FUNCTION coffer_add_files(uuid, jsonb, timestamptz) SET plan_cache_mode = force_generic_plan;
