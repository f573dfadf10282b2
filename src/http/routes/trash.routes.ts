import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/core.js';
import { errors, nodeSchema, shownPath, pageQuery, toNodeDto, toTrashDto, trashItemSchema } from '../dto.js';
import { acceptAppPasswords, ctxOf } from '../plugins/auth.js';

export async function trashRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.addHook('onRequest', app.authenticate);
  // Files and sync: app passwords may call these routes.
  acceptAppPasswords(r);
  const idParam = z.object({ id: z.uuid() });
  const spaceIdQuery = z.uuid().optional().describe('An organisation space; without it, your own');

  r.get('/trash', {
    schema: {
      tags: ['trash'],
      summary: 'Items in the trash of your own space, or of an organisation space (space_id; editors and managers), most recently deleted first',
      security: [{ bearer: [] }],
      querystring: z.object({ ...pageQuery, space_id: spaceIdQuery }),
      response: {
        200: z.object({
          items: z.array(trashItemSchema),
          total: z.number(),
          retention_days: z.number().nullable().describe('Days an item stays in the trash before it is deleted for good; null: until the trash is emptied'),
        }),
        ...errors(401, 403, 404),
      },
    },
    handler: async (request) => {
      const { items, total, retentionDays } = await core.trash.list(ctxOf(request), request.query.limit, request.query.offset, request.query.space_id);
      return { items: items.map(toTrashDto), total, retention_days: retentionDays };
    },
  });

  r.post('/trash/:id/restore', {
    schema: {
      tags: ['trash'],
      summary: 'Put an item back where it was (a taken name gets a free "name (n)"; missing folders are recreated)',
      security: [{ bearer: [] }],
      params: idParam,
      response: { 200: nodeSchema, ...errors(401, 403, 404) },
    },
    handler: async (request) => {
      const located = await core.trash.restore(ctxOf(request), request.params.id);
      return toNodeDto(located.node, shownPath(ctxOf(request), located));
    },
  });

  r.delete('/trash/:id', {
    schema: { tags: ['trash'], summary: 'Delete one item from the trash for good (in an organisation space: its managers)', security: [{ bearer: [] }], params: idParam, response: { 204: z.null(), ...errors(401, 403, 404) } },
    handler: async (request, reply) => {
      await core.trash.deletePermanently(ctxOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  });

  r.delete('/trash', {
    schema: {
      tags: ['trash'],
      summary: 'Empty the trash of your own space, or of an organisation space (space_id; its managers)',
      security: [{ bearer: [] }],
      querystring: z.object({ space_id: spaceIdQuery }),
      response: { 200: z.object({ purged: z.number() }), ...errors(401, 403, 404) },
    },
    handler: async (request) => ({ purged: await core.trash.empty(ctxOf(request), request.query.space_id) }),
  });
}
