import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** A timestamp column: read as Date, written as Date or an SQL expression. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type TimestampDefault = ColumnType<Date, Date | string | undefined, Date | string>;

export type UserRole = 'admin' | 'user';
export type UserStatus = 'pending' | 'active' | 'suspended' | 'deleted';
export type NodeKind = 'file' | 'folder';

export interface SettingsTable {
  key: string;
  value: string;
}

export interface UsersTable {
  id: string;
  username: string;
  email: string | null;
  display_name: ColumnType<string, string | undefined, string>;
  password_hash: string | null;
  role: UserRole;
  status: UserStatus;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export interface AppPasswordsTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  created_at: TimestampDefault;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface RefreshTokensTable {
  id: string;
  user_id: string;
  family_id: string;
  token_hash: string;
  created_at: TimestampDefault;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  revoked_at: Timestamp | null;
  ip: string | null;
  user_agent: string | null;
}

export interface ProtocolSessionsTable {
  id: string;
  user_id: string;
  app_password_id: string | null;
  device: string;
  ip: string | null;
  created_at: TimestampDefault;
  last_activity_at: TimestampDefault;
  ended_at: Timestamp | null;
}

/** A Nextcloud login flow under way (migration 0031): a device waiting for its owner to let it in. */
export interface LoginFlowsTable {
  id: string;
  kind: 'poll' | 'redirect';
  login_token_hash: string;
  poll_token_hash: string | null;
  client_name: string;
  server: string;
  sealed_password: string | null;
  password_hash: string | null;
  ip: string | null;
  created_at: TimestampDefault;
  expires_at: Timestamp;
  granted_at: Timestamp | null;
  user_id: string | null;
  login_name: string | null;
  app_password_id: string | null;
}

export interface RateLimitsTable {
  key: string;
  window_start: Timestamp;
  count: number;
}

export interface SpacesTable {
  id: string;
  kind: 'personal' | 'organization';
  owner_user_id: string | null;
  name: string;
  quota_bytes: number | null;
  used_bytes: ColumnType<number, number | undefined, number>;
  root_node_id: string | null;
  created_at: TimestampDefault;
  /** The organisation of an organisation's space (a shared drive); null for a personal space. */
  org_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** Days trashed items are kept: null takes the instance's default, 0 keeps them until emptied. */
  trash_retention_days: ColumnType<number | null, number | null | undefined, number | null>;
  /** The space's path layout (see core/layout.ts), or null for none. */
  layout: ColumnType<unknown, string | null | undefined, string | null>;
  /** Stored file names get the upload time in front ("20261206T214300Z_name.pdf"). */
  timestamp_names: ColumnType<boolean, boolean | undefined, boolean>;
  /** Some folder of the space has a policy (folder_policies). */
  has_policies: ColumnType<boolean, boolean | undefined, boolean>;
  /** What may be shared from the space: with people and by link, with people only, or nothing. */
  share_policy: ColumnType<SharePolicy, SharePolicy | undefined, SharePolicy>;
}

export type SharePolicy = 'all' | 'people' | 'off';

export interface FolderPoliciesTable {
  node_id: string;
  space_id: string;
  allowed_extensions: string[] | null;
  allowed_types: string[] | null;
  max_file_bytes: number | null;
  write_once: ColumnType<boolean, boolean | undefined, boolean>;
  /** Files written below this folder are made from an original below that one, and name it. */
  originals_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** Items below this folder unchanged for longer are deleted for good by the maintenance job. */
  max_age_hours: ColumnType<number | null, number | null | undefined, number | null>;
  updated_by: string | null;
  updated_at: TimestampDefault;
}

export type OrgRole = 'owner' | 'admin' | 'member' | 'guest';
export type OrgStatus = 'active' | 'suspended';

export interface OrganisationsTable {
  id: string;
  slug: string;
  name: string;
  status: ColumnType<OrgStatus, OrgStatus | undefined, OrgStatus>;
  signed_url_max_seconds: ColumnType<number, number | undefined, number>;
  /** A tenant's admins read its files only in a support session one of its owners approved. */
  tenant: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export interface SpaceTemplatesTable {
  space_id: string;
  name: string;
  definition: ColumnType<unknown, string, string>;
  created_at: TimestampDefault;
}

export interface DerivedFilesTable {
  node_id: string;
  original_id: string;
  space_id: string;
  created_at: TimestampDefault;
}

export type SupportAccess = 'read' | 'write';
export type SupportStatus = 'pending' | 'approved' | 'refused' | 'cancelled' | 'active' | 'ended' | 'revoked';

export interface SupportRequestsTable {
  id: string;
  org_id: string;
  space_id: string;
  requested_by: string;
  reason: string;
  access: SupportAccess;
  minutes: number;
  status: ColumnType<SupportStatus, SupportStatus | undefined, SupportStatus>;
  decided_by: ColumnType<string | null, string | null | undefined, string | null>;
  decided_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  decision_note: ColumnType<string | null, string | null | undefined, string | null>;
  started_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  ends_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  ended_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  created_at: TimestampDefault;
}

export interface OrgMembersTable {
  org_id: string;
  user_id: string;
  role: OrgRole;
  created_at: TimestampDefault;
}

export interface OrgGroupsTable {
  id: string;
  org_id: string;
  name: string;
  created_at: TimestampDefault;
}

export interface OrgGroupMembersTable {
  group_id: string;
  user_id: string;
}

export interface SpaceMembersTable {
  id: string;
  space_id: string;
  user_id: string | null;
  group_id: string | null;
  role: ShareRole;
  created_at: TimestampDefault;
}

export interface ServiceAccountsTable {
  id: string;
  org_id: string;
  name: string;
  created_by: string | null;
  created_at: TimestampDefault;
  disabled_at: Timestamp | null;
}

/** What a service account may do in a space: read, list, create, write, delete, purge. */
export type ServicePermission = 'read' | 'list' | 'create' | 'write' | 'delete' | 'purge';

export interface ServiceAccountScopesTable {
  service_account_id: string;
  space_id: string;
  path_prefix: ColumnType<string, string | undefined, string>;
  permissions: ServicePermission[];
}

export interface ApiKeysTable {
  id: string;
  service_account_id: string;
  name: ColumnType<string, string | undefined, string>;
  token_hash: string;
  hint: string;
  created_at: TimestampDefault;
  expires_at: Timestamp | null;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface SignedUrlUsesTable {
  nonce: string;
  used_at: TimestampDefault;
  expires_at: Timestamp;
}

export interface RecordTypesTable {
  id: string;
  space_id: string;
  name: string;
  title: string;
  schema: ColumnType<unknown, string, string>;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export interface RecordsTable {
  id: string;
  type_id: string;
  space_id: string;
  folder_id: string;
  data: ColumnType<Record<string, unknown>, string, string>;
  created_by: string | null;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export interface BlobsTable {
  id: string;
  store_key: string;
  size: number;
  sha256: string;
  created_at: TimestampDefault;
}

export interface NodesTable {
  id: string;
  space_id: string;
  parent_id: string | null;
  name: string;
  kind: NodeKind;
  current_version_id: string | null;
  size: ColumnType<number, number | undefined, number>;
  mime: string | null;
  etag: string;
  created_at: TimestampDefault;
  modified_at: TimestampDefault;
  updated_at: TimestampDefault;
  created_by: string | null;
  deleted_at: Timestamp | null;
  deleted_by: string | null;
  trash_origin_path: string | null;
  trash_origin_parent_id: string | null;
  /**
   * coffer_fold(name), kept by PostgreSQL (a generated column, migration 0028) for the name
   * search's indexes. Never written, and left out of the row types: only search's SQL reads it.
   */
  name_folded: ColumnType<never, never, never>;
  /**
   * A number for the node's whole life, for clients that keep file ids as 64-bit integers (the
   * ownCloud and Nextcloud apps' oc:fileid): given by the database on insert (migration 0029).
   */
  file_id: ColumnType<number, never, never>;
}

export interface VersionsTable {
  id: string;
  node_id: string;
  blob_id: string;
  size: number;
  sha256: string;
  sha1: ColumnType<string | null, string | null | undefined, string | null>;
  mime: string | null;
  author_id: string | null;
  created_at: TimestampDefault;
}

/** The extracted text of a file version, for content search (migration 0024). */
export interface SearchTextsTable {
  version_id: string;
  node_id: string;
  status: 'indexed' | 'failed';
  reason: string | null;
  body: ColumnType<string, string | undefined, string>;
  truncated: ColumnType<boolean, boolean | undefined, boolean>;
  /** A tsvector, written and read only through SQL (to_tsvector, @@). */
  words: ColumnType<string, string | undefined, string>;
  indexed_at: TimestampDefault;
}

export interface PropertiesTable {
  node_id: string;
  namespace: string;
  name: string;
  value: string;
  /** Generated: UTF-8 bytes of namespace + name + value, what the quota counts. */
  size: Generated<number>;
}

/** A user's favourite (Nextcloud's oc:favorite): per user, on any node they can reach (migration 0029). */
export interface FavoritesTable {
  user_id: string;
  node_id: string;
  created_at: TimestampDefault;
}

export interface TagsTable {
  node_id: string;
  tag: string;
}

export interface LocksTable {
  token: string;
  space_id: string;
  path: string;
  depth: string;
  scope: string;
  owner_xml: string | null;
  user_id: string | null;
  created_at: TimestampDefault;
  expires_at: Timestamp;
}

export type ShareRole = 'viewer' | 'editor' | 'manager';
export type LinkPermission = 'read' | 'upload' | 'read-write';

export interface SharesTable {
  id: string;
  node_id: string;
  space_id: string;
  created_by: string | null;
  recipient_id: string;
  role: ShareRole;
  mount_name: string;
  expires_at: Timestamp | null;
  /** The share's number in the Nextcloud apps' sharing API, from the sequence links draw from too. */
  number: ColumnType<number, never, never>;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export interface LinksTable {
  id: string;
  token: string;
  node_id: string;
  space_id: string;
  created_by: string | null;
  name: ColumnType<string, string | undefined, string>;
  permission: LinkPermission;
  password_hash: string | null;
  expires_at: Timestamp | null;
  max_downloads: number | null;
  downloads: ColumnType<number, number | undefined, number>;
  max_views: number | null;
  views: ColumnType<number, number | undefined, number>;
  revoked_at: Timestamp | null;
  /** The link's number in the Nextcloud apps' sharing API, from the sequence shares draw from too. */
  number: ColumnType<number, never, never>;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export interface AuditEventsTable {
  id: Generated<number>;
  at: Timestamp;
  actor_id: string | null;
  actor_name: string | null;
  ip: string | null;
  user_agent: string | null;
  action: string;
  node_id: string | null;
  path: string | null;
  bytes: number | null;
  result: string;
  detail: string | null;
  /** Null while the event is pending: committed, not yet sealed into its chain. */
  prev_hash: string | null;
  hash: string | null;
  /** The space id, 'account' for account and admin events, 'legacy' for events from before chains were keyed. */
  chain: string;
  /** Position in the chain from 1; null while pending. */
  seq: number | null;
}

export interface AuditHeadsTable {
  chain: string;
  event_count: number;
  hash: string;
  mac: string;
  updated_at: TimestampDefault;
}

export interface UploadSessionsTable {
  id: string;
  owner: string;
  space_id: string;
  folder_id: string;
  relative_path: string;
  overwrite: ColumnType<boolean, boolean | undefined, boolean>;
  mime: string | null;
  modified_at: Timestamp | null;
  options: ColumnType<UploadSessionOptions, string | undefined, string>;
  protocol: 'tus' | 'direct' | 'nextcloud';
  /** Declared length; with options.lengthLater an upper bound until the client finishes. */
  length: number;
  received: ColumnType<number, number | undefined, number>;
  store_state: ColumnType<unknown, string, string>;
  hash_state: string | null;
  hash_chain: string | null;
  metadata: ColumnType<Record<string, string | null>, string | undefined, string>;
  status: ColumnType<UploadSessionStatus, UploadSessionStatus | undefined, UploadSessionStatus>;
  node_id: string | null;
  failure: ColumnType<UploadFailure | null, string | null | undefined, string | null>;
  lease: string | null;
  lease_until: Timestamp | null;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
  expires_at: Timestamp;
}

export type UploadSessionStatus = 'receiving' | 'finishing' | 'completed' | 'failed';

/** Why the finishing of an upload failed, as the API error the client would have got. */
export interface UploadFailure {
  status: number;
  code: string;
  detail: string;
}

/** What an upload session keeps of its creating request for the commit (see upload-sessions.service). */
export interface UploadSessionOptions {
  derivedFrom?: string | undefined;
  overrideWriteOnce?: boolean | undefined;
  /** The file a session writes a new version of (it lands wherever that file is at completion). */
  nodeId?: string | undefined;
  /** The length was not announced at creation (Nextcloud's Android app): `length` is only a bound, the real one is what arrived by completion. */
  lengthLater?: boolean | undefined;
  /** The destination was not named at creation (Nextcloud desktop 3.7's MKCOL): it is given at completion, the session only checked the caller's own space. */
  targetLater?: boolean | undefined;
}

export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface JobsTable {
  id: Generated<number>;
  kind: string;
  key: string | null;
  payload: ColumnType<unknown, string | undefined, string>;
  priority: ColumnType<number, number | undefined, number>;
  state: ColumnType<JobState, JobState | undefined, JobState>;
  attempts: ColumnType<number, number | undefined, number>;
  max_attempts: ColumnType<number, number | undefined, number>;
  run_after: TimestampDefault;
  locked_by: string | null;
  locked_until: Timestamp | null;
  last_error: string | null;
  created_at: TimestampDefault;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
}

export interface JobSchedulesTable {
  kind: string;
  interval_seconds: number;
  next_run_at: Timestamp;
  last_enqueued_at: Timestamp | null;
}

export interface DerivedBlobsTable {
  blob_id: string;
  kind: string;
  store_key: string | null;
  size: number | null;
  mime: string | null;
  width: number | null;
  height: number | null;
  failure: string | null;
  created_at: TimestampDefault;
}

export interface DB {
  settings: SettingsTable;
  users: UsersTable;
  app_passwords: AppPasswordsTable;
  refresh_tokens: RefreshTokensTable;
  protocol_sessions: ProtocolSessionsTable;
  login_flows: LoginFlowsTable;
  rate_limits: RateLimitsTable;
  spaces: SpacesTable;
  blobs: BlobsTable;
  nodes: NodesTable;
  versions: VersionsTable;
  properties: PropertiesTable;
  tags: TagsTable;
  favorites: FavoritesTable;
  locks: LocksTable;
  audit_events: AuditEventsTable;
  audit_heads: AuditHeadsTable;
  shares: SharesTable;
  links: LinksTable;
  organisations: OrganisationsTable;
  org_members: OrgMembersTable;
  org_groups: OrgGroupsTable;
  org_group_members: OrgGroupMembersTable;
  space_members: SpaceMembersTable;
  service_accounts: ServiceAccountsTable;
  service_account_scopes: ServiceAccountScopesTable;
  api_keys: ApiKeysTable;
  signed_url_uses: SignedUrlUsesTable;
  folder_policies: FolderPoliciesTable;
  record_types: RecordTypesTable;
  records: RecordsTable;
  space_templates: SpaceTemplatesTable;
  derived_files: DerivedFilesTable;
  support_requests: SupportRequestsTable;
  upload_sessions: UploadSessionsTable;
  jobs: JobsTable;
  job_schedules: JobSchedulesTable;
  derived_blobs: DerivedBlobsTable;
  search_texts: SearchTextsTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type Space = Selectable<SpacesTable>;
export type Node = Selectable<NodesTable>;
export type NewNode = Insertable<NodesTable>;
export type Version = Selectable<VersionsTable>;
export type Blob = Selectable<BlobsTable>;
export type AppPassword = Selectable<AppPasswordsTable>;
export type RefreshToken = Selectable<RefreshTokensTable>;
export type AuditEvent = Selectable<AuditEventsTable>;
export type Lock = Selectable<LocksTable>;
export type ProtocolSession = Selectable<ProtocolSessionsTable>;
export type LoginFlow = Selectable<LoginFlowsTable>;
export type Share = Selectable<SharesTable>;
export type Link = Selectable<LinksTable>;
export type Organisation = Selectable<OrganisationsTable>;
export type OrgMember = Selectable<OrgMembersTable>;
export type OrgGroup = Selectable<OrgGroupsTable>;
export type SpaceMember = Selectable<SpaceMembersTable>;
export type ServiceAccount = Selectable<ServiceAccountsTable>;
export type ApiKey = Selectable<ApiKeysTable>;
export type FolderPolicy = Selectable<FolderPoliciesTable>;
export type RecordType = Selectable<RecordTypesTable>;
export type RecordRow = Selectable<RecordsTable>;
export type SupportRequest = Selectable<SupportRequestsTable>;
export type UploadSession = Selectable<UploadSessionsTable>;
