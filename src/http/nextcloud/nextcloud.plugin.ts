import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CallContext } from '../../core/context.js';
import type { Core } from '../../core/core.js';
import { CofferError } from '../../core/errors.js';
import { appPasswordOcsRoutes } from './app-password.ocs.js';
import { capabilitiesData } from './capabilities.js';
import { hasCredentials, ocsCaller } from './ocs-auth.js';
import { OCS_NOT_FOUND, OCS_SERVER_ERROR, OcsError, ocsAnswer, ocsFormat, type OcsValue, type OcsVersion } from './ocs-envelope.js';
import { serverStatus } from './server-identity.js';
import { sharingOcsRoutes } from './sharing.ocs.js';

/** Where Nextcloud's clients look for status.php: the root, and the subfolder a default install used. */
const STATUS_PATHS = ['/status.php', '/nextcloud/status.php', '/owncloud/status.php'];
const OCS_VERSIONS: readonly OcsVersion[] = [1, 2];

/** Nextcloud's quota value for "no quota" (SPACE_UNLIMITED). */
const UNLIMITED = -3;

/**
 * The Nextcloud door beside WebDAV: status.php (who this server is) and the OCS API under
 * /ocs/v1.php and /ocs/v2.php (capabilities, the signed-in user, sharing), so the Nextcloud and ownCloud
 * desktop and mobile apps connect unmodified. Thin: the answers come from the core's users and
 * usage; what the server supports is described once, in capabilities.ts.
 */
export async function nextcloudPlugin(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  // OCS bodies are read up to the body limit as bytes, whatever their type, so an unknown
  // endpoint still answers in the envelope; the sharing API reads its forms from them.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  for (const url of STATUS_PATHS) {
    app.get(url, { schema: { hide: true } }, async (_request, reply) => {
      // As Nextcloud's: any web page may ask who this server is (a login form on another host).
      reply.header('access-control-allow-origin', '*');
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(serverStatus()));
    });
  }

  for (const version of OCS_VERSIONS) {
    const prefix = `/ocs/v${version}.php`;
    const answer = (request: FastifyRequest, reply: FastifyReply, data: OcsValue) => send(request, reply, version, { data });

    // Public, as in Nextcloud (a login screen reads it first); credentials, if sent, must be right.
    app.get(`${prefix}/cloud/capabilities`, { schema: { hide: true } }, async (request, reply) => {
      if (hasCredentials(request)) await ocsCaller(core, request);
      return answer(request, reply, capabilitiesData());
    });

    app.get(`${prefix}/cloud/user`, { schema: { hide: true } }, async (request, reply) => {
      const ctx = await ocsCaller(core, request);
      return answer(request, reply, await userData(core, ctx));
    });

    // Only oneself: another user's account, or whether it exists, is nobody else's business.
    app.get<{ Params: { userid: string } }>(`${prefix}/cloud/users/:userid`, { schema: { hide: true } }, async (request, reply) => {
      const ctx = await ocsCaller(core, request);
      if (request.params.userid.toLowerCase() !== ctx.actor.username.toLowerCase()) {
        throw new OcsError(OCS_NOT_FOUND, 'User does not exist');
      }
      return answer(request, reply, await userData(core, ctx));
    });

    // An app removing its account revokes its own app password (login flows give each device one).
    appPasswordOcsRoutes(app, core, prefix, answer);

    // Sharing with people and by public link, as the apps' Share dialogs do it.
    sharingOcsRoutes(app, core, prefix, answer);

    const unknown = async (request: FastifyRequest) => {
      throw new OcsError(OCS_NOT_FOUND, `Invalid query: no OCS endpoint ${request.method} ${request.url.split('?')[0]}`);
    };
    app.all(prefix, { schema: { hide: true } }, unknown);
    app.all(`${prefix}/*`, { schema: { hide: true } }, unknown);
  }

  app.setErrorHandler(async (err, request, reply) => {
    const version: OcsVersion = request.url.startsWith('/ocs/v2.php') ? 2 : 1;
    return send(request, reply, version, { error: asOcsError(err, request) });
  });
}

function send(request: FastifyRequest, reply: FastifyReply, version: OcsVersion, outcome: { data: OcsValue } | { error: OcsError }): FastifyReply {
  const answer = ocsAnswer(version, ocsFormat(request.query, request.headers.accept), outcome);
  if ('error' in outcome) for (const [k, v] of Object.entries(outcome.error.headers)) reply.header(k, v);
  return reply.code(answer.status).type(answer.contentType).send(answer.body);
}

/** Any error as an OCS one, keeping its meaning (and Retry-After); internals never leak. */
function asOcsError(err: unknown, request: FastifyRequest): OcsError {
  if (err instanceof OcsError) return err;
  if (err instanceof CofferError) {
    const retry: Record<string, string> = typeof err.extra.retryAfter === 'number' ? { 'retry-after': String(err.extra.retryAfter) } : {};
    if (err.status >= 500) request.log.warn({ err }, 'OCS request refused');
    const code = err.status === 404 ? OCS_NOT_FOUND : err.status === 500 ? OCS_SERVER_ERROR : err.status;
    return new OcsError(code, err.message, retry);
  }
  const status = (err as { statusCode?: number }).statusCode;
  if (status !== undefined && status >= 400 && status < 500) return new OcsError(status, (err as Error).message);
  request.log.error({ err }, 'OCS request failed');
  return new OcsError(OCS_SERVER_ERROR, 'Something went wrong on the server; the request id identifies it in the logs');
}

/** The signed-in user as Nextcloud's cloud/user describes one, with the personal space's quota. */
async function userData(core: Core, ctx: CallContext): Promise<OcsValue> {
  const [user, usage] = await Promise.all([core.users.get(ctx.actor.userId), core.users.usage(ctx.actor.userId)]);
  return {
    enabled: true,
    id: user.username,
    // Both spellings: older clients read "display-name", newer ones "displayname".
    'display-name': user.display_name,
    displayname: user.display_name,
    email: user.email,
    quota: quotaOf(usage.used, usage.quota),
  };
}

/**
 * Nextcloud's quota object: bytes used (files, trash and old versions, what the quota counts
 * and WebDAV's quota-used-bytes reports), free and total; with no quota, free, total and quota
 * are -3 ("unlimited") and relative 0, as Nextcloud answers for unlimited storage.
 */
function quotaOf(used: number, quota: number | null): OcsValue {
  if (quota === null) return { free: UNLIMITED, used, total: UNLIMITED, relative: 0, quota: UNLIMITED };
  const free = Math.max(0, quota - used);
  const total = free + used;
  return { free, used, total, relative: total > 0 ? Math.round((used / total) * 10_000) / 100 : 0, quota };
}
