import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentJobError, type JobHandler } from '../src/jobs/queue.js';
import { JobWorker } from '../src/jobs/worker.js';
import { JobRepository } from '../src/repositories/job.repository.js';
import { until } from './helpers/until.js';
import { Api } from './helpers/api.js';
import { runCli } from './helpers/cli.js';
import { startTestServer, usingPostgres, type TestServer } from './helpers/server.js';

const silent = pino({ level: 'silent' });

interface JobDto {
  id: number;
  kind: string;
  state: string;
  attempts: number;
  last_error: string | null;
}

/** A worker over a server's database with handlers of the test's own (the real worker and queue). */
function workerOn(server: TestServer, handlers: JobHandler[], options: { leaseSeconds?: number; retryBaseMs?: number } = {}): JobWorker {
  return new JobWorker({
    db: server.core.db,
    repo: new JobRepository(),
    handlers,
    logger: silent,
    schedules: [],
    pollMs: 20,
    leaseSeconds: options.leaseSeconds ?? 30,
    retryBaseMs: options.retryBaseMs ?? 50,
    retryMaxMs: 1_000,
    stopGraceMs: 500,
  });
}

async function enqueue(server: TestServer, kind: string, options: { key?: string; payload?: unknown; priority?: number; maxAttempts?: number } = {}): Promise<number> {
  return server.core.db.transaction().execute((tx) => new JobRepository().enqueue(tx, { kind, ...options }));
}

