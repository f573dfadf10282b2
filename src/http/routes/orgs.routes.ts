import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/core.js';
import type { GroupRow, OrgMemberRow, OrgRow, SpaceMemberRow, SpaceRow } from '../../repositories/org.repository.js';
import type { ServiceAccountRow } from '../../repositories/service-account.repository.js';
import type { ScopeInput } from '../../services/service-accounts.service.js';
import { auditEventSchema, errors, pageQuery, toAuditEventDto } from '../dto.js';
import { auditFilter, auditFilterOf, sendAuditCsv } from '../audit-export.js';
import { ctxOf } from '../plugins/auth.js';

const orgRole = z.enum(['owner', 'admin', 'member', 'guest']).describe('owner and admin run the organisation and manage every space; member: what their space roles allow; guest: read-only');
const spaceRole = z.enum(['viewer', 'editor', 'manager']).describe('viewer: open and download; editor: also add, change, move and delete; manager: also share, purge the trash and manage the space');

export const orgSchema = z
  .object({
    id: z.string(),
    slug: z.string().describe('The handle in URLs and the CLI'),
    name: z.string(),
    status: z.enum(['active', 'suspended']),
    signed_url_max_seconds: z.number(),
    tenant: z.boolean().describe('A tenant keeps its files from its admins: they read them only in a support session an owner approved'),
    my_role: orgRole.nullable().describe('Your role; null for an instance administrator who is no member'),
    member_count: z.number(),
    space_count: z.number(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Organisation' });

const memberSchema = z
  .object({ user_id: z.string(), username: z.string(), display_name: z.string(), email: z.string().nullable(), role: orgRole, created_at: z.string() })
  .meta({ id: 'OrgMember' });

const groupSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    members: z.array(z.object({ user_id: z.string(), username: z.string(), display_name: z.string() })),
    created_at: z.string(),
  })
  .meta({ id: 'OrgGroup' });

const layoutSchema = z
  .object({
    pattern: z.string().max(500).describe('Named segments ending in {file} or **, e.g. "{system}/{objectType}/{objectId}/{file}"'),
    values: z
      .record(z.string(), z.union([z.array(z.string()), z.object({ by: z.string(), values: z.record(z.string(), z.array(z.string())) }), z.object({ regex: z.string() })]))
      .optional()
      .describe('Per segment: a list of names, names by an earlier segment ({"by": "system", "values": {…}}), or {"regex": …}'),
  })
  .meta({ id: 'PathLayout' });

const sharePolicy = z
  .enum(['all', 'people', 'off'])
  .describe("What may be shared from the space: all (with people and by public link), people (with people only), off. Made stricter, it stops existing shares or links at once");

export const spaceSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['personal', 'organization']),
    name: z.string(),
    org: z.object({ id: z.string(), slug: z.string(), name: z.string() }).nullable(),
    my_role: z.enum(['owner', 'manager', 'editor', 'viewer']).nullable().describe('owner of a personal space; your role on an organisation space; null where you only administer its organisation'),
    root_folder_id: z.string().nullable().describe('The id of its top folder, for the files and folders routes'),
    support_access: z.enum(['read', 'write']).nullable().describe('What your running support session there allows, where you hold no role'),
    quota_bytes: z.number().nullable(),
    used_bytes: z.number(),
    trash_retention_days: z.number().nullable().describe("The space's own setting: days, 0 to keep until emptied, null for the instance's default"),
    layout: layoutSchema.nullable(),
    timestamp_names: z.boolean().describe('Stored file names start with the upload time'),
    share_policy: sharePolicy,
    created_at: z.string(),
  })
  .meta({ id: 'Space' });

const spaceMemberSchema = z
  .object({
    id: z.string(),
    role: spaceRole,
    user: z.object({ id: z.string(), username: z.string(), display_name: z.string() }).nullable(),
    group: z.object({ id: z.string(), name: z.string() }).nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'SpaceMember' });

const serviceAccountSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    disabled: z.boolean(),
    scopes: z.array(z.object({ space_id: z.string(), space_name: z.string(), path_prefix: z.string(), permissions: z.array(z.string()) })),
    keys: z.array(
      z.object({ id: z.string(), name: z.string(), hint: z.string().describe('The last characters of the key'), created_at: z.string(), expires_at: z.string().nullable(), last_used_at: z.string().nullable(), revoked_at: z.string().nullable() }),
    ),
    created_at: z.string(),
  })
  .meta({ id: 'ServiceAccount' });

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

function toServiceAccountDto(a: ServiceAccountRow): z.infer<typeof serviceAccountSchema> {
  return {
    id: a.id,
    name: a.name,
    disabled: a.disabled_at !== null,
    scopes: a.scopes,
    keys: a.keys.map((k) => ({ id: k.id, name: k.name, hint: k.hint, created_at: iso(k.created_at)!, expires_at: iso(k.expires_at), last_used_at: iso(k.last_used_at), revoked_at: iso(k.revoked_at) })),
    created_at: a.created_at.toISOString(),
  };
}

function scopeInput(s: { space_id: string; path_prefix?: string | undefined; permissions: string[] }): ScopeInput {
  return { spaceId: s.space_id, pathPrefix: s.path_prefix, permissions: s.permissions };
}

function toOrgDto(o: OrgRow): z.infer<typeof orgSchema> {
  return {
    id: o.id,
    slug: o.slug,
    name: o.name,
    status: o.status,
    signed_url_max_seconds: o.signed_url_max_seconds,
    tenant: o.tenant,
    my_role: o.my_role,
    member_count: Number(o.member_count),
    space_count: Number(o.space_count),
    created_at: o.created_at.toISOString(),
    updated_at: o.updated_at.toISOString(),
  };
}

function toMemberDto(m: OrgMemberRow): z.infer<typeof memberSchema> {
  return { user_id: m.user_id, username: m.username, display_name: m.display_name, email: m.email, role: m.role, created_at: m.created_at.toISOString() };
}

function toGroupDto(g: GroupRow): z.infer<typeof groupSchema> {
  return { id: g.id, name: g.name, members: g.members, created_at: new Date(g.created_at).toISOString() };
}

export function toSpaceDto(s: SpaceRow): z.infer<typeof spaceSchema> {
  return {
    id: s.id,
    kind: s.kind,
    name: s.name,
    org: s.org_id && s.org_slug && s.org_name ? { id: s.org_id, slug: s.org_slug, name: s.org_name } : null,
    my_role: s.org_id === null ? 'owner' : s.my_role,
    root_folder_id: s.my_role !== null || s.org_id === null || s.support_access ? s.root_node_id : null,
    support_access: s.support_access ?? null,
    quota_bytes: s.quota_bytes === null ? null : Number(s.quota_bytes),
    used_bytes: Number(s.used_bytes),
    trash_retention_days: s.trash_retention_days,
    layout: (s.layout ?? null) as z.infer<typeof layoutSchema> | null,
    timestamp_names: s.timestamp_names,
    share_policy: s.share_policy,
    created_at: new Date(s.created_at).toISOString(),
  };
}

function toSpaceMemberDto(m: SpaceMemberRow): z.infer<typeof spaceMemberSchema> {
  return {
    id: m.id,
    role: m.role,
    user: m.user_id && m.username ? { id: m.user_id, username: m.username, display_name: m.display_name ?? m.username } : null,
    group: m.group_id && m.group_name ? { id: m.group_id, name: m.group_name } : null,
    created_at: m.created_at.toISOString(),
  };
}

const orgParam = z.object({ org: z.string().min(1).max(64).describe('Id or handle') });
const quota = z.number().int().min(0).nullable().optional().describe('Bytes; null for no limit');
const retention = z.number().int().min(0).max(36_500).nullable().optional().describe('Days trashed items are kept; 0 until the trash is emptied; null for the instance default');

