import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/core.js';
import { errors, nodeSchema, shownPath, pageQuery, toListedNodeDto, toNodeDto } from '../dto.js';
import { acceptAppPasswords, ctxOf } from '../plugins/auth.js';
import { badRequest, invalidName } from '../../core/errors.js';
import { normalizeName } from '../../core/names.js';

/**
 * `name` is one folder name, as a person types it in a "New folder" box: a "/" in it is a
 * mistake to explain, not a path to walk. `path` keeps the relative-path form for programs.
 */
function folderPathOf(body: { name?: string | undefined; path?: string | undefined }): string {
  if (body.name !== undefined && body.path !== undefined) throw badRequest('Give either the name of the new folder or its path, not both');
  if (body.name !== undefined) {
    if (body.name.includes('/')) throw invalidName('A folder name cannot contain "/"');
    return normalizeName(body.name);
  }
  if (body.path === undefined) throw badRequest('Give the name of the folder to create');
  return body.path;
}

export async function foldersRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.addHook('onRequest', app.authenticate);
  // Files and sync: app passwords may call these routes.
  acceptAppPasswords(r);

  r.get('/folders/:id/children', {
    // The DTOs are built here from typed rows; validating 10,000 of them again on the way out
    // cost more than the query. The schema still documents the response.
    serializerCompiler: () => (data) => JSON.stringify(data),
    schema: {
      tags: ['folders'],
      summary: 'List a folder ("root" for your top folder): folders first, paginated and sorted',
      security: [{ bearer: [] }],
      params: z.object({ id: z.string().max(64) }),
      querystring: z.object({
        sort: z.enum(['name', 'size', 'modified']).default('name'),
        order: z.enum(['asc', 'desc']).default('asc'),
        ...pageQuery,
      }),
      response: {
        200: z.object({ folder: nodeSchema, items: z.array(nodeSchema), total: z.number(), limit: z.number(), offset: z.number() }),
        ...errors(400, 401, 404, 409),
      },
    },
    handler: async (request) => {
      const q = request.query;
      const { folder, items, total } = await core.files.list(ctxOf(request), request.params.id, q);
      return { folder: toNodeDto(folder.node, shownPath(ctxOf(request), folder)), items: items.map(toListedNodeDto), total, limit: q.limit, offset: q.offset };
    },
  });

  r.post('/folders', {
    schema: {
      tags: ['folders'],
      summary: 'Create a folder; with parents, missing folders on the way are created and an existing one is returned',
      security: [{ bearer: [] }],
      body: z.object({
        parent_id: z.string().max(64).default('root'),
        name: z.string().min(1).max(1024).optional().describe('The name of the one folder to create; it cannot contain "/". Give either name or path'),
        path: z
          .string()
          .min(1)
          .max(4096)
          .optional()
          .describe('Name, or relative path such as "a/b/c"; the new folder may lie at most COFFER_MAX_PATH_DEPTH (default 100) levels below the top folder'),
        parents: z.boolean().default(false),
      }),
      response: { 201: nodeSchema, 200: nodeSchema, ...errors(400, 401, 404, 409, 503) },
    },
    handler: async (request, reply) => {
      const b = request.body;
      const path = folderPathOf(b);
      const result = await core.files.createFolder(ctxOf(request), b.parent_id, path, { parents: b.parents });
      return reply.code(result.created ? 201 : 200).send(toNodeDto(result.node, shownPath(ctxOf(request), result)));
    },
  });
}
