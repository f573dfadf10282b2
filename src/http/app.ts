import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Core } from '../core/core.js';
import { addDavMethods, davPlugin } from './dav/dav.plugin.js';
import { authPlugin } from './plugins/auth.js';
import { contentOriginPlugin } from './plugins/content-origin.js';
import { watchRequestBodies } from './body-watchdog.js';
import { createMetrics, metricsRoute, requestMetricsPlugin, type Metrics } from './plugins/metrics.js';
import { problemsPlugin } from './plugins/problems.js';
import { webAppPlugin } from './plugins/web-app.js';
import { accountRoutes } from './routes/account.routes.js';
import { adminRoutes } from './routes/admin.routes.js';
import { jobsRoutes } from './routes/jobs.routes.js';
import { previewsRoutes } from './routes/previews.routes.js';
import { authRoutes } from './routes/auth.routes.js';
import { filesRoutes } from './routes/files.routes.js';
import { foldersRoutes } from './routes/folders.routes.js';
import { healthRoutes } from './routes/health.routes.js';
import { trashRoutes } from './routes/trash.routes.js';
import { linksRoutes } from './routes/links.routes.js';
import { publicLinksApiRoutes, publicLinksContentRoutes } from './routes/public-links.routes.js';
import { sharesRoutes } from './routes/shares.routes.js';
import { orgsRoutes } from './routes/orgs.routes.js';
import { spaceContentRoutes } from './routes/space-content.routes.js';
import { signedUrlRoutes } from './routes/signed-urls.routes.js';
import { recordsRoutes } from './routes/records.routes.js';
import { templatesRoutes } from './routes/templates.routes.js';
import { supportRoutes } from './routes/support.routes.js';
import { auditSupportSessions } from './support-audit.js';
import { zipRoutes } from './routes/zip.routes.js';
import { uploadsRoutes } from './routes/uploads.routes.js';
import { searchRoutes } from './routes/search.routes.js';
import { nextcloudPlugin } from './nextcloud/nextcloud.plugin.js';
import { nextcloudPreviewRoutes } from './nextcloud/preview.routes.js';
import { loginFlowApiRoutes, loginFlowProtocolRoutes } from './nextcloud/login-flow.routes.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Fastify's compiler factories, returning the zod compilers. Its types describe Ajv's factories
 * (which take Ajv's options); at run time a factory only has to return the route compiler.
 */
const zodCompilers = {
  buildValidator: () => validatorCompiler,
  buildSerializer: () => serializerCompiler,
} as unknown as NonNullable<FastifyServerOptions['schemaController']>['compilersFactory'];

function createFastify(core: Core): FastifyInstance {
  const limits = core.config.requestLimits;
  const app = Fastify({
    loggerInstance: core.logger as FastifyBaseLogger,
    trustProxy: core.config.trustProxy,
    bodyLimit: 1 << 20,
    // Upload bodies are streamed, so no total request timeout may cut off a multi-GB transfer:
    // slow bodies are cut by the watchdog below (idle time and minimum rate) instead.
    requestTimeout: 0,
    // The request line and headers must arrive in bounded time (408 otherwise), checked this often.
    http: { headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: Math.min(30_000, Math.max(100, limits.headersTimeoutMs / 4)) },
    // ...and a client that stops sending (or reading) for five minutes is dropped.
    connectionTimeout: 300_000,
    keepAliveTimeout: 65_000,
    // Every route is validated and serialised by its zod schema (set again below, for clarity):
    // naming the compilers here keeps Fastify from loading Ajv and fast-json-stringify, which
    // nothing uses, on every start (a quarter of a new server's start-up).
    schemaController: { compilersFactory: zodCompilers },
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
  });
  watchRequestBodies(app, limits);
  return app;
}

/** Headers every answer of either listener carries. */
function addResponseHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // Answered before the body was read to its end (an upload refused mid-stream): the unread rest
    // would stall this keep-alive connection for the client's next request and for shutdown.
    const h = request.raw.headers;
    if (!request.raw.complete && (h['transfer-encoding'] !== undefined || Number(h['content-length'] ?? 0) > 0)) {
      reply.header('connection', 'close');
    }
  });
}

/**
 * The one rule for what the OpenAPI document describes: the REST API under /api/v1, nothing else.
 * WebDAV (methods OpenAPI does not allow, `{*}` wildcards), the web app, health and metrics are
 * other protocols, so they stay out whatever flags their own routes carry.
 */
