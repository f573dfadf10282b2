/** Shapes of the public REST API (see /api/v1/openapi.json). */
import type { paths } from './openapi';

export type NodeKind = 'file' | 'folder';

export interface FileNode {
  id: string;
  name: string;
  kind: NodeKind;
  parent_id: string | null;
  path?: string;
  /** The space it lies in (GET /spaces). */
  space_id?: string;
  /** Bytes: the file, or everything beneath the folder. */
  size: number;
  mime: string | null;
  etag: string;
  version_id: string | null;
  created_at: string;
  modified_at: string;
  updated_at: string;
}

export interface FolderListing {
  folder: FileNode;
  items: FileNode[];
  total: number;
  limit: number;
  offset: number;
}

export type SortKey = 'name' | 'size' | 'modified';
export type SortOrder = 'asc' | 'desc';

export interface TrashItem {
  id: string;
  name: string;
  kind: NodeKind;
  size: number;
  original_path: string | null;
  deleted_at: string;
}

export interface FileVersion {
  id: string;
  size: number;
  sha256: string;
  mime: string | null;
  author: string | null;
  created_at: string;
  current: boolean;
}

export type Role = 'admin' | 'user';
export type UserStatus = 'pending' | 'active' | 'suspended' | 'deleted';

export interface User {
  id: string;
  username: string;
  email: string | null;
  display_name: string;
  role: Role;
  status: UserStatus;
  quota_bytes?: number | null;
  used_bytes?: number;
  created_at: string;
}

export interface Usage {
  used: number;
  quota: number | null;
  available: number | null;
  files: number;
  trash: number;
  versions: number;
}

export interface Account {
  user: User;
  usage: Usage;
}

export interface AppPassword {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

export interface CreatedAppPassword {
  id: string;
  name: string;
  password: string;
}

export interface ProtocolSession {
  id: string;
  device: string;
  app_password_id: string | null;
  app_password_name: string | null;
  ip: string | null;
  created_at: string;
  last_activity_at: string;
  active: boolean;
}

export interface AuditEvent {
  id: number;
  at: string;
  actor_id: string | null;
  actor_name: string | null;
  ip: string | null;
  user_agent: string | null;
  action: string;
  node_id: string | null;
  path: string | null;
  bytes: number | null;
  result: string;
  detail: unknown;
}

export interface StorageOverview {
  users: number;
  used: number;
  files: number;
  trash: number;
  versions: number;
  quota_total: number | null;
  top_users: { id: string; username: string; used: number; quota: number | null }[];
}

export interface Page<T> {
  items: T[];
  total: number;
}

/** RFC 9457 problem details, as every API error is sent. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  [extra: string]: unknown;
}

/** One result of GET /search: a file or folder the caller reaches, where they see it. */
export interface SearchHit extends FileNode {
  /** Where it lies as the caller sees it: own path, or below "Shared with me". */
  path: string;
  space: { id: string; name: string; kind: 'personal' | 'organization' } | null;
  via: 'own' | 'space' | 'share' | 'service' | 'support';
  /** Content searches: how well the text matched, a passage of it, the matches in it ([start, end)). */
  rank?: number;
  snippet?: string;
  highlights?: [number, number][];
}

export interface SearchPage {
  items: SearchHit[];
  next_cursor: string | null;
}

/** What a search asks: GET /search's parameters, from the generated OpenAPI types. */
export type SearchParams = NonNullable<paths['/api/v1/search']['get']['parameters']['query']>;
