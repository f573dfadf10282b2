import { readdirSync, readFileSync } from 'node:fs';
import type { CallContext } from '../core/context.js';
import { badRequest, conflict, notFound } from '../core/errors.js';
import { normalizeName, parsePath } from '../core/names.js';
import { parseTemplate, type SpaceTemplate } from '../core/space-template.js';
import type { Node, Space } from '../db/schema.js';
import type { Db, NodeRepository } from '../repositories/node.repository.js';
import type { PolicyRepository } from '../repositories/policy.repository.js';
import type { SpaceRepository } from '../repositories/space.repository.js';
import { streamZip } from '../util/zip-stream.js';
import type { AccessService } from './access.service.js';
import type { AuditService } from './audit.service.js';
import type { FilesService, UploadResult } from './files.service.js';
import { joinPath, type LocatedNode, type TreeService } from './tree.service.js';
import { checkPolicy, type WriteRulesService } from './write-rules.service.js';
import type { ZipService } from './zip.service.js';

export interface SpaceTemplatesDeps {
  db: Db;
  access: AccessService;
  tree: TreeService;
  nodes: NodeRepository;
  spaces: SpaceRepository;
  policies: PolicyRepository;
  rules: WriteRulesService;
  files: FilesService;
  zip: ZipService;
  audit: AuditService;
}

/** The space's template as stored with it, and when. */
export interface AppliedTemplate {
  template: SpaceTemplate;
  appliedAt: Date;
}

/** Templates shipped with Coffer: JSON files beside the compiled code, read once. */
let shipped: SpaceTemplate[] | undefined;

function builtIns(): SpaceTemplate[] {
  if (!shipped) {
    const dir = new URL('../templates/', import.meta.url);
    shipped = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => parseTemplate(JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as unknown));
  }
  return shipped;
}

/**
 * Space templates: a space made from one gets its layout, and each unit made in it (a device
 * folder of a backup) gets the template's folders with their policies, in one transaction. Also
 * what units offer: ZIP exports of a selection saved into the unit's exports folder.
 */
export class SpaceTemplatesService {
  constructor(private readonly d: SpaceTemplatesDeps) {}

  list(): SpaceTemplate[] {
    return builtIns();
  }

  /** A shipped template by name, or a template given whole (checked). */
  resolve(ref: unknown): SpaceTemplate {
    if (typeof ref === 'string') {
      const found = builtIns().find((t) => t.name === ref);
      if (!found) throw badRequest(`There is no template named "${ref}"; the shipped ones are ${builtIns().map((t) => t.name).join(', ')}, or give a template whole`);
      return found;
    }
    return parseTemplate(ref);
  }

  /** Stores the template with the space and sets the space's layout to the template's, inside the caller's transaction. */
  async applyIn(tx: Db, ctx: CallContext, spaceId: string, template: SpaceTemplate): Promise<void> {
    await tx
      .insertInto('space_templates')
      .values({ space_id: spaceId, name: template.name, definition: JSON.stringify(template) })
      .onConflict((oc) => oc.column('space_id').doUpdateSet({ name: template.name, definition: JSON.stringify(template), created_at: new Date() }))
      .execute();
    if (template.layout) await this.d.policies.setLayout(tx, spaceId, { layout: template.layout });
    await this.d.audit.record(tx, ctx, { action: 'space.template.set', spaceId, detail: { template: template.name } });
  }

  /** Gives a space a template (its managers may): the layout changes now, units are made one by one. */
  async set(ctx: CallContext, spaceId: string, ref: unknown): Promise<AppliedTemplate> {
    const { space } = await this.d.access.requireSpace(ctx, spaceId, 'manage');
    const template = this.resolve(ref);
    await this.d.db.transaction().execute((tx) => this.applyIn(tx, ctx, space.id, template));
    return (await this.stored(space.id))!;
  }

