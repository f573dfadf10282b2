import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type NodeBody } from './helpers/api.js';
import { DavUser } from './helpers/dav.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { until } from './helpers/until.js';

// A backup provider's tenant: its admins (and the instance's) cannot read its files through any
// door until one of its owners approves a support request; the approval yields one session, for
// a limited time, read-only unless the owner gave more, that the owner can end at once; every
// request of it is audited and the owner sees the list.

interface Space {
  id: string;
  root_folder_id: string;
}
interface SupportRequest {
  id: string;
  status: string;
  access: string;
  minutes: number;
  ends_at: string | null;
  requested_by: { username: string };
  decision_note: string | null;
}
interface AuditItem {
  action: string;
  actor_name: string | null;
  detail: Record<string, unknown> | null;
}

describe('owner-approved support access', () => {
  let server: TestServer;
  let admin: Api;
  let owner: Api;
  let adam: DavUser;
  let member: Api;
  let space: Space;
  let fileId: string;

  const children = (as: Api) => as.json<{ items: NodeBody[] }>(`/folders/${space.root_folder_id}/children`);
  const ask = (as: Api, body: Record<string, unknown>) => as.json<SupportRequest & { detail?: string }>(`/spaces/${space.id}/support-requests`, { method: 'POST', json: body });
  const act = (as: Api, id: string, action: string, body: Record<string, unknown> = {}) =>
    as.json<SupportRequest & { detail?: string }>(`/support-requests/${id}/${action}`, { method: 'POST', json: body });
  /** Every door adam might try: REST by id, the path API, a download, WebDAV. */
  const adamReads = async () => ({
    list: (await children(adam.api)).status,
    path: (await adam.api.fetch(`/spaces/${space.id}/content/device/report.txt`)).status,
    download: (await adam.api.fetch(`/files/${fileId}/content`)).status,
    dav: (await adam.request('GET', '/Spaces/Backups/device/report.txt')).status,
  });
  const refused = { list: 404, path: 404, download: 404, dav: 404 };

  beforeAll(async () => {
    server = await startTestServer();
    admin = await Api.admin(server.url);
    owner = (await admin.createUser('olivia', 'olivia-password-1')).api;
    adam = await DavUser.create(server.url, 'adam');
    member = (await admin.createUser('mia', 'mia-password-1')).api;
    const org = await admin.json('/orgs', { method: 'POST', json: { slug: 'acme', name: 'Acme', owner: 'olivia', tenant: true } });
    expect(org.status).toBe(201);
    expect(org.body.tenant).toBe(true);
    await owner.json('/orgs/acme/members/adam', { method: 'PUT', json: { role: 'admin' } });
    await owner.json('/orgs/acme/members/mia', { method: 'PUT', json: { role: 'member' } });
    space = (await owner.json<Space>('/orgs/acme/spaces', { method: 'POST', json: { name: 'Backups' } })).body;
    const put = await owner.json<{ id: string }>(`/spaces/${space.id}/content/device/report.txt`, { method: 'PUT', body: 'tenant secret', headers: { 'content-type': 'text/plain' } });
    expect(put.status).toBe(201);
    fileId = put.body.id;
  });
  afterAll(async () => server?.close());

  it('keeps a tenant’s files from its admins and the instance’s, through every door', async () => {
    expect(await adamReads()).toEqual(refused);
    expect((await children(admin)).status).toBe(404);
    expect((await admin.fetch(`/files/${fileId}/content`)).status).toBe(404);
    // Nor can an admin give themselves a way in: space roles, groups and service accounts are the owners'.
    expect((await adam.api.json(`/spaces/${space.id}/members`, { method: 'POST', json: { user: 'adam', role: 'viewer' } })).status).toBe(404);
    expect((await adam.api.json('/orgs/acme/groups', { method: 'POST', json: { name: 'support' } })).status).toBe(403);
    const sa = await adam.api.json<{ detail: string }>('/orgs/acme/service-accounts', { method: 'POST', json: { name: 'peek', scopes: [{ space_id: space.id, permissions: ['read'] }] } });
    expect(sa.status).toBe(403);
    expect(sa.body.detail).toContain('owners');
    // Nor end the tenancy; the admin still runs the members.
    expect((await adam.api.json('/orgs/acme', { method: 'PATCH', json: { tenant: false } })).status).toBe(403);
    expect((await adam.api.json('/orgs/acme/members/mia', { method: 'PUT', json: { role: 'guest' } })).status).toBe(200);
    // Nor can the instance admin sign in as the owner by setting her password.
    const users = await admin.json<{ items: { id: string; username: string }[] }>('/admin/users?search=olivia');
    const olivia = users.body.items.find((u) => u.username === 'olivia')!;
    const reset = await admin.json<{ detail: string }>(`/admin/users/${olivia.id}`, { method: 'PATCH', json: { password: 'taken-over-password-1' } });
    expect(reset.status).toBe(403);
    expect(reset.body.detail).toContain('a tenant');
    expect((await Api.login(server.url, 'olivia', 'olivia-password-1')).token).toBeTruthy();
    // The tenant's admin and the instance's set its quota, which needs no role on the space; renaming does.
    const quota = await adam.api.json<{ quota_bytes: number; root_folder_id: string | null }>(`/spaces/${space.id}`, { method: 'PATCH', json: { quota_bytes: 10 * 1024 ** 3 } });
    expect(quota.status).toBe(200);
    expect(quota.body).toMatchObject({ quota_bytes: 10 * 1024 ** 3, root_folder_id: null });
    expect((await admin.json(`/spaces/${space.id}`, { method: 'PATCH', json: { quota_bytes: 20 * 1024 ** 3 } })).status).toBe(200);
    expect((await admin.json(`/spaces/${space.id}`, { method: 'PATCH', json: { share_policy: 'off' } })).status).toBe(403);
    expect((await adam.api.json(`/spaces/${space.id}`, { method: 'PATCH', json: { name: 'Mine now' } })).status).toBe(404);
    expect((await member.json(`/spaces/${space.id}`, { method: 'PATCH', json: { quota_bytes: 1 } })).status).toBe(403);
    // The space is listed to its admin as an entry, with no role.
    const listed = await adam.api.json<{ items: { id: string; my_role: string | null }[] }>('/orgs/acme/spaces');
    expect(listed.body.items.find((s) => s.id === space.id)?.my_role).toBeNull();
  });

  it('takes a request with a reason from admins only, one at a time', async () => {
    expect((await ask(adam.api, { reason: 'hm' })).status).toBe(400);
    expect((await ask(member, { reason: 'I would like to look' })).status).toBe(403);
    expect((await ask(owner, { reason: 'Owners need no support access' })).status).toBe(403);
    const first = await ask(adam.api, { reason: 'Ticket 4711: restore fails for the device folder', minutes: 30 });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ status: 'pending', access: 'read', minutes: 30 });
    expect((await ask(adam.api, { reason: 'Ticket 4711 again, to be sure' })).status).toBe(409);
    // Waiting is not access, and only the asker can start, only an owner decide.
    expect((await act(adam.api, first.body.id, 'start')).status).toBe(409);
    expect(await adamReads()).toEqual(refused);
    expect((await act(adam.api, first.body.id, 'approve')).status).toBe(403);
    expect((await act(member, first.body.id, 'approve')).status).toBe(404);
    // The owner sees it in the organisation's list; the stranger sees nothing.
    const list = await owner.json<{ items: SupportRequest[] }>('/orgs/acme/support-requests');
    expect(list.body.items.map((r) => [r.requested_by.username, r.status])).toEqual([['adam', 'pending']]);
  });

  it('gives one read-only session for the approved time, audited request by request, ended by the owner at once', async () => {
    const [pending] = (await adam.api.json<{ items: SupportRequest[] }>('/support-requests')).body.items;
    const approved = await act(owner, pending!.id, 'approve', { minutes: 20, note: 'Only the device folder, please' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', minutes: 20, access: 'read' });
    expect(await adamReads()).toEqual(refused);

    const started = await act(adam.api, pending!.id, 'start');
    expect(started.body.status).toBe('active');
    const left = new Date(started.body.ends_at!).getTime() - Date.now();
    expect(left).toBeGreaterThan(19 * 60_000);
    expect(left).toBeLessThanOrEqual(20 * 60_000);
    expect(await adamReads()).toEqual({ list: 200, path: 200, download: 200, dav: 200 });
    expect(await (await adam.api.fetch(`/files/${fileId}/content`)).text()).toBe('tenant secret');
    // Read-only: nothing changes, through any door.
    expect((await adam.api.json(`/spaces/${space.id}/content/device/new.txt`, { method: 'PUT', body: 'x', headers: { 'content-type': 'text/plain' } })).status).toBe(403);
    expect((await adam.request('DELETE', '/Spaces/Backups/device/report.txt')).status).toBe(403);
    // One session per approval.
    expect((await act(adam.api, pending!.id, 'start')).status).toBe(409);

    // Each request is audited once its answer has gone out (an onResponse hook): wait for the seven.
    const activity = await until('the support session\'s requests in the audit trail', async () => {
      const res = await owner.json<{ items: AuditItem[] }>(`/support-requests/${pending!.id}/activity`);
      return res.body.items.filter((e) => e.action === 'support.access').length >= 7 ? res : undefined;
    });
    const actions = activity.body.items.map((e) => e.action);
    for (const a of ['support.request', 'support.approve', 'support.start']) expect(actions).toContain(a);
    const uses = activity.body.items.filter((e) => e.action === 'support.access');
    expect(uses.length).toBeGreaterThanOrEqual(7);
    expect(uses.every((e) => e.actor_name === 'adam')).toBe(true);
    expect(uses.map((e) => `${String(e.detail?.method)} ${String(e.detail?.status)}`)).toContain('DELETE 403');
    expect(uses.some((e) => String(e.detail?.url).startsWith('/dav/Spaces/Backups/'))).toBe(true);
    // Somebody else's activity list: nothing.
    expect((await member.json(`/support-requests/${pending!.id}/activity`)).status).toBe(404);

    const revoked = await act(owner, pending!.id, 'revoke');
    expect(revoked.body.status).toBe('revoked');
    expect(await adamReads()).toEqual(refused);
    expect((await act(adam.api, pending!.id, 'start')).status).toBe(409);
  });

  it('ends a session at its time, lets an unused approval lapse, and stops with the organisation', async () => {
    const db = server.core.db;
    const second = await ask(adam.api, { reason: 'Ticket 4712: check the restore once more' });
    await act(owner, second.body.id, 'approve');
    await act(adam.api, second.body.id, 'start');
    expect((await children(adam.api)).status).toBe(200);
    await sql`update support_requests set ends_at = now() - interval '1 second' where id = ${second.body.id}`.execute(db);
    expect(await adamReads()).toEqual(refused);
    expect((await owner.json<SupportRequest>(`/support-requests/${second.body.id}`)).body.status).toBe('ended');

    const third = await ask(adam.api, { reason: 'Ticket 4713: one more look' });
    await act(owner, third.body.id, 'approve');
    await sql`update support_requests set decided_at = now() - interval '25 hours' where id = ${third.body.id}`.execute(db);
    const lapsed = await act(adam.api, third.body.id, 'start');
    expect(lapsed.status).toBe(410);
    expect(lapsed.body.detail).toContain('24 hours');
    expect((await owner.json<SupportRequest>(`/support-requests/${third.body.id}`)).body.status).toBe('expired');

    const fourth = await ask(adam.api, { reason: 'Ticket 4714: during a suspension' });
    await act(owner, fourth.body.id, 'approve');
    await act(adam.api, fourth.body.id, 'start');
    expect((await admin.json('/orgs/acme/suspend', { method: 'POST' })).status).toBe(200);
    expect(await adamReads()).toEqual(refused);
    expect((await admin.json('/orgs/acme/reactivate', { method: 'POST' })).status).toBe(200);
    expect((await act(adam.api, fourth.body.id, 'end')).body.status).toBe('ended');
    expect(await adamReads()).toEqual(refused);
  });

  it('lets the owner grant write access, refuse an instance admin, and keeps the audit trail whole', async () => {
    const write = await ask(adam.api, { reason: 'Ticket 4715: replace a broken file', access: 'write', minutes: 15 });
    const given = await act(owner, write.body.id, 'approve');
    expect(given.body.access).toBe('write');
    await act(adam.api, write.body.id, 'start');
    const put = await adam.api.json<{ id: string }>(`/spaces/${space.id}/content/device/fixed.txt`, { method: 'PUT', body: 'fixed', headers: { 'content-type': 'text/plain' } });
    expect(put.status).toBe(201);
    // Support never shares or purges, whatever it was given.
    expect((await adam.api.json('/links', { method: 'POST', json: { node_id: put.body.id } })).status).toBe(403);
    await act(adam.api, write.body.id, 'end');
    const activity = await owner.json<{ items: AuditItem[] }>(`/support-requests/${write.body.id}/activity`);
    const upload = activity.body.items.find((e) => e.action === 'file.upload');
    expect(upload?.detail?.supportSession).toBe(write.body.id);

    const byInstance = await ask(admin, { reason: 'Provider check of the backups' });
    expect(byInstance.status).toBe(201);
    const refusedReq = await act(owner, byInstance.body.id, 'refuse', { note: 'Not now' });
    expect(refusedReq.body).toMatchObject({ status: 'refused', decision_note: 'Not now' });
    expect((await act(admin, byInstance.body.id, 'start')).status).toBe(409);
    expect((await children(admin)).status).toBe(404);

    // Ending tenancy is the owner's call, and then admins manage the space as before.
    expect((await owner.json('/orgs/acme', { method: 'PATCH', json: { tenant: false } })).status).toBe(200);
    expect((await children(adam.api)).status).toBe(200);
    expect((await server.core.audit.verify()).problems).toEqual([]);
  });
});
