import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type NodeBody } from './helpers/api.js';
import { DavUser } from './helpers/dav.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// A space's sharing policy: with people and by public link (all), with people only, or off. Set by
// the organisation's owners and admins; made stricter, it stops existing links and shares at their
// next request through every door (REST, the public link's pages and WebDAV, the recipient's
// WebDAV), and made looser again it lets the same ones work.

interface Space {
  id: string;
  root_folder_id: string;
  share_policy: string;
}

describe('a space’s sharing policy', () => {
  let server: TestServer;
  let owner: Api;
  let editor: Api;
  let pat: DavUser;
  let space: Space;
  let doc: NodeBody;
  let token: string;

  const setPolicy = (as: Api, policy: string) => as.json<Space & { detail?: string }>(`/spaces/${space.id}`, { method: 'PATCH', json: { share_policy: policy } });
  const visit = (path = '') => fetch(`${server.url}/api/v1/s/${token}${path}`);
  const davLink = () => fetch(`${server.url}/public.php/dav/files/${token}/`, { method: 'PROPFIND', headers: { depth: '1' } });
  /** What Pat, the share's recipient, reaches: the file by id, and through WebDAV. */
  const patReads = async () => ({
    rest: (await pat.api.fetch(`/files/${doc.id}/content`)).status,
    dav: (await pat.request('GET', '/Shared%20with%20me/plan.txt')).status,
  });

  beforeAll(async () => {
    server = await startTestServer();
    const admin = await Api.admin(server.url);
    owner = (await admin.createUser('olga', 'olga-password-1')).api;
    editor = (await admin.createUser('ed', 'ed-password-123')).api;
    pat = await DavUser.create(server.url, 'pat');
    await admin.json('/orgs', { method: 'POST', json: { slug: 'corp', name: 'Corp', owner: 'olga' } });
    await owner.json('/orgs/corp/members/ed', { method: 'PUT', json: { role: 'member' } });
    space = (await owner.json<Space>('/orgs/corp/spaces', { method: 'POST', json: { name: 'Plans' } })).body;
    expect(space.share_policy).toBe('all');
    await owner.json(`/spaces/${space.id}/members`, { method: 'POST', json: { user: 'ed', role: 'manager' } });
    doc = (await owner.upload('plan.txt', 'the plan', { parent: space.root_folder_id })).body;
    const link = await editor.json<{ token: string }>('/links', { method: 'POST', json: { node_id: doc.id } });
    expect(link.status, JSON.stringify(link.body)).toBe(201);
    token = link.body.token;
    expect((await owner.json('/shares', { method: 'POST', json: { node_id: doc.id, recipient: 'pat', role: 'viewer' } })).status).toBe(201);
  });
  afterAll(async () => server?.close());

  it('allows links and shares by default', async () => {
    expect((await visit()).status).toBe(200);
    expect((await davLink()).status).toBe(207);
    expect(await patReads()).toEqual({ rest: 200, dav: 200 });
  });

  it('is the organisation’s owners’ and admins’ to set, not a space manager’s', async () => {
    const refused = await setPolicy(editor, 'off');
    expect(refused.status).toBe(403);
    expect((await setPolicy(owner, 'everyone')).status).toBe(400);
    expect((await owner.json<Space>(`/spaces/${space.id}`)).body.share_policy).toBe('all');
  });

  it('with people only: links stop at once and cannot be made; shares go on', async () => {
    expect((await setPolicy(owner, 'people')).body.share_policy).toBe('people');
    const page = await visit();
    expect(page.status).toBe(403);
    expect(((await page.json()) as { detail: string }).detail).toContain('Public links to this space are turned off');
    expect((await visit('/children')).status).toBe(403);
    expect((await davLink()).status).toBe(403);
    const made = await editor.json<{ detail: string }>('/links', { method: 'POST', json: { node_id: doc.id } });
    expect(made.status).toBe(403);
    expect(made.body.detail).toContain('with people only');
    expect(await patReads()).toEqual({ rest: 200, dav: 200 });
  });

  it('off: shares stop at once, vanish from the recipient’s list, and cannot be made', async () => {
    await setPolicy(owner, 'off');
    expect(await patReads()).toEqual({ rest: 404, dav: 404 });
    const incoming = await pat.api.json<{ items: unknown[] }>('/shares');
    expect(incoming.body.items).toEqual([]);
    const listing = await pat.request('PROPFIND', '/Shared%20with%20me/', { headers: { depth: '1' } });
    expect(listing.body).not.toContain('plan.txt');
    const made = await owner.json<{ detail: string }>('/shares', { method: 'POST', json: { node_id: doc.id, recipient: 'ed', role: 'viewer' } });
    expect(made.status).toBe(403);
    expect(made.body.detail).toContain('Nothing in this space may be shared');
    // Members keep their own access: the policy is about sharing, not membership.
    expect((await editor.fetch(`/files/${doc.id}/content`)).status).toBe(200);
  });

  it('made looser again, the same link and share work', async () => {
    await setPolicy(owner, 'all');
    expect((await visit()).status).toBe(200);
    expect(await patReads()).toEqual({ rest: 200, dav: 200 });
  });
});
