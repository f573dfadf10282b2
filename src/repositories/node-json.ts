import type { Node } from '../db/schema.js';

/** A nodes row as PostgreSQL's to_jsonb writes it: times as ISO strings. */
export type NodeJson = Omit<Node, 'created_at' | 'modified_at' | 'updated_at' | 'deleted_at'> & {
  created_at: string;
  modified_at: string;
  updated_at: string;
  deleted_at: string | null;
};

/** The row a SQL function handed back as to_jsonb(nodes.*), as the driver would have read it. */
export function nodeFromJson(j: NodeJson): Node {
  return {
    ...j,
    size: Number(j.size),
    file_id: Number(j.file_id),
    created_at: new Date(j.created_at),
    modified_at: new Date(j.modified_at),
    updated_at: new Date(j.updated_at),
    deleted_at: j.deleted_at === null ? null : new Date(j.deleted_at),
  };
}
