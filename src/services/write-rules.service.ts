import { fileTypeFromBuffer } from 'file-type';
import { isOperator, type CallContext } from '../core/context.js';
import { badRequest, CofferError, forbidden, notFound } from '../core/errors.js';
import { isUuid, parsePath } from '../core/names.js';
import { layoutProblem, parseLayout, type ParsedLayout } from '../core/layout.js';
import { MAX_AGE_HOURS, validAge } from '../core/space-template.js';
import type { FolderPolicy, Node, Space } from '../db/schema.js';
import type { Db } from '../repositories/node.repository.js';
import type { OrgRepository } from '../repositories/org.repository.js';
import type { PolicyFields, PolicyRepository } from '../repositories/policy.repository.js';
import type { LocatedNode, TreeService } from './tree.service.js';
import type { AuditService } from './audit.service.js';
import { mimeFromName } from './mime.js';

/** A folder's policy as it applies there: each field from the nearest folder up that sets it; write-once from any. */
export interface EffectivePolicy {
  allowedExtensions: string[] | null;
  allowedTypes: string[] | null;
  maxFileBytes: number | null;
  /** The folder whose write-once policy holds here, or null. */
  writeOnceAt: string | null;
  /** Files written here are derived: the folder their originals lie below, or null. */
  originalsAt: string | null;
}

export interface WriteRules {
  layout: ParsedLayout | null;
  timestampNames: boolean;
  policy: EffectivePolicy;
}

/** Where rules are looked up: a located folder or item, its ancestors nearest first (itself included). */
export interface Placed {
  space: Pick<Space, 'id' | 'org_id' | 'layout' | 'timestamp_names' | 'has_policies'>;
  chain: Pick<Node, 'id'>[];
}

const NONE: EffectivePolicy = { allowedExtensions: null, allowedTypes: null, maxFileBytes: null, writeOnceAt: null, originalsAt: null };

export const layoutRefused = (message: string) => new CofferError(403, 'layout', message);
export const writeOnceRefused = (message: string) => new CofferError(403, 'write-once', message);

/**
 * The rules a space puts on writes, checked in the core's write path so every door obeys them:
 * its path layout, time-stamped names, and the folder policies inherited from above (allowed
 * types, maximum size, write-once). A space with none costs nothing: the flags ride on the
 * space row every write has already read.
 */
export class WriteRulesService {
  constructor(
    private readonly db: Db,
    private readonly repo: PolicyRepository,
    private readonly orgs: OrgRepository,
    private readonly audit: AuditService,
    private readonly tree: TreeService,
  ) {}

  /** A folder's own policy and what applies there, inherited included (anyone who can see the folder). */
  async policyOf(ctx: CallContext, folderId: string): Promise<{ own: FolderPolicy | null; effective: EffectivePolicy; folder: LocatedNode }> {
    const folder = await this.tree.folderById(ctx, folderId, 'read');
    const policies = folder.space.has_policies ? await this.repo.forNodes(this.db, folder.chain.map((n) => n.id)) : [];
    return { own: policies.find((p) => p.node_id === folder.node.id) ?? null, effective: effective(folder.chain, policies), folder };
  }

  /**
   * Sets (or with null, removes) a folder's policy: its managers may. Lifting a write-once
   * policy, here or by replacing it, is its organisation's owners' and admins' call (in a
   * personal space, its owner's), and is recorded.
   */
  async setPolicy(ctx: CallContext, folderId: string, fields: PolicyFields | null): Promise<{ own: FolderPolicy | null; effective: EffectivePolicy }> {
    const current = await this.policyOf(ctx, folderId);
    const { folder } = current;
    this.tree.access.assert(folder, 'manage');
    if (current.own?.write_once && !fields?.write_once) await this.requireOrgAdmin(ctx, folder.space, 'Only owners and admins of the organisation can lift a write-once policy');
    // Fields left out (not null) keep what the folder has: clients that know only the first four keep the rest.
    const kept = fields && { ...fields, originals_id: fields.originals_id === undefined ? (current.own?.originals_id ?? null) : fields.originals_id, max_age_hours: fields.max_age_hours === undefined ? (current.own?.max_age_hours ?? null) : fields.max_age_hours };
    const clean = kept === null ? null : checkPolicy(kept);
    if (clean?.originals_id) {
      const originals = await this.tree.folderById(ctx, clean.originals_id, 'read').catch(() => undefined);
      if (!originals || originals.space.id !== folder.space.id) throw badRequest('originals_id is a folder of the same space, which the derived files here are made from');
    }
    await this.db.transaction().execute(async (tx) => {
      if (clean) await this.repo.set(tx, { ...clean, node_id: folder.node.id, space_id: folder.space.id, updated_by: ctx.actor.userId });
      else await this.repo.remove(tx, folder.node.id);
      await this.audit.record(tx, ctx, { action: clean ? 'policy.set' : 'policy.remove', nodeId: folder.node.id, path: folder.path, detail: clean ? { ...clean } : { was: current.own } });
    });
    const after = await this.policyOf(ctx, folderId);
    return { own: after.own, effective: after.effective };
  }

