import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeBody } from './helpers/api.js';
import { DavUser } from './helpers/dav.js';
import { parseXml, type XEl } from './helpers/dav-xml.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// Nextcloud's sharing API (OCS files_sharing), through real HTTP, as the apps call it: the
// desktop client's Share dialog (src/gui/ocssharejob.cpp: form bodies, OCS-APIRequest, JSON),
// the Android library (lib/resources/shares/CreateShareRemoteOperation: shareType, shareWith,
// path, permissions, publicUpload, password, expireDate) and NextcloudKit (NKShare: integer ids).

interface OcsMeta {
  status: string;
  statuscode: number;
  message: string;
}
interface OcsBody<T> {
  ocs: { meta: OcsMeta; data: T };
}
interface OcsShare {
  id: string;
  share_type: number;
  uid_owner: string;
  uid_file_owner: string;
  permissions: number;
  can_edit: boolean;
  can_delete: boolean;
  stime: number;
  expiration: string | null;
  token: string | null;
  url?: string;
  path: string;
  item_type: string;
  mimetype: string;
  item_source: number;
  file_source: number;
  file_target: string;
  share_with: string | null;
  share_with_displayname: string | null;
  password: string | null;
  label: string;
  name?: string;
  storage_id: string;
  storage: number;
}
interface Sharees {
  exact: { users: { value: { shareType: number; shareWith: string } }[] };
  users: { label: string; value: { shareType: number; shareWith: string } }[];
}

const ANDROID = 'Mozilla/5.0 (Android) Nextcloud-android/3.29.1';
const DESKTOP = 'Mozilla/5.0 (Linux) mirall/3.7.3git (nextcloudcmd, debian ClientArchitecture: x86_64 OsArchitecture: x86_64)';

