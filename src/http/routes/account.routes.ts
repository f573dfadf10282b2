import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/core.js';
import { auditEventSchema, errors, pageQuery, toAuditEventDto, toUserDto, userSchema } from '../dto.js';
import { APP_PASSWORDS_ACCEPTED, ctxOf } from '../plugins/auth.js';

const usageSchema = z
  .object({
    used: z.number().describe('Bytes counted against the quota: files, trash and old versions'),
    quota: z.number().nullable().describe('Bytes allowed; null means unlimited'),
    available: z.number().nullable(),
    files: z.number(),
    trash: z.number(),
    versions: z.number(),
  })
  .meta({ id: 'Usage' });

export async function accountRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // Reading one's own account and usage is open to app passwords (sync clients show the quota);
  // everything else here manages the account and needs an interactive sign-in.
  r.addHook('onRequest', app.authenticate);

  r.get('/account', {
    config: APP_PASSWORDS_ACCEPTED,
    schema: { tags: ['account'], summary: 'The signed-in account and its storage usage', security: [{ bearer: [] }, { appPassword: [] }], response: { 200: z.object({ user: userSchema, usage: usageSchema }), ...errors(401) } },
    handler: async (request) => {
      const ctx = ctxOf(request);
      const [user, usage] = await Promise.all([core.users.get(ctx.actor.userId), core.users.usage(ctx.actor.userId)]);
      return { user: toUserDto(user), usage };
    },
  });

  r.get('/account/activity', {
    schema: {
      tags: ['account'],
      summary: 'What happened to your files, newest first: by you, by people you share with, by visitors of your links',
      description: 'The audit events of your own space. Visitors of a public link appear under the link\'s name, with `detail.link` its id.',
      security: [{ bearer: [] }],
      querystring: z.object({
        action: z.string().max(100).optional().describe('Only this action, e.g. file.download or link.view'),
        link_id: z.uuid().optional().describe('Only what visitors of this link did'),
        ...pageQuery,
      }),
      response: { 200: z.object({ items: z.array(auditEventSchema), total: z.number() }), ...errors(400, 401, 404) },
    },
    handler: async (request) => {
      const q = request.query;
      const space = await core.tree.homeSpace(ctxOf(request));
      const { items, total } = await core.audit.query({ chain: space.id, action: q.action, linkId: q.link_id, limit: q.limit, offset: q.offset });
      return { items: items.map(toAuditEventDto), total };
    },
  });

  r.get('/account/quota', {
    config: APP_PASSWORDS_ACCEPTED,
    schema: { tags: ['account'], summary: 'Quota and usage', security: [{ bearer: [] }, { appPassword: [] }], response: { 200: usageSchema, ...errors(401) } },
    handler: async (request) => core.users.usage(ctxOf(request).actor.userId),
  });

  r.patch('/account', {
    schema: {
      tags: ['account'],
      summary: 'Change display name or email',
      security: [{ bearer: [] }],
      body: z.object({ display_name: z.string().min(1).max(200).optional(), email: z.email().nullable().optional() }),
      response: { 200: userSchema, ...errors(400, 401, 403, 409) },
    },
    handler: async (request) => {
      const ctx = ctxOf(request);
      return toUserDto(await core.users.update(ctx, ctx.actor.userId, { displayName: request.body.display_name, email: request.body.email }, 'account.update'));
    },
  });

  r.post('/account/password', {
    schema: {
      tags: ['account'],
      summary: 'Change the account password (ends other web sessions)',
      security: [{ bearer: [] }],
      body: z.object({ current_password: z.string().min(1).max(1024), new_password: z.string().min(1).max(1024) }),
      response: { 204: z.null(), ...errors(400, 401, 403) },
    },
    handler: async (request, reply) => {
      await core.users.changeOwnPassword(ctxOf(request), request.body.current_password, request.body.new_password, request.sessionFamilyId);
      return reply.code(204).send(null);
    },
  });

  const sessionSchema = z
    .object({
      id: z.string(),
      device: z.string().describe('The client, as its User-Agent names it'),
      app_password_id: z.string().nullable(),
      app_password_name: z.string().nullable(),
      ip: z.string().nullable(),
      created_at: z.string(),
      last_activity_at: z.string(),
      active: z.boolean().describe('False once idle for 30 days; idle sessions do not count against the limit'),
    })
    .meta({ id: 'ProtocolSession' });

  r.get('/account/sessions', {
    schema: {
      tags: ['account'],
      summary: 'Devices connected with an app password (WebDAV clients)',
      security: [{ bearer: [] }],
      response: { 200: z.object({ items: z.array(sessionSchema), limit: z.number() }), ...errors(401, 403) },
    },
    handler: async (request) => ({
      items: (await core.protocolSessions.list(ctxOf(request))).map((s) => ({
        ...s,
        created_at: s.created_at.toISOString(),
        last_activity_at: s.last_activity_at.toISOString(),
      })),
      limit: core.config.dav.maxProtocolSessions,
    }),
  });

  r.delete('/account/sessions/:id', {
    schema: {
      tags: ['account'],
      summary: 'Sign a device out: revokes the app password it signed in with, on every server at once',
      description: 'Every other device that used the same app password is signed out with it; each needs a new app password to connect again.',
      security: [{ bearer: [] }],
      params: z.object({ id: z.uuid() }),
      response: { 204: z.null(), ...errors(401, 403, 404) },
    },
    handler: async (request, reply) => {
      await core.protocolSessions.end(ctxOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  });
}
