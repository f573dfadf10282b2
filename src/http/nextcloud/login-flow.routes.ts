import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/core.js';
import { badRequest, notFound } from '../../core/errors.js';
import { errors } from '../dto.js';
import { clientInfo, ctxOf } from '../plugins/auth.js';

/**
 * The address a client reached this server at, which it is told to use from then on (Nextcloud
 * answers the same: scheme and host of the request). Behind a proxy, COFFER_TRUST_PROXY makes
 * the scheme and host the forwarded ones; the desktop client refuses an http:// answer to a
 * flow it started over https.
 */
function serverAddress(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

/** Where a person's browser goes to let a device in: the web app's pages for each flow. */
export const grantPagePath = (kind: 'poll' | 'redirect', loginToken: string) => `${kind === 'poll' ? '/login/v2/flow' : '/login/flow'}/${loginToken}`;

/** A form, a JSON object or nothing: the bodies Nextcloud's clients send to the login flow. */
function bodyFields(body: unknown): Record<string, unknown> {
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

/**
 * Nextcloud's login flow endpoints, as its clients call them (paths with and without
 * /index.php, as Nextcloud answers both). Outside the REST API: these are Nextcloud's protocol.
 *
 * - Login flow v2 (Nextcloud desktop ≥ 2.6, Android): `POST /index.php/login/v2` with no
 *   credentials answers `{poll: {token, endpoint}, login}`; the client opens `login` in a browser
 *   and polls `POST endpoint` with the form `token=…` (404 until granted, then
 *   `{server, loginName, appPassword}` once, then 404 again).
 * - The older flow (web views of the iOS app and older clients): `GET /index.php/login/flow`
 *   with `OCS-APIREQUEST: true` leads to a page that, once granted, goes to
 *   `nc://login/server:…&user:…&password:…`.
 */
export async function loginFlowProtocolRoutes(app: FastifyInstance, { core }: { core: Core }) {
  // The poll is a form post (Flow2Auth::slotPollTimerTimeout); JSON and an empty body work too.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))));
  });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, {});
    try {
      done(null, JSON.parse(text) as unknown);
    } catch {
      done(badRequest('The body is not valid JSON; send the poll token as a form field: token=…'), undefined);
    }
  });

  for (const base of ['/index.php/login/v2', '/login/v2']) {
    app.post(base, { schema: { hide: true } }, async (request) => {
      const server = serverAddress(request);
      const started = await core.loginFlows.start(clientInfo(request), 'poll', server);
      return { poll: { token: started.pollToken, endpoint: `${server}/index.php/login/v2/poll` }, login: `${server}${grantPagePath('poll', started.loginToken)}` };
    });
    app.post(`${base}/poll`, { schema: { hide: true } }, async (request) => {
      const fromBody = bodyFields(request.body).token;
      const fromQuery = (request.query as Record<string, unknown> | undefined)?.token;
      const token = typeof fromBody === 'string' ? fromBody : typeof fromQuery === 'string' ? fromQuery : undefined;
      if (token === undefined) throw badRequest('Send the poll token from POST /index.php/login/v2 as the form field token=…');
      const credentials = await core.loginFlows.poll(clientInfo(request), token);
      // Nextcloud answers 404 until the flow is granted; clients keep polling on 404 only.
      if (!credentials) throw notFound('Not granted (yet): keep polling until the person lets this device in, or start again after 20 minutes');
      return credentials;
    });
  }

  // Nextcloud's own address for the browser page, for clients that build it rather than open `login`.
  app.get('/index.php/login/v2/flow/:token', { schema: { hide: true } }, async (request, reply) => {
    const { token } = request.params as { token: string };
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
    return reply.redirect(`${grantPagePath('poll', encodeURIComponent(token))}${query}`, 302);
  });

  for (const url of ['/index.php/login/flow', '/login/flow']) {
    app.get(url, { schema: { hide: true } }, async (request, reply) => {
      // Like Nextcloud: only an app's web view starts this flow, never a link followed in a browser.
      if (request.headers['ocs-apirequest'] !== 'true') {
        throw badRequest('This address is for the Nextcloud apps (they send OCS-APIREQUEST: true). To connect a device, start the sign-in from the app, or create an app password in your account settings.');
      }
      const started = await core.loginFlows.start(clientInfo(request), 'redirect', serverAddress(request));
      return reply.redirect(grantPagePath('redirect', started.loginToken), 303);
    });
  }
}

const loginFlowSchema = z
  .object({
    kind: z.enum(['poll', 'redirect']).describe('poll: the device polls for its password (login flow v2); redirect: this page hands it over (the older flow)'),
    client_name: z.string().describe('The device, as it named itself (its User-Agent); the app password will have this name'),
    client_ip: z.string().nullable().describe('The address the request came from (a device name is whatever the device says; this helps tell whether it was yours)'),
    server: z.string().describe('The address the device reached this server at'),
    created_at: z.string(),
    expires_at: z.string(),
  })
  .meta({ id: 'LoginFlow' });

const grantedSchema = z
  .object({
    app_password: z.object({ id: z.string(), name: z.string() }).describe('The app password made for the device (listed with your app passwords, revocable there)'),
    redirect_url: z
      .string()
      .nullable()
      .describe('For the older flow: the nc://login/… address to open, which hands the password to the app; null when the device collects it by polling'),
  })
  .meta({ id: 'GrantedLoginFlow' });

const tokenParams = z.object({ token: z.string().min(1).max(200).describe('The token in the address the device opened (…/login/v2/flow/{token})') });

/** The grant itself, for the web app: part of the REST API, for a person signed in interactively. */
export async function loginFlowApiRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.addHook('onRequest', app.authenticate);

  r.get('/login-flows/:token', {
    schema: {
      tags: ['auth'],
      summary: 'A device asking to be let in (Nextcloud login flow): which one, until when',
      security: [{ bearer: [] }],
      params: tokenParams,
      response: { 200: loginFlowSchema, ...errors(401, 403, 404) },
    },
    handler: async (request) => {
      const flow = await core.loginFlows.describe(ctxOf(request), request.params.token);
      return { kind: flow.kind, client_name: flow.clientName, client_ip: flow.clientIp, server: flow.server, created_at: flow.createdAt.toISOString(), expires_at: flow.expiresAt.toISOString() };
    },
  });

  r.post('/login-flows/:token/grant', {
    schema: {
      tags: ['auth'],
      summary: 'Let the device in: creates an app password of yours named after it',
      description:
        'Once per request: a granted, refused or expired (20 minutes) request answers 404. The password itself reaches only the device (it polls for it), except in the older flow, where `redirect_url` carries it to the app.',
      security: [{ bearer: [] }],
      params: tokenParams,
      response: { 200: grantedSchema, ...errors(401, 403, 404) },
    },
    handler: async (request) => {
      const granted = await core.loginFlows.grant(ctxOf(request), request.params.token);
      return { app_password: granted.appPassword, redirect_url: granted.redirectUrl };
    },
  });

  r.post('/login-flows/:token/refuse', {
    schema: {
      tags: ['auth'],
      summary: 'Do not let the device in: the request ends, and the device gets nothing',
      security: [{ bearer: [] }],
      params: tokenParams,
      response: { 204: z.null(), ...errors(401, 403, 404) },
    },
    handler: async (request, reply) => {
      await core.loginFlows.refuse(ctxOf(request), request.params.token);
      return reply.code(204).send(null);
    },
  });
}
