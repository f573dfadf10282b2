import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/core.js';
import type { JobRow } from '../../repositories/job.repository.js';
import { errors } from '../dto.js';
import { ctxOf } from '../plugins/auth.js';

const jobState = z.enum(['queued', 'running', 'done', 'failed', 'cancelled']);

const jobSchema = z.object({
  id: z.number(),
  kind: z.string(),
  key: z.string().nullable(),
  state: jobState,
  priority: z.number(),
  attempts: z.number(),
  max_attempts: z.number(),
  run_after: z.string(),
  last_error: z.string().nullable().describe('Why the last attempt failed'),
  locked_by: z.string().nullable().describe('The worker running it'),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
});

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toJobDto(j: JobRow): z.infer<typeof jobSchema> {
  return {
    id: j.id,
    kind: j.kind,
    key: j.key,
    state: j.state,
    priority: j.priority,
    attempts: j.attempts,
    max_attempts: j.max_attempts,
    run_after: j.run_after.toISOString(),
    last_error: j.last_error,
    locked_by: j.locked_by,
    created_at: j.created_at.toISOString(),
    started_at: iso(j.started_at),
    finished_at: iso(j.finished_at),
  };
}

/** The job queue, for instance administrators (the admin panel's Jobs tab). */
export async function jobsRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.addHook('onRequest', app.requireAdmin);
  const idParam = z.object({ id: z.coerce.number().int().min(1) });

  r.get('/admin/jobs/overview', {
    schema: {
      tags: ['admin'],
      summary: 'Jobs by kind and state, and the recurring jobs',
      security: [{ bearer: [] }],
      response: {
        200: z.object({
          counts: z.array(z.object({ kind: z.string(), state: jobState, count: z.number() })),
          schedules: z.array(z.object({ kind: z.string(), interval_seconds: z.number(), next_run_at: z.string(), last_enqueued_at: z.string().nullable() })),
        }),
        ...errors(401, 403),
      },
    },
    handler: async (request) => {
      const o = await core.jobs.overview(ctxOf(request));
      return {
        counts: o.counts,
        schedules: o.schedules.map((s) => ({ ...s, next_run_at: s.next_run_at.toISOString(), last_enqueued_at: iso(s.last_enqueued_at) })),
      };
    },
  });

  r.get('/admin/jobs', {
    schema: {
      tags: ['admin'],
      summary: 'List jobs, newest first',
      description: 'Page on with `before`: the last id of the previous page.',
      security: [{ bearer: [] }],
      querystring: z.object({
        state: jobState.optional(),
        kind: z.string().max(100).optional(),
        before: z.coerce.number().int().min(1).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(50),
      }),
      response: { 200: z.object({ items: z.array(jobSchema), next_before: z.number().nullable() }), ...errors(400, 401, 403) },
    },
    handler: async (request) => {
      const q = request.query;
      const items = await core.jobs.list(ctxOf(request), { state: q.state, kind: q.kind, before: q.before, limit: q.limit });
      return { items: items.map(toJobDto), next_before: items.length === q.limit ? items[items.length - 1]!.id : null };
    },
  });

  r.get('/admin/jobs/:id', {
    schema: { tags: ['admin'], summary: 'One job', security: [{ bearer: [] }], params: idParam, response: { 200: jobSchema, ...errors(401, 403, 404) } },
    handler: async (request) => toJobDto(await core.jobs.get(ctxOf(request), request.params.id)),
  });

  r.post('/admin/jobs/:id/retry', {
    schema: {
      tags: ['admin'],
      summary: 'Queue a failed or cancelled job again',
      security: [{ bearer: [] }],
      params: idParam,
      response: { 200: jobSchema, ...errors(401, 403, 404, 409) },
    },
    handler: async (request) => toJobDto(await core.jobs.retry(ctxOf(request), request.params.id)),
  });

  r.post('/admin/jobs/:id/cancel', {
    schema: {
      tags: ['admin'],
      summary: 'Cancel a job that has not started',
      security: [{ bearer: [] }],
      params: idParam,
      response: { 200: jobSchema, ...errors(401, 403, 404, 409) },
    },
    handler: async (request) => toJobDto(await core.jobs.cancel(ctxOf(request), request.params.id)),
  });

  r.post('/admin/jobs/schedules/:kind/run', {
    schema: {
      tags: ['admin'],
      summary: 'Run a recurring job now',
      security: [{ bearer: [] }],
      params: z.object({ kind: z.string().min(1).max(100) }),
      response: { 204: z.null(), ...errors(401, 403, 404) },
    },
    handler: async (request, reply) => {
      await core.jobs.runScheduleNow(ctxOf(request), request.params.kind);
      return reply.code(204).send(null);
    },
  });
}
