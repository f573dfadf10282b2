import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/core.js';
import type { SpaceTemplate } from '../../core/space-template.js';
import type { LocatedNode } from '../../services/tree.service.js';
import { SHARED_WITH_ME } from '../../core/access.js';
import { notFound } from '../../core/errors.js';
import { visiblePath } from '../../services/access.service.js';
import { errors, nodeSchema, toNodeDto } from '../dto.js';
import { acceptAppPasswords, ctxOf } from '../plugins/auth.js';
import { MAX_ZIP_SELECTION } from '../../services/zip.service.js';

const templateSchema = z
  .object({
    name: z.string(),
    title: z.string(),
    description: z.string().optional(),
    unit: z.string().describe('What one folder made from the template is called, e.g. "device"'),
    layout: z.record(z.string(), z.unknown()).optional().describe('The path layout a space made from it takes (see PathLayout)'),
    folders: z.array(
      z.object({
        name: z.string(),
        exports: z.boolean().optional().describe('ZIP exports of a selection in the unit land here'),
        policy: z
          .object({
            allowed_extensions: z.array(z.string()).optional(),
            allowed_types: z.array(z.string()).optional(),
            max_file_bytes: z.number().optional(),
            write_once: z.boolean().optional(),
            originals: z.string().optional().describe('Files here are made from originals in this sibling folder and name them (derived_from)'),
            max_age_hours: z.number().optional().describe('Items unchanged for longer are deleted for good by the maintenance job'),
          })
          .optional(),
      }),
    ),
  })
  .meta({ id: 'SpaceTemplate' });

const appliedSchema = z.object({ template: templateSchema, applied_at: z.string() }).meta({ id: 'AppliedSpaceTemplate' });

const templateRef = z
  .union([z.string().max(63), z.record(z.string(), z.unknown())])
  .describe('A shipped template by name (GET /space-templates), or a template given whole')
  .meta({ id: 'SpaceTemplateRef' });

function toTemplateDto(t: SpaceTemplate): z.infer<typeof templateSchema> {
  return JSON.parse(JSON.stringify(t)) as z.infer<typeof templateSchema>;
}

/** A related file as the caller sees it (a share's path below "Shared with me"). */
function placed(n: LocatedNode) {
  return toNodeDto(n.node, visiblePath(n, SHARED_WITH_ME));
}

/** Space templates, the units made from them, exports into a unit, and a file's derivation. */
export async function templatesRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.addHook('onRequest', app.authenticate);
  acceptAppPasswords(r);
  const spaceParam = z.object({ id: z.uuid() });

  r.get('/space-templates', {
    schema: { tags: ['spaces'], summary: 'The space templates shipped with Coffer', security: [{ bearer: [] }], response: { 200: z.object({ items: z.array(templateSchema) }), ...errors(401) } },
    handler: async () => ({ items: core.templates.list().map(toTemplateDto) }),
  });

  r.get('/spaces/:id/template', {
    schema: { tags: ['spaces'], summary: "The template a space was made from, as it was then", security: [{ bearer: [] }], params: spaceParam, response: { 200: appliedSchema, ...errors(401, 403, 404) } },
    handler: async (request) => {
      const applied = await core.templates.of(ctxOf(request), request.params.id);
      if (!applied) throw notFound('This space has no template');
      return { template: toTemplateDto(applied.template), applied_at: applied.appliedAt.toISOString() };
    },
  });

  r.put('/spaces/:id/template', {
    schema: {
      tags: ['spaces'],
      summary: 'Give a space a template (its managers): the space takes its layout; units are made one by one',
      security: [{ bearer: [] }],
      params: spaceParam,
      body: z.object({ template: templateRef }),
      response: { 200: appliedSchema, ...errors(400, 401, 403, 404) },
    },
    handler: async (request) => {
      const applied = await core.templates.set(ctxOf(request), request.params.id, request.body.template);
      return { template: toTemplateDto(applied.template), applied_at: applied.appliedAt.toISOString() };
    },
  });

  r.delete('/spaces/:id/template', {
    schema: {
      tags: ['spaces'],
      summary: "Take a space's template off, with the layout it brought (units keep their folders and policies)",
      security: [{ bearer: [] }],
      params: spaceParam,
      response: { 204: z.null(), ...errors(401, 403, 404) },
    },
    handler: async (request, reply) => {
      await core.templates.remove(ctxOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  });

  r.post('/spaces/:id/units', {
    schema: {
      tags: ['spaces'],
      summary: "Make a unit of the space's template (a backup's device folder) at its top: its folders and their policies, all or nothing",
      security: [{ bearer: [] }],
      params: spaceParam,
      body: z.object({ name: z.string().min(1).max(255).describe('e.g. "laptop"') }),
      response: { 201: nodeSchema, ...errors(400, 401, 403, 404, 409) },
    },
    handler: async (request, reply) => {
      const made = await core.templates.createUnit(ctxOf(request), request.params.id, request.body.name);
      return reply.code(201).send(toNodeDto(made.folder, made.path));
    },
  });

  r.post('/spaces/:id/exports', {
    schema: {
      tags: ['spaces'],
      summary: "Save a ZIP of a selection as a file: into folder_id, or into the exports folder of the unit the first item lies in",
      security: [{ bearer: [] }],
      params: spaceParam,
      body: z.object({
        ids: z.array(z.uuid()).min(1).max(MAX_ZIP_SELECTION),
        folder_id: z.uuid().optional(),
        name: z.string().min(1).max(200).optional().describe('File name without ".zip"; default export-<time>'),
      }),
      response: { 201: nodeSchema, ...errors(400, 401, 403, 404, 409, 413, 415, 507) },
    },
    handler: async (request, reply) => {
      const b = request.body;
      const saved = await core.templates.exportSelection(ctxOf(request), request.params.id, { ids: b.ids, folderId: b.folder_id, name: b.name });
      return reply.code(201).send(toNodeDto(saved.node, saved.path));
    },
  });

  r.get('/files/:id/derivation', {
    schema: {
      tags: ['files'],
      summary: 'The original a file was made from and the files made from it (those you may read)',
      security: [{ bearer: [] }],
      params: spaceParam,
      response: { 200: z.object({ original: nodeSchema.nullable(), derived: z.array(nodeSchema) }), ...errors(401, 404) },
    },
    handler: async (request) => {
      const d = await core.files.derivation(ctxOf(request), request.params.id);
      return { original: d.original ? placed(d.original) : null, derived: d.derived.map(placed) };
    },
  });
}
