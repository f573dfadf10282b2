import type { ApiClient } from './client';
import type {
  Account,
  AppPassword,
  AuditEvent,
  CreatedAppPassword,
  FileNode,
  FileVersion,
  FolderListing,
  Page,
  ProtocolSession,
  Role,
  SearchPage,
  SearchParams,
  SortKey,
  SortOrder,
  StorageOverview,
  TrashItem,
  Usage,
  User,
  UserStatus,
} from './types';
import type { Job, JobsOverview, JobsPage, JobsQuery } from './jobs-types';
import type { Link, LinkChange, LinkCreate } from './links-types';
import type { GrantedLoginFlow, LoginFlow } from './login-flow-types';
import { fetchPreview, type PreviewSize } from './previews';
import type { IncomingShare, Person, Share, ShareRole } from './share-types';
import type {
  CofferRecord,
  FolderPolicies,
  FolderPolicyChange,
  NewApiKey,
  NewOrganisation,
  Organisation,
  OrgGroup,
  OrgMember,
  RecordType,
  ServiceAccount,
  Space,
  SpaceChange,
  SpaceMember,
  SpaceRole,
  SERVICE_PERMISSIONS,
  AppliedSpaceTemplate,
  NewSupportRequest,
  SpaceTemplate,
  SupportAction,
  SupportApproval,
  SupportRequest,
} from './org-types';

const enc = encodeURIComponent;

