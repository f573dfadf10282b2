import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/core.js';
import type { LinkRow } from '../../repositories/link.repository.js';
import { linkState } from '../../services/links.service.js';
import { errors } from '../dto.js';
import { ctxOf } from '../plugins/auth.js';

export const linkPermissionSchema = z
  .enum(['read', 'upload', 'read-write'])
  .describe('read: view and download; upload: a file drop (visitors add files, see nothing); read-write: view, download, add, change and delete');

const linkSchema = z
  .object({
    id: z.string(),
    token: z.string(),
    url: z.string().describe('Path of the public page, /s/{token}'),
    node_id: z.string(),
    node_name: z.string(),
    node_kind: z.enum(['file', 'folder']),
    name: z.string(),
    permission: linkPermissionSchema,
    has_password: z.boolean(),
    expires_at: z.string().nullable(),
    max_downloads: z.number().nullable(),
    downloads: z.number(),
    max_views: z.number().nullable(),
    views: z.number(),
    state: z.enum(['active', 'expired', 'exhausted', 'revoked']),
    created_by: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Link' });

function toLinkDto(l: LinkRow): z.infer<typeof linkSchema> {
  return {
    id: l.id,
    token: l.token,
    url: `/s/${l.token}`,
    node_id: l.node_id,
    node_name: l.node_name,
    node_kind: l.node_kind,
    name: l.name,
    permission: l.permission,
    has_password: l.password_hash !== null,
    expires_at: l.expires_at?.toISOString() ?? null,
    max_downloads: l.max_downloads,
    downloads: l.downloads,
    max_views: l.max_views,
    views: l.views,
    state: linkState(l),
    created_by: l.created_by_username,
    created_at: l.created_at.toISOString(),
    updated_at: l.updated_at.toISOString(),
  };
}

const expiry = z.iso.datetime({ offset: true }).nullable().optional().describe('When the link stops working (ISO 8601); null for never');
const limit = (what: string) => z.number().int().min(1).max(1_000_000).nullable().optional().describe(`How many ${what} the link allows; null for no limit`);
const linkFields = {
  name: z.string().max(200).optional().describe('A name to tell links apart, e.g. who it was sent to'),
  password: z.string().min(4).max(1024).nullable().optional().describe('Visitors must give it (stored as an argon2id hash); null removes it'),
  expires_at: expiry,
  max_downloads: limit('downloads'),
  max_views: limit('page views'),
};
const dateOrNull = (v: string | null | undefined) => (v === undefined ? undefined : v === null ? null : new Date(v));

/** Public links, as their owners manage them. What visitors use is in public-links.routes.ts. */
export async function linksRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.addHook('onRequest', app.authenticate);

  r.get('/links', {
    schema: {
      tags: ['links'],
      summary: "Links of your items and links you made (or, with node_id, an item's links)",
      security: [{ bearer: [] }],
      querystring: z.object({ node_id: z.string().max(64).optional() }),
      response: { 200: z.object({ items: z.array(linkSchema) }), ...errors(401, 403, 404) },
    },
    handler: async (request) => {
      const ctx = ctxOf(request);
      const rows = request.query.node_id !== undefined ? await core.links.forNode(ctx, request.query.node_id) : await core.links.outgoing(ctx);
      return { items: rows.map(toLinkDto) };
    },
  });

  r.post('/links', {
    schema: {
      tags: ['links'],
      summary: 'Make a public link to a file or folder',
      security: [{ bearer: [] }],
      body: z.object({ node_id: z.string().min(1).max(64), permission: linkPermissionSchema.default('read'), ...linkFields }),
      response: { 201: linkSchema, ...errors(400, 401, 403, 404) },
    },
    handler: async (request, reply) => {
      const b = request.body;
      const link = await core.links.create(ctxOf(request), {
        nodeId: b.node_id,
        name: b.name,
        permission: b.permission,
        password: b.password,
        expiresAt: dateOrNull(b.expires_at) ?? null,
        maxDownloads: b.max_downloads,
        maxViews: b.max_views,
      });
      return reply.code(201).send(toLinkDto(link));
    },
  });

  r.get('/links/:id', {
    schema: {
      tags: ['links'],
      summary: 'One link',
      security: [{ bearer: [] }],
      params: z.object({ id: z.string().max(64) }),
      response: { 200: linkSchema, ...errors(401, 403, 404) },
    },
    handler: async (request) => toLinkDto(await core.links.get(ctxOf(request), request.params.id)),
  });

  r.patch('/links/:id', {
    schema: {
      tags: ['links'],
      summary: "Change a link's name, permission, password, expiry or limits",
      security: [{ bearer: [] }],
      params: z.object({ id: z.string().max(64) }),
      body: z.object({ permission: linkPermissionSchema.optional(), ...linkFields }),
      response: { 200: linkSchema, ...errors(400, 401, 403, 404) },
    },
    handler: async (request) => {
      const b = request.body;
      return toLinkDto(
        await core.links.update(ctxOf(request), request.params.id, {
          name: b.name,
          permission: b.permission,
          password: b.password,
          expiresAt: dateOrNull(b.expires_at),
          maxDownloads: b.max_downloads,
          maxViews: b.max_views,
        }),
      );
    },
  });

  r.delete('/links/:id', {
    schema: {
      tags: ['links'],
      summary: 'Revoke a link: visitors are told so from their next request on',
      security: [{ bearer: [] }],
      params: z.object({ id: z.string().max(64) }),
      response: { 204: z.null(), ...errors(401, 403, 404) },
    },
    handler: async (request, reply) => {
      await core.links.revoke(ctxOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  });
}