const documentOnlyTheRestApi: typeof jsonSchemaTransform = (input) => {
  if (!input.url.startsWith('/api/v1/')) return { schema: { hide: true }, url: input.url } as ReturnType<typeof jsonSchemaTransform>;
  const out = jsonSchemaTransform(input);
  if (!input.url.endsWith('/*')) return out;
  // A wildcard route ("…/content/*") is a path of names: documented as a {path} parameter.
  const params = (out.schema as { params?: { properties?: Record<string, unknown>; required?: string[] } }).params;
  if (params?.properties && '*' in params.properties) {
    const { '*': rest, ...named } = params.properties;
    params.properties = { ...named, path: { ...(rest as object), description: 'Names from the top of the space, separated by "/", each percent-encoded' } };
    params.required = [...(params.required ?? []).filter((r) => r !== '*'), 'path'];
  }
  return { ...out, url: `${input.url.slice(0, -2)}/:path` };
};

/** The HTTP doors over the core: REST API, WebDAV, health, metrics, docs. */
export async function buildApp(core: Core, metrics: Metrics = createMetrics(core)): Promise<FastifyInstance> {
  const app = createFastify(core);
  addDavMethods(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  addResponseHeaders(app);
  auditSupportSessions(app, core);

  await app.register((await import('@fastify/cookie')).default);
  await app.register(problemsPlugin);
  await app.register(contentOriginPlugin, { origin: core.config.contentOrigin });
  await app.register(requestMetricsPlugin, { metrics });
  // Without a token, /metrics is not served here (404): only on COFFER_METRICS_PORT, if set.
  if (core.config.metrics.token !== undefined) await app.register(metricsRoute, { metrics, token: core.config.metrics.token });
  await app.register((await import('@fastify/swagger')).default, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Coffer API',
        version: '1',
        description: 'Files, folders, trash, versions, accounts and administration of a Coffer server. Errors are RFC 9457 problem+json.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          appPassword: { type: 'http', scheme: 'basic', description: 'username and an app password' },
        },
      },
    },
    transform: documentOnlyTheRestApi,
    // Puts the schemas named with .meta({ id }) under components.schemas, where the $refs point.
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(authPlugin, { core });
  await app.register(healthRoutes, { core });
  await app.register(
    async (api) => {
      await api.register(authRoutes, { core });
      await api.register(accountRoutes, { core });
      await api.register(filesRoutes, { core, metrics });
      await api.register(uploadsRoutes, { core, metrics });
      await api.register(previewsRoutes, { core });
      await api.register(foldersRoutes, { core });
      await api.register(trashRoutes, { core });
      await api.register(zipRoutes, { core, metrics });
      await api.register(sharesRoutes, { core });
      await api.register(linksRoutes, { core });
      await api.register(orgsRoutes, { core });
      await api.register(spaceContentRoutes, { core, metrics });
      await api.register(signedUrlRoutes, { core, metrics });
      await api.register(recordsRoutes, { core });
      await api.register(templatesRoutes, { core });
      await api.register(supportRoutes, { core });
      await api.register(searchRoutes, { core });
      await api.register(loginFlowApiRoutes, { core });
      await api.register(publicLinksApiRoutes, { core, metrics });
      await api.register(adminRoutes, { core });
      await api.register(jobsRoutes, { core });
      api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    },
    { prefix: '/api/v1' },
  );
  await app.register(publicLinksContentRoutes, { core, metrics });
  await app.register((await import('@fastify/swagger-ui')).default, { routePrefix: '/api/docs' });
  await app.register(davPlugin, { core });
  // status.php and the OCS API: what Nextcloud's and ownCloud's apps ask before they speak WebDAV.
  await app.register(nextcloudPlugin, { core });
  // Nextcloud's /index.php/core/preview: thumbnails in the apps' file lists, from Coffer's previews.
  await app.register(nextcloudPreviewRoutes, { core });
  // Nextcloud's login flows: how its apps get an app password of their own.
  await app.register(loginFlowProtocolRoutes, { core });
  if (core.config.webDir) await app.register(webAppPlugin, { dir: core.config.webDir, contentOrigin: core.config.contentOrigin?.origin });
  return app;
}

/** The dedicated WebDAV listener (COFFER_DAV_PORT): the same tree at the root of its own host. */
export async function buildDavApp(core: Core): Promise<FastifyInstance> {
  const app = createFastify(core);
  addDavMethods(app);
  addResponseHeaders(app);
  auditSupportSessions(app, core);
  await app.register(davPlugin, { core, atRoot: true });
  return app;
}

/**
 * The metrics listener (COFFER_METRICS_PORT, on COFFER_METRICS_HOST): /metrics without a token,
 * plus /healthz and /readyz for probes, and nothing else; for a network only monitoring reaches.
 */
export async function buildMetricsApp(core: Core, metrics: Metrics): Promise<FastifyInstance> {
  const app = createFastify(core);
  addResponseHeaders(app);
  await app.register(problemsPlugin);
  await app.register(metricsRoute, { metrics });
  await app.register(healthRoutes, { core });
  return app;
}
