import { z } from 'zod';
import type { AuditEvent, Node, User } from '../db/schema.js';
import type { ListedNode } from '../repositories/node.repository.js';
import { SHARED_WITH_ME } from '../core/access.js';
import type { CallContext } from '../core/context.js';
import { visiblePath, type AccessibleNode } from '../services/access.service.js';
import type { PlacedNode } from '../services/tree.service.js';

/**
 * A node's path as the caller may see it: the owner's own path; below "Shared with me" for a
 * share, so a recipient never learns the names of the owner's folders above it. A changed node
 * of someone else's space, whose grant is not at hand, goes without a path.
 */
export function shownPath(ctx: CallContext, item: PlacedNode | AccessibleNode): string | undefined {
  if ('grant' in item) return visiblePath(item, SHARED_WITH_ME);
  return !ctx.actor.link && item.space.owner_user_id === ctx.actor.userId ? item.path : undefined;
}

export const nodeSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(['file', 'folder']),
    parent_id: z.string().nullable(),
    path: z.string().optional(),
    space_id: z.string().optional().describe('The space it lies in (see GET /spaces)'),
    size: z.number().describe('Bytes: the file, or everything beneath the folder'),
    mime: z.string().nullable(),
    etag: z.string().describe('Changes whenever the content (or, for folders, anything beneath) changes'),
    version_id: z.string().nullable(),
    created_at: z.string(),
    modified_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Node' });

export type NodeDto = z.infer<typeof nodeSchema>;

export function toListedNodeDto(n: ListedNode): NodeDto {
  return {
    id: n.id,
    name: n.name,
    kind: n.kind,
    parent_id: n.parent_id,
    size: n.size,
    mime: n.mime,
    etag: n.etag,
    version_id: n.current_version_id,
    created_at: n.created_at,
    modified_at: n.modified_at,
    updated_at: n.updated_at,
  };
}

export function toNodeDto(n: Node, path?: string): NodeDto {
  return {
    id: n.id,
    name: n.name,
    kind: n.kind,
    parent_id: n.parent_id,
    ...(path !== undefined ? { path } : {}),
    space_id: n.space_id,
    size: Number(n.size),
    mime: n.mime,
    etag: n.etag,
    version_id: n.current_version_id,
    created_at: n.created_at.toISOString(),
    modified_at: n.modified_at.toISOString(),
    updated_at: n.updated_at.toISOString(),
  };
}

export const trashItemSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(['file', 'folder']),
    size: z.number(),
    original_path: z.string().nullable(),
    deleted_at: z.string(),
  })
  .meta({ id: 'TrashItem' });

export function toTrashDto(n: Node) {
  return {
    id: n.id,
    name: n.name,
    kind: n.kind,
    size: Number(n.size),
    original_path: n.trash_origin_path,
    deleted_at: (n.deleted_at ?? new Date(0)).toISOString(),
  };
}

export const userSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    email: z.string().nullable(),
    display_name: z.string(),
    role: z.enum(['admin', 'user']),
    status: z.enum(['pending', 'active', 'suspended', 'deleted']),
    quota_bytes: z.number().nullable().optional(),
    used_bytes: z.number().optional(),
    created_at: z.string(),
  })
  .meta({ id: 'User' });

export function toUserDto(u: User & { quota_bytes?: number | null; used_bytes?: number }) {
  return {
    id: u.id,
    username: u.username,
    email: u.email,
    display_name: u.display_name,
    role: u.role,
    status: u.status,
    ...(u.quota_bytes !== undefined ? { quota_bytes: u.quota_bytes } : {}),
    ...(u.used_bytes !== undefined ? { used_bytes: Number(u.used_bytes) } : {}),
    created_at: u.created_at.toISOString(),
  };
}

export const problemSchema = z
  .object({ type: z.string(), title: z.string(), status: z.number(), detail: z.string() })
  .loose()
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
};

/** Standard error responses for the OpenAPI document. */
export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, problemSchema]));

export const auditEventSchema = z
  .object({
    id: z.number(),
    at: z.string(),
    actor_id: z.string().nullable(),
    actor_name: z.string().nullable(),
    ip: z.string().nullable(),
    user_agent: z.string().nullable(),
    action: z.string(),
    node_id: z.string().nullable(),
    path: z.string().nullable(),
    bytes: z.number().nullable(),
    result: z.string(),
    detail: z.unknown().nullable(),
  })
  .meta({ id: 'AuditEvent' });

export function toAuditEventDto(e: AuditEvent): z.infer<typeof auditEventSchema> {
  return {
    id: Number(e.id),
    at: e.at.toISOString(),
    actor_id: e.actor_id,
    actor_name: e.actor_name,
    ip: e.ip,
    user_agent: e.user_agent,
    action: e.action,
    node_id: e.node_id,
    path: e.path,
    bytes: e.bytes === null ? null : Number(e.bytes),
    result: e.result,
    detail: e.detail ? (JSON.parse(e.detail) as unknown) : null,
  };
}
