import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type NodeBody } from './helpers/api.js';
import { clientSuite } from './helpers/clients.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// Public links through real HTTP: what a visitor without an account reaches, the limits enforced
// exactly under concurrency, passwords slowed down, and every visit in the owner's audit log.

const run = promisify(execFile);

interface Link {
  id: string;
  token: string;
  url: string;
  permission: string;
  has_password: boolean;
  downloads: number;
  views: number;
  state: string;
}
interface Info {
  name: string;
  permission: string;
  requires_password: boolean;
  unlocked: boolean;
  node: { id: string; name: string; kind: string } | null;
}
interface Listing {
  folder: { id: string; name: string };
  items: { id: string; name: string; kind: string }[];
  total: number;
}

describe('public links', () => {
  let server: TestServer;
  let admin: Api;
  let alice: Api;
  let bob: Api;
  let team: NodeBody;
  let sub: NodeBody;
  let doc: NodeBody;
  let inner: NodeBody;
  let secret: NodeBody;

  const mkdir = async (as: Api, name: string, parent = 'root') => {
    const r = await as.json<NodeBody>('/folders', { method: 'POST', json: { parent_id: parent, name } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body;
  };
  const put = async (as: Api, name: string, data: string | Uint8Array, parent: string) => {
    const r = await as.upload(name, data, { parent });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body;
  };
  const link = async (as: Api, nodeId: string, extra: Record<string, unknown> = {}) => {
    const r = await as.json<Link>('/links', { method: 'POST', json: { node_id: nodeId, ...extra } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body;
  };
  /** A visitor's request: no account, only the link's token (and its session once unlocked). */
  const visit = (path: string, init: RequestInit & { session?: string; ip?: string } = {}) => {
    const { session, ip, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (session) headers.set('x-link-session', session);
    if (ip) headers.set('x-forwarded-for', ip);
    return fetch(`${server.url}${path}`, { ...rest, headers });
  };
  const info = async (token: string, session?: string) => {
    const r = await visit(`/api/v1/s/${token}`, { session: session ?? '' });
    return { status: r.status, body: (await r.json()) as Info & { detail?: string; state?: string } };
  };
  const unlock = (token: string, password: string, ip?: string) =>
    visit(`/api/v1/s/${token}/unlock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password }), ...(ip ? { ip } : {}) });
  const auditOf = async (linkId: string) => {
    const r = await admin.json<{ items: { action: string; node_id: string | null; result: string; detail: Record<string, unknown> | null }[] }>('/admin/audit?limit=500');
    return r.body.items.filter((e) => e.detail?.link === linkId);
  };

  beforeAll(async () => {
    // Visitors' addresses come from X-Forwarded-For, as behind a reverse proxy.
    server = await startTestServer({ COFFER_TRUST_PROXY: 'true' });
    admin = await Api.admin(server.url);
    alice = (await admin.createUser('alice', 'alice-password-123', 50_000_000)).api;
    bob = (await admin.createUser('bob', 'bob-password-123')).api;
    team = await mkdir(alice, 'Team');
    sub = await mkdir(alice, 'sub', team.id);
    doc = await put(alice, 'doc.txt', 'hello team', team.id);
    inner = await put(alice, 'inner.txt', 'inner bytes', sub.id);
    const priv = await mkdir(alice, 'Private');
    secret = await put(alice, 'secret.txt', 'not for visitors', priv.id);
  });
  afterAll(async () => server?.close());

  it('makes a link with a random token of at least 128 bits, listed and named for its owner only', async () => {
    const l = await link(alice, team.id, { name: 'for the printer' });
    expect(l.url).toBe(`/s/${l.token}`);
    expect(Buffer.from(l.token, 'base64url').length).toBeGreaterThanOrEqual(16);
    const mine = await alice.json<{ items: Link[] }>(`/links?node_id=${team.id}`);
    expect(mine.body.items.map((x) => x.id)).toContain(l.id);
    // Bob has no access to Team: the item's links are not his to see, nor the link itself.
    expect((await bob.json(`/links?node_id=${team.id}`)).status).toBe(404);
    expect((await bob.json(`/links/${l.id}`)).status).toBe(404);
    expect((await bob.json(`/links/${l.id}`, { method: 'DELETE' })).status).toBe(404);
    // A file link can only be read; the top folder cannot be linked.
    expect((await alice.json('/links', { method: 'POST', json: { node_id: doc.id, permission: 'upload' } })).status).toBe(400);
    expect((await alice.json('/links', { method: 'POST', json: { node_id: 'root' } })).status).toBe(400);
    expect((await alice.json('/links', { method: 'POST', json: { node_id: team.id, expires_at: '2001-01-01T00:00:00Z' } })).status).toBe(400);
  });

  it('lets a visitor browse a folder link and download files and the folder, never anything outside it', async () => {
    const l = await link(alice, team.id);
    const i = await info(l.token);
    expect(i.status).toBe(200);
    expect(i.body).toMatchObject({ name: 'Team', permission: 'read', requires_password: false, unlocked: true });
    expect(i.body.node?.id).toBe(team.id);

    const top = (await (await visit(`/api/v1/s/${l.token}/children`)).json()) as Listing;
    expect(top.items.map((x) => x.name)).toEqual(['sub', 'doc.txt']);
    const below = (await (await visit(`/api/v1/s/${l.token}/children?folder_id=${sub.id}`)).json()) as Listing;
    expect(below.items.map((x) => x.name)).toEqual(['inner.txt']);

    const file = await visit(`/s/${l.token}/files/${inner.id}/content?download=1`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-disposition')).toContain('attachment');
    expect(await file.text()).toBe('inner bytes');

    // Ids outside the link, its owner's top folder, and nonsense: 404, as if they did not exist.
    const priv = (await alice.json<NodeBody>(`/resolve?path=${encodeURIComponent('/Private')}`)).body;
    for (const id of [secret.id, priv.id, 'root', team.parent_id!, '../Private', '00000000-0000-4000-8000-000000000000']) {
      expect((await visit(`/s/${l.token}/files/${encodeURIComponent(id)}/content`)).status, id).toBe(404);
      expect((await visit(`/api/v1/s/${l.token}/children?folder_id=${encodeURIComponent(id)}`)).status, id).toBe(404);
      expect((await visit(`/s/${l.token}/folders/${encodeURIComponent(id)}/zip`)).status, id).toBe(404);
    }
    // A file drop into the read link is refused; the link does not open the owner's API.
    const drop = await visit(`/api/v1/s/${l.token}/files?path=x.txt`, { method: 'POST', body: 'x' });
    expect(drop.status).toBe(403);
    expect((await visit(`/api/v1/files/${doc.id}`)).status).toBe(401);
    expect((await visit('/api/v1/s/no-such-token-at-all-here/children')).status).toBe(404);
  });

  it('streams the linked folder as a ZIP that unzip reads, with the empty folders kept', async () => {
    const folder = await mkdir(alice, 'Zipped');
    await put(alice, 'a.txt', 'alpha', folder.id);
    await mkdir(alice, 'empty', folder.id);
    const l = await link(alice, folder.id);
    const res = await visit(`/s/${l.token}/download`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    const dir = await mkdtemp(join(tmpdir(), 'coffer-link-zip-'));
    try {
      await writeFile(join(dir, 'z.zip'), Buffer.from(await res.arrayBuffer()));
      const { stdout } = await run('unzip', ['-l', join(dir, 'z.zip')]);
      expect(stdout).toContain('a.txt');
      expect(stdout).toContain('empty/');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect((await alice.json<Link>(`/links/${l.id}`)).body.downloads).toBe(1);
  });

  it('gives exactly the allowed number of downloads to 20 parallel visitors on a limit of 5', async () => {
    const l = await link(alice, doc.id, { max_downloads: 5 });
    const results = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const r = await visit(`/s/${l.token}/download`);
        const body = await r.text();
        return { status: r.status, body };
      }),
    );
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(5);
    for (const r of ok) expect(r.body).toBe('hello team');
    expect(results.filter((r) => r.status === 410)).toHaveLength(15);
    const after = (await alice.json<Link>(`/links/${l.id}`)).body;
    expect(after).toMatchObject({ downloads: 5, state: 'exhausted' });
    const gone = await info(l.token);
    expect(gone.status).toBe(410);
    expect(gone.body.state).toBe('exhausted');
    // Raising the limit brings the link back; lowering it below what was used is refused.
    expect((await alice.json(`/links/${l.id}`, { method: 'PATCH', json: { max_downloads: 3 } })).status).toBe(400);
    expect((await alice.json(`/links/${l.id}`, { method: 'PATCH', json: { max_downloads: 6 } })).status).toBe(200);
    expect((await visit(`/s/${l.token}/download`)).status).toBe(200);
    expect((await visit(`/s/${l.token}/download`)).status).toBe(410);
  });

  it('counts a download once per file fetched from its first byte, not per resumed range', async () => {
    const l = await link(alice, doc.id, { max_downloads: 2 });
    const first = await visit(`/s/${l.token}/download`, { headers: { range: 'bytes=0-4' } });
    expect(first.status).toBe(206);
    expect(await first.text()).toBe('hello');
    const rest = await visit(`/s/${l.token}/download`, { headers: { range: 'bytes=5-' } });
    expect(rest.status).toBe(206);
    expect(await rest.text()).toBe(' team');
    expect((await visit(`/s/${l.token}/download`, { method: 'HEAD' })).status).toBe(200);
    expect((await alice.json<Link>(`/links/${l.id}`)).body.downloads).toBe(1);
  });

  it('counts views exactly and ends the link when they are used up', async () => {
    const l = await link(alice, team.id, { max_views: 5 });
    const statuses = await Promise.all(Array.from({ length: 12 }, async () => (await info(l.token)).status));
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 410)).toHaveLength(7);
    expect((await alice.json<Link>(`/links/${l.id}`)).body.views).toBe(5);

    // The last allowed view is a whole visit: its listing and downloads go on; a new visit is refused.
    const once = await link(alice, team.id, { max_views: 1 });
    const page = await visit(`/api/v1/s/${once.token}`);
    expect(page.status).toBe(200);
    const cookie = page.headers.getSetCookie().find((c) => c.includes(`Path=/api/v1/s/${once.token}`))!;
    const session = /coffer_link=([^;]+)/.exec(cookie)![1]!;
    expect((await visit(`/api/v1/s/${once.token}/children`, { session })).status).toBe(200);
    expect((await visit(`/s/${once.token}/files/${doc.id}/content`, { session })).status).toBe(200);
    expect((await visit(`/api/v1/s/${once.token}`, { session })).status).toBe(200);
    expect((await visit(`/api/v1/s/${once.token}/children`)).status).toBe(410);
    expect((await info(once.token)).status).toBe(410);
    expect((await alice.json<Link>(`/links/${once.id}`)).body.views).toBe(1);
  });

  it('asks for the password, slows down guessing with 429, and ends sessions when the password changes', async () => {
    const l = await link(alice, team.id, { password: 'open sesame' });
    expect(l.has_password).toBe(true);
    const locked = await info(l.token);
    expect(locked.status).toBe(200);
    expect(locked.body).toMatchObject({ requires_password: true, unlocked: false, node: null });
    // Without the password nothing inside opens.
    expect((await visit(`/api/v1/s/${l.token}/children`)).status).toBe(401);
    expect((await visit(`/s/${l.token}/download`)).status).toBe(401);
    expect((await visit(`/s/${l.token}/files/${doc.id}/content`)).status).toBe(401);

    const wrong = await unlock(l.token, 'wrong guess', '203.0.113.7');
    expect(wrong.status).toBe(401);
    // The right password opens it, as a cookie scoped to this link and as a session for scripts.
    const right = await unlock(l.token, 'open sesame', '203.0.113.8');
    expect(right.status).toBe(200);
    const cookies = right.headers.getSetCookie();
    expect(cookies.some((c) => c.includes(`Path=/s/${l.token}`) && c.includes('HttpOnly'))).toBe(true);
    expect(cookies.some((c) => c.includes(`Path=/api/v1/s/${l.token}`))).toBe(true);
    const { session } = (await right.json()) as { session: string };
    const opened = await info(l.token, session);
    expect(opened.body).toMatchObject({ unlocked: true, node: { id: team.id } });
    expect((await visit(`/s/${l.token}/files/${doc.id}/content`, { session })).status).toBe(200);
    // The session of one link opens no other.
    const other = await link(alice, team.id, { password: 'open sesame' });
    expect((await visit(`/api/v1/s/${other.token}/children`, { session })).status).toBe(401);

    // Guessing from one address: after the free attempts, 429 with Retry-After, even for the right password.
    let limited: Response | undefined;
    for (let i = 0; i < 10 && !limited; i++) {
      const r = await unlock(l.token, `guess ${i}`, '198.51.100.9');
      if (r.status === 429) limited = r;
      else expect(r.status).toBe(401);
    }
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await unlock(l.token, 'open sesame', '198.51.100.9')).status).toBe(429);
    // Another visitor is not locked out by the guesser.
    expect((await unlock(l.token, 'open sesame', '198.51.100.10')).status).toBe(200);

    expect((await alice.json(`/links/${l.id}`, { method: 'PATCH', json: { password: 'new words' } })).status).toBe(200);
    expect((await visit(`/api/v1/s/${l.token}/children`, { session })).status).toBe(401);
    const failures = (await auditOf(l.id)).filter((e) => e.action === 'link.unlock' && e.result === 'failure');
    expect(failures.length).toBeGreaterThanOrEqual(2);
  });

  it('takes files through an upload-only link and shows the visitor nothing of the folder', async () => {
    const drop = await mkdir(alice, 'Drop');
    await put(alice, 'already.txt', 'private to alice', drop.id);
    const l = await link(alice, drop.id, { permission: 'upload' });
    const i = await info(l.token);
    expect(i.body).toMatchObject({ permission: 'upload', node: { name: 'Drop' } });
    const up = await visit(`/api/v1/s/${l.token}/files?path=report.pdf`, { method: 'POST', body: 'pdf bytes', headers: { 'content-type': 'application/pdf' } });
    expect(up.status).toBe(201);
    expect(await up.json()).toEqual({ name: 'report.pdf', size: 9 });
    // The same name again is kept as a second file, and the answer names it.
    const again = await visit(`/api/v1/s/${l.token}/files?path=report.pdf`, { method: 'POST', body: 'other' });
    expect(((await again.json()) as { name: string }).name).toBe('report (1).pdf');
    // Nothing to see or take: no listing, no download, no file content.
    expect((await visit(`/api/v1/s/${l.token}/children`)).status).toBe(403);
    expect((await visit(`/s/${l.token}/download`)).status).toBe(403);
    const listed = (await alice.json<{ items: NodeBody[] }>(`/folders/${drop.id}/children`)).body.items;
    const already = listed.find((x) => x.name === 'already.txt')!;
    expect((await visit(`/s/${l.token}/files/${already.id}/content`)).status).toBe(403);
    expect(listed.map((x) => x.name).sort()).toEqual(['already.txt', 'report (1).pdf', 'report.pdf']);
    // Bad names are refused with a reason; nothing partial appears.
    for (const bad of ['../escape.txt', '.', 'a/../../b']) {
      const r = await visit(`/api/v1/s/${l.token}/files?path=${encodeURIComponent(bad)}`, { method: 'POST', body: 'x' });
      expect(r.status, bad).toBe(400);
    }
    // Uploads count against the owner's quota and are in the audit log with the link.
    const uploads = (await auditOf(l.id)).filter((e) => e.action === 'file.upload');
    expect(uploads).toHaveLength(2);
  });

  it('records every view and download in the audit log with the link id', async () => {
    const l = await link(alice, team.id);
    await info(l.token);
    await (await visit(`/s/${l.token}/files/${doc.id}/content?download=1`)).text();
    // A download is recorded once its bytes went out, which may be just after the client has them.
    let events = await auditOf(l.id);
    for (let i = 0; i < 50 && !events.some((e) => e.action === 'file.download'); i++) {
      await sleep(50);
      events = await auditOf(l.id);
    }
    const actions = events.map((e) => e.action);
    expect(actions).toContain('link.create');
    expect(actions).toContain('link.view');
    expect(actions).toContain('file.download');
    expect(events.find((e) => e.action === 'file.download')?.node_id).toBe(doc.id);

    // The owner reads the same in her own activity log, per link; nobody else sees it in theirs.
    const mine = await alice.json<{ items: { action: string; detail: { link?: string } | null }[] }>(`/account/activity?link_id=${l.id}`);
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((e) => e.action)).toEqual(expect.arrayContaining(['link.create', 'link.view', 'file.download']));
    expect(mine.body.items.every((e) => e.detail?.link === l.id)).toBe(true);
    const bobs = await bob.json<{ items: unknown[] }>(`/account/activity?link_id=${l.id}`);
    expect(bobs.body.items).toHaveLength(0);
  });

  it('answers 410 from the moment a link is revoked or expires', async () => {
    const l = await link(alice, team.id);
    expect((await info(l.token)).status).toBe(200);
    expect((await alice.json(`/links/${l.id}`, { method: 'DELETE' })).status).toBe(204);
    const revoked = await info(l.token);
    expect(revoked.status).toBe(410);
    expect(revoked.body.state).toBe('revoked');
    expect((await visit(`/s/${l.token}/download`)).status).toBe(410);

    const soon = await link(alice, team.id, { expires_at: new Date(Date.now() + 1500).toISOString() });
    expect((await info(soon.token)).status).toBe(200);
    while (Date.now() < new Date((await alice.json<{ expires_at: string }>(`/links/${soon.id}`)).body.expires_at).getTime()) await sleep(100);
    const expired = await info(soon.token);
    expect(expired.status).toBe(410);
    expect(expired.body.state).toBe('expired');
    expect((await visit(`/s/${soon.token}/files/${doc.id}/content`)).status).toBe(410);
  });

  it('lets a read-write link add and change files inside its folder only', async () => {
    const shared = await mkdir(alice, 'Together');
    const l = await link(alice, shared.id, { permission: 'read-write' });
    const up = await visit(`/api/v1/s/${l.token}/files?path=${encodeURIComponent('notes/today.txt')}`, { method: 'POST', body: 'written by a visitor' });
    expect(up.status).toBe(201);
    const listing = (await (await visit(`/api/v1/s/${l.token}/children`)).json()) as Listing;
    expect(listing.items.map((x) => x.name)).toEqual(['notes']);
    // Into a folder outside the link: 404.
    const outside = await visit(`/api/v1/s/${l.token}/files?path=x.txt&folder_id=${team.id}`, { method: 'POST', body: 'x' });
    expect(outside.status).toBe(404);
    expect((await alice.json<{ items: NodeBody[] }>(`/folders/${team.id}/children`)).body.items.map((x) => x.name)).not.toContain('x.txt');
  });

  it('audits a rename and a move through a read-write link with the old path and the link, found by the link filter', async () => {
    const shared = await mkdir(alice, 'Moving');
    const l = await link(alice, shared.id, { permission: 'read-write' });
    const dav = (path: string, method: string, headers: Record<string, string> = {}, body?: string) =>
      fetch(`${server.url}/public.php/dav/files/${l.token}/${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    expect((await dav('inbox', 'MKCOL')).status).toBe(201);
    expect((await dav('draft.txt', 'PUT', {}, 'draft')).status).toBe(201);
    const destination = (p: string) => `${server.url}/public.php/dav/files/${l.token}/${p}`;
    expect((await dav('draft.txt', 'MOVE', { destination: destination('final.txt') })).status).toBe(201);
    expect((await dav('final.txt', 'MOVE', { destination: destination('inbox/final.txt') })).status).toBe(201);
    // A move into a folder of the same name is refused and changes nothing.
    expect((await dav('inbox', 'MOVE', { destination: destination('inbox/inbox') })).status).toBe(409);

    const mine = await alice.json<{ items: { action: string; path: string | null; detail: { link?: string; from?: string } | null }[] }>(
      `/account/activity?link_id=${l.id}`,
    );
    const rename = mine.body.items.find((e) => e.action === 'node.rename');
    const move = mine.body.items.find((e) => e.action === 'node.move');
    expect(rename).toMatchObject({ path: '/Moving/final.txt', detail: { from: '/Moving/draft.txt', link: l.id } });
    expect(move).toMatchObject({ path: '/Moving/inbox/final.txt', detail: { from: '/Moving/final.txt', link: l.id } });
    expect(mine.body.items.filter((e) => e.action === 'node.move')).toHaveLength(1);
    const listing = (await (await visit(`/api/v1/s/${l.token}/children`)).json()) as Listing;
    expect(listing.items.map((x) => x.name)).toEqual(['inbox']);
  });

  describe('public WebDAV of a link', () => {
    const basic = (user: string, pass = '') => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    const davReq = (path: string, method: string, auth: string | null, init: { headers?: Record<string, string>; body?: string } = {}) =>
      fetch(`${server.url}${path}`, { method, headers: { ...(auth ? { authorization: auth } : {}), ...init.headers }, ...(init.body !== undefined ? { body: init.body } : {}) });

    it('serves a linked folder over WebDAV, inside it only, as Nextcloud public WebDAV does', async () => {
      const l = await link(alice, team.id);
      // Old style: the token as the Basic username.
      const listing = await davReq('/public.php/webdav/', 'PROPFIND', basic(l.token), { headers: { depth: '1' } });
      expect(listing.status).toBe(207);
      const xml = await listing.text();
      expect(xml).toContain('doc.txt');
      expect(xml).toContain('sub');
      expect(xml).not.toContain('Private');
      expect(xml).not.toContain('.Trash');
      // New style: the token in the path.
      const file = await davReq(`/public.php/dav/files/${l.token}/sub/inner.txt`, 'GET', null);
      expect(file.status).toBe(200);
      expect(await file.text()).toBe('inner bytes');
      // Nothing outside: the parent, a sibling, nor a write through a read link.
      expect((await davReq(`/public.php/dav/files/${l.token}/../Private/secret.txt`, 'GET', null)).status).toBe(404);
      expect((await davReq(`/public.php/dav/files/${l.token}/%2e%2e/Private/secret.txt`, 'GET', null)).status).toBe(404);
      expect((await davReq(`/public.php/dav/files/${l.token}/new.txt`, 'PUT', null, { body: 'x' })).status).toBe(403);
      expect((await davReq(`/public.php/dav/files/${l.token}/doc.txt`, 'DELETE', null)).status).toBe(403);
      expect((await davReq('/public.php/webdav/', 'PROPFIND', basic('not-a-real-token-at-all'), { headers: { depth: '0' } })).status).toBe(404);
      expect((await davReq('/public.php/webdav/', 'PROPFIND', null, { headers: { depth: '0' } })).status).toBe(401);
    });

    it.skipIf(clientSuite('rclone').skip)('lets rclone copy a linked folder', async () => {
      const l = await link(alice, team.id);
      const dir = await mkdtemp(join(tmpdir(), 'coffer-link-rclone-'));
      try {
        const env = { ...process.env, HOME: dir, RCLONE_CONFIG: join(dir, 'rclone.conf') };
        const remote = `:webdav,url='${server.url}/public.php/dav/files/${l.token}/',vendor=nextcloud:`;
        await run('rclone', ['copy', remote, join(dir, 'out'), '--retries', '1'], { env });
        expect(await readFile(join(dir, 'out', 'doc.txt'), 'utf8')).toBe('hello team');
        expect(await readFile(join(dir, 'out', 'sub', 'inner.txt'), 'utf8')).toBe('inner bytes');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('asks for the password as the Basic password, takes downloads from the limit, and ends with the link', async () => {
      const l = await link(alice, team.id, { password: 'dav secret', max_downloads: 2 });
      expect((await davReq('/public.php/webdav/doc.txt', 'GET', basic(l.token))).status).toBe(401);
      expect((await davReq('/public.php/webdav/doc.txt', 'GET', basic(l.token, 'wrong'))).status).toBe(401);
      const ok = await davReq('/public.php/webdav/doc.txt', 'GET', basic(l.token, 'dav secret'));
      expect(ok.status).toBe(200);
      expect(await ok.text()).toBe('hello team');
      expect((await davReq('/public.php/webdav/doc.txt', 'GET', basic(l.token, 'dav secret'))).status).toBe(200);
      expect((await davReq('/public.php/webdav/doc.txt', 'GET', basic(l.token, 'dav secret'))).status).toBe(410);
      expect((await alice.json<Link>(`/links/${l.id}`)).body.downloads).toBe(2);
      const r = await link(alice, team.id);
      expect((await alice.json(`/links/${r.id}`, { method: 'DELETE' })).status).toBe(204);
      expect((await davReq('/public.php/webdav/', 'PROPFIND', basic(r.token), { headers: { depth: '0' } })).status).toBe(410);
    });

    it('takes uploads through a file-drop link without showing the folder', async () => {
      const drop = await mkdir(alice, 'DavDrop');
      await put(alice, 'mine.txt', 'owner only', drop.id);
      const l = await link(alice, drop.id, { permission: 'upload' });
      expect((await davReq(`/public.php/dav/files/${l.token}/dropped.txt`, 'PUT', null, { body: 'from a visitor' })).status).toBe(201);
      expect((await davReq(`/public.php/dav/files/${l.token}/`, 'PROPFIND', null, { headers: { depth: '1' } })).status).toBe(403);
      // A file already there answers as a free name would: the drop tells nothing of what it holds.
      expect((await davReq(`/public.php/dav/files/${l.token}/mine.txt`, 'GET', null)).status).toBe(404);
      expect((await davReq(`/public.php/dav/files/${l.token}/mine.txt`, 'PUT', null, { body: 'not a replacement' })).status).toBe(201);
      const names = (await alice.json<{ items: NodeBody[] }>(`/folders/${drop.id}/children`)).body.items.map((x) => x.name).sort();
      expect(names).toEqual(['dropped.txt', 'mine (1).txt', 'mine.txt']);
    });
  });
});
