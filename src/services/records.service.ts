import { isUuid } from '../core/names.js';
import { randomUUID } from 'node:crypto';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { CallContext } from '../core/context.js';
import { badRequest, conflict, notFound } from '../core/errors.js';
import type { RecordType, Space } from '../db/schema.js';
import type { Db } from '../repositories/node.repository.js';
import type { ListedRecord, RecordRepository } from '../repositories/record.repository.js';
import type { AccessService } from './access.service.js';
import type { AuditService } from './audit.service.js';
import type { TreeService } from './tree.service.js';

/** The JSON Schema a record type may have: an object of scalar fields, so records sort and filter in a table. */
interface FieldSchema {
  type: 'string' | 'number' | 'integer' | 'boolean';
  title?: string;
  enum?: unknown[];
  format?: string;
}
interface TypeSchema {
  type: 'object';
  properties: Record<string, FieldSchema>;
  required?: string[];
}

const TYPE_NAME = /^[a-z][a-z0-9_-]{0,62}$/;
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;

export interface RecordListQuery {
  type: string;
  filters: Record<string, string>;
  sort?: string | undefined;
  order: 'asc' | 'desc';
  includeArchived: boolean;
  limit: number;
  offset: number;
}

/**
 * Records: a space's typed metadata about its folders (a book with its dataset, an app build with
 * its files). Types are JSON Schemas of scalar fields, defined by the space's managers; a record
 * is read, made and changed by whoever may do so to its folder, and goes with the folder (trashed:
 * archived, restored: back, purged: gone).
 */
export class RecordsService {
  private readonly ajv = new Ajv({ allErrors: true, strict: true, coerceTypes: false });
  private readonly compiled = new Map<string, { at: number; validate: ValidateFunction }>();

  constructor(
    private readonly db: Db,
    private readonly repo: RecordRepository,
    private readonly access: AccessService,
    private readonly tree: TreeService,
    private readonly audit: AuditService,
  ) {}

  async types(ctx: CallContext, spaceId: string): Promise<RecordType[]> {
    const { space } = await this.access.requireSpace(ctx, spaceId, 'read');
    return this.repo.types(this.db, space.id);
  }

  /** Defines (or redefines) a record type of a space: its managers may. Existing records are not rewritten. */
  async putType(ctx: CallContext, spaceId: string, input: { name: string; title?: string | undefined; schema: unknown }): Promise<RecordType> {
    const { space } = await this.access.requireSpace(ctx, spaceId, 'manage');
    if (!TYPE_NAME.test(input.name)) throw badRequest('A record type name is lower-case letters, digits, "_" and "-", starting with a letter (e.g. "book")');
    const schema = this.checkSchema(input.schema);
    return this.db.transaction().execute(async (tx) => {
      const saved = await this.repo.putType(tx, { id: randomUUID(), space_id: space.id, name: input.name, title: input.title?.trim() || input.name, schema });
      await this.audit.record(tx, ctx, { action: 'record_type.put', spaceId: space.id, detail: { name: input.name, schema } });
      return saved;
    });
  }

  async deleteType(ctx: CallContext, spaceId: string, name: string): Promise<void> {
    const { space } = await this.access.requireSpace(ctx, spaceId, 'manage');
    const type = await this.mustType(space, name);
    await this.db.transaction().execute(async (tx) => {
      await this.repo.deleteType(tx, type.id);
      await this.audit.record(tx, ctx, { action: 'record_type.delete', spaceId: space.id, detail: { name } });
    });
  }

  /** A type's records, filtered by field values and sorted by a field, with the folder each describes. */
  async list(ctx: CallContext, spaceId: string, q: RecordListQuery): Promise<{ type: RecordType; items: ListedRecord[]; total: number }> {
    const { space } = await this.access.requireSpace(ctx, spaceId, 'read');
    const type = await this.mustType(space, q.type);
    const fields = (type.schema as TypeSchema).properties;
    for (const f of Object.keys(q.filters)) if (!(f in fields)) throw badRequest(`"${type.name}" has no field "${f}" to filter on; it has ${Object.keys(fields).join(', ')}`);
    let sort: { field: string; numeric: boolean } | { column: 'created_at' | 'updated_at' } = { column: 'created_at' };
    if (q.sort === 'created_at' || q.sort === 'updated_at') sort = { column: q.sort };
    else if (q.sort !== undefined) {
      const f = fields[q.sort];
      if (!f) throw badRequest(`"${type.name}" has no field "${q.sort}" to sort by; it has ${Object.keys(fields).join(', ')}`);
      sort = { field: q.sort, numeric: f.type === 'number' || f.type === 'integer' };
    }
    const page = await this.repo.list(this.db, { typeId: type.id, equals: q.filters, sort, order: q.order, includeArchived: q.includeArchived, limit: q.limit, offset: q.offset });
    return { type, ...page };
  }

  async get(ctx: CallContext, id: string): Promise<{ record: ListedRecord; type: RecordType }> {
    const record = isUuid(id) ? await this.repo.get(this.db, id) : undefined;
    if (!record) throw notFound(`No record ${id}`);
    // Readable by whoever may read its folder; an archived one by whoever holds its space.
    if (record.archived) await this.access.requireSpace(ctx, record.space_id, 'read').catch(() => Promise.reject(notFound(`No record ${id}`)));
    else await this.tree.byId(ctx, record.folder_id, 'read');
    const type = (await this.repo.types(this.db, record.space_id)).find((t) => t.id === record.type_id)!;
    return { record, type };
  }

