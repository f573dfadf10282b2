import { sql, type RawBuilder } from 'kysely';
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
  s_org_id: string | null;
  s_trash_retention_days: number | null;
  s_layout: unknown;
  s_timestamp_names: boolean | null;
  s_has_policies: boolean | null;
  s_share_policy: Space['share_policy'] | null;
}

const COLUMNS = ['kind', 'owner_user_id', 'name', 'quota_bytes', 'used_bytes', 'root_node_id', 'created_at', 'org_id', 'trash_retention_days', 'layout', 'timestamp_names', 'has_policies', 'share_policy'] as const;

/** The select list of a space's columns under the `s_` prefix, from the table aliased `alias`. */
export function spaceColumns(alias: string): RawBuilder<unknown> {
  return sql.raw(COLUMNS.map((c) => `${alias}.${c} as s_${c}`).join(', '));
}

/** Splits a row into its space's prefixed columns and the rest. */
export function splitSpaceColumns<T extends SpaceColumns>(row: T): { space: SpaceColumns; rest: Omit<T, keyof SpaceColumns> } {
  const rest: Record<string, unknown> = { ...(row as Record<string, unknown>) };
  const space: Record<string, unknown> = {};
  for (const c of COLUMNS) {
    space[`s_${c}`] = rest[`s_${c}`];
    delete rest[`s_${c}`];
  }
  return { space: space as unknown as SpaceColumns, rest: rest as Omit<T, keyof SpaceColumns> };
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
    org_id: c.s_org_id,
    trash_retention_days: c.s_trash_retention_days,
    layout: c.s_layout ?? null,
    timestamp_names: c.s_timestamp_names ?? false,
    has_policies: c.s_has_policies ?? false,
    share_policy: c.s_share_policy ?? 'all',
  };
}