describe('the job queue', () => {
  let server: TestServer;
  let admin: Api;

  beforeAll(async () => {
    // The server's own worker runs the maintenance jobs; these tests add workers of their own.
    server = await startTestServer({ COFFER_MAINTENANCE_INTERVAL: '3600', COFFER_JOBS_POLL_MS: '50', COFFER_METRICS_TOKEN: 'metrics-token-for-jobs' });
    admin = await Api.admin(server.url);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('runs the maintenance as recurring jobs, one run per interval, and an admin can run one now', async () => {
    const user = await admin.createUser('jobs-trash', 'jobs-trash-password-1');
    const up = await user.api.upload('old.txt', 'trashed long ago');
    expect(up.status).toBe(201);
    expect((await user.api.json(`/files/${up.body.id}`, { method: 'DELETE' })).status).toBe(204);
    // Trashed 40 days ago, past the default retention of 30.
    await server.core.db.updateTable('nodes').set({ deleted_at: new Date(Date.now() - 40 * 86_400_000) }).where('id', '=', up.body.id).execute();

    const overview = await admin.json<{ schedules: { kind: string; interval_seconds: number; next_run_at: string }[] }>('/admin/jobs/overview');
    expect(overview.status).toBe(200);
    const kinds = overview.body.schedules.map((s) => s.kind);
    expect(kinds).toEqual(expect.arrayContaining(['trash.purge', 'folders.expire', 'locks.purge', 'signed-urls.purge', 'uploads.purge', 'jobs.prune']));
    expect(overview.body.schedules.find((s) => s.kind === 'trash.purge')!.interval_seconds).toBe(3600);
    // Not yet run: the first run comes a while after start.
    expect((await user.api.json<{ items: unknown[] }>('/trash')).body.items).toHaveLength(1);

    expect((await admin.json('/admin/jobs/schedules/trash.purge/run', { method: 'POST' })).status).toBe(204);
    const done = await until('the purge job to finish', async () => {
      const list = await admin.json<{ items: JobDto[] }>('/admin/jobs?kind=trash.purge');
      return list.body.items.find((j) => j.state === 'done');
    });
    expect(done.attempts).toBe(1);
    expect((await user.api.json<{ items: unknown[] }>('/trash')).body.items).toHaveLength(0);
    // The schedule moved on by its interval: running it again needs another hour (or another nudge).
    const after = await admin.json<{ schedules: { kind: string; next_run_at: string }[] }>('/admin/jobs/overview');
    const next = Date.parse(after.body.schedules.find((s) => s.kind === 'trash.purge')!.next_run_at);
    expect(next - Date.now()).toBeGreaterThan(3500_000);
    expect((await admin.json('/admin/jobs/schedules/no.such.kind/run', { method: 'POST' })).status).toBe(404);
    // Only instance admins see the queue.
    expect((await user.api.json('/admin/jobs/overview')).status).toBe(403);
    expect((await user.api.json('/admin/jobs')).status).toBe(403);
  });

  it('retries a failing job with backoff, fails it after its last attempt, and an admin can queue it again', async () => {
    const attempts: number[] = [];
    let healed = false;
    const worker = workerOn(server, [
      {
        kind: 'test.flaky',
        concurrency: 1,
        timeoutMs: 5_000,
        run: async (job) => {
          attempts.push(Date.now());
          if (!healed) throw new Error(`attempt ${job.attempt} broke`);
        },
      },
    ]);
    await worker.start();
    try {
      const id = await enqueue(server, 'test.flaky', { maxAttempts: 3 });
      const failed = await until('the job to fail for good', async () => {
        const j = await admin.json<JobDto>(`/admin/jobs/${id}`);
        return j.body.state === 'failed' ? j.body : undefined;
      });
      expect(failed.attempts).toBe(3);
      expect(failed.last_error).toBe('attempt 3 broke');
      expect(attempts).toHaveLength(3);
      // Backoff: the second retry waited longer than the first (50 ms, then 100 ms, ±20 %).
      expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(35);
      expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(75);

      const failedList = await admin.json<{ items: JobDto[] }>('/admin/jobs?state=failed&kind=test.flaky');
      expect(failedList.body.items.map((j) => j.id)).toContain(id);
      const overview = await admin.json<{ counts: { kind: string; state: string; count: number }[] }>('/admin/jobs/overview');
      expect(overview.body.counts).toContainEqual({ kind: 'test.flaky', state: 'failed', count: 1 });

      healed = true;
      const retried = await admin.json<JobDto>(`/admin/jobs/${id}/retry`, { method: 'POST' });
      expect(retried.status).toBe(200);
      expect(retried.body.state).toBe('queued');
      await until('the retried job to finish', async () => (await admin.json<JobDto>(`/admin/jobs/${id}`)).body.state === 'done');
      expect(attempts).toHaveLength(4);
      // Only failed or cancelled jobs can be retried.
      const again = await admin.json<{ detail: string }>(`/admin/jobs/${id}/retry`, { method: 'POST' });
      expect(again.status).toBe(409);
      expect(again.body.detail).toMatch(/done/);
      expect((await admin.json(`/admin/jobs/999999999/retry`, { method: 'POST' })).status).toBe(404);
      // The admin's actions are audited.
      const audit = await admin.json<{ items: { action: string }[] }>('/admin/audit?action=job.retry');
      expect(audit.body.items.length).toBeGreaterThanOrEqual(1);
    } finally {
      await worker.stop();
    }
  });

  it('fails a job at once on a permanent error, and aborts an attempt that runs past its time', async () => {
    let slowRuns = 0;
    const worker = workerOn(server, [
      { kind: 'test.corrupt', concurrency: 1, timeoutMs: 5_000, run: () => Promise.reject(new PermanentJobError('the file is not an image')) },
      {
        kind: 'test.slow',
        concurrency: 1,
        timeoutMs: 100,
        maxAttempts: 2,
        run: (_job, signal) => {
          slowRuns++;
          return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
        },
      },
    ]);
    await worker.start();
    try {
      const corrupt = await enqueue(server, 'test.corrupt', { maxAttempts: 5 });
      const slow = await enqueue(server, 'test.slow', { maxAttempts: 2 });
      const c = await until('the corrupt job to fail', async () => {
        const j = await admin.json<JobDto>(`/admin/jobs/${corrupt}`);
        return j.body.state === 'failed' ? j.body : undefined;
      });
      expect(c.attempts).toBe(1);
      expect(c.last_error).toBe('the file is not an image');
      const s = await until('the slow job to fail', async () => {
        const j = await admin.json<JobDto>(`/admin/jobs/${slow}`);
        return j.body.state === 'failed' ? j.body : undefined;
      });
      expect(s.attempts).toBe(2);
      expect(slowRuns).toBe(2);
      expect(s.last_error).toMatch(/ran longer than/);
    } finally {
      await worker.stop();
    }
  });

  it('deduplicates by key, runs higher priorities first and newest first among equals, and cancels queued jobs', async () => {
    const order: string[] = [];
    const a = await enqueue(server, 'test.order', { key: 'a', payload: { name: 'a' } });
    const b = await enqueue(server, 'test.order', { key: 'b', payload: { name: 'b' } });
    const c = await enqueue(server, 'test.order', { key: 'c', payload: { name: 'c' } });
    const urgent = await enqueue(server, 'test.order', { key: 'u', payload: { name: 'u' } });
    // The same key again is the same job, moved up the queue rather than added.
    expect(await enqueue(server, 'test.order', { key: 'u', payload: { name: 'u' }, priority: 100 })).toBe(urgent);
    const cancelled = await admin.json<JobDto>(`/admin/jobs/${b}/cancel`, { method: 'POST' });
    expect(cancelled.body.state).toBe('cancelled');
    expect((await admin.json(`/admin/jobs/${b}/cancel`, { method: 'POST' })).status).toBe(409);
    const worker = workerOn(server, [
      {
        kind: 'test.order',
        concurrency: 1,
        timeoutMs: 5_000,
        run: async (job) => {
          order.push((job.payload as { name: string }).name);
        },
      },
    ]);
    await worker.start();
    try {
      await until('three jobs to run', async () => order.length === 3);
      expect(order).toEqual(['u', 'c', 'a']);
      const rows = await server.core.db.selectFrom('jobs').select(['id', 'state']).where('kind', '=', 'test.order').execute();
      expect(rows).toHaveLength(4);
      expect(rows.find((r) => r.id === b)!.state).toBe('cancelled');
      // Once done, the key is free again: a new change may need the work again.
      expect(await enqueue(server, 'test.order', { key: 'a', payload: { name: 'a' } })).not.toBe(a);
      await until('the new job to run', async () => order.length === 4);
      expect(c).toBeGreaterThan(a);
    } finally {
      await worker.stop();
    }
  });

  it('takes back the job of a worker that died, after its lease ran out', async () => {
    const repo = new JobRepository();
    const id = await enqueue(server, 'test.orphaned', { maxAttempts: 3 });
    // What a killed worker leaves behind: the job claimed, its lease renewed no more.
    const claimed = await repo.claim(server.core.db, 'dead-host:1:00000000', new Map([['test.orphaned', 1]]), 1);
    expect(claimed.map((j) => j.id)).toEqual([id]);
    const ran: number[] = [];
    const worker = workerOn(server, [
      {
        kind: 'test.orphaned',
        concurrency: 1,
        timeoutMs: 5_000,
        run: async (job) => {
          ran.push(job.attempt);
        },
      },
    ]);
    await worker.start();
    try {
      // Housekeeping (every 5 s) finds the lease ran out and queues the job again.
      const job = await until('the orphaned job to run again', async () => {
        const j = await admin.json<JobDto>(`/admin/jobs/${id}`);
        return j.body.state === 'done' ? j.body : undefined;
      }, 15_000);
      expect(ran).toEqual([2]);
      expect(job.attempts).toBe(2);
      // A late word from the dead worker changes nothing.
      expect(await repo.complete(server.core.db, 'dead-host:1:00000000', id)).toBe(false);
    } finally {
      await worker.stop();
    }
  });

  it('a worker stopping hands its unfinished jobs back without counting the attempt', async () => {
    let started = 0;
    const worker = workerOn(server, [
      {
        kind: 'test.long',
        concurrency: 2,
        timeoutMs: 60_000,
        run: (_job, signal) => {
          started++;
          return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
        },
      },
    ]);
    await worker.start();
    const id = await enqueue(server, 'test.long');
    await until('the job to start', async () => started === 1);
    await worker.stop();
    const row = await server.core.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.state).toBe('queued');
    expect(row.attempts).toBe(0);
    await server.core.db.updateTable('jobs').set({ state: 'cancelled' }).where('id', '=', id).execute();
  });

  it('reports the queue in /metrics', async () => {
    const res = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer metrics-token-for-jobs' } });
    expect(res.status).toBe(200);
    const text = await res.text();
    // The trash purge of the first test: counted in the queue (all servers) and as this worker's attempt.
    expect(text).toMatch(/^coffer_jobs\{kind="trash\.purge",state="done"\} 1$/m);
    expect(text).toMatch(/^coffer_job_attempts_total\{kind="trash\.purge",outcome="done"\} 1$/m);
    expect(text).toMatch(/^coffer_jobs\{kind="test\.flaky",state="done"\} 1$/m);
  });
});

describe('the job queue on two servers of one cluster', () => {
  let s1: TestServer;
  let s2: TestServer;

  beforeAll(async () => {
    s1 = await startTestServer({}, { keepData: true });
    s2 = usingPostgres() ? await startTestServer({ DATABASE_URL: s1.env.DATABASE_URL!, COFFER_DATA_DIR: s1.env.COFFER_DATA_DIR! }, { keepData: true }) : s1;
  });
  afterAll(async () => {
    if (s2 !== s1) await s2?.close();
    await s1?.close();
    await s1?.removeData();
  });

  it('runs each job exactly once when several workers take from the queue at once', async () => {
    const runs = new Map<number, string[]>();
    const handler = (name: string): JobHandler => ({
      kind: 'test.once',
      concurrency: 4,
      timeoutMs: 5_000,
      run: async (job) => {
        runs.set(job.id, [...(runs.get(job.id) ?? []), name]);
        await sleep(2);
      },
    });
    // Two workers on each server (on PGlite, four on the one server: the same contention for rows).
    const workers = [workerOn(s1, [handler('a')]), workerOn(s2, [handler('b')]), workerOn(s1, [handler('c')]), workerOn(s2, [handler('d')])];
    const ids: number[] = [];
    for (let i = 0; i < 300; i++) ids.push(await enqueue(i % 2 ? s1 : s2, 'test.once', { payload: { i } }));
    await Promise.all(workers.map((w) => w.start()));
    try {
      await until('every job to run', async () => runs.size === ids.length, 60_000);
      await sleep(200);
      const twice = [...runs.entries()].filter(([, by]) => by.length !== 1);
      expect(twice).toEqual([]);
      const byWorker = new Set([...runs.values()].flat());
      expect(byWorker.size).toBeGreaterThan(1);
      const states = await s1.core.db.selectFrom('jobs').select('state').where('kind', '=', 'test.once').execute();
      expect(states.every((r) => r.state === 'done')).toBe(true);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  });
});

describe('coffer jobs and coffer worker at the command line', () => {
  it('shows the queue, lists failed jobs with their reasons and queues one again', async () => {
    const server = await startTestServer({ COFFER_MAINTENANCE_INTERVAL: '3600' }, { keepData: true });
    try {
      const id = await enqueue(server, 'test.cli', { maxAttempts: 1 });
      await server.core.db.updateTable('jobs').set({ state: 'failed', attempts: 1, last_error: 'the disk was full', finished_at: new Date() }).where('id', '=', id).execute();
      // On PGlite the database is one process's: the server closes before the CLI opens it.
      await server.close();
      const status = await runCli(['jobs', 'status', '--json'], server.env);
      expect(status.code).toBe(0);
      const overview = JSON.parse(status.stdout) as { counts: { kind: string; state: string; count: number }[]; schedules: { kind: string }[] };
      expect(overview.counts).toContainEqual({ kind: 'test.cli', state: 'failed', count: 1 });
      expect(overview.schedules.map((s) => s.kind)).toContain('trash.purge');
      const list = await runCli(['jobs', 'list', '--state', 'failed'], server.env);
      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(new RegExp(`^${id}\\s+test\\.cli\\s+failed\\s+1/1 .*the disk was full`, 'm'));
      const retry = await runCli(['jobs', 'retry', String(id)], server.env);
      expect(retry.code).toBe(0);
      expect(retry.stdout).toContain(`Job ${id} (test.cli) is queued again.`);
      // A mistake costs no database: told before it opens.
      expect((await runCli(['jobs', 'list', '--state', 'sleeping'], server.env)).code).toBe(2);
      // On PostgreSQL it runs until stopped: test/previews.test.ts kills one mid-job.
      if (!usingPostgres()) {
        const worker = await runCli(['worker'], server.env);
        expect(worker.code).toBe(1);
        expect(worker.stderr).toMatch(/coffer worker needs PostgreSQL/);
      }
    } finally {
      await server.removeData();
    }
  }, 180_000);
});
