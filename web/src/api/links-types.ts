/**
 * Public links, written by hand from the API contract while the server side is being built.
 * TODO(links): replace with the generated schemas (components['schemas']['Link'] and the visitor
 * shapes) from ./openapi once `npm run api:types` includes the links routes; keep these names.
 */

export type LinkPermission = 'read' | 'upload' | 'read-write';
export type LinkState = 'active' | 'expired' | 'exhausted' | 'revoked';

/** A public link as its owner sees it. */
export interface Link {
  id: string;
  token: string;
  /** The public page's path, "/s/<token>"; the address to hand out is the page's origin plus this. */
  url: string;
  node_id: string;
  node_name: string;
  node_kind: 'file' | 'folder';
  name: string;
  permission: LinkPermission;
  has_password: boolean;
  expires_at: string | null;
  max_downloads: number | null;
  downloads: number;
  max_views: number | null;
  views: number;
  state: LinkState;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface LinkCreate {
  node_id: string;
  name?: string;
  permission: LinkPermission;
  password?: string | null;
  expires_at?: string | null;
  max_downloads?: number | null;
  max_views?: number | null;
}

/** A change to a link: only the fields given change; a null password removes the password. */
export type LinkChange = Partial<Omit<LinkCreate, 'node_id'>>;

/** A file or folder as a link's visitors see it. */
export interface PublicNode {
  id: string;
  name: string;
  kind: 'file' | 'folder';
  size: number;
  mime: string | null;
  modified_at: string;
}

/** What GET /api/v1/s/{token} tells a visitor; `node` is null while a password is still needed. */
export interface LinkInfo {
  name: string;
  permission: LinkPermission;
  requires_password: boolean;
  unlocked: boolean;
  expires_at: string | null;
  node: PublicNode | null;
}

export interface PublicListing {
  folder: PublicNode;
  items: PublicNode[];
  total: number;
}

/** What an upload through a link stored: the name may differ from the one sent ("a (1).txt"). */
export interface PublicUploadResult {
  name: string;
  size: number;
}
