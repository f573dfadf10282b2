import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Core } from '../../core/core.js';
import { unauthorized } from '../../core/errors.js';

export interface Metrics {
  registry: Registry;
  bytesIn: Counter;
  bytesOut: Counter;
  uploads: Counter;
  /** Called by this process's job worker as each attempt ends. */
  jobFinished: (kind: string, outcome: 'done' | 'retry' | 'failed', seconds: number) => void;
}

/** One registry per server instance, so several servers in one process (tests) do not collide. */
export function createMetrics(core: Core): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'coffer_process_' });
  const bytesIn = new Counter({ name: 'coffer_bytes_in_total', help: 'File bytes received in uploads', registers: [registry] });
  const bytesOut = new Counter({ name: 'coffer_bytes_out_total', help: 'File bytes sent in downloads', registers: [registry] });
  const uploads = new Counter({ name: 'coffer_uploads_total', help: 'Files stored by uploads', registers: [registry] });
  new Gauge({
    name: 'coffer_storage_used_bytes',
    help: 'Bytes counted against quotas, all spaces together',
    registers: [registry],
    async collect() {
      const row = await core.db
        .selectFrom('spaces')
        .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('used_bytes'), eb.lit(0)).as('used'))
        .executeTakeFirst();
      this.set(Number(row?.used ?? 0));
    },
  });
  new Gauge({
    name: 'coffer_jobs',
    help: 'Jobs in the queue by kind and state (finished ones until they are pruned), all servers together',
    labelNames: ['kind', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const c of await core.jobs.overview(null).then((o) => o.counts)) this.set({ kind: c.kind, state: c.state }, c.count);
    },
  });
  const attempts = new Counter({
    name: 'coffer_job_attempts_total',
    help: "Job attempts this process's worker ended, by kind and outcome (done, retry, failed)",
    labelNames: ['kind', 'outcome'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'coffer_job_duration_seconds',
    help: "How long this process's job attempts took, by kind",
    labelNames: ['kind'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const jobFinished = (kind: string, outcome: 'done' | 'retry' | 'failed', seconds: number) => {
    attempts.inc({ kind, outcome });
    duration.observe({ kind }, seconds);
  };
  return { registry, bytesIn, bytesOut, uploads, jobFinished };
}

/** Request counts and latency by route pattern and status; the route pattern keeps label sets small. */
export const requestMetricsPlugin = fp(async (app: FastifyInstance, { metrics }: { metrics: Metrics }) => {
  const requests = new Counter({
    name: 'coffer_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [metrics.registry],
  });
  const latency = new Histogram({
    name: 'coffer_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [metrics.registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) };
    requests.inc(labels);
    latency.observe(labels, reply.elapsedTime / 1000);
  });
});

/**
 * GET /metrics. The figures (storage used, upload counts, routes) are not for the public: on the
 * main listener the route exists only when COFFER_METRICS_TOKEN is set, and then needs it as a
 * bearer token; the metrics listener (COFFER_METRICS_PORT) serves it without one (`token` unset).
 */
export const metricsRoute = fp(async (app: FastifyInstance, { metrics, token }: { metrics: Metrics; token?: string | undefined }) => {
  const requireToken = token === undefined ? undefined : bearerTokenCheck(token);
  app.get('/metrics', { schema: { hide: true }, ...(requireToken ? { onRequest: requireToken } : {}) }, async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
});

/** Compares digests, so the time taken says nothing about the token, not even its length. */
function bearerTokenCheck(token: string) {
  const expected = createHash('sha256').update(token).digest();
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    const given = createHash('sha256').update(m?.[1] ?? '').digest();
    if (m && timingSafeEqual(given, expected)) return;
    reply.header('www-authenticate', 'Bearer realm="metrics"');
    throw unauthorized('GET /metrics needs the metrics token (COFFER_METRICS_TOKEN) as "Authorization: Bearer <token>"');
  };
}
