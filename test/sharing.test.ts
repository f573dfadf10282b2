import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type NodeBody } from './helpers/api.js';
import { DavUser } from './helpers/dav.js';
import { DAV, deepText, multistatus, prop200 } from './helpers/dav-xml.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// Shares with people, through real HTTP: who reaches what with which role, where recipients find
// shares (REST and WebDAV), whose quota and trash their changes use, and that revocation, expiry
// and the owner's trash take effect on the very next request.

interface Share {
  id: string;
  node_id: string;
  role: string;
  mount_name: string;
  expires_at: string | null;
  recipient: { username: string };
  owner: { username: string } | null;
}
interface Incoming extends Share {
  node: NodeBody;
  path: string;
}

const PROPFIND_BODY = '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop><d:getetag/><d:resourcetype/><oc:permissions/></d:prop></d:propfind>';

describe('sharing with people', () => {
  let server: TestServer;
  let admin: Api;
  let alice: DavUser;
  let bob: DavUser;
  let carol: DavUser;

  const share = (as: Api, nodeId: string, recipient: string, role: string, extra: Record<string, unknown> = {}) =>
    as.json<Share>('/shares', { method: 'POST', json: { node_id: nodeId, recipient, role, ...extra } });
  const incoming = async (as: Api) => (await as.json<{ items: Incoming[] }>('/shares')).body.items;
  const quotaUsed = async (as: Api) => (await as.json<{ used: number }>('/account/quota')).body.used;
  const mkdir = async (as: Api, name: string, parent = 'root') => {
    const r = await as.json<NodeBody>('/folders', { method: 'POST', json: { parent_id: parent, name } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body;
  };
  const put = async (as: Api, name: string, data: string, parent: string) => {
    const r = await as.upload(name, data, { parent });
    return r;
  };
  const propfind = (u: DavUser, path: string, depth: string, ua?: string) =>
    u.request('PROPFIND', path, { headers: { depth, 'content-type': 'application/xml', ...(ua ? { 'user-agent': ua } : {}) }, body: PROPFIND_BODY });
  const hrefs = (xml: string) => multistatus(xml).map((r) => decodeURIComponent(r.href));

  beforeAll(async () => {
    server = await startTestServer();
    admin = await Api.admin(server.url);
    alice = await DavUser.create(server.url, 'alice', { quota: 10_000_000 });
    bob = await DavUser.create(server.url, 'bob', { quota: 10_000_000 });
    carol = await DavUser.create(server.url, 'carol');
  });
  afterAll(async () => server?.close());

  it('finds people to share with by name, never by email, and not oneself', async () => {
    await admin.json('/admin/users/' + (await admin.json<{ items: { id: string; username: string }[] }>('/admin/users?search=bob')).body.items[0]!.id, {
      method: 'PATCH',
      json: { email: 'bob@example.org' },
    });
    const r = await alice.api.json<{ items: { username: string; email?: string }[] }>('/people?q=bo');
    expect(r.status).toBe(200);
    expect(r.body.items.map((p) => p.username)).toEqual(['bob']);
    expect(JSON.stringify(r.body)).not.toContain('example.org');
    expect((await alice.api.json<{ items: unknown[] }>('/people?q=example.org')).body.items).toEqual([]);
    expect((await alice.api.json<{ items: { username: string }[] }>('/people?q=alic')).body.items).toEqual([]);
    // An email address is not a way to name the recipient either.
    const f = await mkdir(alice.api, 'by-email');
    expect((await share(alice.api, f.id, 'bob@example.org', 'viewer')).status).toBe(404);
  });

  it('a viewer reads and downloads, cannot change anything, and sees no path above the share', async () => {
    const outer = await mkdir(alice.api, 'Private');
    const projects = await mkdir(alice.api, 'Projects', outer.id);
    const file = (await put(alice.api, 'plan.txt', 'the plan', projects.id)).body;
    const sibling = (await put(alice.api, 'secret.txt', 'not shared', outer.id)).body;
    const s = await share(alice.api, projects.id, 'bob', 'viewer');
    expect(s.status, JSON.stringify(s.body)).toBe(201);
    expect(s.body.mount_name).toBe('Projects');

    const mine = await incoming(bob.api);
    const got = mine.find((i) => i.id === s.body.id)!;
    expect(got.path).toBe('/Shared with me/Projects');
    expect(got.owner?.username).toBe('alice');
    expect(JSON.stringify(got)).not.toContain('Private');

    const listing = await bob.api.json<{ folder: NodeBody; items: NodeBody[] }>(`/folders/${projects.id}/children`);
    expect(listing.status).toBe(200);
    expect(listing.body.items.map((n) => n.name)).toEqual(['plan.txt']);
    expect(listing.body.folder.path).toBe('/Shared with me/Projects');
    const meta = await bob.api.json<NodeBody>(`/files/${file.id}`);
    expect(meta.body.path).toBe('/Shared with me/Projects/plan.txt');
    expect(await (await bob.api.fetch(`/files/${file.id}/content`)).text()).toBe('the plan');

    // Nothing changes for a viewer: 403 with a reason, and the file is untouched.
    const up = await put(bob.api, 'new.txt', 'x', projects.id);
    expect(up.status).toBe(403);
    expect(JSON.stringify(up.body)).toMatch(/view this folder but not add to it/);
    expect((await bob.api.fetch(`/files/${file.id}`, { method: 'DELETE' })).status).toBe(403);
    expect((await bob.api.json(`/files/${file.id}`, { method: 'PATCH', json: { name: 'renamed.txt' } })).status).toBe(403);
    expect((await bob.api.json('/folders', { method: 'POST', json: { parent_id: projects.id, name: 'sub' } })).status).toBe(403);
    // Outside the share: as if it did not exist.
    for (const id of [outer.id, sibling.id]) {
      expect((await bob.api.fetch(`/files/${id}`)).status).toBe(404);
      expect((await bob.api.fetch(`/files/${id}/content`)).status).toBe(404);
    }
    expect((await bob.api.fetch(`/folders/${outer.id}/children`)).status).toBe(404);
    // A viewer cannot share further.
    expect((await share(bob.api, projects.id, 'carol', 'viewer')).status).toBe(403);
    // And someone with no share reaches nothing.
    for (const path of [`/files/${projects.id}`, `/files/${file.id}/content`, `/folders/${projects.id}/children`]) {
      expect((await carol.api.fetch(path)).status, path).toBe(404);
    }
  });

  it('an editor changes files: writes count against the owner, the recipient is the author, deletions go to the owner\'s trash', async () => {
    const folder = await mkdir(alice.api, 'Team');
    const s = await share(alice.api, folder.id, 'bob', 'editor');
    expect(s.status).toBe(201);
    const aliceBefore = await quotaUsed(alice.api);
    const bobBefore = await quotaUsed(bob.api);
    const up = await put(bob.api, 'notes.txt', '0123456789', folder.id);
    expect(up.status).toBe(201);
    expect(await quotaUsed(alice.api)).toBe(aliceBefore + 10);
    expect(await quotaUsed(bob.api)).toBe(bobBefore);
    const versions = await alice.api.json<{ items: { author: string | null; author_name?: string | null }[] }>(`/files/${up.body.id}/versions`);
    expect(JSON.stringify(versions.body)).toContain('bob');

    // Rename and move within, create folders.
    const sub = await mkdir(bob.api, 'sub', folder.id);
    const moved = await bob.api.json<NodeBody>(`/files/${up.body.id}`, { method: 'PATCH', json: { parent_id: sub.id, name: 'notes2.txt' } });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.path).toBeUndefined();
    // The top of the share is the owner's: no delete, rename or move by the recipient.
    expect((await bob.api.fetch(`/files/${folder.id}`, { method: 'DELETE' })).status).toBe(403);
    expect((await bob.api.json(`/files/${folder.id}`, { method: 'PATCH', json: { name: 'Mine' } })).status).toBe(403);
    // Moving something out of the share into the recipient's own space copies it there (counted
    // against the recipient's quota) and puts the original in the owner's trash, restorable.
    const outside = await put(alice.api, 'leaving.txt', 'moving out', folder.id);
    const bobUsedBefore = await quotaUsed(bob.api);
    const movedOut = await bob.api.json<NodeBody>(`/files/${outside.body.id}`, { method: 'PATCH', json: { parent_id: 'root' } });
    expect(movedOut.status, JSON.stringify(movedOut.body)).toBe(200);
    expect(movedOut.body.path).toBe('/leaving.txt');
    expect(await quotaUsed(bob.api)).toBe(bobUsedBefore + 'moving out'.length);
    const aliceTrashed = await alice.api.json<{ items: { id: string }[] }>('/trash');
    expect(aliceTrashed.body.items.map((i) => i.id)).toContain(outside.body.id);

    expect((await bob.api.fetch(`/files/${up.body.id}`, { method: 'DELETE' })).status).toBe(204);
    const aliceTrash = await alice.api.json<{ items: { id: string }[] }>('/trash');
    expect(aliceTrash.body.items.map((i) => i.id)).toContain(up.body.id);
    const bobTrash = await bob.api.json<{ items: { id: string }[] }>('/trash');
    expect(bobTrash.body.items.map((i) => i.id)).not.toContain(up.body.id);
    // An editor shares no further.
    expect((await share(bob.api, folder.id, 'carol', 'viewer')).status).toBe(403);
  });

  it('a manager re-shares up to their own role and manages only the shares they made', async () => {
    const folder = await mkdir(alice.api, 'Managed');
    const s = await share(alice.api, folder.id, 'bob', 'manager');
    expect(s.status).toBe(201);
    const re = await share(bob.api, folder.id, 'carol', 'editor');
    expect(re.status, JSON.stringify(re.body)).toBe(201);
    expect((await carol.api.fetch(`/folders/${folder.id}/children`)).status).toBe(200);
    // The owner sees both; the manager may change the one they made, not their own.
    const all = await alice.api.json<{ items: Share[] }>(`/shares?node_id=${folder.id}`);
    expect(all.body.items.map((i) => `${i.recipient.username}:${i.role}`).sort()).toEqual(['bob:manager', 'carol:editor']);
    expect((await bob.api.json(`/shares/${re.body.id}`, { method: 'PATCH', json: { role: 'viewer' } })).status).toBe(200);
    expect((await bob.api.json(`/shares/${s.body.id}`, { method: 'PATCH', json: { role: 'manager' } })).status).toBe(403);
    // Below manager, a share cannot hand out manager.
    const viewerShare = await share(alice.api, (await mkdir(alice.api, 'ViewOnly')).id, 'bob', 'viewer');
    expect(viewerShare.status).toBe(201);
    // Carol sees the folder (her own editor share) but cannot revoke bob's share of it.
    expect((await carol.api.json(`/shares/${s.body.id}`, { method: 'DELETE' })).status).toBe(403);
  });

  it('revocation, expiry and leaving take effect on the next request', async () => {
    const folder = await mkdir(alice.api, 'Temporary');
    const file = (await put(alice.api, 'a.txt', 'A', folder.id)).body;
    const s = await share(alice.api, folder.id, 'bob', 'viewer');
    expect((await bob.api.fetch(`/files/${file.id}/content`)).status).toBe(200);
    expect((await alice.api.fetch(`/shares/${s.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await bob.api.fetch(`/files/${file.id}/content`)).status).toBe(404);
    expect((await incoming(bob.api)).some((i) => i.id === s.body.id)).toBe(false);

    // Expiry: reachable until the second it ends, not after.
    const expires = new Date(Date.now() + 2500).toISOString();
    const e = await share(alice.api, folder.id, 'bob', 'viewer', { expires_at: expires });
    expect(e.status, JSON.stringify(e.body)).toBe(201);
    expect((await bob.api.fetch(`/files/${file.id}/content`)).status).toBe(200);
    await sleep(Math.max(0, Date.parse(expires) - Date.now()) + 200);
    expect((await bob.api.fetch(`/files/${file.id}/content`)).status).toBe(404);
    expect((await share(alice.api, folder.id, 'carol', 'viewer', { expires_at: new Date(Date.now() - 1000).toISOString() })).status).toBe(400);

    // Leaving: the recipient removes it from their side; the owner sees it gone too.
    const l = await share(alice.api, file.id, 'carol', 'viewer');
    expect(l.status).toBe(201);
    expect((await carol.api.fetch(`/shares/${l.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await carol.api.fetch(`/files/${file.id}`)).status).toBe(404);
    const left = await alice.api.json<{ items: Share[] }>(`/shares?node_id=${file.id}`);
    expect(left.body.items).toEqual([]);
  });

  it('the owner trashing a shared item hides it from recipients; restoring brings the share back', async () => {
    const folder = await mkdir(alice.api, 'Bin me');
    const s = await share(alice.api, folder.id, 'carol', 'viewer');
    expect((await incoming(carol.api)).some((i) => i.id === s.body.id)).toBe(true);
    expect((await alice.api.fetch(`/files/${folder.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await incoming(carol.api)).some((i) => i.id === s.body.id)).toBe(false);
    expect((await carol.api.fetch(`/folders/${folder.id}/children`)).status).toBe(404);
    expect((await alice.api.json(`/trash/${folder.id}/restore`, { method: 'POST' })).status).toBe(200);
    expect((await incoming(carol.api)).some((i) => i.id === s.body.id)).toBe(true);
  });

  it('keeps one set of WebDAV locks for the owner and every recipient of a shared folder', async () => {
    const LOCK = (owner: string) =>
      `<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>${owner}</D:owner></D:lockinfo>`;
    const tokenOf = (body: string) => /<D:href>(opaquelocktoken:[^<]+)<\/D:href>/i.exec(body)?.[1] ?? /<(?:\w+:)?href>(opaquelocktoken:[^<]+)</.exec(body)?.[1];
    const folder = await mkdir(alice.api, 'Locked together');
    await put(alice.api, 'plan.txt', 'v1', folder.id);
    await share(alice.api, folder.id, 'bob', 'editor');
    await share(alice.api, folder.id, 'carol', 'editor');
    const viaShare = (name: string) => `/Shared with me/${encodeURIComponent('Locked together')}/${name}`.replaceAll(' ', '%20');

    // Bob locks the file through his share: Alice (in her own tree) and Carol (through hers) are held off.
    const locked = await bob.request('LOCK', viaShare('plan.txt'), { headers: { depth: '0', timeout: 'Second-600' }, body: LOCK('bob') });
    expect(locked.status, locked.body).toBe(200);
    const token = tokenOf(locked.body)!;
    expect(token).toMatch(/^opaquelocktoken:/);
    expect((await alice.request('PUT', `/${encodeURIComponent('Locked together')}/plan.txt`, { body: 'alice' })).status).toBe(423);
    expect((await carol.request('PUT', viaShare('plan.txt'), { body: 'carol' })).status).toBe(423);
    expect((await carol.request('DELETE', viaShare('plan.txt'))).status).toBe(423);
    // The owner sees the lock where the file is in her tree.
    const discovery = await alice.request('PROPFIND', `/${encodeURIComponent('Locked together')}/plan.txt`, {
      headers: { depth: '0' },
      body: '<D:propfind xmlns:D="DAV:"><D:prop><D:lockdiscovery/></D:prop></D:propfind>',
    });
    expect(discovery.body).toContain(token);
    // Bob writes with his token; then unlocks, and everyone may write again.
    expect((await bob.request('PUT', viaShare('plan.txt'), { body: 'bob', headers: { if: `(<${token}>)` } })).status).toBe(204);
    expect((await bob.request('UNLOCK', viaShare('plan.txt'), { headers: { 'lock-token': `<${token}>` } })).status).toBe(204);
    expect((await carol.request('PUT', viaShare('plan.txt'), { body: 'carol' })).status).toBe(204);

    // A depth-infinity lock the owner takes on the folder covers the recipients' paths below it.
    const folderLock = await alice.request('LOCK', `/${encodeURIComponent('Locked together')}`, { headers: { depth: 'infinity' }, body: LOCK('alice') });
    expect(folderLock.status, folderLock.body).toBe(200);
    expect((await bob.request('PUT', viaShare('new.txt'), { body: 'x' })).status).toBe(423);
    const aliceToken = tokenOf(folderLock.body)!;
    // A recipient cannot remove someone else's lock.
    expect((await bob.request('UNLOCK', viaShare(''), { headers: { 'lock-token': `<${aliceToken}>` } })).status).toBe(403);
    expect((await alice.request('UNLOCK', `/${encodeURIComponent('Locked together')}`, { headers: { 'lock-token': `<${aliceToken}>` } })).status).toBe(204);
    expect((await bob.request('PUT', viaShare('new.txt'), { body: 'x' })).status).toBe(201);
  });

  it('gives each share a name of its own in "Shared with me"', async () => {
    const a = await mkdir(alice.api, 'Reports');
    const b = await mkdir(bob.api, 'Reports');
    expect((await share(alice.api, a.id, 'carol', 'viewer')).body.mount_name).toBe('Reports');
    expect((await share(bob.api, b.id, 'carol', 'viewer')).body.mount_name).toBe('Reports (2)');
    expect((await share(alice.api, a.id, 'carol', 'editor')).status).toBe(409);
    expect((await share(alice.api, a.id, 'alice', 'editor')).status).toBe(400);
    expect((await share(alice.api, 'root', 'carol', 'viewer')).status).toBe(400);
    expect((await share(alice.api, a.id, 'nobody-here', 'viewer')).status).toBe(404);
  });

  describe('over WebDAV', () => {
    let dave: DavUser;
    let folderId: string;
    let fileId: string;

    beforeAll(async () => {
      dave = await DavUser.create(server.url, 'dave');
      const folder = await mkdir(alice.api, 'Album');
      folderId = folder.id;
      fileId = (await put(alice.api, 'photo.jpg', 'JPEGDATA', folder.id)).body.id;
      expect((await share(alice.api, folder.id, 'dave', 'viewer')).status).toBe(201);
    });

    it('file browsers see "Shared with me" and the trash; sync clients see the shares but never the trash', async () => {
      const browser = hrefs((await propfind(dave, '/', '1', 'Microsoft-WebDAV-MiniRedir/10.0.19045')).body);
      expect(browser).toContain('/dav/Shared with me/');
      expect(browser).toContain('/dav/.Trash/');
      for (const ua of ['rclone/v1.60.1', 'Mozilla/5.0 (Linux) mirall/3.7.3git (nextcloudcmd)']) {
        const sync = hrefs((await propfind(dave, '/', '1', ua)).body);
        expect(sync, ua).toContain('/dav/Shared with me/');
        expect(sync, ua).not.toContain('/dav/.Trash/');
        expect((await propfind(dave, '/.Trash/', '0', ua)).status, ua).toBe(404);
      }
      const inside = hrefs((await propfind(dave, '/Shared%20with%20me/', '1')).body);
      expect(inside).toEqual(['/dav/Shared with me/', '/dav/Shared with me/Album/']);
      const album = multistatus((await propfind(dave, '/Shared%20with%20me/Album/', '1')).body);
      expect(album.map((r) => decodeURIComponent(r.href))).toEqual(['/dav/Shared with me/Album/', '/dav/Shared with me/Album/photo.jpg']);
      expect(deepText(prop200(album[1]!, 'http://owncloud.org/ns', 'permissions'))).toBe('SMG');
    });

    it('reads through the share, refuses a viewer\'s writes, and takes an editor\'s into the owner\'s space', async () => {
      const get = await dave.request('GET', '/Shared%20with%20me/Album/photo.jpg');
      expect(get.status).toBe(200);
      expect(get.body).toBe('JPEGDATA');
      expect((await dave.request('PUT', '/Shared%20with%20me/Album/new.txt', { body: 'x' })).status).toBe(403);
      expect((await dave.request('DELETE', '/Shared%20with%20me/Album/photo.jpg')).status).toBe(403);
      expect((await dave.request('PUT', '/Shared%20with%20me/new.txt', { body: 'x' })).status).toBe(403);
      expect((await dave.request('MKCOL', '/Shared%20with%20me/x/')).status).toBe(403);

      const shares = await alice.api.json<{ items: Share[] }>(`/shares?node_id=${folderId}`);
      const id = shares.body.items.find((s) => s.recipient.username === 'dave')!.id;
      expect((await alice.api.json(`/shares/${id}`, { method: 'PATCH', json: { role: 'editor' } })).status).toBe(200);
      const before = await quotaUsed(alice.api);
      expect((await dave.request('PUT', '/Shared%20with%20me/Album/new.txt', { body: 'hello' })).status).toBe(201);
      expect(await quotaUsed(alice.api)).toBe(before + 5);
      const listed = await alice.api.json<{ items: NodeBody[] }>(`/folders/${folderId}/children`);
      expect(listed.body.items.map((n) => n.name).sort()).toEqual(['new.txt', 'photo.jpg']);
      expect((await dave.request('MOVE', '/Shared%20with%20me/Album/', { headers: { destination: `${server.url}/dav/Album2/` } })).status).toBe(403);
    });

    it('changes inside a share change the ETags recipients poll: the share, "Shared with me" and the top', async () => {
      const etag = async (path: string) => deepText(prop200(multistatus((await propfind(dave, path, '0')).body)[0]!, DAV, 'getetag'));
      const before = await Promise.all(['/', '/Shared%20with%20me/', '/Shared%20with%20me/Album/'].map(etag));
      expect((await put(alice.api, 'another.jpg', 'more', folderId)).status).toBe(201);
      const after = await Promise.all(['/', '/Shared%20with%20me/', '/Shared%20with%20me/Album/'].map(etag));
      for (let i = 0; i < 3; i++) expect(after[i], String(i)).not.toBe(before[i]);
      void fileId;
    });

    it('keeps a real folder named "Shared with me" and moves the virtual one aside', async () => {
      expect((await dave.request('MKCOL', '/Shared%20with%20me%20(2)/')).status).toBe(201);
      // A real "Shared with me (2)" is the user's own; the virtual folder keeps its plain name.
      const top = hrefs((await propfind(dave, '/', '1')).body);
      expect(top).toContain('/dav/Shared with me/');
      expect(top).toContain('/dav/Shared with me (2)/');
      const carolDav = await DavUser.create(server.url, 'erin');
      await mkdir(carolDav.api, 'Shared with me');
      expect((await share(alice.api, folderId, 'erin', 'viewer')).status).toBe(201);
      const erinTop = hrefs((await propfind(carolDav, '/', '1')).body);
      expect(erinTop).toContain('/dav/Shared with me/');
      expect(erinTop).toContain('/dav/Shared with me (2)/');
      expect(hrefs((await propfind(carolDav, '/Shared%20with%20me/', '1')).body)).toEqual(['/dav/Shared with me/']);
      expect(hrefs((await propfind(carolDav, '/Shared%20with%20me%20(2)/', '1')).body)).toContain('/dav/Shared with me (2)/Album/');
    });

    it('deleting the top of a share in a file browser leaves the share', async () => {
      expect((await dave.request('DELETE', '/Shared%20with%20me/Album/')).status).toBe(204);
      expect((await incoming(dave.api)).length).toBe(0);
      const listed = await alice.api.json<{ items: NodeBody[] }>(`/folders/${folderId}/children`);
      expect(listed.status).toBe(200);
      expect(listed.body.items.length).toBe(3);
    });
  });
});
