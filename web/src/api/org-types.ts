/** Organisations, spaces, app access and records: the server's own schemas from the generated OpenAPI types. */
import type { components, paths } from './openapi';

type JsonBody<T> = T extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

export type Organisation = components['schemas']['Organisation'];
export type OrgMember = components['schemas']['OrgMember'];
export type OrgGroup = components['schemas']['OrgGroup'];
export type Space = components['schemas']['Space'];
export type SpaceMember = components['schemas']['SpaceMember'];
export type SpaceRole = SpaceMember['role'];
export type ServiceAccount = components['schemas']['ServiceAccount'];
export type NewApiKey = components['schemas']['NewApiKey'];
export type RecordType = components['schemas']['RecordType'];
export type CofferRecord = components['schemas']['Record'];
/** A space's path layout: a pattern of named segments and what each may be (see src/core/layout.ts). */
export type PathLayout = components['schemas']['PathLayout'];
/** A change to a space's settings: only the fields given change; a null layout removes it. */
export type SpaceChange = JsonBody<paths['/api/v1/spaces/{id}']['patch']>;
export type NewOrganisation = JsonBody<paths['/api/v1/orgs']['post']>;
/** A folder's own policy and the one that applies in it (inherited from the folders above). */
export type FolderPolicies = components['schemas']['FolderPolicies'];
export type FolderPolicy = components['schemas']['FolderPolicy'];
export type FolderPolicyChange = JsonBody<paths['/api/v1/folders/{id}/policy']['put']>;

/** A request for support access to a tenant's space, its decision and its one session. */
export type SupportRequest = components['schemas']['SupportRequest'];
export type NewSupportRequest = JsonBody<paths['/api/v1/spaces/{id}/support-requests']['post']>;
export type SupportApproval = JsonBody<paths['/api/v1/support-requests/{id}/approve']['post']>;
export type SupportAction = 'start' | 'end' | 'cancel' | 'revoke';
export type SpaceTemplate = components['schemas']['SpaceTemplate'];
export type AppliedSpaceTemplate = components['schemas']['AppliedSpaceTemplate'];

export const ORG_ROLES: readonly OrgMember['role'][] = ['owner', 'admin', 'member', 'guest'];
export const SPACE_ROLES: readonly SpaceRole[] = ['viewer', 'editor', 'manager'];
export const SERVICE_PERMISSIONS = ['read', 'list', 'create', 'write', 'delete', 'purge'] as const;
