import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DavUser, type DavResult } from './helpers/dav.js';
import { errorMessage, multistatus, prop200 } from './helpers/dav-xml.js';
import { recordQueries } from './helpers/queries.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// A WebDAV request signs in and finds the paths it names (its target and a COPY or MOVE's
// Destination) in one query: the backend then looks them up without a query of its own. What
// the request does and refuses is the same as with separate lookups.

const SIGN_IN = /app_passwords/;
const WALK = /with recursive walk/;

/** The response, how many sign-ins and separate walks the server ran for it, and every statement. */
async function counted(send: () => Promise<DavResult>): Promise<{ res: DavResult; signIns: number; walks: number; texts: readonly string[] }> {
  const recorder = recordQueries();
  let res: DavResult;
  try {
    res = await send();
  } finally {
    recorder.restore();
  }
  return {
    res,
    signIns: recorder.texts.filter((t) => SIGN_IN.test(t)).length,
    walks: recorder.texts.filter((t) => WALK.test(t) && !SIGN_IN.test(t)).length,
    texts: recorder.texts,
  };
}

describe('WebDAV sign-in and path lookup in one query', () => {
  let server: TestServer;
  let alice: DavUser;
  let bob: DavUser;

  beforeAll(async () => {
    server = await startTestServer();
    alice = await DavUser.create(server.url, 'walker');
    bob = await DavUser.create(server.url, 'other-walker');
    for (const folder of ['/a', '/a/b']) expect((await alice.request('MKCOL', folder)).status).toBe(201);
    expect((await alice.request('PUT', '/a/b/f.txt', { body: 'hello' })).status).toBe(201);
    // The device session is made on a device's first request; later ones only read it.
    expect((await bob.request('PROPFIND', '/', { headers: { depth: '0' } })).status).toBe(207);
  });
  afterAll(async () => server?.close());

  it('GET, HEAD, PUT and PROPFIND find their target with the sign-in', async () => {
    const get = await counted(() => alice.request('GET', '/a/b/f.txt'));
    expect(get.res.status).toBe(200);
    expect(get.res.body).toBe('hello');
    expect([get.signIns, get.walks]).toEqual([1, 0]);

    const head = await counted(() => alice.request('HEAD', '/a/b/f.txt'));
    expect(head.res.status).toBe(200);
    expect(head.res.headers['content-length']).toBe('5');
    expect([head.signIns, head.walks]).toEqual([1, 0]);

    // A new file: the walk stops at its folder, which is all the upload needs.
    const put = await counted(() => alice.request('PUT', '/a/b/new.txt', { body: 'fresh' }));
    expect(put.res.status).toBe(201);
    expect([put.signIns, put.walks]).toEqual([1, 0]);
    expect((await alice.request('GET', '/a/b/new.txt')).body).toBe('fresh');

    // An overwrite: the file itself was walked.
    const over = await counted(() => alice.request('PUT', '/a/b/new.txt', { body: 'fresher' }));
    expect(over.res.status).toBe(204);
    expect([over.signIns, over.walks]).toEqual([1, 0]);
    expect((await alice.request('GET', '/a/b/new.txt')).body).toBe('fresher');

    const list = await counted(() => alice.request('PROPFIND', '/a/b/', { headers: { depth: '1' } }));
    expect(list.res.status).toBe(207);
    expect(multistatus(list.res.body).map((r) => r.href).sort()).toEqual(['/dav/a/b/', '/dav/a/b/f.txt', '/dav/a/b/new.txt']);
    expect([list.signIns, list.walks]).toEqual([1, 0]);
  });

  it('MOVE and COPY walk their Destination in the same query', async () => {
    const move = await counted(() => alice.request('MOVE', '/a/b/new.txt', { headers: { destination: `${server.url}/dav/a/moved.txt` } }));
    expect(move.res.status).toBe(201);
    expect([move.signIns, move.walks]).toEqual([1, 0]);
    expect((await alice.request('GET', '/a/b/new.txt')).status).toBe(404);
    expect((await alice.request('GET', '/a/moved.txt')).body).toBe('fresher');

    // Onto an existing file (Overwrite: T by default): the destination was walked to the file.
    const copy = await counted(() => alice.request('COPY', '/a/b/f.txt', { headers: { destination: `${server.url}/dav/a/moved.txt` } }));
    expect(copy.res.status).toBe(204);
    expect([copy.signIns, copy.walks]).toEqual([1, 0]);
    expect((await alice.request('GET', '/a/moved.txt')).body).toBe('hello');

    // The Nextcloud path names the same tree: its Destination is walked too.
    const nc = await counted(() =>
      alice.request('MOVE', `/remote.php/dav/files/${alice.username}/a/moved.txt`, {
        rawPath: true,
        headers: { destination: `${server.url}/remote.php/dav/files/${alice.username}/a/b/back.txt` },
      }),
    );
    expect(nc.res.status).toBe(201);
    expect([nc.signIns, nc.walks]).toEqual([1, 0]);
    expect((await alice.request('GET', '/a/b/back.txt')).body).toBe('hello');
  });

  it('a PUT or MOVE into the top folder reads nothing of the shares; the top ETag still covers them', async () => {
    const run = async (send: () => Promise<DavResult>) => {
      const { res, texts } = await counted(send);
      return { res, shares: texts.filter((t) => /from shares s join nodes n/.test(t)).length };
    };
    const put = await run(() => alice.request('PUT', '/top.txt', { body: 'top' }));
    expect(put.res.status).toBe(201);
    expect(put.shares).toBe(0);
    const move = await run(() => alice.request('MOVE', '/top.txt', { headers: { destination: `${server.url}/dav/top2.txt` } }));
    expect(move.res.status).toBe(201);
    expect(move.shares).toBe(0);
    expect((await alice.request('GET', '/top2.txt')).body).toBe('top');
    // Missing parents and files used as folders are refused as before.
    expect((await alice.request('PUT', '/top2.txt/x.txt', { body: 'x' })).status).toBe(409);

    const top = async () => {
      const r = await run(() => alice.request('PROPFIND', '/', { headers: { depth: '0' } }));
      expect(r.res.status).toBe(207);
      expect(r.shares).toBe(1);
      return prop200(multistatus(r.res.body)[0]!, 'DAV:', 'getetag').text;
    };
    const before = await top();
    const shared = await bob.api.json<{ id: string }>('/folders', { method: 'POST', json: { parent_id: 'root', name: 'for-alice' } });
    expect(shared.status, JSON.stringify(shared.body)).toBe(201);
    const share = await bob.api.json('/shares', { method: 'POST', json: { node_id: shared.body.id, recipient: alice.username, role: 'viewer' } });
    expect(share.status, JSON.stringify(share.body)).toBe(201);
    expect(await top()).not.toBe(before);
  });

  it('refuses what it refused before: missing folders, files as folders, other trees, bad names', async () => {
    const missing = await alice.request('MOVE', '/a/b/f.txt', { headers: { destination: `${server.url}/dav/nowhere/f.txt` } });
    expect(missing.status).toBe(409);
    expect(errorMessage(missing.body)).toMatch(/does not exist/);
    expect((await alice.request('GET', '/a/b/f.txt')).body).toBe('hello');

    const underFile = await alice.request('PUT', '/a/b/f.txt/inside.txt', { body: 'x' });
    expect(underFile.status).toBe(409);

    // Each user's walk starts at their own root: bob has no /a, and cannot name alice's tree.
    expect((await bob.request('GET', '/a/b/f.txt')).status).toBe(404);
    const across = await bob.request('MOVE', `/remote.php/dav/files/${alice.username}/a/b/f.txt`, {
      rawPath: true,
      headers: { destination: `${server.url}/remote.php/dav/files/${bob.username}/stolen.txt` },
    });
    expect(across.status).toBe(403);
    const intoAlice = await bob.request('PUT', `/remote.php/dav/files/${alice.username}/a/planted.txt`, { rawPath: true, body: 'x' });
    expect(intoAlice.status).toBe(403);
    expect((await alice.request('GET', '/a/planted.txt')).status).toBe(404);

    // A name the tree refuses is not walked with the sign-in; the request says why as before.
    const bad = await counted(() => alice.request('PUT', '/a/b/bad%00name.txt', { body: 'x' }));
    expect(bad.res.status).toBeGreaterThanOrEqual(400);
    expect(bad.res.status).toBeLessThan(500);
    expect(bad.signIns).toBe(1);
  });

  it('a wrong login, or a revoked password, is refused however good the path', async () => {
    const wrongLogin = await alice.request('GET', '/a/b/f.txt', { headers: { authorization: `Basic ${Buffer.from(`${bob.username}:${alice.appPassword}`).toString('base64')}` } });
    expect(wrongLogin.status).toBe(401);
    expect(wrongLogin.body).not.toContain('hello');

    const listed = await alice.api.json<{ items: { id: string; name: string }[] }>('/auth/app-passwords');
    const mine = listed.body.items.find((p) => p.name === `dav ${alice.username}`);
    expect(mine).toBeDefined();
    expect((await alice.api.json(`/auth/app-passwords/${mine!.id}`, { method: 'DELETE' })).status).toBe(204);
    const revoked = await alice.request('GET', '/a/b/f.txt');
    expect(revoked.status).toBe(401);
    expect(errorMessage(revoked.body)).toMatch(/revoked/);
    expect(revoked.body).not.toContain('hello');
  });
});