  /** Takes the template off a space, with the layout it brought; units made from it keep their folders and policies. */
  async remove(ctx: CallContext, spaceId: string): Promise<void> {
    const { space } = await this.d.access.requireSpace(ctx, spaceId, 'manage');
    const current = await this.stored(space.id);
    if (!current) throw notFound('This space has no template');
    await this.d.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('space_templates').where('space_id', '=', space.id).execute();
      if (current.template.layout) await this.d.policies.setLayout(tx, space.id, { layout: null });
      await this.d.audit.record(tx, ctx, { action: 'space.template.remove', spaceId: space.id, detail: { template: current.template.name } });
    });
  }

  async of(ctx: CallContext, spaceId: string): Promise<AppliedTemplate | null> {
    const { space } = await this.d.access.requireSpace(ctx, spaceId, 'read');
    return this.stored(space.id);
  }

  private async stored(spaceId: string, db: Db = this.d.db): Promise<AppliedTemplate | null> {
    const row = await db.selectFrom('space_templates').selectAll().where('space_id', '=', spaceId).executeTakeFirst();
    return row ? { template: parseTemplate(row.definition), appliedAt: row.created_at } : null;
  }

  /**
   * Makes a unit (a device folder) at the top of the space: its folders and their policies, all
   * or nothing. Whoever may create at the top may; the policies are the template's, which a
   * manager chose.
   */
  async createUnit(ctx: CallContext, spaceId: string, rawName: string): Promise<{ folder: Node; path: string; template: SpaceTemplate }> {
    const { space } = await this.d.access.requireSpace(ctx, spaceId, 'read');
    const applied = await this.stored(space.id);
    if (!applied) throw conflict('This space has no template to make folders from; give it one first');
    const { template } = applied;
    const name = normalizeName(rawName);
    const top = await this.d.tree.folderById(ctx, space.root_node_id!, 'create');
    const rules = await this.d.rules.at(top);
    this.d.rules.checkPlace(rules, [name], 'folder');
    for (const f of template.folders) this.d.rules.checkPlace(rules, [name, f.name], 'folder');

    return this.d.db.transaction().execute(async (tx) => {
      await this.d.spaces.lock(tx, space.id);
      const root = await this.d.tree.recheckFolder(tx, top.node.id, space.id);
      if (await this.d.nodes.getLiveChild(tx, root.node.id, name)) throw conflict(`There is a ${template.unit} named "${name}" here already`);
      const created: Node[] = [];
      const unit = await this.d.tree.ensureFolders(tx, ctx, space.id, root, [name], { created });
      const unitPath = joinPath(root.path, name);
      const ids = new Map<string, string>();
      for (const f of template.folders) {
        const folder = await this.d.tree.ensureFolders(tx, ctx, space.id, { node: unit, path: unitPath }, [f.name], { created });
        ids.set(f.name, folder.id);
      }
      for (const f of template.folders) {
        const p = f.policy;
        if (!p) continue;
        const fields = checkPolicy({
          allowed_extensions: p.allowed_extensions ?? null,
          allowed_types: p.allowed_types ?? null,
          max_file_bytes: p.max_file_bytes ?? null,
          write_once: p.write_once ?? false,
          originals_id: p.originals === undefined ? null : ids.get(p.originals)!,
          max_age_hours: p.max_age_hours ?? null,
        });
        await this.d.policies.set(tx, { ...fields, node_id: ids.get(f.name)!, space_id: space.id, updated_by: ctx.actor.userId });
      }
      await this.d.nodes.propagateChange(tx, unit.id, 0);
      await this.d.audit.recordMany(tx, [
        ...created.map((c) => ({ ctx, event: { action: 'folder.create', nodeId: c.id, path: c.id === unit.id ? unitPath : joinPath(unitPath, c.name) } })),
        { ctx, event: { action: 'template.unit.create', nodeId: unit.id, path: unitPath, detail: { template: template.name, unit: template.unit } } },
      ]);
      return { folder: (await this.d.nodes.getById(tx, unit.id))!, path: unitPath, template };
    });
  }

  /**
   * Saves a ZIP of a selection as a file: into `folderId`, or else into the exports folder of the
   * unit the first item lies in. It is an upload like any (quota, policies, audit) and a read of
   * everything in it (audited as a ZIP download is).
   */
  async exportSelection(ctx: CallContext, spaceId: string, input: { ids: string[]; folderId?: string | undefined; name?: string | undefined }): Promise<UploadResult> {
    if (input.ids.length === 0) throw badRequest('Choose at least one file or folder to export');
    const { space } = await this.d.access.requireSpace(ctx, spaceId, 'read');
    const items = await this.d.tree.access.require(ctx, 'read', input.ids);
    for (const item of items.values()) if (item.space.id !== space.id) throw badRequest('Everything exported together lies in the same space');
    const target = input.folderId ? await this.d.tree.folderById(ctx, input.folderId, 'create') : await this.exportsFolder(ctx, space, items.get(input.ids[0]!)!);
    if (target.space.id !== space.id) throw badRequest('An export is saved in the space it was made from');
    const fileName = `${input.name === undefined ? `export-${new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}` : normalizeName(input.name).replace(/\.zip$/i, '')}.zip`;
    const download = await this.d.zip.selection(ctx, input.ids);
    const result = await this.d.files.upload(ctx, { parentId: target.node.id, parent: target, relativePath: fileName, source: streamZip(download.entries), mime: 'application/zip' });
    await download.record({ complete: true, bytesSent: result.node.size });
    return result;
  }

  private async exportsFolder(ctx: CallContext, space: Space, first: LocatedNode): Promise<LocatedNode> {
    const applied = await this.stored(space.id);
    const exportsName = applied?.template.folders.find((f) => f.exports)?.name;
    const unit = parsePath(first.path)[0];
    if (!applied || exportsName === undefined || unit === undefined) throw badRequest('Say which folder the export goes to (folder_id): this space has no exports folder for it');
    const found = await this.d.nodes.walkPath(this.d.db, space.root_node_id!, [unit, exportsName]);
    if (found.depth !== 2) throw notFound(`"${unit}" has no ${exportsName} folder for the export; say which folder it goes to (folder_id)`);
    return this.d.tree.folderById(ctx, found.id, 'create');
  }
}
