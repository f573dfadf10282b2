import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type NodeBody } from './helpers/api.js';
import { DavUser } from './helpers/dav.js';
import { deepText, multistatus, prop200 } from './helpers/dav-xml.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// Organisations and their spaces through real HTTP: who may run an organisation, which role
// reaches what in a space (directly, through a group, as an org admin or a guest), whose quota
// and trash a member's changes use, and that removal, suspension and deletion take effect on the
// very next request.

interface Org {
  id: string;
  slug: string;
  name: string;
  status: string;
  my_role: string | null;
  member_count: number;
  space_count: number;
}
interface Space {
  id: string;
  kind: string;
  name: string;
  org: { id: string; slug: string } | null;
  my_role: string | null;
  root_folder_id: string | null;
  quota_bytes: number | null;
  used_bytes: number;
  trash_retention_days: number | null;
}
interface Group {
  id: string;
  name: string;
  members: { username: string }[];
}

describe('organisations and their spaces', () => {
  let server: TestServer;
  let admin: Api;
  const users: Record<string, Api> = {};

  const mkdir = (as: Api, name: string, parent: string) => as.json<NodeBody>('/folders', { method: 'POST', json: { parent_id: parent, name } });
  const children = async (as: Api, folder: string) => as.json<{ items: NodeBody[] }>(`/folders/${folder}/children`);
  const spaces = async (as: Api) => (await as.json<{ items: Space[] }>('/spaces')).body.items;
  const newOrg = async (slug: string, owner: string) => {
    const r = await admin.json<Org>('/orgs', { method: 'POST', json: { slug, name: `${slug} Ltd`, owner } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body;
  };
  const newSpace = async (as: Api, org: string, name: string, extra: Record<string, unknown> = {}) => {
    const r = await as.json<Space>(`/orgs/${org}/spaces`, { method: 'POST', json: { name, ...extra } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body;
  };
  const setRole = (as: Api, org: string, user: string, role: string) => as.json(`/orgs/${org}/members/${user}`, { method: 'PUT', json: { role } });

  beforeAll(async () => {
    server = await startTestServer();
    admin = await Api.admin(server.url);
    for (const name of ['olivia', 'adam', 'mia', 'vic', 'gus', 'out', 'gina']) {
      users[name] = (await admin.createUser(name, `${name}-password-1`, 50_000_000)).api;
    }
  });
  afterAll(async () => server?.close());

  it('instance admins create organisations with a first owner; nobody else can, and handles are checked', async () => {
    const org = await newOrg('acme', 'olivia');
    expect(org).toMatchObject({ slug: 'acme', status: 'active', my_role: null, member_count: 1, space_count: 0 });
    expect((await users.olivia!.json<Org>('/orgs/acme')).body.my_role).toBe('owner');
    expect((await users.adam!.json('/orgs', { method: 'POST', json: { slug: 'mine', name: 'Mine', owner: 'adam' } })).status).toBe(403);
    expect((await admin.json('/orgs', { method: 'POST', json: { slug: 'acme', name: 'Again', owner: 'adam' } })).status).toBe(409);
    const bad = await admin.json<{ detail: string }>('/orgs', { method: 'POST', json: { slug: 'Not A Handle', name: 'x', owner: 'adam' } });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/lower-case letters/);
    expect((await admin.json('/orgs', { method: 'POST', json: { slug: 'nobody', name: 'x', owner: 'no-such-user' } })).status).toBe(404);
    // Someone who is no member does not learn that it exists.
    expect((await users.out!.json('/orgs/acme')).status).toBe(404);
    expect((await users.out!.json<{ items: Org[] }>('/orgs')).body.items).toEqual([]);
    expect((await users.out!.json('/orgs?all=true')).status).toBe(403);
    expect((await admin.json<{ items: Org[] }>('/orgs?all=true')).body.items.map((o) => o.slug)).toContain('acme');
  });

  it('owners make admins; admins manage members but not owners or admins; the last owner stays', async () => {
    expect((await setRole(users.olivia!, 'acme', 'adam', 'admin')).status).toBe(200);
    expect((await setRole(users.adam!, 'acme', 'mia', 'member')).status).toBe(200);
    expect((await setRole(users.adam!, 'acme', 'vic', 'member')).status).toBe(200);
    expect((await setRole(users.adam!, 'acme', 'gus', 'guest')).status).toBe(200);
    expect((await setRole(users.adam!, 'acme', 'gina', 'member')).status).toBe(200);
    expect((await setRole(users.adam!, 'acme', 'mia', 'admin')).status).toBe(403);
    expect((await setRole(users.adam!, 'acme', 'olivia', 'member')).status).toBe(403);
    expect((await setRole(users.mia!, 'acme', 'out', 'member')).status).toBe(403);
    const last = await setRole(users.olivia!, 'acme', 'olivia', 'admin');
    expect(last.status).toBe(409);
    expect((await users.olivia!.json('/orgs/acme/members/olivia', { method: 'DELETE' })).status).toBe(409);
    const members = (await users.mia!.json<{ items: { username: string; role: string }[] }>('/orgs/acme/members')).body.items;
    expect(Object.fromEntries(members.map((m) => [m.username, m.role]))).toEqual({ adam: 'admin', gina: 'member', gus: 'guest', mia: 'member', olivia: 'owner', vic: 'member' });
  });

  it('a space counts writes against its own quota, and each role reaches what it allows', async () => {
    const books = await newSpace(users.adam!, 'acme', 'Books', { quota_bytes: 10_000 });
    expect(books).toMatchObject({ kind: 'organization', name: 'Books', my_role: 'manager', quota_bytes: 10_000, used_bytes: 0 });
    expect((await users.mia!.json(`/orgs/acme/spaces`, { method: 'POST', json: { name: 'Mine' } })).status).toBe(403);
    expect((await users.adam!.json(`/orgs/acme/spaces`, { method: 'POST', json: { name: 'books' } })).status).toBe(409);

    // Members reach nothing before they hold a role on the space.
    expect((await spaces(users.mia!)).map((s) => s.name)).toEqual(['mia']);
    expect((await children(users.mia!, books.root_folder_id!)).status).toBe(404);

    const editor = await users.adam!.json<{ id: string }>(`/spaces/${books.id}/members`, { method: 'POST', json: { user: 'mia', role: 'editor' } });
    expect(editor.status).toBe(200);
    expect((await users.adam!.json(`/spaces/${books.id}/members`, { method: 'POST', json: { user: 'vic', role: 'viewer' } })).status).toBe(200);
    // A guest holds at most a viewer's rights, whatever role it is given.
    expect((await users.adam!.json(`/spaces/${books.id}/members`, { method: 'POST', json: { user: 'gus', role: 'editor' } })).status).toBe(200);
    // Only members of the organisation get a role.
    const outsider = await users.adam!.json<{ detail: string }>(`/spaces/${books.id}/members`, { method: 'POST', json: { user: 'out', role: 'viewer' } });
    expect(outsider.status).toBe(400);
    expect(outsider.body.detail).toMatch(/not a member of acme Ltd/);

    const mine = await spaces(users.mia!);
    expect(mine.map((s) => [s.name, s.my_role])).toEqual([['mia', 'owner'], ['Books', 'editor']]);

    const up = await users.mia!.upload('novel.txt', 'x'.repeat(4000), { parent: books.root_folder_id! });
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    expect((await users.mia!.json<Space>(`/spaces/${books.id}`)).body.used_bytes).toBe(4000);
    expect((await users.mia!.json<{ used: number }>('/account/quota')).body.used).toBe(0);
    const over = await users.mia!.upload('too-big.txt', 'y'.repeat(7000), { parent: books.root_folder_id! });
    expect(over.status).toBe(507);

    // The viewer and the guest read, and change nothing.
    const read = await users.vic!.fetch(`/files/${up.body.id}/content`);
    expect(await read.text()).toBe('x'.repeat(4000));
    expect((await users.gus!.fetch(`/files/${up.body.id}/content`)).status).toBe(200);
    for (const as of [users.vic!, users.gus!]) {
      expect((await as.upload('nope.txt', 'n', { parent: books.root_folder_id! })).status).toBe(403);
      expect((await as.json(`/files/${up.body.id}`, { method: 'DELETE' })).status).toBe(403);
    }
    // An org admin manages every space without a role of their own on it; the owner too.
    expect((await mkdir(users.olivia!, 'Drafts', books.root_folder_id!)).status).toBe(201);
    // Outsiders and the instance admin reach nothing in it, by id or by listing.
    for (const as of [users.out!, admin]) {
      expect((await as.fetch(`/files/${up.body.id}/content`)).status).toBe(404);
      expect((await children(as, books.root_folder_id!)).status).toBe(404);
      expect((await as.json(`/spaces/${books.id}/members`)).status).toBe(404);
    }
    // The top of the space is the organisation's: no member deletes or renames it.
    expect((await users.olivia!.json(`/files/${books.root_folder_id}`, { method: 'DELETE' })).status).toBe(403);
  });

  it('a group gives its members a role; leaving the group or the organisation ends it on the next request', async () => {
    const accounts = await newSpace(users.olivia!, 'acme', 'Accounts');
    const g = await users.adam!.json<Group>('/orgs/acme/groups', { method: 'POST', json: { name: 'Finance' } });
    expect(g.status).toBe(201);
    expect((await users.adam!.json(`/orgs/acme/groups/${g.body.id}/members/out`, { method: 'PUT' })).status).toBe(400);
    const joined = await users.adam!.json<Group>(`/orgs/acme/groups/Finance/members/gina`, { method: 'PUT' });
    expect(joined.body.members.map((m) => m.username)).toEqual(['gina']);
    expect((await users.olivia!.json(`/spaces/${accounts.id}/members`, { method: 'POST', json: { group: 'Finance', role: 'editor' } })).status).toBe(200);

    const receipt = await users.gina!.upload('receipt.pdf', '%PDF-1.4 receipt', { parent: accounts.root_folder_id!, type: 'application/pdf' });
    expect(receipt.status).toBe(201);
    expect((await spaces(users.gina!)).find((s) => s.id === accounts.id)?.my_role).toBe('editor');

    expect((await users.adam!.json(`/orgs/acme/groups/Finance/members/gina`, { method: 'DELETE' })).status).toBe(200);
    expect((await users.gina!.fetch(`/files/${receipt.body.id}/content`)).status).toBe(404);
    expect((await spaces(users.gina!)).find((s) => s.id === accounts.id)).toBeUndefined();

    // A member removed from the organisation loses their direct roles too, at once.
    const books = (await spaces(users.mia!)).find((s) => s.name === 'Books')!;
    const listed = await children(users.mia!, books.root_folder_id!);
    expect(listed.status).toBe(200);
    expect((await users.adam!.json('/orgs/acme/members/mia', { method: 'DELETE' })).status).toBe(204);
    expect((await children(users.mia!, books.root_folder_id!)).status).toBe(404);
    expect((await users.adam!.json<{ items: { user: { username: string } | null }[] }>(`/spaces/${books.id}/members`)).body.items.map((m) => m.user?.username)).not.toContain('mia');
    // Coming back gives nothing until a role is given again.
    expect((await setRole(users.adam!, 'acme', 'mia', 'member')).status).toBe(200);
    expect((await children(users.mia!, books.root_folder_id!)).status).toBe(404);
  });

  it("a space's trash: editors list and restore, managers purge, viewers see none; retention is the space's own", async () => {
    const media = await newSpace(users.olivia!, 'acme', 'Media', { trash_retention_days: 7 });
    const keep = await newSpace(users.olivia!, 'acme', 'Archive', { trash_retention_days: 0 });
    for (const s of [media, keep]) {
      await users.olivia!.json(`/spaces/${s.id}/members`, { method: 'POST', json: { user: 'vic', role: 'editor' } });
      await users.olivia!.json(`/spaces/${s.id}/members`, { method: 'POST', json: { user: 'gina', role: 'viewer' } });
    }
    const a = (await users.vic!.upload('a.txt', 'aaa', { parent: media.root_folder_id! })).body;
    const b = (await users.vic!.upload('b.txt', 'bbb', { parent: media.root_folder_id! })).body;
    const kept = (await users.vic!.upload('kept.txt', 'kkk', { parent: keep.root_folder_id! })).body;
    const own = (await users.vic!.upload('own.txt', 'ooo')).body;
    for (const f of [a, b, kept, own]) expect((await users.vic!.json(`/files/${f.id}`, { method: 'DELETE' })).status).toBe(204);

    const trash = await users.vic!.json<{ items: { id: string }[]; retention_days: number | null }>(`/trash?space_id=${media.id}`);
    expect(trash.status).toBe(200);
    expect(trash.body.items.map((i) => i.id).sort()).toEqual([a.id, b.id].sort());
    expect(trash.body.retention_days).toBe(7);
    expect((await users.vic!.json<{ retention_days: number | null }>(`/trash?space_id=${keep.id}`)).body.retention_days).toBeNull();
    // Their own trash holds only their own item.
    expect((await users.vic!.json<{ items: { id: string }[] }>('/trash')).body.items.map((i) => i.id)).toEqual([own.id]);
    expect((await users.gina!.json(`/trash?space_id=${media.id}`)).status).toBe(403);
    expect((await users.out!.json(`/trash?space_id=${media.id}`)).status).toBe(404);

    const restored = await users.vic!.json<NodeBody>(`/trash/${a.id}/restore`, { method: 'POST' });
    expect(restored.status).toBe(200);
    expect(restored.body.parent_id).toBe(media.root_folder_id);
    expect((await users.vic!.json(`/trash/${b.id}`, { method: 'DELETE' })).status).toBe(403);
    expect((await users.vic!.json(`/trash?space_id=${media.id}`, { method: 'DELETE' })).status).toBe(403);

    // Eight days on: the 7-day space's trash is purged; the kept one and a 30-day personal trash are not.
    await server.core.trash.purgeExpired(new Date(Date.now() + 8 * 86_400_000));
    expect((await users.vic!.json<{ total: number }>(`/trash?space_id=${media.id}`)).body.total).toBe(0);
    expect((await users.vic!.json<{ items: { id: string }[] }>(`/trash?space_id=${keep.id}`)).body.items.map((i) => i.id)).toEqual([kept.id]);
    expect((await users.vic!.json<{ items: { id: string }[] }>('/trash')).body.items.map((i) => i.id)).toEqual([own.id]);
    expect((await users.vic!.json<Space>(`/spaces/${media.id}`)).body.used_bytes).toBe(3);
    // A century on, the kept space still keeps it; its manager empties it by hand.
    await server.core.trash.purgeExpired(new Date(Date.now() + 36_000 * 86_400_000));
    expect((await users.vic!.json<{ total: number }>(`/trash?space_id=${keep.id}`)).body.total).toBe(1);
    expect((await users.olivia!.json<{ purged: number }>(`/trash?space_id=${keep.id}`, { method: 'DELETE' })).body.purged).toBe(1);
    expect((await users.vic!.json<Space>(`/spaces/${keep.id}`)).body.used_bytes).toBe(0);

    // Settings: managers set the retention, only org admins the quota.
    expect((await users.olivia!.json(`/spaces/${media.id}/members`, { method: 'POST', json: { user: 'vic', role: 'manager' } })).status).toBe(200);
    expect((await users.vic!.json<Space>(`/spaces/${media.id}`, { method: 'PATCH', json: { trash_retention_days: 14 } })).body.trash_retention_days).toBe(14);
    expect((await users.vic!.json(`/spaces/${media.id}`, { method: 'PATCH', json: { quota_bytes: 1 } })).status).toBe(403);
    expect((await users.gina!.json(`/spaces/${media.id}`, { method: 'PATCH', json: { name: 'Mine now' } })).status).toBe(403);
  });

  it('suspending an organisation stops every access at once, links included; reactivating restores it', async () => {
    const s = await newSpace(users.olivia!, 'acme', 'Public');
    const f = (await users.olivia!.upload('flyer.txt', 'come along', { parent: s.root_folder_id! })).body;
    const link = await users.olivia!.json<{ url: string }>('/links', { method: 'POST', json: { node_id: f.id, permission: 'read' } });
    expect(link.status, JSON.stringify(link.body)).toBe(201);
    const token = link.body.url.split('/').pop()!;
    const visit = () => fetch(`${server.url}/api/v1/s/${token}`);
    expect((await visit()).status).toBe(200);

    expect((await users.olivia!.json('/orgs/acme/suspend', { method: 'POST' })).status).toBe(403);
    const suspended = await admin.json<Org>('/orgs/acme/suspend', { method: 'POST' });
    expect(suspended.body.status).toBe('suspended');
    expect((await users.olivia!.fetch(`/files/${f.id}/content`)).status).toBe(404);
    expect((await visit()).status).toBe(404);
    expect((await spaces(users.olivia!)).filter((x) => x.org)).toEqual([]);

    expect((await admin.json<Org>('/orgs/acme/reactivate', { method: 'POST' })).body.status).toBe('active');
    expect(await (await users.olivia!.fetch(`/files/${f.id}/content`)).text()).toBe('come along');
  });

  it('deleting a space or an organisation needs its name repeated, purges its files and is audited', async () => {
    const org = await newOrg('tempco', 'adam');
    const s = await newSpace(users.adam!, 'tempco', 'Scratch');
    const f = (await users.adam!.upload('scratch.bin', 'scratch-bytes', { parent: s.root_folder_id! })).body;
    expect((await users.adam!.json(`/spaces/${s.id}?confirm=wrong`, { method: 'DELETE' })).status).toBe(400);
    expect((await users.adam!.json(`/spaces/${s.id}?confirm=Scratch`, { method: 'DELETE' })).status).toBe(204);
    expect((await users.adam!.fetch(`/files/${f.id}/content`)).status).toBe(404);
    expect((await users.adam!.json(`/spaces/${s.id}`)).status).toBe(404);

    await newSpace(users.adam!, 'tempco', 'Second');
    expect((await setRole(users.adam!, 'tempco', 'vic', 'admin')).status).toBe(200);
    expect((await users.vic!.json('/orgs/tempco?confirm=tempco', { method: 'DELETE' })).status).toBe(403);
    expect((await users.adam!.json('/orgs/tempco?confirm=nope', { method: 'DELETE' })).status).toBe(400);
    const gone = await users.adam!.json<{ deleted_spaces: number }>('/orgs/tempco?confirm=tempco', { method: 'DELETE' });
    expect(gone.body.deleted_spaces).toBe(1);
    expect((await users.adam!.json(`/orgs/${org.id}`)).status).toBe(404);
    expect((await spaces(users.adam!)).filter((x) => x.org?.slug === 'tempco')).toEqual([]);

    const audit = await admin.json<{ items: { action: string }[] }>('/admin/audit?limit=200');
    const actions = audit.body.items.map((e) => e.action);
    for (const a of ['org.create', 'org.member.add', 'space.create', 'space.delete', 'org.delete', 'org.suspend', 'space.member.set']) expect(actions).toContain(a);
    // The organisation's own chain verifies like a space's, its deletion included.
    const report = await server.core.audit.verify();
    expect(report.problems).toEqual([]);
    expect(report.chains).toBeGreaterThanOrEqual(3);
  });
});

describe('organisation spaces through WebDAV', () => {
  let server: TestServer;
  let admin: Api;
  let owner: DavUser;
  let editor: DavUser;
  let viewer: DavUser;
  let stranger: DavUser;
  let space: Space;

  const PROPS = '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop><d:getetag/><d:resourcetype/><oc:permissions/></d:prop></d:propfind>';
  const propfind = (u: DavUser, path: string, depth = '1') => u.request('PROPFIND', path, { headers: { depth, 'content-type': 'application/xml' }, body: PROPS });
  const hrefs = (xml: string) => multistatus(xml).map((r) => decodeURIComponent(r.href));

  beforeAll(async () => {
    server = await startTestServer();
    admin = await Api.admin(server.url);
    owner = await DavUser.create(server.url, 'pia');
    editor = await DavUser.create(server.url, 'ed');
    viewer = await DavUser.create(server.url, 'val');
    stranger = await DavUser.create(server.url, 'stan');
    expect((await admin.json('/orgs', { method: 'POST', json: { slug: 'press', name: 'The Press', owner: 'pia' } })).status).toBe(201);
    for (const [u, role] of [['ed', 'member'], ['val', 'member']]) await owner.api.json(`/orgs/press/members/${u}`, { method: 'PUT', json: { role } });
    space = (await owner.api.json<Space>('/orgs/press/spaces', { method: 'POST', json: { name: 'Catalogue', quota_bytes: 1_000 } })).body;
    await owner.api.json(`/spaces/${space.id}/members`, { method: 'POST', json: { user: 'ed', role: 'editor' } });
    await owner.api.json(`/spaces/${space.id}/members`, { method: 'POST', json: { user: 'val', role: 'viewer' } });
  });
  afterAll(async () => server?.close());

  it('shows each space under /Spaces/ with its role, and writes into it count against the space', async () => {
    const top = await propfind(editor, '/');
    expect(hrefs(top.body)).toContain('/dav/Spaces/');
    const listed = await propfind(editor, '/Spaces/');
    expect(listed.status).toBe(207);
    expect(hrefs(listed.body)).toEqual(['/dav/Spaces/', '/dav/Spaces/Catalogue/']);
    const perms = multistatus(listed.body).find((r) => r.href.endsWith('/Catalogue/'))!;
    expect(deepText(prop200(perms, 'http://owncloud.org/ns', 'permissions'))).toBe('MGCK');

    expect((await editor.request('MKCOL', '/Spaces/Catalogue/Books/')).status).toBe(201);
    const put = await editor.request('PUT', '/Spaces/Catalogue/Books/moby.txt', { body: 'Call me Ishmael.' });
    expect(put.status).toBe(201);
    expect((await editor.api.json<Space>(`/spaces/${space.id}`)).body.used_bytes).toBe(16);
    expect((await editor.api.json<{ used: number }>('/account/quota')).body.used).toBe(0);
    expect((await editor.request('PUT', '/Spaces/Catalogue/Books/huge.bin', { body: 'z'.repeat(2_000) })).status).toBe(507);

    const got = await viewer.request('GET', '/Spaces/Catalogue/Books/moby.txt');
    expect(got.body).toBe('Call me Ishmael.');
    expect((await viewer.request('PUT', '/Spaces/Catalogue/Books/mine.txt', { body: 'no' })).status).toBe(403);
    expect((await viewer.request('DELETE', '/Spaces/Catalogue/Books/moby.txt')).status).toBe(403);
    const move = await editor.request('MOVE', '/Spaces/Catalogue/Books/moby.txt', { headers: { destination: editor.url('/Spaces/Catalogue/moby.txt') } });
    expect(move.status).toBe(201);
    expect((await editor.request('GET', '/Spaces/Catalogue/moby.txt')).body).toBe('Call me Ishmael.');
  });

  it('guards the virtual folder and the top of each space, and shows nothing to strangers', async () => {
    expect((await editor.request('MKCOL', '/Spaces/New/')).status).toBe(403);
    expect((await editor.request('DELETE', '/Spaces/Catalogue/')).status).toBe(403);
    expect((await owner.request('DELETE', '/Spaces/Catalogue/')).status).toBe(403);
    expect((await editor.request('PUT', '/Spaces/file.txt', { body: 'x' })).status).toBe(403);
    expect((await stranger.request('GET', '/Spaces/Catalogue/moby.txt')).status).toBe(404);
    expect(hrefs((await propfind(stranger, '/')).body)).not.toContain('/dav/Spaces/');
    expect((await propfind(stranger, '/Spaces/')).status).toBe(404);
  });

  it("locks in a space are the space's, seen by every member", async () => {
    const lockBody = '<?xml version="1.0"?><d:lockinfo xmlns:d="DAV:"><d:lockscope><d:exclusive/></d:lockscope><d:locktype><d:write/></d:locktype></d:lockinfo>';
    const lock = await editor.request('LOCK', '/Spaces/Catalogue/moby.txt', { headers: { 'content-type': 'application/xml', timeout: 'Second-60' }, body: lockBody });
    expect(lock.status).toBe(200);
    expect((await owner.request('PUT', '/Spaces/Catalogue/moby.txt', { body: 'overwritten' })).status).toBe(423);
    const token = String(lock.headers['lock-token']);
    expect((await editor.request('UNLOCK', '/Spaces/Catalogue/moby.txt', { headers: { 'lock-token': token } })).status).toBe(204);
    expect((await owner.request('PUT', '/Spaces/Catalogue/moby.txt', { body: 'overwritten' })).status).toBe(204);
  });

  it('a removed member loses the folder on the next request; the top ETag moves when a space changes', async () => {
    const before = multistatus((await propfind(viewer, '/', '0')).body)[0]!;
    const etag = deepText(prop200(before, 'DAV:', 'getetag'));
    expect((await editor.request('PUT', '/Spaces/Catalogue/new.txt', { body: 'n' })).status).toBe(201);
    const after = multistatus((await propfind(viewer, '/', '0')).body)[0]!;
    expect(deepText(prop200(after, 'DAV:', 'getetag'))).not.toBe(etag);

    expect((await owner.api.json('/orgs/press/members/val', { method: 'DELETE' })).status).toBe(204);
    expect((await viewer.request('GET', '/Spaces/Catalogue/new.txt')).status).toBe(404);
    expect(hrefs((await propfind(viewer, '/')).body)).not.toContain('/dav/Spaces/');
  });
});
