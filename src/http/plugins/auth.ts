import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { CallContext } from '../../core/context.js';
import type { Core } from '../../core/core.js';
import { badRequest, CofferError, forbidden, unauthorized } from '../../core/errors.js';
import type { ClientInfo } from '../../services/auth.service.js';
import { deviceName } from '../../services/protocol-sessions.service.js';
import { API_KEY_PREFIX } from '../../services/service-accounts.service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `authenticate`; undefined on public routes. */
    callContext: CallContext | undefined;
    /** The sign-in (refresh-token family) a Bearer token belongs to; undefined for app passwords. */
    sessionFamilyId: string | undefined;
  }
  interface FastifyInstance {
    authenticate: (request: FastifyRequest) => Promise<void>;
    requireAdmin: (request: FastifyRequest) => Promise<void>;
  }
  interface FastifyContextConfig {
    /**
     * The route is for files and sync, so an app password (HTTP Basic) may call it. Unset means
     * no: a route needs an interactive sign-in unless it opts in (see acceptAppPasswords).
     */
    appPasswords?: boolean;
    /** An organisation's API key may call the route too (files and app storage). */
    serviceKeys?: boolean;
  }
}

/** The route option that lets app passwords call a route (files and sync only). */
export const APP_PASSWORDS_ACCEPTED = { appPasswords: true } as const;

/**
 * Declares every route the plugin adds from here on as a files-and-sync route that app
 * passwords and organisations' API keys may call (and says so in the OpenAPI document).
 * Credentials, account security and administration never call this: there, both are refused.
 */
export function acceptAppPasswords(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    route.config = { ...(route.config ?? {}), ...APP_PASSWORDS_ACCEPTED, serviceKeys: true };
    const schema = route.schema as { security?: Record<string, string[]>[] } | undefined;
    if (schema?.security && !schema.security.some((s) => 'appPassword' in s)) schema.security = [...schema.security, { appPassword: [] }];
  });
}

/** What an app password gets where only an interactive sign-in will do. */
function interactiveSignInRequired(): CofferError {
  return new CofferError(
    403,
    'interactive-sign-in-required',
    'An app password cannot do this: app passwords are for files and sync only. Sign in with your account password (the web app, or POST /api/v1/auth/login) to manage credentials, account security or administration.',
  );
}

export function clientInfo(request: FastifyRequest): ClientInfo {
  const ua = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof ua === 'string' ? ua.slice(0, 500) : null };
}

/** Username and password of HTTP Basic credentials (the part after "Basic "), or null if malformed. */
export function basicCredentials(encoded: string): { login: string; password: string } | null {
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { login: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Routes a file link may read: the content of a file and of one of its versions, nothing else. */
const FILE_LINK_ROUTES = new Set(['/api/v1/files/:id/content', '/api/v1/files/:id/versions/:versionId/content']);

function fileLinkTicket(request: FastifyRequest): string | undefined {
  if ((request.method !== 'GET' && request.method !== 'HEAD') || !FILE_LINK_ROUTES.has(request.routeOptions.url ?? '')) return undefined;
  const ticket = (request.query as { ticket?: unknown }).ticket;
  return typeof ticket === 'string' && ticket.length > 0 && ticket.length < 4096 ? ticket : undefined;
}

/** The original named by `?derived_from=` or a `Coffer-Derived-From` header (percent-encoded), if any. */
export function derivedFromOf(query: unknown, header: string | string[] | undefined): string | undefined {
  if (typeof query === 'string' && query.length > 0 && query.length <= 4096) return query;
  if (typeof header !== 'string' || header.length === 0 || header.length > 4096) return undefined;
  try {
    return decodeURIComponent(header);
  } catch {
    throw badRequest('Coffer-Derived-From is a percent-encoded path or an id');
  }
}

/** The caller's context; only call on routes that ran `authenticate`. */
export function ctxOf(request: FastifyRequest): CallContext {
  if (!request.callContext) throw unauthorized();
  return request.callContext;
}

/**
 * Accepts `Authorization: Bearer <access token>` (web app, API clients) or HTTP Basic with an
 * app password (scripts, protocol clients) on routes that accept app passwords. Account
 * passwords never work over Basic.
 */
export const authPlugin = fp(async (app: FastifyInstance, opts: { core: Core }) => {
  const { auth } = opts.core;
  app.decorateRequest('callContext', undefined);
  app.decorateRequest('sessionFamilyId', undefined);
  app.decorate('authenticate', async (request: FastifyRequest) => {
    const header = request.headers.authorization ?? '';
    const [scheme, value] = [header.slice(0, header.indexOf(' ')).toLowerCase(), header.slice(header.indexOf(' ') + 1).trim()];
    let actor;
    const ticket = fileLinkTicket(request);
    if (ticket !== undefined && !header) {
      const params = request.params as { id?: string; versionId?: string };
      actor = await auth.authenticateFileLink(ticket, params.id ?? '', params.versionId);
    } else if (scheme === 'bearer' && value.startsWith(API_KEY_PREFIX)) {
      // An organisation's application: files and app storage only, like an app password.
      actor = await opts.core.serviceAccounts.authenticate(value);
      if (request.routeOptions.config.serviceKeys !== true) {
        throw new CofferError(403, 'people-only', 'An API key is for files and app storage; managing organisations, accounts and credentials needs a person signed in');
      }
    } else if (scheme === 'bearer' && value) {
      const session = await auth.authenticateSession(value);
      actor = session.actor;
      request.sessionFamilyId = session.familyId;
    } else if (scheme === 'basic' && value) {
      const credentials = basicCredentials(value);
      if (!credentials) throw unauthorized('Malformed Basic credentials');
      actor = (await auth.authenticateAppPassword(credentials.login, credentials.password, deviceName(clientInfo(request).userAgent))).actor;
      if (request.routeOptions.config.appPasswords !== true) throw interactiveSignInRequired();
    } else {
      throw unauthorized('Sign in first: send an access token (Authorization: Bearer …) or an app password (HTTP Basic)');
    }
    const client = clientInfo(request);
    // Asked for on any change; granted only to an organisation's owners and admins, and audited (WriteRulesService).
    const query = request.query as { override_write_once?: unknown; derived_from?: unknown } | undefined;
    const override = query?.override_write_once === 'true';
    // Asked for by writes into a folder for derived files, whatever the door (a header for WebDAV).
    const derivedFrom = derivedFromOf(query?.derived_from, request.headers['coffer-derived-from']);
    request.callContext = {
      actor,
      ip: client.ip,
      userAgent: client.userAgent,
      ...(override ? { overrideWriteOnce: true } : {}),
      ...(derivedFrom !== undefined ? { derivedFrom } : {}),
    };
  });
  app.decorate('requireAdmin', async (request: FastifyRequest) => {
    await app.authenticate(request);
    // Administration always needs an interactive sign-in, whatever a route's options say.
    if (request.callContext?.actor.via === 'app-password' || request.callContext?.actor.via === 'service') throw interactiveSignInRequired();
    if (request.callContext?.actor.role !== 'admin') throw forbidden('Only administrators can do this');
  });
});