/** Typed calls of the REST API the web app uses; one function per endpoint. */
export function endpoints(api: ApiClient) {
  return {
    // Files and folders
    node: (id: string) => api.get<FileNode>(`/files/${enc(id)}`),
    children: (id: string, q: { sort?: SortKey; order?: SortOrder; limit?: number; offset?: number } = {}, signal?: AbortSignal) =>
      api.get<FolderListing>(`/folders/${enc(id)}/children`, q, signal),
    /** One new folder by the name a person typed: a "/" in it is refused with a message, never walked as a path. */
    createFolder: (parentId: string, name: string) => api.json<FileNode>('POST', '/folders', { body: { parent_id: parentId, name } }),
    rename: (id: string, name: string) => api.json<FileNode>('PATCH', `/files/${enc(id)}`, { body: { name } }),
    move: (id: string, parentId: string, onConflict: 'fail' | 'rename' = 'fail') =>
      api.json<FileNode>('PATCH', `/files/${enc(id)}`, { body: { parent_id: parentId, on_conflict: onConflict } }),
    copy: (id: string, parentId: string) => api.json<FileNode>('POST', `/files/${enc(id)}/copy`, { body: { parent_id: parentId, on_conflict: 'rename' } }),
    trashNode: (id: string) => api.json<void>('DELETE', `/files/${enc(id)}`),
    /** A short-lived URL that reads one file (or version) without the Authorization header: for <img>, <video>, downloads. */
    contentLink: (id: string, opts: { versionId?: string; inline?: boolean } = {}) =>
      api.json<{ url: string; expires_at: string }>('POST', `/files/${enc(id)}/links`, { body: { version_id: opts.versionId, inline: opts.inline ?? false } }),
    /** A preview picture (WebP) of an image, video or PDF, or word that it is being made (202). */
    preview: (id: string, q: { size: PreviewSize; version?: string | null }, signal?: AbortSignal) => fetchPreview(api, id, q, signal),

    /** Files and folders the caller reaches, by name or content (one page; pass next_cursor back as cursor). */
    search: (params: SearchParams, cursor?: string | null, signal?: AbortSignal) => api.get<SearchPage>('/search', { ...params, cursor: cursor ?? undefined }, signal),

    /** A folder's own policy and the one that applies in it. */
    folderPolicy: (id: string) => api.get<FolderPolicies>(`/folders/${enc(id)}/policy`),
    setFolderPolicy: (id: string, b: FolderPolicyChange) => api.json<FolderPolicies>('PUT', `/folders/${enc(id)}/policy`, { body: b }),
    removeFolderPolicy: (id: string) => api.json<FolderPolicies>('DELETE', `/folders/${enc(id)}/policy`),

    // Sharing with people
    people: (q: string, signal?: AbortSignal) => api.get<{ items: Person[] }>('/people', { q, limit: 10 }, signal),
    /** "Shared with me": shares others made with the caller. */
    incomingShares: () => api.get<{ items: IncomingShare[] }>('/shares'),
    /** "Shared by me": shares of the caller's items and shares the caller made. */
    outgoingShares: () => api.get<{ items: Share[] }>('/shares', { direction: 'outgoing' }),
    /** Everyone one item is shared with (needs the right to share it). */
    nodeShares: (nodeId: string) => api.get<{ items: Share[] }>('/shares', { node_id: nodeId }),
    createShare: (b: { node_id: string; recipient: string; role: ShareRole; expires_at?: string | null }) => api.json<Share>('POST', '/shares', { body: b }),
    updateShare: (id: string, b: { role?: ShareRole; expires_at?: string | null }) => api.json<Share>('PATCH', `/shares/${enc(id)}`, { body: b }),
    /** Revokes a share (its owner or maker) or leaves it (its recipient). */
    deleteShare: (id: string) => api.json<void>('DELETE', `/shares/${enc(id)}`),

    // Public links
    /** Links of all the caller's items. */
    links: () => api.get<{ items: Link[] }>('/links'),
    nodeLinks: (nodeId: string) => api.get<{ items: Link[] }>('/links', { node_id: nodeId }),
    createLink: (b: LinkCreate) => api.json<Link>('POST', '/links', { body: b }),
    updateLink: (id: string, b: LinkChange) => api.json<Link>('PATCH', `/links/${enc(id)}`, { body: b }),
    revokeLink: (id: string) => api.json<void>('DELETE', `/links/${enc(id)}`),

    // Versions
    versions: (id: string) => api.get<{ items: FileVersion[] }>(`/files/${enc(id)}/versions`),
    restoreVersion: (id: string, versionId: string) => api.json<FileNode>('POST', `/files/${enc(id)}/versions/${enc(versionId)}/restore`),

    // Trash
    trash: (q: { limit?: number; offset?: number } = {}) => api.get<Page<TrashItem>>('/trash', q),
    restore: (id: string) => api.json<FileNode>('POST', `/trash/${enc(id)}/restore`),
    purge: (id: string) => api.json<void>('DELETE', `/trash/${enc(id)}`),
    emptyTrash: () => api.json<{ purged: number }>('DELETE', '/trash'),

    // Account
    account: () => api.get<Account>('/account'),
    quota: () => api.get<Usage>('/account/quota'),
    updateProfile: (b: { display_name?: string; email?: string | null }) => api.json<User>('PATCH', '/account', { body: b }),
    changePassword: (current: string, next: string) => api.json<void>('POST', '/account/password', { body: { current_password: current, new_password: next } }),
    appPasswords: () => api.get<{ items: AppPassword[] }>('/auth/app-passwords'),
    createAppPassword: (name: string) => api.json<CreatedAppPassword>('POST', '/auth/app-passwords', { body: { name } }),
    revokeAppPassword: (id: string) => api.json<void>('DELETE', `/auth/app-passwords/${enc(id)}`),
    sessions: () => api.get<{ items: ProtocolSession[]; limit: number }>('/account/sessions'),
    endSession: (id: string) => api.json<void>('DELETE', `/account/sessions/${enc(id)}`),
    logoutEverywhere: () => api.json<void>('POST', '/auth/logout-all'),

    // A device asking to be let in (Nextcloud login flow)
    loginFlow: (token: string) => api.get<LoginFlow>(`/login-flows/${enc(token)}`),
    grantLoginFlow: (token: string) => api.json<GrantedLoginFlow>('POST', `/login-flows/${enc(token)}/grant`),
    refuseLoginFlow: (token: string) => api.json<void>('POST', `/login-flows/${enc(token)}/refuse`),

    // Administration
    users: (q: { search?: string; status?: UserStatus; role?: Role; sort?: 'username' | 'created' | 'used'; order?: SortOrder; limit?: number; offset?: number }) =>
      api.get<Page<User>>('/admin/users', q),
    createUser: (b: { username: string; password: string; email?: string | null; display_name?: string; role?: Role; quota_bytes?: number | null }) =>
      api.json<User>('POST', '/admin/users', { body: b }),
    updateUser: (id: string, b: { role?: Role; status?: 'pending' | 'active' | 'suspended'; quota_bytes?: number | null; email?: string | null; display_name?: string; password?: string }) =>
      api.json<User>('PATCH', `/admin/users/${enc(id)}`, { body: b }),
    suspendUser: (id: string) => api.json<User>('POST', `/admin/users/${enc(id)}/suspend`),
    reactivateUser: (id: string) => api.json<User>('POST', `/admin/users/${enc(id)}/reactivate`),
    audit: (q: AuditQuery) => api.get<Page<AuditEvent>>('/admin/audit', q),
    /** The audit log as CSV, with the same filters (no paging). */
    auditCsv: async (q: Omit<AuditQuery, 'limit' | 'offset'>) => (await api.raw('GET', '/admin/audit/export', { query: q, headers: { accept: 'text/csv' } })).blob(),
    storage: () => api.get<StorageOverview>('/admin/storage'),
    jobsOverview: () => api.get<JobsOverview>('/admin/jobs/overview'),
    /** Newest first; page on with `before` (the previous page's `next_before`). */
    jobs: (q: JobsQuery) => api.get<JobsPage>('/admin/jobs', q),
    retryJob: (id: number) => api.json<Job>('POST', `/admin/jobs/${id}/retry`),
    cancelJob: (id: number) => api.json<Job>('POST', `/admin/jobs/${id}/cancel`),
    runSchedule: (kind: string) => api.json<void>('POST', `/admin/jobs/schedules/${enc(kind)}/run`),

    // Organisations and their spaces
    spaces: () => api.get<{ items: Space[] }>('/spaces'),
    space: (id: string) => api.get<Space>(`/spaces/${enc(id)}`),
    orgs: () => api.get<{ items: Organisation[] }>('/orgs'),
    /** Every organisation of the instance (instance administrators). */
    allOrgs: () => api.get<{ items: Organisation[] }>('/orgs', { all: true }),
    createOrg: (b: NewOrganisation) => api.json<Organisation>('POST', '/orgs', { body: b }),
    suspendOrg: (slug: string) => api.json<Organisation>('POST', `/orgs/${enc(slug)}/suspend`),
    reactivateOrg: (slug: string) => api.json<Organisation>('POST', `/orgs/${enc(slug)}/reactivate`),
    /** Deletes an organisation and purges its spaces; `confirm` repeats its handle. */
    deleteOrg: (slug: string, confirm: string) => api.json<{ deleted_spaces: number }>('DELETE', `/orgs/${enc(slug)}`, { query: { confirm } }),
    org: (slug: string) => api.get<Organisation>(`/orgs/${enc(slug)}`),
    orgMembers: (slug: string) => api.get<{ items: OrgMember[] }>(`/orgs/${enc(slug)}/members`),
    setOrgMember: (slug: string, user: string, role: OrgMember['role']) => api.json<OrgMember>('PUT', `/orgs/${enc(slug)}/members/${enc(user)}`, { body: { role } }),
    removeOrgMember: (slug: string, user: string) => api.json<void>('DELETE', `/orgs/${enc(slug)}/members/${enc(user)}`),
    orgGroups: (slug: string) => api.get<{ items: OrgGroup[] }>(`/orgs/${enc(slug)}/groups`),
    createGroup: (slug: string, name: string) => api.json<OrgGroup>('POST', `/orgs/${enc(slug)}/groups`, { body: { name } }),
    renameGroup: (slug: string, group: string, name: string) => api.json<OrgGroup>('PATCH', `/orgs/${enc(slug)}/groups/${enc(group)}`, { body: { name } }),
    deleteGroup: (slug: string, group: string) => api.json<void>('DELETE', `/orgs/${enc(slug)}/groups/${enc(group)}`),
    addGroupMember: (slug: string, group: string, user: string) => api.json<OrgGroup>('PUT', `/orgs/${enc(slug)}/groups/${enc(group)}/members/${enc(user)}`),
    removeGroupMember: (slug: string, group: string, user: string) => api.json<OrgGroup>('DELETE', `/orgs/${enc(slug)}/groups/${enc(group)}/members/${enc(user)}`),
    orgSpaces: (slug: string) => api.get<{ items: Space[] }>(`/orgs/${enc(slug)}/spaces`),
    createSpace: (slug: string, b: { name: string; quota_bytes?: number | null; trash_retention_days?: number | null; template?: string }) =>
      api.json<Space>('POST', `/orgs/${enc(slug)}/spaces`, { body: b }),
    updateSpace: (id: string, b: SpaceChange) => api.json<Space>('PATCH', `/spaces/${enc(id)}`, { body: b }),
    spaceMembers: (id: string) => api.get<{ items: SpaceMember[] }>(`/spaces/${enc(id)}/members`),
    setSpaceMember: (id: string, b: { user?: string; group?: string; role: SpaceRole }) => api.json<SpaceMember>('POST', `/spaces/${enc(id)}/members`, { body: b }),
    removeSpaceMember: (id: string, memberId: string) => api.json<void>('DELETE', `/spaces/${enc(id)}/members/${enc(memberId)}`),
    serviceAccounts: (slug: string) => api.get<{ items: ServiceAccount[] }>(`/orgs/${enc(slug)}/service-accounts`),
    createServiceAccount: (slug: string, b: { name: string; scopes: { space_id: string; path_prefix?: string; permissions: (typeof SERVICE_PERMISSIONS)[number][] }[] }) =>
      api.json<ServiceAccount>('POST', `/orgs/${enc(slug)}/service-accounts`, { body: b }),
    createApiKey: (slug: string, account: string, name: string) => api.json<NewApiKey>('POST', `/orgs/${enc(slug)}/service-accounts/${enc(account)}/keys`, { body: { name } }),
    revokeApiKey: (slug: string, account: string, key: string) => api.json<void>('DELETE', `/orgs/${enc(slug)}/service-accounts/${enc(account)}/keys/${enc(key)}`),

    // Support access to tenants' spaces
    orgSupportRequests: (slug: string) => api.get<{ items: SupportRequest[] }>(`/orgs/${enc(slug)}/support-requests`),
    mySupportRequests: () => api.get<{ items: SupportRequest[] }>('/support-requests'),
    askSupport: (spaceId: string, b: NewSupportRequest) => api.json<SupportRequest>('POST', `/spaces/${enc(spaceId)}/support-requests`, { body: b }),
    approveSupport: (id: string, b: SupportApproval) => api.json<SupportRequest>('POST', `/support-requests/${enc(id)}/approve`, { body: b }),
    refuseSupport: (id: string, note?: string) => api.json<SupportRequest>('POST', `/support-requests/${enc(id)}/refuse`, { body: note ? { note } : {} }),
    supportAction: (id: string, action: SupportAction) => api.json<SupportRequest>('POST', `/support-requests/${enc(id)}/${action}`),
    supportActivity: (id: string) => api.get<Page<AuditEvent>>(`/support-requests/${enc(id)}/activity`, { limit: 500 }),

    // Space templates and the units made from them
    spaceTemplates: () => api.get<{ items: SpaceTemplate[] }>('/space-templates'),
    spaceTemplate: (spaceId: string) => api.get<AppliedSpaceTemplate>(`/spaces/${enc(spaceId)}/template`),
    createUnit: (spaceId: string, name: string) => api.json<FileNode>('POST', `/spaces/${enc(spaceId)}/units`, { body: { name } }),
    exportSelection: (spaceId: string, b: { ids: string[]; folder_id?: string; name?: string }) => api.json<FileNode>('POST', `/spaces/${enc(spaceId)}/exports`, { body: b }),
    derivation: (fileId: string) => api.get<{ original: FileNode | null; derived: FileNode[] }>(`/files/${enc(fileId)}/derivation`),

    // Records
    recordTypes: (spaceId: string) => api.get<{ items: RecordType[] }>(`/spaces/${enc(spaceId)}/record-types`),
    records: (spaceId: string, q: { type: string; sort?: string; order?: SortOrder; include_archived?: boolean; limit?: number; offset?: number; filters?: Record<string, string> }) => {
      const { filters, ...rest } = q;
      const query: Record<string, string | number | boolean | undefined> = { ...rest };
      for (const [k, v] of Object.entries(filters ?? {})) if (v !== '') query[`field.${k}`] = v;
      return api.get<{ items: CofferRecord[]; total: number }>(`/spaces/${enc(spaceId)}/records`, query);
    },
    createRecord: (b: { folder_id: string; type: string; data: Record<string, unknown> }) => api.json<CofferRecord>('POST', '/records', { body: b }),
    updateRecord: (id: string, data: Record<string, unknown>) => api.json<CofferRecord>('PATCH', `/records/${enc(id)}`, { body: { data } }),
  };
}

export type AuditQuery = {
  user_id?: string;
  action?: string;
  path_prefix?: string;
  from?: string;
  to?: string;
  limit?: number;
  offset?: number;
};

export type Endpoints = ReturnType<typeof endpoints>;
