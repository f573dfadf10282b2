import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CadaverSession, clientSuite, tempDir } from './helpers/clients.js';
import { DavUser } from './helpers/dav.js';
import { DAV, multistatus, path as xpath, prop200, type MsResponse } from './helpers/dav-xml.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// cadaver (neon's command-line WebDAV client), scripted through its stdin one command at a time:
// put, lock, a second writer without the token (a raw request and a second cadaver) refused with
// 423, discover/steal, propset/propget, mv while locked, lock/unlock. Each step is checked in
// cadaver's output and in the server's state.

/** The namespace cadaver puts its `propset` properties in. */
const CADAVER_NS = 'http://webdav.org/cadaver/custom-properties/';
const FIRST = 'first version, written by cadaver\n';

describe.skipIf(clientSuite('cadaver').skip)('cadaver', () => {
  let server: TestServer;
  let user: DavUser;
  let home: string;
  let a: CadaverSession | undefined;
  let b: CadaverSession | undefined;
  let token = '';

  /** Depth-0 PROPFIND of a few properties, parsed. */
  async function props(p: string, names: string): Promise<MsResponse> {
    const r = await user.request('PROPFIND', p, {
      headers: { depth: '0', 'content-type': 'application/xml' },
      body: `<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:c="${CADAVER_NS}"><d:prop>${names}</d:prop></d:propfind>`,
    });
    expect(r.status, r.body).toBe(207);
    const [entry] = multistatus(r.body);
    return entry!;
  }

  /** Lock tokens the server reports for a resource. */
  async function lockTokens(p: string): Promise<string[]> {
    const discovery = prop200(await props(p, '<d:lockdiscovery/>'), DAV, 'lockdiscovery');
    return discovery.children.map((l) => xpath(l, 'locktoken', 'href').text.trim());
  }

  beforeAll(async () => {
    server = await startTestServer();
    user = await DavUser.create(server.url, 'cadaver-user');
    home = tempDir('cadaver');
    // cadaver takes its credentials from ~/.netrc (and refuses one others can read).
    fs.writeFileSync(path.join(home, '.netrc'), `machine 127.0.0.1 login ${user.username} password ${user.appPassword}\n`, { mode: 0o600 });
    fs.writeFileSync(path.join(home, 'report.txt'), FIRST);
    fs.writeFileSync(path.join(home, 'intruder.txt'), 'written by a session without the lock\n');
    expect((await user.request('MKCOL', '/work/')).status).toBe(201);
  });

  afterAll(async () => {
    a?.kill();
    b?.kill();
    await server?.close();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('puts a file and locks it; discover shows the token the server holds', async () => {
    a = await CadaverSession.open(`${server.url}/dav/work/`, home);
    expect(await a.command('put report.txt')).toMatch(/Uploading report\.txt to `\/dav\/work\/report\.txt':.* succeeded\./s);
    const got = await user.request('GET', '/work/report.txt');
    expect(got.status).toBe(200);
    expect(got.body).toBe(FIRST);

    expect(await a.command('lock report.txt')).toMatch(/Locking `report\.txt': succeeded\./);
    const discovered = await a.command('discover report.txt');
    const m = /Lock token <(opaquelocktoken:[^>]+)>:/.exec(discovered);
    expect(m, discovered).not.toBeNull();
    token = m![1]!;
    expect(discovered).toMatch(/Depth 0 on `http:\/\/127\.0\.0\.1:\d+\/dav\/work\/report\.txt'/);
    expect(discovered).toMatch(/Scope: exclusive\s+Type: write/);
    expect(await lockTokens('/work/report.txt')).toEqual([token]);
  }, 60_000);

  it('refuses writes without the token with 423 (raw requests), and 412 for a wrong token', async () => {
    const put = await user.request('PUT', '/work/report.txt', { body: 'overwritten without the lock\n' });
    expect(put.status, put.body).toBe(423);
    const del = await user.request('DELETE', '/work/report.txt');
    expect(del.status, del.body).toBe(423);
    const move = await user.request('MOVE', '/work/report.txt', { headers: { destination: `${server.url}/dav/work/elsewhere.txt` } });
    expect(move.status, move.body).toBe(423);
    const relock = await user.request('LOCK', '/work/report.txt', {
      headers: { 'content-type': 'application/xml', depth: '0' },
      body: '<?xml version="1.0"?><d:lockinfo xmlns:d="DAV:"><d:lockscope><d:exclusive/></d:lockscope><d:locktype><d:write/></d:locktype></d:lockinfo>',
    });
    expect(relock.status, relock.body).toBe(423);
    const wrong = await user.request('PUT', '/work/report.txt', {
      headers: { if: '(<opaquelocktoken:00000000-0000-0000-0000-000000000000>)' },
      body: 'overwritten with a made-up token\n',
    });
    expect(wrong.status, wrong.body).toBe(412);
    // Nothing changed.
    expect((await user.request('GET', '/work/report.txt')).body).toBe(FIRST);
    expect((await user.request('GET', '/work/elsewhere.txt')).status).toBe(404);
    expect(await lockTokens('/work/report.txt')).toEqual([token]);
  }, 60_000);

  it('a second cadaver session is refused with 423 until it steals the token', async () => {
    b = await CadaverSession.open(`${server.url}/dav/work/`, home);
    expect(await b.command('put intruder.txt report.txt')).toMatch(/failed:\s*423 Locked/);
    expect(await b.command('propset report.txt stolen yes')).toMatch(/failed:\s*423 Locked/);
    expect(await b.command('mv report.txt elsewhere.txt')).toMatch(/failed:\s*423 Locked/);
    expect(await b.command('delete report.txt')).toMatch(/failed:\s*423 Locked/);
    expect(await b.command('lock report.txt')).toMatch(/failed:\s*423 Locked/);
    expect(await b.command('discover report.txt')).toContain(`Lock token <${token}>`);
    expect((await user.request('GET', '/work/report.txt')).body).toBe(FIRST);

    // `steal` adopts the discovered token; a request that submits it may write.
    expect(await b.command('steal report.txt')).toContain(`<${token}>`);
    expect(await b.command('propset report.txt stolen yes')).toMatch(/Setting property on `report\.txt': succeeded\./);
    expect(await b.quit()).toBe(0);
    b = undefined;
    const entry = await props('/work/report.txt', '<c:stolen/>');
    expect(prop200(entry, CADAVER_NS, 'stolen').text).toBe('yes');
    // Quitting the second session left the lock alone.
    expect(await lockTokens('/work/report.txt')).toEqual([token]);
  }, 60_000);

  it('propset and propget a dead property on the locked file', async () => {
    expect(await a!.command('propset report.txt myprop myvalue')).toMatch(/Setting property on `report\.txt': succeeded\./);
    expect(await a!.command('propget report.txt myprop')).toMatch(/Value of myprop is: myvalue/);
    const entry = await props('/work/report.txt', '<c:myprop/>');
    expect(prop200(entry, CADAVER_NS, 'myprop').text).toBe('myvalue');
  }, 60_000);

  it('mv of the locked file moves it with its properties; the lock stays behind and is gone', async () => {
    expect(await a!.command('mv report.txt renamed.txt')).toMatch(/Moving `\/dav\/work\/report\.txt' to `\/dav\/work\/renamed\.txt':\s+succeeded\./);
    expect((await user.request('GET', '/work/report.txt')).status).toBe(404);
    const got = await user.request('GET', '/work/renamed.txt');
    expect(got.status).toBe(200);
    expect(got.body).toBe(FIRST);
    const entry = await props('/work/renamed.txt', '<c:myprop/><c:stolen/><d:lockdiscovery/>');
    expect(prop200(entry, CADAVER_NS, 'myprop').text).toBe('myvalue');
    expect(prop200(entry, CADAVER_NS, 'stolen').text).toBe('yes');
    // RFC 4918 §9.9.4: locks do not move with the resource.
    expect(prop200(entry, DAV, 'lockdiscovery').children).toEqual([]);
    const ls = await a!.command('ls');
    expect(ls).toMatch(/renamed\.txt/);
    expect(ls).not.toMatch(/report\.txt/);
  }, 60_000);

  it('lock then unlock: writes without a token are refused only while locked', async () => {
    expect(await a!.command('lock renamed.txt')).toMatch(/Locking `renamed\.txt': succeeded\./);
    const [newToken] = await lockTokens('/work/renamed.txt');
    expect(newToken).toMatch(/^opaquelocktoken:/);
    expect(newToken).not.toBe(token);
    expect((await user.request('PUT', '/work/renamed.txt', { body: 'too early\n' })).status).toBe(423);

    expect(await a!.command('unlock renamed.txt')).toMatch(/Unlocking `renamed\.txt': succeeded\./);
    expect(await lockTokens('/work/renamed.txt')).toEqual([]);
    const second = 'second version, written after the unlock\n';
    const put = await user.request('PUT', '/work/renamed.txt', { body: second });
    expect(put.status, put.body).toBe(204);

    // cadaver reads the new content back.
    expect(await a!.command('get renamed.txt fetched.txt')).toMatch(/succeeded\./);
    expect(fs.readFileSync(path.join(home, 'fetched.txt'), 'utf8')).toBe(second);
    expect(await a!.quit()).toBe(0);
    a = undefined;
  }, 60_000);
});
