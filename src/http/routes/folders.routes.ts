import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/core.js';
import type { FolderPolicy } from '../../db/schema.js';
import type { EffectivePolicy } from '../../services/write-rules.service.js';
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

  const policyFields = {
    allowed_extensions: z.array(z.string().max(32)).max(200).nullable().describe('Extensions without the dot ("zip"); null: any'),
    allowed_types: z.array(z.string().max(200)).max(200).nullable().describe('Media types the content must sniff as ("application/zip", "image/*"); null: any'),
    max_file_bytes: z.number().int().min(0).nullable(),
    write_once: z.boolean().describe('Files can be added, never overwritten, renamed, moved out or deleted (but by an organisation admin, audited)'),
    originals_id: z.uuid().nullable().describe('Files written here are made from an original below this folder and name it (derived_from); null: none'),
    max_age_hours: z.number().int().min(1).max(87_600).nullable().describe('Items unchanged here for longer are deleted for good by the maintenance job; null: kept'),
  };
  const policySchema = z.object(policyFields).meta({ id: 'FolderPolicy' });
  const policyAnswer = z
    .object({
      own: policySchema.nullable().describe("This folder's own policy"),
      effective: z
        .object({
          allowed_extensions: policyFields.allowed_extensions,
          allowed_types: policyFields.allowed_types,
          max_file_bytes: policyFields.max_file_bytes,
          write_once: z.boolean(),
          write_once_folder_id: z.string().nullable(),
          originals_folder_id: z.string().nullable().describe('Files written here name an original below this folder'),
        })
        .describe('What applies here, inherited from the folders above included (a maximum age applies only to its own folder)'),
    })
    .meta({ id: 'FolderPolicies' });
  const toAnswer = (r: { own: FolderPolicy | null; effective: EffectivePolicy }) => ({
    own: r.own
      ? {
          allowed_extensions: r.own.allowed_extensions,
          allowed_types: r.own.allowed_types,
          max_file_bytes: r.own.max_file_bytes === null ? null : Number(r.own.max_file_bytes),
          write_once: r.own.write_once,
          originals_id: r.own.originals_id,
          max_age_hours: r.own.max_age_hours,
        }
      : null,
    effective: {
      allowed_extensions: r.effective.allowedExtensions,
      allowed_types: r.effective.allowedTypes,
      max_file_bytes: r.effective.maxFileBytes,
      write_once: r.effective.writeOnceAt !== null,
      write_once_folder_id: r.effective.writeOnceAt,
      originals_folder_id: r.effective.originalsAt,
    },
  });

  r.get('/folders/:id/policy', {
    schema: { tags: ['folders'], summary: "A folder's policy and the policy that applies in it", security: [{ bearer: [] }], params: z.object({ id: z.string().max(64) }), response: { 200: policyAnswer, ...errors(401, 404, 409) } },
    handler: async (request) => toAnswer(await core.rules.policyOf(ctxOf(request), request.params.id)),
  });

  r.put('/folders/:id/policy', {
    schema: {
      tags: ['folders'],
      summary: "Set a folder's policy, inherited by everything below it (its managers; lifting write-once: organisation admins)",
      security: [{ bearer: [] }],
      params: z.object({ id: z.string().max(64) }),
      body: z.object({
        allowed_extensions: policyFields.allowed_extensions.optional(),
        allowed_types: policyFields.allowed_types.optional(),
        max_file_bytes: policyFields.max_file_bytes.optional(),
        write_once: z.boolean().default(false),
        // Left out: kept as they are, so that a client which knows only the fields above keeps them.
        originals_id: policyFields.originals_id.optional().describe('Left out: kept as it is'),
        max_age_hours: policyFields.max_age_hours.optional().describe('Left out: kept as it is'),
      }),
      response: { 200: policyAnswer, ...errors(400, 401, 403, 404, 409) },
    },
    handler: async (request) => {
      const b = request.body;
      return toAnswer(
        await core.rules.setPolicy(ctxOf(request), request.params.id, {
          allowed_extensions: b.allowed_extensions ?? null,
          allowed_types: b.allowed_types ?? null,
          max_file_bytes: b.max_file_bytes ?? null,
          write_once: b.write_once,
          originals_id: b.originals_id,
          max_age_hours: b.max_age_hours,
        }),
      );
    },
  });

  r.delete('/folders/:id/policy', {
    schema: { tags: ['folders'], summary: "Remove a folder's own policy", security: [{ bearer: [] }], params: z.object({ id: z.string().max(64) }), response: { 200: policyAnswer, ...errors(401, 403, 404, 409) } },
    handler: async (request) => toAnswer(await core.rules.setPolicy(ctxOf(request), request.params.id, null)),
  });
}