  private async requireOrgAdmin(ctx: CallContext, space: Pick<Space, 'org_id' | 'owner_user_id'>, message: string): Promise<void> {
    // The operator stands as an owner in every organisation; personal spaces are not theirs.
    if (space.org_id !== null && isOperator(ctx.actor)) return;
    if (space.org_id === null) {
      if (space.owner_user_id === ctx.actor.userId) return;
      throw forbidden(message);
    }
    const role = await this.orgs.roleOf(this.db, space.org_id, ctx.actor.userId);
    if (role !== 'owner' && role !== 'admin') throw forbidden(message);
  }

  /** The rules at a place; null where the space has none. */
  async at(place: Placed, db: Db = this.db): Promise<WriteRules | null> {
    const { space } = place;
    if (space.layout === null && !space.timestamp_names && !space.has_policies) return null;
    const policies = space.has_policies ? await this.repo.forNodes(db, place.chain.map((n) => n.id)) : [];
    return {
      layout: space.layout === null ? null : this.parsed(space.layout),
      timestampNames: space.timestamp_names,
      policy: effective(place.chain, policies),
    };
  }

  /** Layouts parsed once (their regular expressions compiled once), by their JSON; a few spaces' worth. */
  private readonly layouts = new Map<string, ParsedLayout>();

  private parsed(layout: unknown): ParsedLayout {
    const key = JSON.stringify(layout);
    let parsed = this.layouts.get(key);
    if (!parsed) {
      parsed = parseLayout(layout);
      if (this.layouts.size >= 256) this.layouts.clear();
      this.layouts.set(key, parsed);
    }
    return parsed;
  }

  /** Refuses to put an item of `kind` at `path` (names from the top of the space) where the layout does not allow it. */
  checkPlace(rules: WriteRules | null, path: readonly string[], kind: 'file' | 'folder'): void {
    if (!rules?.layout) return;
    const problem = layoutProblem(rules.layout, path, kind);
    if (problem) throw layoutRefused(problem);
  }

  /** What can be told of a file before its bytes arrive: its extension and its announced size. */
  checkFile(rules: WriteRules | null, name: string, size: number | undefined): void {
    const p = rules?.policy;
    if (!p) return;
    if (p.allowedExtensions) {
      const ext = extensionOf(name);
      if (!p.allowedExtensions.includes(ext)) {
        throw new CofferError(415, 'type-not-allowed', `Only ${p.allowedExtensions.map((e) => `.${e}`).join(', ')} files can be stored here; "${name}" is not one`);
      }
    }
    if (p.maxFileBytes !== null && size !== undefined && size > p.maxFileBytes) throw tooBig(p.maxFileBytes);
  }

  /** The most bytes a file may have here, for the upload to stop at (null: no rule). */
  maxBytes(rules: WriteRules | null): number | null {
    return rules?.policy.maxFileBytes ?? null;
  }

  tooBig(rules: WriteRules): CofferError {
    return tooBig(rules.policy.maxFileBytes ?? 0);
  }

  /** What the first bytes of the content are, against the allowed types (sniffed, not what the client says). */
  async checkContent(rules: WriteRules | null, name: string, head: Buffer): Promise<void> {
    const allowed = rules?.policy.allowedTypes;
    if (!allowed) return;
    const sniffed = (await fileTypeFromBuffer(head).catch(() => undefined))?.mime;
    // Text has no signature to sniff: a text type by its name is taken, when text is allowed.
    const byName = mimeFromName(name);
    const type = sniffed ?? (byName?.startsWith('text/') ? byName : undefined);
    if (!type || !allowed.some((a) => typeMatches(a, type))) {
      throw new CofferError(415, 'type-not-allowed', `Only ${allowed.join(', ')} content can be stored here; "${name}" is ${type ?? 'of no recognisable type'}`);
    }
  }

