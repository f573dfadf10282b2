import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/core.js';
import { errors } from '../dto.js';
import { clientInfo, ctxOf } from '../plugins/auth.js';
import { sessionCookies } from '../plugins/session-cookies.js';

const tokenPair = z
  .object({
    access_token: z.string(),
    refresh_token: z.string().optional().describe('Absent in cookie sessions: the refresh credential is then an httpOnly cookie'),
    expires_in: z.number(),
    token_type: z.literal('Bearer'),
  })
  .meta({ id: 'TokenPair' });

export async function authRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const cookies = sessionCookies(core.config.refreshTokenTtlSeconds);

  r.post('/auth/login', {
    schema: {
      tags: ['auth'],
      summary: 'Sign in with username (or email) and password',
      description:
        'With `session: "cookie"` (browsers) the refresh token is set as an httpOnly, SameSite=Strict cookie instead of being returned, together with a readable `coffer_csrf` cookie whose value must be echoed in the `X-CSRF-Token` header of refresh and logout.',
      body: z.object({
        username: z.string().min(1).max(320),
        password: z.string().min(1).max(1024),
        session: z.enum(['token', 'cookie']).default('token').describe('Where the refresh token goes: the response body, or an httpOnly cookie'),
      }),
      response: { 200: tokenPair, ...errors(400, 401, 403, 429) },
    },
    handler: async (request, reply) => {
      const { tokens } = await core.auth.login(clientInfo(request), request.body.username, request.body.password);
      return request.body.session === 'cookie' ? cookies.keep(request, reply, tokens) : tokens;
    },
  });

  r.post('/auth/refresh', {
    schema: {
      tags: ['auth'],
      summary: 'Exchange a refresh token for a new pair (the old one stops working)',
      description: 'Without `refresh_token` in the body, the session cookie is used; that needs the `X-CSRF-Token` header.',
      body: z.object({ refresh_token: z.string().min(1).max(200).optional() }).default({}),
      response: { 200: tokenPair, ...errors(400, 401, 403) },
    },
    handler: async (request, reply) => {
      if (request.body.refresh_token) return core.auth.refresh(clientInfo(request), request.body.refresh_token);
      const fromCookie = cookies.read(request);
      try {
        return cookies.keep(request, reply, await core.auth.refresh(clientInfo(request), fromCookie));
      } catch (err) {
        cookies.clear(reply);
        throw err;
      }
    },
  });

  r.post('/auth/logout', {
    schema: {
      tags: ['auth'],
      summary: 'End the session the refresh token belongs to',
      description: 'Without `refresh_token` in the body, ends the cookie session (needs the `X-CSRF-Token` header) and clears its cookies.',
      body: z.object({ refresh_token: z.string().min(1).max(200).optional() }).default({}),
      response: { 204: z.null(), ...errors(400, 403) },
    },
    handler: async (request, reply) => {
      if (request.body.refresh_token) {
        await core.auth.logout(null, request.body.refresh_token);
      } else {
        const token = cookies.readOptional(request);
        if (token) await core.auth.logout(null, token);
        cookies.clear(reply);
      }
      return reply.code(204).send(null);
    },
  });

  r.post('/auth/logout-all', {
    onRequest: app.authenticate,
    schema: { tags: ['auth'], summary: 'End every web and API session of the account', security: [{ bearer: [] }], response: { 204: z.null(), ...errors(401, 403) } },
    handler: async (request, reply) => {
      await core.auth.logoutEverywhere(ctxOf(request));
      return reply.code(204).send(null);
    },
  });

  const appPassword = z.object({ id: z.string(), name: z.string(), created_at: z.string(), last_used_at: z.string().nullable() }).meta({ id: 'AppPassword' });

  r.get('/auth/app-passwords', {
    onRequest: app.authenticate,
    schema: { tags: ['auth'], summary: 'List app passwords with their last use', security: [{ bearer: [] }], response: { 200: z.object({ items: z.array(appPassword) }), ...errors(401, 403) } },
    handler: async (request) => ({
      items: (await core.auth.listAppPasswords(ctxOf(request))).map((p) => ({
        id: p.id,
        name: p.name,
        created_at: p.created_at.toISOString(),
        last_used_at: p.last_used_at?.toISOString() ?? null,
      })),
    }),
  });

  r.post('/auth/app-passwords', {
    onRequest: app.authenticate,
    schema: {
      tags: ['auth'],
      summary: 'Create an app password for WebDAV and scripts (the password is shown only in this response)',
      description:
        'An app password reaches files and sync only (WebDAV, the file, folder and trash routes, reading the account); managing credentials, account security and administration needs an interactive sign-in, and an app password gets 403 there.',
      security: [{ bearer: [] }],
      body: z.object({ name: z.string().min(1).max(100) }),
      response: { 201: z.object({ id: z.string(), name: z.string(), password: z.string() }), ...errors(400, 401, 403) },
    },
    handler: async (request, reply) => {
      const created = await core.auth.createAppPassword(ctxOf(request), request.body.name);
      return reply.code(201).send({ id: created.id, name: created.name, password: created.password });
    },
  });

  r.delete('/auth/app-passwords/:id', {
    onRequest: app.authenticate,
    schema: { tags: ['auth'], summary: 'Revoke an app password', security: [{ bearer: [] }], params: z.object({ id: z.uuid() }), response: { 204: z.null(), ...errors(401, 403, 404) } },
    handler: async (request, reply) => {
      await core.auth.revokeAppPassword(ctxOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  });
}
