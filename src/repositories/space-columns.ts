import type { Space } from '../db/schema.js';

/** A space's columns selected beside other rows under an `s_` prefix (a left join: all null when absent). */
export interface SpaceColumns {
  s_kind: Space['kind'] | null;
  s_owner_user_id: string | null;
  s_name: string | null;
  s_quota_bytes: number | null;
  s_used_bytes: number | null;
  s_root_node_id: string | null;
  s_created_at: Date | null;
}

/** The space of `id` from its prefixed columns, or undefined when the join found none. */
export function spaceFromColumns(id: string, c: SpaceColumns): Space | undefined {
  if (c.s_kind === null) return undefined;
  return {
    id,
    kind: c.s_kind,
    owner_user_id: c.s_owner_user_id,
    name: c.s_name ?? '',
    quota_bytes: c.s_quota_bytes === null ? null : Number(c.s_quota_bytes),
    used_bytes: Number(c.s_used_bytes ?? 0),
    root_node_id: c.s_root_node_id,
    created_at: c.s_created_at ?? new Date(0),
  };
}