/** Organisations, their members and groups, and their spaces (shared drives). */
export async function orgsRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.addHook('onRequest', app.authenticate);

  r.get('/orgs', {
    schema: {
      tags: ['organisations'],
      summary: 'Organisations you belong to; every organisation for an instance administrator with all=true',
      security: [{ bearer: [] }],
      querystring: z.object({ all: z.stringbool().default(false) }),
      response: { 200: z.object({ items: z.array(orgSchema) }), ...errors(401, 403) },
    },
    handler: async (request) => ({ items: (await core.orgs.list(ctxOf(request), request.query.all)).map(toOrgDto) }),
  });

  r.post('/orgs', {
    schema: {
      tags: ['organisations'],
      summary: 'Create an organisation with its first owner (instance administrators)',
      security: [{ bearer: [] }],
      body: z.object({
        slug: z.string().min(1).max(63),
        name: z.string().min(1).max(200),
        owner: z.string().min(1).max(320).describe('Username, email or id'),
        tenant: z.boolean().optional().describe("A customer tenant: its admins read its files only in a support session its owner approved"),
      }),
      response: { 201: orgSchema, ...errors(400, 401, 403, 404, 409) },
    },
    handler: async (request, reply) => {
      const ctx = ctxOf(request);
      const org = await core.orgs.create(ctx, request.body);
      return reply.code(201).send(toOrgDto(await core.orgs.get(ctx, org.id)));
    },
  });

  r.get('/orgs/:org', {
    schema: { tags: ['organisations'], summary: 'One organisation', security: [{ bearer: [] }], params: orgParam, response: { 200: orgSchema, ...errors(401, 404) } },
    handler: async (request) => toOrgDto(await core.orgs.get(ctxOf(request), request.params.org)),
  });

  r.patch('/orgs/:org', {
    schema: {
      tags: ['organisations'],
      summary: 'Rename an organisation or set how long its signed URLs may live (its owners and admins)',
      security: [{ bearer: [] }],
      params: orgParam,
      body: z.object({
        name: z.string().min(1).max(200).optional(),
        signed_url_max_seconds: z.number().int().min(60).max(604_800).optional(),
        tenant: z.boolean().optional().describe('Begin tenancy (owners, admins, instance administrators) or end it (owners only)'),
      }),
      response: { 200: orgSchema, ...errors(400, 401, 403, 404) },
    },
    handler: async (request) => {
      const ctx = ctxOf(request);
      const org = await core.orgs.update(ctx, request.params.org, { name: request.body.name, signedUrlMaxSeconds: request.body.signed_url_max_seconds, tenant: request.body.tenant });
      return toOrgDto(await core.orgs.get(ctx, org.id));
    },
  });

  for (const [action, status] of [['suspend', 'suspended'], ['reactivate', 'active']] as const) {
    r.post(`/orgs/:org/${action}`, {
      schema: {
        tags: ['organisations'],
        summary: action === 'suspend' ? 'Suspend an organisation: all access to its spaces stops, its data is kept (instance administrators)' : 'Lift a suspension (instance administrators)',
        security: [{ bearer: [] }],
        params: orgParam,
        response: { 200: orgSchema, ...errors(401, 403, 404) },
      },
      handler: async (request) => {
        const ctx = ctxOf(request);
        const org = await core.orgs.setStatus(ctx, request.params.org, status);
        return toOrgDto(await core.orgs.get(ctx, org.id));
      },
    });
  }

  r.delete('/orgs/:org', {
    schema: {
      tags: ['organisations'],
      summary: 'Delete an organisation and purge everything in its spaces (its owners, or instance administrators); confirm with its handle',
      security: [{ bearer: [] }],
      params: orgParam,
      querystring: z.object({ confirm: z.string().max(64).describe("The organisation's handle, repeated") }),
      response: { 200: z.object({ deleted_spaces: z.number() }), ...errors(400, 401, 403, 404) },
    },
    handler: async (request) => ({ deleted_spaces: (await core.orgs.delete(ctxOf(request), request.params.org, request.query.confirm)).spaces }),
  });

  // ---- audit ----------------------------------------------------------------------------------

  r.get('/orgs/:org/audit', {
    schema: {
      tags: ['organisations'],
      summary: "The organisation's audit trail, newest first: its own events and its spaces' (owners and admins)",
      security: [{ bearer: [] }],
      params: orgParam,
      querystring: z.object({ ...auditFilter, ...pageQuery }),
      response: { 200: z.object({ items: z.array(auditEventSchema), total: z.number() }), ...errors(400, 401, 403, 404) },
    },
    handler: async (request) => {
      const q = request.query;
      const chains = await core.orgs.auditChains(ctxOf(request), request.params.org);
      const { items, total } = await core.audit.query({ ...auditFilterOf(q), chains, limit: q.limit, offset: q.offset });
      return { items: items.map(toAuditEventDto), total };
    },
  });

  r.get('/orgs/:org/audit/export', {
    schema: {
      tags: ['organisations'],
      summary: "The organisation's audit trail as CSV, with the same filters and no paging (owners and admins)",
      security: [{ bearer: [] }],
      params: orgParam,
      querystring: z.object(auditFilter),
      produces: ['text/csv'],
      response: errors(400, 401, 403, 404),
    },
    handler: async (request, reply) => {
      const chains = await core.orgs.auditChains(ctxOf(request), request.params.org);
      const asked = auditFilterOf(request.query);
      return sendAuditCsv(reply, core.audit.exportAll({ ...asked, chains, to: asked.to ?? new Date() }), `coffer-audit-${request.params.org}-${new Date().toISOString().slice(0, 10)}.csv`);
    },
  });

  // ---- members --------------------------------------------------------------------------------

  const memberParams = orgParam.extend({ user: z.string().min(1).max(320).describe('Username, email or id') });

  r.get('/orgs/:org/members', {
    schema: { tags: ['organisations'], summary: "An organisation's members", security: [{ bearer: [] }], params: orgParam, response: { 200: z.object({ items: z.array(memberSchema) }), ...errors(401, 404) } },
    handler: async (request) => ({ items: (await core.orgs.members(ctxOf(request), request.params.org)).map(toMemberDto) }),
  });

  r.put('/orgs/:org/members/:user', {
    schema: {
      tags: ['organisations'],
      summary: 'Add a user to an organisation or change their role (owners and admins; only owners make owners and admins)',
      security: [{ bearer: [] }],
      params: memberParams,
      body: z.object({ role: orgRole }),
      response: { 200: memberSchema, ...errors(400, 401, 403, 404, 409) },
    },
    handler: async (request) => toMemberDto(await core.orgs.setMember(ctxOf(request), request.params.org, request.params.user, request.body.role)),
  });

  r.delete('/orgs/:org/members/:user', {
    schema: {
      tags: ['organisations'],
      summary: 'Remove a member (owners and admins), or leave (yourself); effective on the next request',
      security: [{ bearer: [] }],
      params: memberParams,
      response: { 204: z.null(), ...errors(401, 403, 404, 409) },
    },
    handler: async (request, reply) => {
      await core.orgs.removeMember(ctxOf(request), request.params.org, request.params.user);
      return reply.code(204).send(null);
    },
  });

  // ---- groups ---------------------------------------------------------------------------------

  const groupParams = orgParam.extend({ group: z.string().min(1).max(200).describe('Id or name') });

  r.get('/orgs/:org/groups', {
    schema: { tags: ['organisations'], summary: "An organisation's groups with their members", security: [{ bearer: [] }], params: orgParam, response: { 200: z.object({ items: z.array(groupSchema) }), ...errors(401, 404) } },
    handler: async (request) => ({ items: (await core.orgs.groups(ctxOf(request), request.params.org)).map(toGroupDto) }),
  });

  r.post('/orgs/:org/groups', {
    schema: {
      tags: ['organisations'],
      summary: 'Create a group (owners and admins)',
      security: [{ bearer: [] }],
      params: orgParam,
      body: z.object({ name: z.string().min(1).max(200) }),
      response: { 201: groupSchema, ...errors(400, 401, 403, 404, 409) },
    },
    handler: async (request, reply) => reply.code(201).send(toGroupDto(await core.orgs.createGroup(ctxOf(request), request.params.org, request.body.name))),
  });

  r.patch('/orgs/:org/groups/:group', {
    schema: {
      tags: ['organisations'],
      summary: 'Rename a group (owners and admins)',
      security: [{ bearer: [] }],
      params: groupParams,
      body: z.object({ name: z.string().min(1).max(200) }),
      response: { 200: groupSchema, ...errors(400, 401, 403, 404, 409) },
    },
    handler: async (request) => toGroupDto(await core.orgs.renameGroup(ctxOf(request), request.params.org, request.params.group, request.body.name)),
  });

  r.delete('/orgs/:org/groups/:group', {
    schema: { tags: ['organisations'], summary: 'Delete a group and the space roles it gave (owners and admins)', security: [{ bearer: [] }], params: groupParams, response: { 204: z.null(), ...errors(401, 403, 404) } },
    handler: async (request, reply) => {
      await core.orgs.deleteGroup(ctxOf(request), request.params.org, request.params.group);
      return reply.code(204).send(null);
    },
  });

  const groupMemberParams = groupParams.extend({ user: z.string().min(1).max(320) });
  for (const method of ['put', 'delete'] as const) {
    r[method]('/orgs/:org/groups/:group/members/:user', {
      schema: {
        tags: ['organisations'],
        summary: method === 'put' ? 'Put a member into a group (owners and admins)' : 'Take a member out of a group (owners and admins)',
        security: [{ bearer: [] }],
        params: groupMemberParams,
        response: { 200: groupSchema, ...errors(400, 401, 403, 404) },
      },
      handler: async (request) => toGroupDto(await core.orgs.setGroupMember(ctxOf(request), request.params.org, request.params.group, request.params.user, method === 'put')),
    });
  }

  // ---- service accounts -----------------------------------------------------------------------

  const accountParams = orgParam.extend({ account: z.uuid() });
  const scopesBody = z
    .array(
      z.object({
        space_id: z.uuid(),
        path_prefix: z.string().max(4096).optional().describe('A folder in the space the account is kept below ("/accounting/receipts"); "/" or absent for all of it. Missing folders are made.'),
        permissions: z.array(z.enum(['read', 'list', 'create', 'write', 'delete', 'purge'])).min(1).describe('purge: delete for good, past the trash'),
      }),
    )
    .max(100);

  r.get('/orgs/:org/service-accounts', {
    schema: {
      tags: ['service accounts'],
      summary: "An organisation's service accounts with their scopes and keys (owners and admins)",
      security: [{ bearer: [] }],
      params: orgParam,
      response: { 200: z.object({ items: z.array(serviceAccountSchema) }), ...errors(401, 403, 404) },
    },
    handler: async (request) => ({ items: (await core.serviceAccounts.list(ctxOf(request), request.params.org)).map(toServiceAccountDto) }),
  });

  r.post('/orgs/:org/service-accounts', {
    schema: {
      tags: ['service accounts'],
      summary: 'Create a service account for an application, scoped to spaces (owners and admins)',
      security: [{ bearer: [] }],
      params: orgParam,
      body: z.object({ name: z.string().min(1).max(200), scopes: scopesBody }),
      response: { 201: serviceAccountSchema, ...errors(400, 401, 403, 404, 409) },
    },
    handler: async (request, reply) => {
      const b = request.body;
      const account = await core.serviceAccounts.create(ctxOf(request), request.params.org, { name: b.name, scopes: b.scopes.map(scopeInput) });
      return reply.code(201).send(toServiceAccountDto(account));
    },
  });

  r.get('/orgs/:org/service-accounts/:account', {
    schema: { tags: ['service accounts'], summary: 'One service account', security: [{ bearer: [] }], params: accountParams, response: { 200: serviceAccountSchema, ...errors(401, 403, 404) } },
    handler: async (request) => toServiceAccountDto(await core.serviceAccounts.get(ctxOf(request), request.params.org, request.params.account)),
  });

  r.patch('/orgs/:org/service-accounts/:account', {
    schema: {
      tags: ['service accounts'],
      summary: 'Rename, rescope, disable or enable a service account; effective on its next request',
      security: [{ bearer: [] }],
      params: accountParams,
      body: z.object({ name: z.string().min(1).max(200).optional(), scopes: scopesBody.optional(), disabled: z.boolean().optional() }),
      response: { 200: serviceAccountSchema, ...errors(400, 401, 403, 404, 409) },
    },
    handler: async (request) => {
      const b = request.body;
      const account = await core.serviceAccounts.update(ctxOf(request), request.params.org, request.params.account, { name: b.name, scopes: b.scopes?.map(scopeInput), disabled: b.disabled });
      return toServiceAccountDto(account);
    },
  });

  r.delete('/orgs/:org/service-accounts/:account', {
    schema: { tags: ['service accounts'], summary: 'Delete a service account and its keys', security: [{ bearer: [] }], params: accountParams, response: { 204: z.null(), ...errors(401, 403, 404) } },
    handler: async (request, reply) => {
      await core.serviceAccounts.delete(ctxOf(request), request.params.org, request.params.account);
      return reply.code(204).send(null);
    },
  });

  r.post('/orgs/:org/service-accounts/:account/keys', {
    schema: {
      tags: ['service accounts'],
      summary: 'Issue an API key (shown in this answer only; send it as Authorization: Bearer)',
      security: [{ bearer: [] }],
      params: accountParams,
      body: z.object({ name: z.string().max(200).optional(), expires_at: z.iso.datetime({ offset: true }).nullable().optional() }),
      response: { 201: z.object({ id: z.string(), key: z.string() }).meta({ id: 'NewApiKey' }), ...errors(400, 401, 403, 404) },
    },
    handler: async (request, reply) => {
      const b = request.body;
      const issued = await core.serviceAccounts.createKey(ctxOf(request), request.params.org, request.params.account, { name: b.name, expiresAt: b.expires_at ? new Date(b.expires_at) : null });
      return reply.code(201).header('cache-control', 'no-store').send(issued);
    },
  });

  r.delete('/orgs/:org/service-accounts/:account/keys/:key', {
    schema: { tags: ['service accounts'], summary: 'Revoke an API key; it fails from its next request on', security: [{ bearer: [] }], params: accountParams.extend({ key: z.uuid() }), response: { 204: z.null(), ...errors(401, 403, 404) } },
    handler: async (request, reply) => {
      await core.serviceAccounts.revokeKey(ctxOf(request), request.params.org, request.params.account, request.params.key);
      return reply.code(204).send(null);
    },
  });

  // ---- spaces ---------------------------------------------------------------------------------

  r.get('/orgs/:org/spaces', {
    schema: {
      tags: ['spaces'],
      summary: "An organisation's spaces: all of them for its owners and admins, those you hold a role on otherwise",
      security: [{ bearer: [] }],
      params: orgParam,
      response: { 200: z.object({ items: z.array(spaceSchema) }), ...errors(401, 404) },
    },
    handler: async (request) => ({ items: (await core.spaces.ofOrg(ctxOf(request), request.params.org)).map(toSpaceDto) }),
  });

  r.post('/orgs/:org/spaces', {
    schema: {
      tags: ['spaces'],
      summary: 'Create a space (a shared drive) in an organisation (its owners and admins)',
      security: [{ bearer: [] }],
      params: orgParam,
      body: z.object({
        name: z.string().min(1).max(200),
        quota_bytes: quota,
        trash_retention_days: retention,
        layout: layoutSchema.nullable().optional(),
        timestamp_names: z.boolean().optional(),
        share_policy: sharePolicy.optional(),
        template: z
          .union([z.string().max(63), z.record(z.string(), z.unknown())])
          .optional()
          .describe('A shipped template by name (GET /space-templates) or a template given whole: the space takes its layout'),
      }),
      response: { 201: spaceSchema, ...errors(400, 401, 403, 404, 409) },
    },
    handler: async (request, reply) => {
      const b = request.body;
      const space = await core.spaces.create(ctxOf(request), request.params.org, {
        name: b.name,
        quotaBytes: b.quota_bytes,
        trashRetentionDays: b.trash_retention_days,
        layout: b.layout,
        timestampNames: b.timestamp_names,
        sharePolicy: b.share_policy,
        template: b.template,
      });
      return reply.code(201).send(toSpaceDto(space));
    },
  });

  const spaceParam = z.object({ id: z.uuid() });

  r.get('/spaces', {
    schema: {
      tags: ['spaces'],
      summary: 'Your own space and every organisation space you hold a role on',
      security: [{ bearer: [] }],
      response: { 200: z.object({ items: z.array(spaceSchema) }), ...errors(401) },
    },
    handler: async (request) => ({ items: (await core.spaces.mine(ctxOf(request))).map(toSpaceDto) }),
  });

  r.get('/spaces/:id', {
    schema: { tags: ['spaces'], summary: 'One space', security: [{ bearer: [] }], params: spaceParam, response: { 200: spaceSchema, ...errors(401, 404) } },
    handler: async (request) => toSpaceDto(await core.spaces.get(ctxOf(request), request.params.id)),
  });

  r.patch('/spaces/:id', {
    schema: {
      tags: ['spaces'],
      summary: "Rename a space or set its trash retention (its managers), or its quota and sharing policy (its organisation's owners and admins; the quota also instance administrators)",
      security: [{ bearer: [] }],
      params: spaceParam,
      body: z.object({
        name: z.string().min(1).max(200).optional(),
        quota_bytes: quota,
        trash_retention_days: retention,
        layout: layoutSchema.nullable().optional().describe('null removes the layout'),
        timestamp_names: z.boolean().optional(),
        share_policy: sharePolicy.optional(),
      }),
      response: { 200: spaceSchema, ...errors(400, 401, 403, 404, 409) },
    },
    handler: async (request) => {
      const b = request.body;
      return toSpaceDto(
        await core.spaces.update(ctxOf(request), request.params.id, {
          name: b.name,
          quotaBytes: b.quota_bytes,
          trashRetentionDays: b.trash_retention_days,
          layout: b.layout,
          timestampNames: b.timestamp_names,
          sharePolicy: b.share_policy,
        }),
      );
    },
  });

  r.delete('/spaces/:id', {
    schema: {
      tags: ['spaces'],
      summary: "Delete a space and purge everything in it (its organisation's owners and admins); confirm with its name",
      security: [{ bearer: [] }],
      params: spaceParam,
      querystring: z.object({ confirm: z.string().max(400).describe("The space's name, repeated") }),
      response: { 204: z.null(), ...errors(400, 401, 403, 404) },
    },
    handler: async (request, reply) => {
      await core.spaces.delete(ctxOf(request), request.params.id, request.query.confirm);
      return reply.code(204).send(null);
    },
  });

  r.get('/spaces/:id/members', {
    schema: {
      tags: ['spaces'],
      summary: 'Who holds a role on a space, directly or through a group',
      security: [{ bearer: [] }],
      params: spaceParam,
      response: { 200: z.object({ items: z.array(spaceMemberSchema) }), ...errors(400, 401, 404) },
    },
    handler: async (request) => ({ items: (await core.spaces.members(ctxOf(request), request.params.id)).map(toSpaceMemberDto) }),
  });

  r.post('/spaces/:id/members', {
    schema: {
      tags: ['spaces'],
      summary: 'Give a member of the organisation, or one of its groups, a role on a space (its managers); giving one again changes it',
      security: [{ bearer: [] }],
      params: spaceParam,
      body: z.object({ user: z.string().min(1).max(320).optional(), group: z.string().min(1).max(200).optional(), role: spaceRole }),
      response: { 200: spaceMemberSchema, ...errors(400, 401, 403, 404) },
    },
    handler: async (request) => toSpaceMemberDto(await core.spaces.setMember(ctxOf(request), request.params.id, { user: request.body.user, group: request.body.group }, request.body.role)),
  });

  r.delete('/spaces/:id/members/:member', {
    schema: {
      tags: ['spaces'],
      summary: "Take a user's or group's role on a space away (its managers)",
      security: [{ bearer: [] }],
      params: spaceParam.extend({ member: z.uuid() }),
      response: { 204: z.null(), ...errors(400, 401, 403, 404) },
    },
    handler: async (request, reply) => {
      await core.spaces.removeMember(ctxOf(request), request.params.id, request.params.member);
      return reply.code(204).send(null);
    },
  });
}
