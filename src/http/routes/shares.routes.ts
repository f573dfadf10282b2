import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/core.js';
import type { ShareRow } from '../../repositories/share.repository.js';
import type { Node } from '../../db/schema.js';
import { errors, nodeSchema, toNodeDto } from '../dto.js';
import { ctxOf } from '../plugins/auth.js';
import { SHARED_WITH_ME } from '../../core/access.js';

const roleSchema = z.enum(['viewer', 'editor', 'manager']).describe('viewer: open and download; editor: also add, change, rename, move and delete; manager: also share further (never above their own role)');
const personSchema = z.object({ id: z.string(), username: z.string(), display_name: z.string() }).meta({ id: 'Person' });

const shareSchema = z
  .object({
    id: z.string(),
    node_id: z.string(),
    node_name: z.string(),
    node_kind: z.enum(['file', 'folder']),
    role: roleSchema,
    expires_at: z.string().nullable(),
    owner: personSchema.nullable(),
    recipient: personSchema,
    created_by: z.string().nullable().describe('Username of whoever made the share'),
    mount_name: z.string().describe('The name the recipient sees it under, in "Shared with me"'),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Share' });

const incomingSchema = shareSchema.extend({ node: nodeSchema, path: z.string() }).meta({ id: 'IncomingShare' });

function toShareDto(s: ShareRow): z.infer<typeof shareSchema> {
  return {
    id: s.id,
    node_id: s.node_id,
    node_name: s.node_name,
    node_kind: s.node_kind,
    role: s.role,
    expires_at: s.expires_at?.toISOString() ?? null,
    owner: s.owner_id && s.owner_username ? { id: s.owner_id, username: s.owner_username, display_name: s.owner_display_name ?? s.owner_username } : null,
    recipient: { id: s.recipient_id, username: s.recipient_username, display_name: s.recipient_display_name },
    created_by: s.created_by_username,
    mount_name: s.mount_name,
    created_at: s.created_at.toISOString(),
    updated_at: s.updated_at.toISOString(),
  };
}

function toIncomingDto(s: ShareRow, node: Node) {
  const path = `/${SHARED_WITH_ME}/${s.mount_name}`;
  return { ...toShareDto(s), node: toNodeDto(node, path), path };
}

const expiry = z.iso.datetime({ offset: true }).nullable().optional().describe('When the share ends (ISO 8601); null for never');

/** Sharing files and folders with other people. The web app and scripts use these; WebDAV shows the result. */
export async function sharesRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.addHook('onRequest', app.authenticate);

  r.get('/shares', {
    schema: {
      tags: ['shares'],
      summary: 'Shares with you ("incoming", the default), shares of your items and shares you made ("outgoing"), or everyone an item is shared with (node_id)',
      security: [{ bearer: [] }],
      querystring: z.object({
        direction: z.enum(['incoming', 'outgoing']).default('incoming'),
        node_id: z.string().max(64).optional(),
      }),
      response: {
        200: z.object({ items: z.array(z.union([incomingSchema, shareSchema])) }),
        ...errors(400, 401, 403, 404),
      },
    },
    handler: async (request) => {
      const ctx = ctxOf(request);
      const { direction, node_id } = request.query;
      if (node_id !== undefined) return { items: (await core.shares.forNode(ctx, node_id)).map(toShareDto) };
      if (direction === 'incoming') return { items: (await core.shares.incoming(ctx)).map((i) => toIncomingDto(i.share, i.node)) };
      return { items: (await core.shares.outgoing(ctx)).map(toShareDto) };
    },
  });

  r.post('/shares', {
    schema: {
      tags: ['shares'],
      summary: 'Share a file or folder with a person',
      security: [{ bearer: [] }],
      body: z.object({
        node_id: z.string().min(1).max(64),
        recipient: z.string().min(1).max(320).describe('Username or user id'),
        role: roleSchema,
        expires_at: expiry,
      }),
      response: { 201: shareSchema, ...errors(400, 401, 403, 404, 409) },
    },
    handler: async (request, reply) => {
      const b = request.body;
      const share = await core.shares.create(ctxOf(request), {
        nodeId: b.node_id,
        recipient: b.recipient,
        role: b.role,
        expiresAt: b.expires_at ? new Date(b.expires_at) : null,
      });
      return reply.code(201).send(toShareDto(share));
    },
  });

  r.get('/shares/:id', {
    schema: {
      tags: ['shares'],
      summary: 'One share (its recipient, its owner or whoever made it)',
      security: [{ bearer: [] }],
      params: z.object({ id: z.string().max(64) }),
      response: { 200: shareSchema, ...errors(401, 403, 404) },
    },
    handler: async (request) => toShareDto(await core.shares.get(ctxOf(request), request.params.id)),
  });

  r.patch('/shares/:id', {
    schema: {
      tags: ['shares'],
      summary: 'Change the role or expiry of a share',
      security: [{ bearer: [] }],
      params: z.object({ id: z.string().max(64) }),
      body: z.object({ role: roleSchema.optional(), expires_at: expiry }),
      response: { 200: shareSchema, ...errors(400, 401, 403, 404) },
    },
    handler: async (request) => {
      const b = request.body;
      return toShareDto(
        await core.shares.update(ctxOf(request), request.params.id, {
          role: b.role,
          expiresAt: b.expires_at === undefined ? undefined : b.expires_at === null ? null : new Date(b.expires_at),
        }),
      );
    },
  });

  r.delete('/shares/:id', {
    schema: {
      tags: ['shares'],
      summary: 'Revoke a share (owner or whoever made it) or leave it (its recipient); takes effect on the next request',
      security: [{ bearer: [] }],
      params: z.object({ id: z.string().max(64) }),
      response: { 204: z.null(), ...errors(401, 403, 404) },
    },
    handler: async (request, reply) => {
      await core.shares.remove(ctxOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  });

  r.get('/people', {
    schema: {
      tags: ['shares'],
      summary: 'Find people to share with by username or name (emails are neither searched nor shown)',
      security: [{ bearer: [] }],
      querystring: z.object({ q: z.string().max(100), limit: z.coerce.number().int().min(1).max(50).default(10) }),
      response: { 200: z.object({ items: z.array(personSchema) }), ...errors(400, 401) },
    },
    handler: async (request) => ({ items: await core.shares.searchUsers(ctxOf(request), request.query.q, request.query.limit) }),
  });
}
