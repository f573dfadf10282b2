import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/core.js';
import { MAX_SESSION_MINUTES, type ShownSupportRequest } from '../../services/support.service.js';
import { auditEventSchema, errors, pageQuery, toAuditEventDto } from '../dto.js';
import { ctxOf } from '../plugins/auth.js';

const access = z.enum(['read', 'write']).describe('read: open and download; write: also add, change and delete (never share or purge)');

const supportRequestSchema = z
  .object({
    id: z.string(),
    org: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
    space: z.object({ id: z.string(), name: z.string(), root_folder_id: z.string().nullable() }),
    requested_by: z.object({ id: z.string(), username: z.string() }),
    reason: z.string(),
    access,
    minutes: z.number().describe('How long the session runs once started (as asked, then as approved)'),
    status: z
      .enum(['pending', 'approved', 'refused', 'cancelled', 'active', 'ended', 'revoked', 'expired'])
      .describe('expired: approved but not started within 24 hours; ended: its time ran out or its asker ended it'),
    decided_by: z.string().nullable().describe('Username of the owner who decided'),
    decided_at: z.string().nullable(),
    decision_note: z.string().nullable(),
    started_at: z.string().nullable(),
    ends_at: z.string().nullable(),
    ended_at: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'SupportRequest' });

function toDto(r: ShownSupportRequest): z.infer<typeof supportRequestSchema> {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    id: r.id,
    org: { id: r.org_id, slug: r.org_slug, name: r.org_name },
    space: { id: r.space_id, name: r.space_name, root_folder_id: r.space_root_id },
    requested_by: { id: r.requested_by, username: r.requested_by_name },
    reason: r.reason,
    access: r.access,
    minutes: r.minutes,
    status: r.shown_status,
    decided_by: r.decided_by_name,
    decided_at: iso(r.decided_at),
    decision_note: r.decision_note,
    started_at: iso(r.started_at),
    ends_at: iso(r.ends_at),
    ended_at: iso(r.ended_at),
    created_at: r.created_at.toISOString(),
  };
}

/** Owner-approved support access to a tenant's space: asking, deciding, the one session, its record. */
export async function supportRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.addHook('onRequest', app.authenticate);
  const idParam = z.object({ id: z.uuid() });
  const one = { 200: supportRequestSchema, ...errors(400, 401, 403, 404, 409, 410) };

  r.post('/spaces/:id/support-requests', {
    schema: {
      tags: ['support'],
      summary: "Ask an organisation's owners for access to one of its spaces, with a reason (instance administrators and the organisation's admins)",
      security: [{ bearer: [] }],
      params: idParam,
      body: z.object({
        reason: z.string().min(1).max(2000),
        access: access.default('read'),
        minutes: z.number().int().min(5).max(MAX_SESSION_MINUTES).default(60).describe('How long the session would run once started'),
      }),
      response: { 201: supportRequestSchema, ...errors(400, 401, 403, 404, 409) },
    },
    handler: async (request, reply) => reply.code(201).send(toDto(await core.support.request(ctxOf(request), request.params.id, request.body))),
  });

  r.get('/support-requests', {
    schema: { tags: ['support'], summary: 'The support requests you made', security: [{ bearer: [] }], response: { 200: z.object({ items: z.array(supportRequestSchema) }), ...errors(401) } },
    handler: async (request) => ({ items: (await core.support.mine(ctxOf(request))).map(toDto) }),
  });

  r.get('/orgs/:org/support-requests', {
    schema: {
      tags: ['support'],
      summary: "An organisation's support requests: all of them for its owners, your own for anyone else",
      security: [{ bearer: [] }],
      params: z.object({ org: z.string().min(1).max(64).describe('Id or handle') }),
      response: { 200: z.object({ items: z.array(supportRequestSchema) }), ...errors(401, 404) },
    },
    handler: async (request) => {
      const ctx = ctxOf(request);
      const { org } = await core.orgs.standing(ctx, request.params.org);
      return { items: (await core.support.ofOrg(ctx, org.id)).map(toDto) };
    },
  });

  r.get('/support-requests/:id', {
    schema: { tags: ['support'], summary: 'One support request (its asker and the organisation’s owners)', security: [{ bearer: [] }], params: idParam, response: { 200: supportRequestSchema, ...errors(401, 404) } },
    handler: async (request) => toDto(await core.support.get(ctxOf(request), request.params.id)),
  });

  r.post('/support-requests/:id/approve', {
    schema: {
      tags: ['support'],
      summary: 'Approve a request (owners): read-only unless you give write, for the time asked unless you choose another',
      security: [{ bearer: [] }],
      params: idParam,
      body: z.object({ access: access.optional(), minutes: z.number().int().min(5).max(MAX_SESSION_MINUTES).optional(), note: z.string().max(2000).optional() }),
      response: one,
    },
    handler: async (request) => toDto(await core.support.approve(ctxOf(request), request.params.id, request.body)),
  });

  r.post('/support-requests/:id/refuse', {
    schema: { tags: ['support'], summary: 'Refuse a request (owners)', security: [{ bearer: [] }], params: idParam, body: z.object({ note: z.string().max(2000).optional() }), response: one },
    handler: async (request) => toDto(await core.support.refuse(ctxOf(request), request.params.id, request.body)),
  });

  const transitions = [
    ['start', 'Start the approved session (its asker, once, within 24 hours of the approval): it runs for the approved time from now'],
    ['end', 'End your running session early'],
    ['cancel', 'Withdraw your request, or an approval you no longer need'],
    ['revoke', 'Take back an approval or stop a running session at once (owners)'],
  ] as const;
  for (const [action, summary] of transitions) {
    r.post(`/support-requests/:id/${action}`, {
      schema: { tags: ['support'], summary, security: [{ bearer: [] }], params: idParam, response: one },
      handler: async (request) => toDto(await core.support[action](ctxOf(request), request.params.id)),
    });
  }

  r.get('/support-requests/:id/activity', {
    schema: {
      tags: ['support'],
      summary: 'What happened under a request: asking, deciding, and every request its session made (its asker and the owners)',
      security: [{ bearer: [] }],
      params: idParam,
      querystring: z.object(pageQuery),
      response: { 200: z.object({ items: z.array(auditEventSchema), total: z.number() }), ...errors(401, 404) },
    },
    handler: async (request) => {
      const { items, total } = await core.support.activity(ctxOf(request), request.params.id, request.query);
      return { items: items.map(toAuditEventDto), total };
    },
  });
}
