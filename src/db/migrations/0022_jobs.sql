-- The durable job queue: work that runs outside a request (previews, text extraction, trash
-- purge, blob collection…). A job is enqueued in the transaction of the change that needs it,
-- taken by exactly one worker (FOR UPDATE SKIP LOCKED), held under a lease the worker renews, and
-- retried with backoff; a worker that dies leaves its job to be taken again when the lease ends.
CREATE TABLE jobs (
  id bigserial PRIMARY KEY,
  kind text NOT NULL,
  -- At most one queued or running job per (kind, key): enqueueing the same key again is a no-op.
  key text,
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- Higher first; among equals, newest first (what someone just uploaded is what they look at).
  priority integer NOT NULL DEFAULT 0,
  state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
  run_after timestamptz NOT NULL DEFAULT now(),
  locked_by text,
  locked_until timestamptz,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz
);
CREATE UNIQUE INDEX jobs_live_key ON jobs (kind, key) WHERE key IS NOT NULL AND state IN ('queued', 'running');
CREATE INDEX jobs_ready ON jobs (kind, priority DESC, id DESC) WHERE state = 'queued';
CREATE INDEX jobs_leases ON jobs (locked_until) WHERE state = 'running';
CREATE INDEX jobs_finished ON jobs (state, finished_at) WHERE state IN ('done', 'failed', 'cancelled');

-- Recurring work (trash purge, blob collection, …): the server that moves next_run_at forward
-- enqueues the run, so a cluster runs each once per interval whatever its size.
CREATE TABLE job_schedules (
  kind text PRIMARY KEY,
  interval_seconds integer NOT NULL CHECK (interval_seconds > 0),
  next_run_at timestamptz NOT NULL,
  last_enqueued_at timestamptz
);