  /** Attaches a record of `type` to a folder (one per folder), checked against the type's schema. */
  async create(ctx: CallContext, input: { folderId: string; type: string; data: unknown }): Promise<{ record: ListedRecord; type: RecordType }> {
    const folder = await this.tree.folderById(ctx, input.folderId, 'write');
    const type = await this.mustType(folder.space, input.type);
    const data = this.checkData(type, input.data);
    const id = randomUUID();
    await this.db
      .transaction()
      .execute(async (tx) => {
        if (await this.repo.byFolder(tx, folder.node.id)) throw conflict(`"${folder.node.name}" has a record already; change that one`);
        await this.repo.insert(tx, { id, type_id: type.id, space_id: folder.space.id, folder_id: folder.node.id, data, created_by: ctx.actor.userId });
        await this.audit.record(tx, ctx, { action: 'record.create', nodeId: folder.node.id, path: folder.path, detail: { record: id, type: type.name, data } });
      })
      .catch((err: unknown) => {
        if ((err as { code?: string }).code === '23505') throw conflict(`"${folder.node.name}" has a record already; change that one`);
        throw err;
      });
    return this.get(ctx, id);
  }

  /** Changes some fields (null removes one); the result is checked against the schema as a whole. */
  async update(ctx: CallContext, id: string, patch: Record<string, unknown>): Promise<{ record: ListedRecord; type: RecordType }> {
    const { record, type } = await this.get(ctx, id);
    const folder = await this.tree.byId(ctx, record.folder_id, 'write');
    const merged: Record<string, unknown> = { ...record.data };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    const data = this.checkData(type, merged);
    await this.db.transaction().execute(async (tx) => {
      await this.repo.update(tx, record.id, data);
      await this.audit.record(tx, ctx, { action: 'record.update', nodeId: folder.node.id, path: folder.path, detail: { record: id, type: type.name, patch } });
    });
    return this.get(ctx, id);
  }

  async delete(ctx: CallContext, id: string): Promise<void> {
    const { record } = await this.get(ctx, id);
    const folder = await this.tree.byId(ctx, record.folder_id, 'write');
    await this.db.transaction().execute(async (tx) => {
      await this.repo.delete(tx, record.id);
      await this.audit.record(tx, ctx, { action: 'record.delete', nodeId: folder.node.id, path: folder.path, detail: { record: id, data: record.data } });
    });
  }

  private async mustType(space: Pick<Space, 'id' | 'name'>, name: string): Promise<RecordType> {
    const type = await this.repo.type(this.db, space.id, name);
    if (!type) throw notFound(`The space "${space.name}" has no record type "${name}"`);
    return type;
  }

  private checkSchema(raw: unknown): TypeSchema {
    const s = raw as Partial<TypeSchema> | null;
    if (!s || typeof s !== 'object' || s.type !== 'object' || typeof s.properties !== 'object' || s.properties === null) {
      throw badRequest('A record type schema is a JSON Schema object: {"type": "object", "properties": {…}, "required": […]}');
    }
    const names = Object.keys(s.properties);
    if (names.length === 0 || names.length > 100) throw badRequest('A record type has 1 to 100 fields');
    for (const [name, f] of Object.entries(s.properties)) {
      if (!FIELD_NAME.test(name)) throw badRequest(`"${name}" is no field name: letters, digits and "_", starting with a letter`);
      if (!f || !['string', 'number', 'integer', 'boolean'].includes(f.type)) throw badRequest(`Field "${name}" is a string, number, integer or boolean`);
    }
    for (const r of s.required ?? []) if (!names.includes(r)) throw badRequest(`"${r}" is required but is no field`);
    try {
      this.ajv.compile({ ...s, additionalProperties: false });
    } catch (err) {
      throw badRequest(`The schema is not valid JSON Schema: ${(err as Error).message}`);
    }
    return s as TypeSchema;
  }

  private checkData(type: RecordType, data: unknown): Record<string, unknown> {
    let entry = this.compiled.get(type.id);
    if (!entry || entry.at !== type.updated_at.getTime()) {
      entry = { at: type.updated_at.getTime(), validate: this.ajv.compile({ ...(type.schema as TypeSchema), additionalProperties: false }) };
      this.compiled.set(type.id, entry);
    }
    if (!entry.validate(data)) throw badRequest(`This ${type.title} is not valid: ${describe(entry.validate.errors ?? [])}`, { errors: entry.validate.errors ?? [] });
    return data as Record<string, unknown>;
  }
}

/** Ajv's errors as one sentence a person can act on. */
function describe(errors: ErrorObject[]): string {
  return errors
    .map((e) => {
      const field = e.instancePath.replace(/^\//, '');
      if (e.keyword === 'required') return `"${String(e.params.missingProperty)}" is required`;
      if (e.keyword === 'additionalProperties') return `"${String(e.params.additionalProperty)}" is no field of it`;
      if (e.keyword === 'enum') return `"${field}" must be one of ${(e.params.allowedValues as unknown[]).join(', ')}`;
      return `"${field}" ${e.message ?? 'is not valid'}`;
    })
    .join('; ');
}