describe('the Nextcloud sharing API (OCS files_sharing)', () => {
  let server: TestServer;
  let alice: DavUser;
  let bob: DavUser;
  let carol: DavUser;
  let project: NodeBody;
  let report: NodeBody;

  const SHARES = '/ocs/v2.php/apps/files_sharing/api/v1/shares';

  /** An OCS request as the apps send it: Basic app password, OCS-APIRequest, JSON, a form body. */
  const ocs = async <T>(as: DavUser, method: string, path: string, form?: Record<string, string>, ua = ANDROID) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: as.authorization,
        'ocs-apirequest': 'true',
        accept: 'application/json',
        'user-agent': ua,
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    return { status: res.status, body: (await res.json()) as OcsBody<T> };
  };
  const restRole = async (as: DavUser, node: NodeBody) => {
    const r = await as.api.json<{ items: { role: string; recipient: { username: string } }[] }>(`/shares?node_id=${node.id}`);
    return r.body.items.map((s) => `${s.recipient.username}:${s.role}`);
  };
  const fileIdOf = async (as: DavUser, path: string) => {
    const res = await as.request('PROPFIND', path, {
      headers: { depth: '0', 'content-type': 'application/xml' },
      body: '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop><oc:fileid/></d:prop></d:propfind>',
    });
    const m = /<oc:fileid>(\d+)<\/oc:fileid>/.exec(res.body);
    if (!m) throw new Error(`no oc:fileid for ${path}: ${res.status} ${res.body}`);
    return Number(m[1]);
  };

  beforeAll(async () => {
    server = await startTestServer({ COFFER_MAX_PROTOCOL_SESSIONS: '50' });
    alice = await DavUser.create(server.url, 'alice');
    bob = await DavUser.create(server.url, 'bob');
    carol = await DavUser.create(server.url, 'carol');
    const mk = await alice.api.json<NodeBody>('/folders', { method: 'POST', json: { parent_id: 'root', name: 'Project' } });
    expect(mk.status).toBe(201);
    project = mk.body;
    const up = await alice.api.upload('report.txt', 'quarterly numbers', { parent: project.id, type: 'text/plain' });
    expect(up.status).toBe(201);
    report = up.body;
  });
  afterAll(async () => {
    await server?.close();
  });

  it('advertises files_sharing with exactly what Coffer does', async () => {
    const res = await fetch(`${server.url}/ocs/v2.php/cloud/capabilities?format=json`);
    const caps = ((await res.json()) as OcsBody<{ capabilities: Record<string, Record<string, unknown>> }>).ocs.data.capabilities;
    expect(caps.files_sharing).toMatchObject({
      api_enabled: true,
      public: { enabled: true, password: { enforced: false }, expire_date: { enabled: false }, upload: true, upload_files_drop: true, send_mail: false },
      resharing: true,
      user: { send_mail: false },
      group_sharing: false,
      default_permissions: 1,
    });
  });

  it('shares a folder with a person: permission bits become a role and come back as bits', async () => {
    const made = await ocs<OcsShare>(alice, 'POST', SHARES, { path: '/Project', shareType: '0', shareWith: 'bob', permissions: '15' });
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    expect(made.body.ocs.meta).toMatchObject({ status: 'ok', statuscode: 200 });
    const s = made.body.ocs.data;
    expect(s.id).toMatch(/^\d+$/);
    expect(s).toMatchObject({
      share_type: 0,
      uid_owner: 'alice',
      uid_file_owner: 'alice',
      permissions: 15,
      can_edit: true,
      can_delete: true,
      expiration: null,
      token: null,
      path: '/Project',
      item_type: 'folder',
      mimetype: 'httpd/unix-directory',
      file_target: '/Project',
      share_with: 'bob',
      share_with_displayname: 'bob',
      password: null,
      storage_id: expect.stringMatching(/^home::/) as unknown,
    });
    // The numeric file id the apps keep, the same as WebDAV's oc:fileid.
    const fileId = await fileIdOf(alice, '/Project');
    expect(s.file_source).toBe(fileId);
    expect(s.item_source).toBe(fileId);
    expect(Math.abs(s.stime - Date.now() / 1000)).toBeLessThan(600);
    expect(await restRole(alice, project)).toEqual(['bob:editor']);

    // Down to read only, with an expiry day: a viewer, and the day as Nextcloud writes it.
    const changed = await ocs<OcsShare>(alice, 'PUT', `${SHARES}/${s.id}`, { permissions: '1', expireDate: '2099-01-31' });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body.ocs.data).toMatchObject({ id: s.id, permissions: 1, expiration: '2099-01-31 00:00:00' });
    expect(await restRole(alice, project)).toEqual(['bob:viewer']);
    const rest = await alice.api.json<{ items: { expires_at: string }[] }>(`/shares?node_id=${project.id}`);
    expect(rest.body.items[0]!.expires_at).toBe('2099-02-01T00:00:00.000Z');

    // Up to editing and sharing further: a manager (a file shows 19, as Nextcloud drops create and delete there).
    const managed = await ocs<OcsShare>(alice, 'PUT', `${SHARES}/${s.id}`, { permissions: '31', expireDate: '' });
    expect(managed.body.ocs.data).toMatchObject({ permissions: 31, expiration: null });
    expect(await restRole(alice, project)).toEqual(['bob:manager']);
    const file = await ocs<OcsShare>(alice, 'POST', SHARES, { path: '/Project/report.txt', shareType: '0', shareWith: 'carol', permissions: '31' });
    expect(file.body.ocs.data).toMatchObject({ permissions: 19, item_type: 'file', mimetype: 'text/plain', path: '/Project/report.txt' });
    expect(await restRole(alice, report)).toEqual(['carol:manager']);
    expect((await ocs(alice, 'DELETE', `${SHARES}/${file.body.ocs.data.id}`)).status).toBe(200);

    // Read and reshare without any change is no role Coffer has: refused, not rounded.
    const odd = await ocs<unknown>(alice, 'PUT', `${SHARES}/${s.id}`, { permissions: '17' });
    expect(odd.status).toBe(400);
    expect(odd.body.ocs.meta.message).toMatch(/edit/);
    expect(await restRole(alice, project)).toEqual(['bob:manager']);
    await ocs(alice, 'PUT', `${SHARES}/${s.id}`, { permissions: '1' });
  });

  it('lists shares by path, in a folder, and what others share with the caller', async () => {
    const all = await ocs<OcsShare[]>(alice, 'GET', SHARES);
    expect(all.body.ocs.data.map((s) => `${s.share_type}:${s.path}:${s.share_with}`)).toContain('0:/Project:bob');
    const byPath = await ocs<OcsShare[]>(alice, 'GET', `${SHARES}?path=${encodeURIComponent('/Project')}&reshares=true`);
    expect(byPath.body.ocs.data.map((s) => s.share_with)).toEqual(['bob']);
    const inFolder = await ocs<OcsShare[]>(alice, 'GET', `${SHARES}?path=/&subfiles=true`);
    expect(inFolder.status).toBe(200);
    expect(inFolder.body.ocs.data.map((s) => s.path)).toEqual(['/Project']);
    const missing = await ocs<unknown>(alice, 'GET', `${SHARES}?path=/Nowhere`);
    expect(missing.status).toBe(404);
    expect(missing.body.ocs.meta.message).toBe('Wrong path, file/folder does not exist');

    // Bob receives it, under his "Shared with me", and may leave it but not change it.
    const mine = await ocs<OcsShare[]>(bob, 'GET', `${SHARES}?shared_with_me=true`);
    expect(mine.body.ocs.data).toHaveLength(1);
    expect(mine.body.ocs.data[0]).toMatchObject({ share_type: 0, uid_owner: 'alice', path: '/Shared with me/Project', can_edit: false, can_delete: true, permissions: 1 });
    expect((await ocs<OcsShare[]>(bob, 'GET', SHARES)).body.ocs.data).toEqual([]);
    const one = await ocs<OcsShare[]>(bob, 'GET', `${SHARES}/${mine.body.ocs.data[0]!.id}`);
    expect(one.body.ocs.data.map((s) => s.path)).toEqual(['/Shared with me/Project']);
  });

  it('refuses one who may not share (a viewer), and hides shares from everyone else', async () => {
    const [received] = (await ocs<OcsShare[]>(bob, 'GET', `${SHARES}?shared_with_me=true`)).body.ocs.data;
    // Bob views Project: he may neither share it further nor change alice's share of it.
    const reshare = await ocs<unknown>(bob, 'POST', SHARES, { path: '/Shared with me/Project', shareType: '0', shareWith: 'carol', permissions: '1' });
    // As Nextcloud's share manager says it (GenericShareException, 404), with the reason.
    expect(reshare.status).toBe(404);
    expect(reshare.body.ocs.meta).toMatchObject({ status: 'failure', statuscode: 404, message: 'You cannot share this item; ask its owner' });
    const link = await ocs<unknown>(bob, 'POST', SHARES, { path: '/Shared with me/Project', shareType: '3' });
    expect(link.status).toBe(404);
    expect(link.body.ocs.meta.message).toBe('You cannot share this item; ask its owner');
    const edit = await ocs<unknown>(bob, 'PUT', `${SHARES}/${received!.id}`, { permissions: '15' });
    expect(edit.status).toBe(403);
    expect(edit.body.ocs.meta.statuscode).toBe(403);
    expect(await restRole(alice, project)).toEqual(['bob:viewer']);
    // The share list of an item he may only read is empty, not an error.
    expect((await ocs<OcsShare[]>(bob, 'GET', `${SHARES}?path=${encodeURIComponent('/Shared with me/Project')}&reshares=true`)).body.ocs.data).toEqual([]);

    // Carol is no party to it: another user's share id is not there for her, nor a made-up one.
    for (const id of [received!.id, '999999', 'abc']) {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const r = await ocs<unknown>(carol, method, `${SHARES}/${id}`, method === 'PUT' ? { permissions: '1' } : undefined);
        expect(r.status, `${method} ${id}`).toBe(404);
        expect(r.body.ocs.meta.message).toBe('Wrong share ID, share does not exist');
      }
    }
    expect(await restRole(alice, project)).toEqual(['bob:viewer']);

    // Nonsense is refused with what to send instead.
    const top = await ocs<unknown>(alice, 'POST', SHARES, { path: '/', shareType: '0', shareWith: 'bob' });
    expect(top.status).toBe(400);
    expect(top.body.ocs.meta.message).toMatch(/top folder/);
    const noPath = await ocs<unknown>(alice, 'POST', SHARES, { shareType: '0', shareWith: 'bob' });
    expect(noPath.body.ocs.meta).toMatchObject({ statuscode: 404, message: 'Please specify a file or folder path' });
    const group = await ocs<unknown>(alice, 'POST', SHARES, { path: '/Project', shareType: '1', shareWith: 'staff' });
    expect(group.status).toBe(400);
    expect(group.body.ocs.meta.message).toMatch(/shareType 0.*shareType 3/);
    const badDate = await ocs<unknown>(alice, 'POST', SHARES, { path: '/Project/report.txt', shareType: '0', shareWith: 'carol', expireDate: '31.01.2099' });
    expect(badDate.body.ocs.meta.message).toBe('Invalid date, date format must be YYYY-MM-DD');
    const noUser = await ocs<unknown>(alice, 'POST', SHARES, { path: '/Project/report.txt', shareType: '0', shareWith: 'nobody-here' });
    expect(noUser.status).toBe(404);
    expect(await restRole(alice, report)).toEqual([]);
  });

  it('makes public links: upload-only, read-write, password, expiry; the address works; ids apart from shares', async () => {
    const made = await ocs<OcsShare>(alice, 'POST', SHARES, { path: '/Project', shareType: '3', permissions: '4', label: 'for the auditors' }, DESKTOP);
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    const l = made.body.ocs.data;
    expect(l).toMatchObject({ share_type: 3, permissions: 4, path: '/Project', item_type: 'folder', label: 'for the auditors', name: 'for the auditors', share_with: null, password: null, expiration: null });
    expect(l.token).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(l.url).toBe(`${server.url}/s/${l.token}`);
    const shares = (await ocs<OcsShare[]>(alice, 'GET', `${SHARES}?path=/Project&reshares=true`)).body.ocs.data;
    expect(new Set(shares.map((s) => s.id)).size).toBe(shares.length);
    expect(shares.map((s) => s.share_type).sort()).toEqual([0, 3]);

    let links = await alice.api.json<{ items: { token: string; permission: string; has_password: boolean; name: string; expires_at: string | null }[] }>(`/links?node_id=${project.id}`);
    expect(links.body.items).toMatchObject([{ token: l.token, permission: 'upload', has_password: false, name: 'for the auditors' }]);

    // Read-write with a password and a last day; the password is never shown, only that there is one.
    const changed = await ocs<OcsShare>(alice, 'PUT', `${SHARES}/${l.id}`, { permissions: '15', password: 'open sesame', expireDate: '2099-06-30' });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body.ocs.data).toMatchObject({ permissions: 15, expiration: '2099-06-30 00:00:00', password: '(password set)', share_with: '(password set)' });
    links = await alice.api.json(`/links?node_id=${project.id}`);
    expect(links.body.items[0]).toMatchObject({ permission: 'read-write', has_password: true, expires_at: '2099-07-01T00:00:00.000Z' });

    // The address works: the public page knows the link, and public WebDAV lets visitors in with the password.
    const page = await fetch(`${server.url}/api/v1/s/${l.token}`);
    expect(page.status).toBe(200);
    expect(await page.json()).toMatchObject({ name: 'Project', permission: 'read-write', requires_password: true });
    const dav = (password: string) =>
      fetch(`${server.url}/public.php/dav/files/${l.token}/report.txt`, { headers: { authorization: `Basic ${Buffer.from(`anonymous:${password}`).toString('base64')}` } });
    expect((await dav('wrong guess')).status).toBe(401);
    const got = await dav('open sesame');
    expect(got.status).toBe(200);
    expect(await got.text()).toBe('quarterly numbers');

    // Sending back the marker changes nothing; an empty password removes it.
    await ocs(alice, 'PUT', `${SHARES}/${l.id}`, { password: '(password set)' });
    expect((await dav('open sesame')).status).toBe(200);
    const open = await ocs<OcsShare>(alice, 'PUT', `${SHARES}/${l.id}`, { password: '' });
    expect(open.body.ocs.data.password).toBeNull();

    // A file link can only be read: asking for more is refused, plainly.
    const fileLink = await ocs<unknown>(alice, 'POST', SHARES, { path: '/Project/report.txt', shareType: '3', permissions: '15' });
    expect(fileLink.status).toBe(400);
    expect(fileLink.body.ocs.meta.message).toMatch(/folder/);
    const noted = await ocs<unknown>(alice, 'PUT', `${SHARES}/${l.id}`, { note: 'please read' });
    expect(noted.status).toBe(400);

    // Deleting it revokes it: the address stops working at once.
    expect((await ocs(alice, 'DELETE', `${SHARES}/${l.id}`)).status).toBe(200);
    expect((await fetch(`${server.url}/api/v1/s/${l.token}`)).status).toBe(410);
    expect((await ocs(alice, 'GET', `${SHARES}/${l.id}`)).status).toBe(404);
  });

  it('answers v1 with its codes and XML by default; the recipient leaves a share with DELETE', async () => {
    const [received] = (await ocs<OcsShare[]>(bob, 'GET', `${SHARES}?shared_with_me=true`)).body.ocs.data;
    // Coffer's shares need no accepting, and a share left is gone: these lists are empty.
    for (const path of [`${SHARES}/pending`, '/ocs/v2.php/apps/files_sharing/api/v1/deletedshares']) {
      const r = await ocs<unknown[]>(bob, 'GET', path);
      expect(r.status, path).toBe(200);
      expect(r.body.ocs.data).toEqual([]);
    }
    const v1 = await fetch(`${server.url}/ocs/v1.php/apps/files_sharing/api/v1/shares?shared_with_me=true`, { headers: { authorization: bob.authorization } });
    expect(v1.status).toBe(200);
    expect(v1.headers.get('content-type')).toMatch(/^application\/xml/);
    const xml = parseXml(await v1.text());
    const child = (el: XEl, name: string) => el.children.find((c) => c.local === name)!;
    expect(child(child(xml, 'meta'), 'statuscode').text).toBe('100');
    const element = child(child(xml, 'data'), 'element');
    expect(child(element, 'id').text).toBe(received!.id);
    expect(child(element, 'share_type').text).toBe('0');
    // v1 says an error in the body, with HTTP 200.
    const gone = await fetch(`${server.url}/ocs/v1.php/apps/files_sharing/api/v1/shares/999999?format=json`, { headers: { authorization: bob.authorization } });
    expect(gone.status).toBe(200);
    expect(((await gone.json()) as OcsBody<unknown>).ocs.meta).toMatchObject({ status: 'failure', statuscode: 404, message: 'Wrong share ID, share does not exist' });
    // Changing requests need OCS-APIRequest, as in Nextcloud.
    const csrf = await fetch(`${server.url}${SHARES}/${received!.id}`, { method: 'DELETE', headers: { authorization: bob.authorization } });
    expect(csrf.status).toBe(401);
    expect(await restRole(alice, project)).toEqual(['bob:viewer']);

    const left = await ocs<unknown>(bob, 'DELETE', `${SHARES}/${received!.id}`);
    expect(left.status).toBe(200);
    expect((await ocs<OcsShare[]>(bob, 'GET', `${SHARES}?shared_with_me=true`)).body.ocs.data).toEqual([]);
    expect(await restRole(alice, project)).toEqual([]);
  });

  it('finds sharees as the web app does: by name, never oneself, exact matches apart', async () => {
    const found = await ocs<Sharees>(alice, 'GET', '/ocs/v2.php/apps/files_sharing/api/v1/sharees?search=bob&itemType=folder&perPage=20');
    expect(found.status).toBe(200);
    expect(found.body.ocs.data.exact.users.map((u) => u.value)).toEqual([{ shareType: 0, shareWith: 'bob' }]);
    const partial = await ocs<Sharees>(alice, 'GET', '/ocs/v2.php/apps/files_sharing/api/v1/sharees?search=a&itemType=file');
    const names = [...partial.body.ocs.data.exact.users, ...partial.body.ocs.data.users].map((u) => u.value.shareWith);
    expect(names).toContain('carol');
    expect(names).not.toContain('bob');
    expect(names).not.toContain('alice');
    const empty = await ocs<Sharees>(alice, 'GET', '/ocs/v2.php/apps/files_sharing/api/v1/sharees?search=');
    expect(empty.body.ocs.data.users).toEqual([]);
  });
});
