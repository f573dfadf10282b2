/** Organisations, spaces, app access and records: the server's own schemas from the generated OpenAPI types. */
import type { components } from './openapi';

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

export const ORG_ROLES: readonly OrgMember['role'][] = ['owner', 'admin', 'member', 'guest'];
export const SPACE_ROLES: readonly SpaceRole[] = ['viewer', 'editor', 'manager'];
export const SERVICE_PERMISSIONS = ['read', 'list', 'create', 'write', 'delete', 'purge'] as const;
