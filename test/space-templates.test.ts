import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type NodeBody } from './helpers/api.js';
import { DavUser } from './helpers/dav.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// A backup service's tenant: a space made from the shipped "backup-device" template, a device
// folder made from it, and each of its folders' rules through REST, the path API and WebDAV:
// originals/ write-once, derived/ linked to originals, exports/ receiving ZIPs of a selection,
// deleted/ and tmp/ emptied by the maintenance job after their maximum age.

interface Space {
  id: string;
  root_folder_id: string;
  used_bytes: number;
  layout: unknown;
}
interface Stored {
  id: string;
  path: string;
  size: number;
}
interface Derivation {
  original: NodeBody | null;
  derived: NodeBody[];
}

describe('space templates (a backup tenant)', () => {
  let server: TestServer;
  let admin: Api;
  let owner: Api;
  let backup: DavUser;
  let space: Space;

  const put = (as: Api, p: string, body: string | Buffer, query = '') =>
    as.json<Stored & { detail?: string }>(`/spaces/${space.id}/content/${p}${query}`, { method: 'PUT', body, headers: { 'content-type': 'application/octet-stream' } });
  const meta = (as: Api, p: string) => as.json<NodeBody>(`/spaces/${space.id}/metadata/${p}`);
  const davPath = (p: string) => `/Spaces/Backups/${p}`;

  beforeAll(async () => {
    server = await startTestServer();
    admin = await Api.admin(server.url);
    owner = (await admin.createUser('tina', 'tina-password-1')).api;
    backup = await DavUser.create(server.url, 'agent');
    await admin.json('/orgs', { method: 'POST', json: { slug: 'tenant-a', name: 'Tenant A', owner: 'tina' } });
    await owner.json('/orgs/tenant-a/members/agent', { method: 'PUT', json: { role: 'member' } });
  });
  afterAll(async () => server?.close());

  it('lists the shipped templates, and refuses an unknown or malformed one with a reason', async () => {
    const list = await owner.json<{ items: { name: string; unit: string; folders: { name: string }[] }[] }>('/space-templates');
    expect(list.status).toBe(200);
    const device = list.body.items.find((t) => t.name === 'backup-device');
    expect(device?.unit).toBe('device');
    expect(device?.folders.map((f) => f.name)).toEqual(['originals', 'derived', 'exports', 'deleted', 'tmp']);

    const unknown = await owner.json<{ detail: string }>('/orgs/tenant-a/spaces', { method: 'POST', json: { name: 'X', template: 'no-such' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.detail).toContain('backup-device');
    const bad = await owner.json<{ detail: string }>('/orgs/tenant-a/spaces', {
      method: 'POST',
      json: { name: 'X', template: { name: 'shape', title: 'Shape', unit: 'box', folders: [{ name: 'a', policy: { originals: 'nowhere' } }] } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toContain('"nowhere"');
    const spaces = await owner.json<{ items: { name: string }[] }>('/orgs/tenant-a/spaces');
    expect(spaces.body.items.map((s) => s.name)).not.toContain('X');
  });

  it('makes a space from the template: it takes the layout, and device folders come whole', async () => {
    const made = await owner.json<Space>('/orgs/tenant-a/spaces', { method: 'POST', json: { name: 'Backups', template: 'backup-device' } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    space = made.body;
    expect(space.layout).toMatchObject({ pattern: '{device}/{area}/**' });
    await owner.json(`/spaces/${space.id}/members`, { method: 'POST', json: { user: 'agent', role: 'editor' } });
    const t = await owner.json<{ template: { name: string } }>(`/spaces/${space.id}/template`);
    expect(t.body.template.name).toBe('backup-device');

    const unit = await owner.json<NodeBody>(`/spaces/${space.id}/units`, { method: 'POST', json: { name: 'laptop' } });
    expect(unit.status, JSON.stringify(unit.body)).toBe(201);
    expect(unit.body.path).toBe('/laptop');
    const list = await owner.json<{ items: NodeBody[] }>(`/folders/${unit.body.id}/children`);
    expect(list.body.items.map((n) => n.name).sort()).toEqual(['deleted', 'derived', 'exports', 'originals', 'tmp']);

    // The second time: a conflict, nothing added. A name the layout refuses: its reason.
    const again = await owner.json<{ detail: string }>(`/spaces/${space.id}/units`, { method: 'POST', json: { name: 'laptop' } });
    expect(again.status).toBe(409);
    expect(again.body.detail).toContain('device named "laptop"');
    const badName = await owner.json<{ detail: string }>(`/spaces/${space.id}/units`, { method: 'POST', json: { name: '.hidden' } });
    expect(badName.status).toBe(403);
    expect(badName.body.detail).toContain('{device}');
    // The layout holds for every door: nothing but the template's areas in a device folder.
    const stray = await backup.request('MKCOL', davPath('laptop/music'));
    expect(stray.status).toBe(403);
    expect(stray.body).toContain('originals');

    // An editor (a backup agent) may make its own device folder.
    const phone = await backup.api.json(`/spaces/${space.id}/units`, { method: 'POST', json: { name: 'phone' } });
    expect(phone.status).toBe(201);
  });

  it('keeps originals write-once through every door', async () => {
    expect((await put(owner, 'laptop/originals/IMG_0001.jpg', 'first')).status).toBe(201);
    const again = await put(owner, 'laptop/originals/IMG_0001.jpg', 'changed');
    expect(again.status).toBe(403);
    expect(again.body.detail).toContain('write-once');
    const dav = await backup.request('PUT', davPath('laptop/originals/IMG_0001.jpg'), { body: 'changed' });
    expect(dav.status).toBe(403);
    const del = await backup.request('DELETE', davPath('laptop/originals/IMG_0001.jpg'));
    expect(del.status).toBe(403);
    const kept = await owner.fetch(`/spaces/${space.id}/content/laptop/originals/IMG_0001.jpg`);
    expect(await kept.text()).toBe('first');
    // New files are still added.
    expect((await backup.request('PUT', davPath('laptop/originals/IMG_0002.jpg'), { body: 'second' })).status).toBe(201);
  });

  it('links each derived file to its original, and shows them together', async () => {
    const missing = await put(owner, 'laptop/derived/thumb-1.jpg', 'thumb');
    expect(missing.status).toBe(400);
    expect(missing.body.detail).toContain('derived_from');
    const wrong = await put(owner, 'laptop/derived/thumb-1.jpg', 'thumb', '?derived_from=IMG_9999.jpg');
    expect(wrong.status).toBe(404);
    expect(wrong.body.detail).toContain('IMG_9999.jpg');
    // An original of another device is not this folder's original.
    await put(owner, 'phone/originals/P1.jpg', 'phone');
    const other = await meta(owner, 'phone/originals/P1.jpg');
    expect((await put(owner, 'laptop/derived/thumb-1.jpg', 'thumb', `?derived_from=${other.body.id}`)).status).toBe(404);

    const made = await put(owner, 'laptop/derived/thumb-1.jpg', 'thumb', '?derived_from=IMG_0001.jpg');
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    // WebDAV names the original in a header (percent-encoded).
    const viaDav = await backup.request('PUT', davPath('laptop/derived/thumb-2.jpg'), { body: 'thumb 2', headers: { 'coffer-derived-from': encodeURIComponent('IMG_0001.jpg') } });
    expect(viaDav.status).toBe(201);
    const noHeader = await backup.request('PUT', davPath('laptop/derived/thumb-3.jpg'), { body: 'x' });
    expect(noHeader.status).toBe(400);
    // Outside a folder for derived files, naming an original is a mistake, not ignored.
    expect((await put(owner, 'laptop/tmp/x.bin', 'x', '?derived_from=IMG_0001.jpg')).status).toBe(400);

    const original = await meta(owner, 'laptop/originals/IMG_0001.jpg');
    const seen = await owner.json<Derivation>(`/files/${original.body.id}/derivation`);
    expect(seen.status).toBe(200);
    expect(seen.body.original).toBeNull();
    expect(seen.body.derived.map((n) => n.name).sort()).toEqual(['thumb-1.jpg', 'thumb-2.jpg']);
    const back = await owner.json<Derivation>(`/files/${made.body.id}/derivation`);
    expect(back.body.original?.id).toBe(original.body.id);
    expect(back.body.original?.path).toBe('/laptop/originals/IMG_0001.jpg');
    // Nothing of it leaks to someone who cannot read the space.
    const stranger = (await admin.createUser('sam', 'sam-password-1')).api;
    expect((await stranger.json(`/files/${original.body.id}/derivation`)).status).toBe(404);
  });

  it('saves a ZIP of a selection into the device’s exports folder, counted like any upload', async () => {
    const a = await meta(owner, 'laptop/originals/IMG_0001.jpg');
    const b = await meta(owner, 'laptop/originals/IMG_0002.jpg');
    const before = (await owner.json<Space>(`/spaces/${space.id}`)).body.used_bytes;
    const saved = await owner.json<Stored>(`/spaces/${space.id}/exports`, { method: 'POST', json: { ids: [a.body.id, b.body.id], name: 'two-photos' } });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    expect(saved.body.path).toBe('/laptop/exports/two-photos.zip');
    const after = (await owner.json<Space>(`/spaces/${space.id}`)).body.used_bytes;
    expect(after - before).toBe(saved.body.size);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-export-'));
    try {
      const zip = await owner.fetch(`/spaces/${space.id}/content/laptop/exports/two-photos.zip`);
      expect(zip.status).toBe(200);
      fs.writeFileSync(path.join(dir, 'x.zip'), Buffer.from(await zip.arrayBuffer()));
      const listing = execFileSync('unzip', ['-l', path.join(dir, 'x.zip')], { encoding: 'utf8' });
      expect(listing).toContain('IMG_0001.jpg');
      expect(listing).toContain('IMG_0002.jpg');
      execFileSync('unzip', ['-o', '-q', path.join(dir, 'x.zip'), '-d', dir]);
      expect(fs.readFileSync(path.join(dir, 'IMG_0002.jpg'), 'utf8')).toBe('second');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    // The exports folder takes ZIPs only; an export into a folder the caller cannot write is refused.
    expect((await put(owner, 'laptop/exports/notes.txt', 'x')).status).toBe(415);
    const viewer = (await admin.createUser('vic', 'vic-password-1')).api;
    await owner.json('/orgs/tenant-a/members/vic', { method: 'PUT', json: { role: 'member' } });
    await owner.json(`/spaces/${space.id}/members`, { method: 'POST', json: { user: 'vic', role: 'viewer' } });
    const refused = await viewer.json(`/spaces/${space.id}/exports`, { method: 'POST', json: { ids: [a.body.id] } });
    expect(refused.status).toBe(403);
    expect((await owner.json<Space>(`/spaces/${space.id}`)).body.used_bytes).toBe(after);
  });

  it('empties tmp/ and deleted/ of items past their maximum age, and nothing else', async () => {
    await put(owner, 'laptop/tmp/old.part', 'partial upload');
    await put(owner, 'laptop/tmp/dir/inner.part', 'inner');
    await put(owner, 'laptop/deleted/gone.txt', 'was deleted on the device');
    const used = (await owner.json<Space>(`/spaces/${space.id}`)).body.used_bytes;
    const hours = (h: number) => new Date(Date.now() + h * 3_600_000);

    // An hour later nothing is old enough; 25 hours later tmp/ is emptied, deleted/ is not.
    expect(await server.core.folderExpiry.run(hours(1))).toBe(0);
    expect(await server.core.folderExpiry.run(hours(25))).toBe(2);
    expect((await meta(owner, 'laptop/tmp/old.part')).status).toBe(404);
    expect((await meta(owner, 'laptop/tmp/dir')).status).toBe(404);
    expect((await meta(owner, 'laptop/deleted/gone.txt')).status).toBe(200);
    expect((await meta(owner, 'laptop/originals/IMG_0001.jpg')).status).toBe(200);
    // Deleted for good: not in the trash, and the quota is given back.
    const trash = await owner.json<{ items: { name: string }[] }>(`/trash?space_id=${space.id}`);
    expect(trash.body.items.map((i) => i.name)).not.toContain('old.part');
    const freed = used - (await owner.json<Space>(`/spaces/${space.id}`)).body.used_bytes;
    expect(freed).toBe('partial upload'.length + 'inner'.length);

    expect(await server.core.folderExpiry.run(hours(24 * 91))).toBe(1);
    expect((await meta(owner, 'laptop/deleted/gone.txt')).status).toBe(404);
    const audit = await owner.json<{ items: { action: string; path: string | null; detail: Record<string, unknown> | null }[] }>('/orgs/tenant-a/audit?action=node.purge');
    const expiredEvents = audit.body.items.filter((e) => e.detail?.reason === 'max-age');
    expect(expiredEvents.map((e) => e.path).sort()).toEqual(['/laptop/deleted/gone.txt', '/laptop/tmp/dir', '/laptop/tmp/old.part']);
    expect((await server.core.audit.verify()).problems).toEqual([]);
  });

  it('lets a personal space take a template, and takes it off again', async () => {
    const mine = await owner.json<{ items: (Space & { kind: string })[] }>('/spaces');
    const personal = mine.body.items.find((s) => s.kind === 'personal')!;
    const set = await owner.json(`/spaces/${personal.id}/template`, { method: 'PUT', json: { template: 'backup-device' } });
    expect(set.status).toBe(200);
    expect((await owner.json(`/spaces/${personal.id}/units`, { method: 'POST', json: { name: 'desktop' } })).status).toBe(201);
    // Someone else's space: not theirs to shape.
    const other = (await admin.createUser('olaf', 'olaf-password-1')).api;
    expect((await other.json(`/spaces/${personal.id}/template`, { method: 'PUT', json: { template: 'backup-device' } })).status).toBe(404);
    expect((await owner.json(`/spaces/${personal.id}/template`, { method: 'DELETE' })).status).toBe(204);
    expect((await owner.json<Space>(`/spaces/${personal.id}`)).body.layout).toBeNull();
    // The device folder keeps its policies.
    const originals = await owner.json<{ items: NodeBody[] }>(`/folders/root/children`);
    const desktop = originals.body.items.find((n) => n.name === 'desktop')!;
    const inside = await owner.json<{ items: NodeBody[] }>(`/folders/${desktop.id}/children`);
    const orig = inside.body.items.find((n) => n.name === 'originals')!;
    const policy = await owner.json<{ own: { write_once: boolean } }>(`/folders/${orig.id}/policy`);
    expect(policy.body.own.write_once).toBe(true);
  });
});
