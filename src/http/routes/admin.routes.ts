import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/core.js';
import { checkPasswordPolicy } from '../../services/users.service.js';
import { auditEventSchema as auditEvent, errors, pageQuery, toAuditEventDto, toUserDto, userSchema } from '../dto.js';
import { ctxOf } from '../plugins/auth.js';
import { auditFilter, auditFilterOf, sendAuditCsv } from '../audit-export.js';

const quota = z.number().int().min(0).nullable().describe('Bytes; null means unlimited');

export async function adminRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.addHook('onRequest', app.requireAdmin);
  const idParam = z.object({ id: z.uuid() });

  r.get('/admin/users', {
    schema: {
      tags: ['admin'],
      summary: 'List users with their quota and usage',
      security: [{ bearer: [] }],
      querystring: z.object({
        search: z.string().max(200).optional(),
        status: z.enum(['pending', 'active', 'suspended', 'deleted']).optional(),
        role: z.enum(['admin', 'user']).optional(),
        sort: z.enum(['username', 'created', 'used']).default('username'),
        order: z.enum(['asc', 'desc']).default('asc'),
        ...pageQuery,
      }),
      response: { 200: z.object({ items: z.array(userSchema), total: z.number() }), ...errors(401, 403) },
    },
    handler: async (request) => {
      const { items, total } = await core.users.list(request.query);
      return { items: items.map(toUserDto), total };
    },
  });

  r.post('/admin/users', {
    schema: {
      tags: ['admin'],
      summary: 'Create a user',
      security: [{ bearer: [] }],
      body: z.object({
        username: z.string().min(2).max(64),
        password: z.string().min(1).max(1024),
        email: z.email().nullable().optional(),
        display_name: z.string().max(200).optional(),
        role: z.enum(['admin', 'user']).default('user'),
        status: z.enum(['pending', 'active', 'suspended']).default('active'),
        quota_bytes: quota.optional(),
      }),
      response: { 201: userSchema, ...errors(400, 401, 403, 409) },
    },
    handler: async (request, reply) => {
      const b = request.body;
      const user = await core.users.create(ctxOf(request), {
        username: b.username,
        password: b.password,
        email: b.email,
        displayName: b.display_name,
        role: b.role,
        status: b.status,
        quotaBytes: b.quota_bytes,
      });
      return reply.code(201).send(toUserDto(user));
    },
  });

  r.get('/admin/users/:id', {
    schema: { tags: ['admin'], summary: 'One user', security: [{ bearer: [] }], params: idParam, response: { 200: userSchema, ...errors(401, 403, 404) } },
    handler: async (request) => {
      const user = await core.users.get(request.params.id);
      const usage = await core.users.usage(user.id).catch(() => null);
      return toUserDto({ ...user, quota_bytes: usage?.quota ?? null, used_bytes: usage?.used ?? 0 });
    },
  });

  r.patch('/admin/users/:id', {
    schema: {
      tags: ['admin'],
      summary: 'Change role, quota, status, email or display name',
      security: [{ bearer: [] }],
      params: idParam,
      body: z.object({
        role: z.enum(['admin', 'user']).optional(),
        status: z.enum(['pending', 'active', 'suspended']).optional(),
        quota_bytes: quota.optional(),
        email: z.email().nullable().optional(),
        display_name: z.string().min(1).max(200).optional(),
        password: z.string().min(1).max(1024).optional(),
      }),
      response: { 200: userSchema, ...errors(400, 401, 403, 404, 409) },
    },
    handler: async (request) => {
      const ctx = ctxOf(request);
      const b = request.body;
      // Checked first, so a refused password does not leave the rest of the change applied.
      if (b.password !== undefined) checkPasswordPolicy(b.password);
      const user = await core.users.update(ctx, request.params.id, {
        role: b.role,
        status: b.status,
        quotaBytes: b.quota_bytes,
        email: b.email,
        displayName: b.display_name,
      });
      if (b.password !== undefined) await core.users.setPassword(ctx, user.id, b.password);
      return toUserDto(user);
    },
  });

  r.post('/admin/users/:id/suspend', {
    schema: { tags: ['admin'], summary: 'Suspend a user: sessions end and sign-in is refused', security: [{ bearer: [] }], params: idParam, response: { 200: userSchema, ...errors(401, 403, 404) } },
    handler: async (request) => toUserDto(await core.users.update(ctxOf(request), request.params.id, { status: 'suspended' })),
  });

  r.post('/admin/users/:id/reactivate', {
    schema: { tags: ['admin'], summary: 'Reactivate a suspended or pending user', security: [{ bearer: [] }], params: idParam, response: { 200: userSchema, ...errors(401, 403, 404) } },
    handler: async (request) => toUserDto(await core.users.update(ctxOf(request), request.params.id, { status: 'active' })),
  });


  r.get('/admin/audit', {
    schema: {
      tags: ['admin'],
      summary: 'Query the audit log, newest first',
      security: [{ bearer: [] }],
      querystring: z.object({ ...auditFilter, ...pageQuery }),
      response: { 200: z.object({ items: z.array(auditEvent), total: z.number() }), ...errors(400, 401, 403) },
    },
    handler: async (request) => {
      const q = request.query;
      const { items, total } = await core.audit.query({ ...auditFilterOf(q), limit: q.limit, offset: q.offset });
      return {
        items: items.map(toAuditEventDto),
        total,
      };
    },
  });

  r.get('/admin/audit/export', {
    schema: {
      tags: ['admin'],
      summary: 'The audit log as CSV (newest first), with the same filters as the query and no paging',
      description: 'Streamed; cells that a spreadsheet would run as a formula are prefixed with an apostrophe.',
      security: [{ bearer: [] }],
      querystring: z.object(auditFilter),
      produces: ['text/csv'],
      response: errors(400, 401, 403),
    },
    handler: async (request, reply) => {
      // Rows recorded after the export started are left out, so the file is one moment's view.
      const asked = auditFilterOf(request.query);
      return sendAuditCsv(reply, core.audit.exportAll({ ...asked, to: asked.to ?? new Date() }), `coffer-audit-${new Date().toISOString().slice(0, 10)}.csv`);
    },
  });

  r.get('/admin/storage', {
    schema: {
      tags: ['admin'],
      summary: 'Storage of the whole server: totals and the users using the most',
      security: [{ bearer: [] }],
      response: {
        200: z
          .object({
            users: z.number(),
            used: z.number().describe('Bytes counted against quotas: files, trash and old versions'),
            files: z.number(),
            trash: z.number(),
            versions: z.number(),
            quota_total: z.number().nullable().describe('Quota handed out; null when some account is unlimited'),
            top_users: z.array(z.object({ id: z.string(), username: z.string(), used: z.number(), quota: z.number().nullable() })),
          })
          .meta({ id: 'StorageOverview' }),
        ...errors(401, 403),
      },
    },
    handler: async () => core.users.storageOverview(),
  });
}