  /**
   * The original a file written here is made from: a folder for derived files asks for one
   * (`derived_from`: a path below its originals folder, or an id), anywhere else none is taken.
   */
  async originalFor(ctx: CallContext, rules: WriteRules | null): Promise<string | null> {
    const at = rules?.policy.originalsAt ?? null;
    const ref = ctx.derivedFrom;
    if (at === null) {
      if (ref !== undefined) throw badRequest('derived_from names the original of a derived file, and this is no folder for derived files');
      return null;
    }
    if (ref === undefined) {
      throw new CofferError(400, 'original-required', 'Files here are made from originals: name the original with derived_from (its path below the originals folder, or its id)');
    }
    let id: string | undefined;
    if (isUuid(ref)) id = ref;
    else {
      const segments = parsePath(ref);
      const found = segments.length === 0 ? undefined : await this.tree.nodes.walkPath(this.db, at, segments);
      if (found && found.depth === segments.length) id = found.id;
    }
    const original = id === undefined ? undefined : await this.tree.byId(ctx, id, 'read').catch(() => undefined);
    if (!original || original.node.kind !== 'file' || !original.chain.some((n) => n.id === at)) {
      throw notFound(`There is no original "${ref}" below the folder the files here are made from`);
    }
    return original.node.id;
  }

  /** Whether the item lies in (or is) a write-once folder. */
  async writeOnceAt(place: Placed, db: Db = this.db): Promise<string | null> {
    if (!place.space.has_policies) return null;
    const policies = await this.repo.forNodes(db, place.chain.map((n) => n.id));
    return policies.some((p) => p.write_once) ? effective(place.chain, policies).writeOnceAt : null;
  }

  /**
   * Refuses to overwrite, rename, move out or delete an item in a write-once folder, unless an
   * owner or admin of the space's organisation asked to override it; that is recorded.
   */
  async assertChangeable(ctx: CallContext, place: Placed & { path: string }, verb: string, db: Db = this.db): Promise<void> {
    const at = await this.writeOnceAt(place, db);
    if (at === null) return;
    if (ctx.overrideWriteOnce && place.space.org_id !== null) {
      const role = await this.orgs.roleOf(db, place.space.org_id, ctx.actor.userId);
      if (role === 'owner' || role === 'admin') {
        await this.audit.recordAlone(ctx, { action: 'policy.write_once.override', spaceId: place.space.id, path: place.path, detail: { verb } });
        return;
      }
      throw forbidden('Only owners and admins of the organisation can override write-once');
    }
    throw writeOnceRefused(`${place.path} is in a write-once folder: files there can be added, never ${verb}`);
  }
}

const EXTENSION = /^[a-z0-9][a-z0-9._+-]{0,31}$/;
const MEDIA_TYPE = /^[a-z0-9][a-z0-9.+-]*\/([a-z0-9][a-z0-9.+-]*|\*)$/;

/** A policy's fields checked and made canonical (extensions lower-case without the dot); a 400 naming what is wrong. */
export function checkPolicy(f: PolicyFields): PolicyFields {
  const exts = f.allowed_extensions?.map((e) => e.trim().toLowerCase().replace(/^\./, '')) ?? null;
  if (exts && (exts.length === 0 || !exts.every((e) => EXTENSION.test(e)))) throw badRequest('allowed_extensions are extensions such as "zip" or "pdf"');
  const types = f.allowed_types?.map((t) => t.trim().toLowerCase()) ?? null;
  if (types && (types.length === 0 || !types.every((t) => MEDIA_TYPE.test(t)))) throw badRequest('allowed_types are media types such as "application/zip" or "image/*"');
  if (f.max_file_bytes !== null && (!Number.isSafeInteger(f.max_file_bytes) || f.max_file_bytes < 0)) throw badRequest('max_file_bytes is a whole number of bytes');
  const age = f.max_age_hours ?? null;
  if (age !== null && !validAge(age)) throw badRequest(`max_age_hours is a whole number of hours from 1 to ${MAX_AGE_HOURS} (none: kept until deleted)`);
  return { allowed_extensions: exts, allowed_types: types, max_file_bytes: f.max_file_bytes, write_once: f.write_once, originals_id: f.originals_id ?? null, max_age_hours: age };
}

function effective(chain: Pick<Node, 'id'>[], policies: FolderPolicy[]): EffectivePolicy {
  if (policies.length === 0) return NONE;
  const byNode = new Map(policies.map((p) => [p.node_id, p]));
  const out: EffectivePolicy = { ...NONE };
  for (const n of chain) {
    const p = byNode.get(n.id);
    if (!p) continue;
    out.allowedExtensions ??= p.allowed_extensions;
    out.allowedTypes ??= p.allowed_types;
    out.maxFileBytes ??= p.max_file_bytes === null ? null : Number(p.max_file_bytes);
    if (p.write_once) out.writeOnceAt ??= n.id;
    out.originalsAt ??= p.originals_id;
  }
  return out;
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

function typeMatches(allowed: string, type: string): boolean {
  return allowed.endsWith('/*') ? type.startsWith(allowed.slice(0, -1)) : allowed === type;
}

function tooBig(max: number): CofferError {
  return new CofferError(413, 'payload-too-large', `Files can be at most ${max} bytes in this folder`);
}
