import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/core.js';
import type { RecordType } from '../../db/schema.js';
import type { ListedRecord } from '../../repositories/record.repository.js';
import { errors } from '../dto.js';
import { acceptAppPasswords, ctxOf } from '../plugins/auth.js';

const recordTypeSchema = z
  .object({
    name: z.string(),
    title: z.string(),
    schema: z.record(z.string(), z.unknown()).describe('JSON Schema of an object with scalar fields (string, number, integer, boolean)'),
    updated_at: z.string(),
  })
  .meta({ id: 'RecordType' });

const recordSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    space_id: z.string(),
    folder: z.object({ id: z.string(), name: z.string() }),
    data: z.record(z.string(), z.unknown()),
    archived: z.boolean().describe('Its folder is in the trash'),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Record' });

function toTypeDto(t: RecordType): z.infer<typeof recordTypeSchema> {
  return { name: t.name, title: t.title, schema: t.schema as Record<string, unknown>, updated_at: t.updated_at.toISOString() };
}

function toRecordDto(r: ListedRecord, type: RecordType): z.infer<typeof recordSchema> {
  return {
    id: r.id,
    type: type.name,
    space_id: r.space_id,
    folder: { id: r.folder_id, name: r.folder_name },
    data: r.data,
    archived: r.archived,
    created_at: new Date(r.created_at).toISOString(),
    updated_at: new Date(r.updated_at).toISOString(),
  };
}

const FIELD_PREFIX = 'field.';

/** Record types of a space and the records attached to its folders. */
export async function recordsRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.addHook('onRequest', app.authenticate);
  acceptAppPasswords(r);
  const spaceParam = z.object({ id: z.uuid() });

  r.get('/spaces/:id/record-types', {
    schema: { tags: ['records'], summary: "A space's record types", security: [{ bearer: [] }], params: spaceParam, response: { 200: z.object({ items: z.array(recordTypeSchema) }), ...errors(401, 403, 404) } },
    handler: async (request) => ({ items: (await core.records.types(ctxOf(request), request.params.id)).map(toTypeDto) }),
  });

  r.put('/spaces/:id/record-types/:name', {
    schema: {
      tags: ['records'],
      summary: 'Define or redefine a record type (its managers)',
      security: [{ bearer: [] }],
      params: spaceParam.extend({ name: z.string().max(63) }),
      body: z.object({ title: z.string().max(200).optional(), schema: z.record(z.string(), z.unknown()) }),
      response: { 200: recordTypeSchema, ...errors(400, 401, 403, 404) },
    },
    handler: async (request) => toTypeDto(await core.records.putType(ctxOf(request), request.params.id, { name: request.params.name, title: request.body.title, schema: request.body.schema })),
  });

  r.delete('/spaces/:id/record-types/:name', {
    schema: { tags: ['records'], summary: 'Delete a record type with its records (its managers)', security: [{ bearer: [] }], params: spaceParam.extend({ name: z.string().max(63) }), response: { 204: z.null(), ...errors(401, 403, 404) } },
    handler: async (request, reply) => {
      await core.records.deleteType(ctxOf(request), request.params.id, request.params.name);
      return reply.code(204).send(null);
    },
  });

  r.get('/spaces/:id/records', {
    schema: {
      tags: ['records'],
      summary: "A type's records, filtered by field values (field.<name>=value) and sorted by a field",
      security: [{ bearer: [] }],
      params: spaceParam,
      querystring: z.looseObject({
        type: z.string().max(63),
        sort: z.string().max(63).optional().describe('A field, created_at or updated_at (default)'),
        order: z.enum(['asc', 'desc']).default('asc'),
        include_archived: z.stringbool().default(false),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
        offset: z.coerce.number().int().min(0).default(0),
      }),
      response: { 200: z.object({ items: z.array(recordSchema), total: z.number() }), ...errors(400, 401, 403, 404) },
    },
    handler: async (request) => {
      const q = request.query as Record<string, unknown> & { type: string; sort?: string; order: 'asc' | 'desc'; include_archived: boolean; limit: number; offset: number };
      const filters: Record<string, string> = {};
      for (const [k, v] of Object.entries(q)) if (k.startsWith(FIELD_PREFIX) && typeof v === 'string') filters[k.slice(FIELD_PREFIX.length)] = v;
      const { type, items, total } = await core.records.list(ctxOf(request), request.params.id, {
        type: q.type,
        filters,
        sort: q.sort,
        order: q.order,
        includeArchived: q.include_archived,
        limit: q.limit,
        offset: q.offset,
      });
      return { items: items.map((i) => toRecordDto(i, type)), total };
    },
  });

  r.post('/records', {
    schema: {
      tags: ['records'],
      summary: "Attach a record to a folder (whoever may change the folder); its data is checked against the type's schema",
      security: [{ bearer: [] }],
      body: z.object({ folder_id: z.uuid(), type: z.string().max(63), data: z.record(z.string(), z.unknown()) }),
      response: { 201: recordSchema, ...errors(400, 401, 403, 404, 409) },
    },
    handler: async (request, reply) => {
      const { record, type } = await core.records.create(ctxOf(request), { folderId: request.body.folder_id, type: request.body.type, data: request.body.data });
      return reply.code(201).send(toRecordDto(record, type));
    },
  });

  const idParam = z.object({ id: z.uuid() });
  r.get('/records/:id', {
    schema: { tags: ['records'], summary: 'One record', security: [{ bearer: [] }], params: idParam, response: { 200: recordSchema, ...errors(401, 404) } },
    handler: async (request) => {
      const { record, type } = await core.records.get(ctxOf(request), request.params.id);
      return toRecordDto(record, type);
    },
  });

  r.patch('/records/:id', {
    schema: {
      tags: ['records'],
      summary: 'Change some fields of a record (null removes one)',
      security: [{ bearer: [] }],
      params: idParam,
      body: z.object({ data: z.record(z.string(), z.unknown()) }),
      response: { 200: recordSchema, ...errors(400, 401, 403, 404) },
    },
    handler: async (request) => {
      const { record, type } = await core.records.update(ctxOf(request), request.params.id, request.body.data);
      return toRecordDto(record, type);
    },
  });

  r.delete('/records/:id', {
    schema: { tags: ['records'], summary: 'Delete a record (its folder stays)', security: [{ bearer: [] }], params: idParam, response: { 204: z.null(), ...errors(401, 403, 404) } },
    handler: async (request, reply) => {
      await core.records.delete(ctxOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  });
}
