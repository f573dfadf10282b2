import type { FastifyInstance } from 'fastify';
import type { CofferConfig } from './config/config.js';
import type { Core } from './core/core.js';
import { closeCore, ensureAdmin, openCore, type OpenOptions } from './bootstrap.js';
import { startWorkers } from './jobs/workers.js';
import type { JobWorker } from './jobs/worker.js';
import { startTableUpkeep } from './jobs/table-upkeep.js';
import { TableStatsRepository } from './repositories/table-stats.repository.js';

export interface RunningServer {
  app: FastifyInstance;
  core: Core;
  url: string;
  /** The dedicated WebDAV listener's URL, when COFFER_DAV_PORT is set. */
  davUrl?: string | undefined;
  /** The metrics listener's URL, when COFFER_METRICS_PORT is set. */
  metricsUrl?: string | undefined;
  /** The generated admin password, when this start created the admin without one configured. */
  generatedAdminPassword?: string | undefined;
  close(): Promise<void>;
}

/** The HTTP side (Fastify, the routes, the web app's plugins): most of the modules a server loads. */
async function loadHttp() {
  const [{ buildApp, buildDavApp, buildMetricsApp }, { createMetrics }] = await Promise.all([import('./http/app.js'), import('./http/plugins/metrics.js')]);
  return { buildApp, buildDavApp, buildMetricsApp, createMetrics };
}

export async function startServer(config: CofferConfig, options: OpenOptions = {}): Promise<RunningServer> {
  // Loaded while the database opens (the embedded one unpacks and starts on a thread of its own):
  // a new server is up in half the time. Failures surface from the await below, not here.
  const http = loadHttp();
  http.catch(() => undefined);
  const core = await openCore(config, options);
  const { buildApp, buildDavApp, buildMetricsApp, createMetrics } = await http.catch(async (err: unknown) => {
    await closeCore(core).catch(() => undefined);
    throw err;
  });
  let app: FastifyInstance | undefined;
  let davApp: FastifyInstance | undefined;
  let metricsApp: FastifyInstance | undefined;
  let worker: JobWorker | undefined;
  try {
    const admin = await ensureAdmin(core);
    const metrics = createMetrics(core);
    app = await buildApp(core, metrics);
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    let davUrl: string | undefined;
    if (config.dav.port !== undefined) {
      davApp = await buildDavApp(core);
      await davApp.listen({ host: config.host, port: config.dav.port });
      const a = davApp.server.address();
      davUrl = `http://${host}:${typeof a === 'object' && a ? a.port : config.dav.port}`;
    }
    let metricsUrl: string | undefined;
    if (config.metrics.port !== undefined) {
      metricsApp = await buildMetricsApp(core, metrics);
      await metricsApp.listen({ host: config.metrics.host, port: config.metrics.port });
      const a = metricsApp.server.address();
      const h = config.metrics.host.includes(':') ? `[${config.metrics.host}]` : config.metrics.host;
      metricsUrl = `http://${h}:${typeof a === 'object' && a ? a.port : config.metrics.port}`;
    }
    worker = config.jobs.inServer ? await startWorkers(core, { onFinished: metrics.jobFinished }) : undefined;
    const stopUpkeep = await startTableUpkeep({ db: core.db, repo: new TableStatsRepository(), logger: core.logger, embedded: config.databaseUrl === undefined });
    core.audit.startSealing();
    const started = app;
    const startedDav = davApp;
    const startedMetrics = metricsApp;
    const startedWorker = worker;
    return {
      app: started,
      core,
      url: `http://${host}:${port}`,
      davUrl,
      metricsUrl,
      generatedAdminPassword: admin.password,
      async close() {
        await startedWorker?.stop();
        await stopUpkeep();
        await startedMetrics?.close();
        await startedDav?.close();
        await started.close();
        await closeCore(core);
      },
    };
  } catch (err) {
    await worker?.stop().catch(() => undefined);
    await metricsApp?.close().catch(() => undefined);
    await davApp?.close().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await closeCore(core).catch(() => undefined);
    throw err;
  }
}
