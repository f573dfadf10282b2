import { createHash, randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DavUser, type DavResult } from './helpers/dav.js';
import { DAV, deepText, errorMessage, kids, MS, multistatus, OC, parseXml, path, prop200, send, type MsResponse } from './helpers/dav-xml.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// The exact requests real WebDAV clients send (test/../shared/CLIENTS.md), replayed over raw HTTP
// against one started server, asserting what each client depends on.

const FINDER_UA = 'WebDAVFS/3.0.0 (03008000) Darwin/22.1.0 (arm64)';
const WINDOWS_UA = 'Microsoft-WebDAV-MiniRedir/10.0.19045';
const FINDER_OWNER = '<D:href>http://www.apple.com/webdav_fs/</D:href>';

function lockinfo(owner: string = FINDER_OWNER, scope: 'exclusive' | 'shared' = 'exclusive'): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>\n' +
    `<D:lockinfo xmlns:D="DAV:"><D:lockscope><D:${scope}/></D:lockscope><D:locktype><D:write/></D:locktype>` +
    `<D:owner>${owner}</D:owner></D:lockinfo>`
  );
}

function propfindBody(...props: [ns: string, local: string][]): string {
  const inner = props.map(([ns, local]) => `<x:${local} xmlns:x="${ns}"/>`).join('');
  return `<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:prop>${inner}</D:prop></D:propfind>`;
}

/** The single activelock of a LOCK response body. */
function activeLock(body: string) {
  const root = parseXml(body);
  expect(root.ns).toBe(DAV);
  expect(root.local).toBe('prop');
  const locks = kids(path(root, 'lockdiscovery'), DAV, 'activelock');
  expect(locks).toHaveLength(1);
  return locks[0]!;
}

/** Every status seen in this file: no client here may ever be redirected. */
const statuses: { method: string; target: string; status: number }[] = [];

async function dav(user: DavUser, method: string, p: string, options: Parameters<DavUser['request']>[2] = {}): Promise<DavResult> {
  const res = await user.request(method, p, options);
  statuses.push({ method, target: options.rawPath ? p : `/dav${p}`, status: res.status });
  return res;
}

async function propfind(user: DavUser, p: string, depth: '0' | '1', props: [string, string][], extra: { rawPath?: boolean; headers?: Record<string, string> } = {}): Promise<MsResponse[]> {
  const res = await dav(user, 'PROPFIND', p, { headers: { depth, 'content-type': 'application/xml', ...extra.headers }, body: propfindBody(...props), rawPath: extra.rawPath });
  expect(res.status, res.body).toBe(207);
  return multistatus(res.body);
}

async function getText(user: DavUser, p: string, options: Parameters<DavUser['request']>[2] = {}): Promise<DavResult> {
  return dav(user, 'GET', p, options);
}

const sha1 = (b: string | Buffer) => createHash('sha1').update(b).digest('hex');

describe('WebDAV client replays', () => {
  let server: TestServer;

  beforeAll(async () => {
    // Replays send many user agents per account; each is a device, so lift the device limit here.
    server = await startTestServer({ COFFER_MAX_PROTOCOL_SESSIONS: '100', COFFER_DAV_PORT: '0' });
  });
  afterAll(async () => server?.close());

  describe('macOS Finder', () => {
    let u: DavUser;
    const finder = (h: Record<string, string> = {}) => ({ 'user-agent': FINDER_UA, ...h });
    beforeAll(async () => {
      u = await DavUser.create(server.url, 'finder');
    });

    it('F1: OPTIONS on the mount advertises class 2', async () => {
      const res = await dav(u, 'OPTIONS', '/', { headers: finder() });
      expect(res.status).toBe(200);
      expect(res.headers.dav?.toString().split(',').map((s) => s.trim())).toEqual(expect.arrayContaining(['1', '2']));
    });

    it('F2: LOCK Depth 0 / Second-600 / exclusive gives the token in the body with no leading whitespace; a bodiless LOCK with If refreshes it', async () => {
      expect((await dav(u, 'PUT', '/f2.txt', { headers: finder(), body: 'hello' })).status).toBe(201);
      const lock = await dav(u, 'LOCK', '/f2.txt', {
        headers: finder({ depth: '0', timeout: 'Second-600', 'content-type': 'text/xml; charset="utf-8"' }),
        body: lockinfo(),
      });
      expect(lock.status, lock.body).toBe(200);
      expect(lock.headers['content-type']).toMatch(/xml/);
      const al = activeLock(lock.body);
      // Finder trims only trailing whitespace of the href text.
      const hrefText = path(al, 'locktoken', 'href').text;
      expect(hrefText).toMatch(/^opaquelocktoken:[0-9a-f-]{36}\s*$/);
      const token = hrefText.trimEnd();
      expect(lock.headers['lock-token']).toBe(`<${token}>`);
      expect(path(al, 'lockscope').children.map((c) => c.local)).toEqual(['exclusive']);
      expect(path(al, 'locktype').children.map((c) => c.local)).toEqual(['write']);
      expect(path(al, 'depth').text).toBe('0');
      expect(path(al, 'owner', 'href').text).toBe('http://www.apple.com/webdav_fs/');
      const seconds = Number(/^Second-(\d+)$/.exec(path(al, 'timeout').text)?.[1]);
      expect(seconds).toBeGreaterThan(590);
      expect(seconds).toBeLessThanOrEqual(600);
      expect(path(al, 'lockroot', 'href').text).toBe('/dav/f2.txt');

      // Someone else's exclusive LOCK is refused while it is held ("file busy").
      const other = await dav(u, 'LOCK', '/f2.txt', { headers: { depth: '0', 'user-agent': 'other-client' }, body: lockinfo('<D:href>someone-else</D:href>') });
      expect(other.status).toBe(423);

      const refresh = await dav(u, 'LOCK', '/f2.txt', { headers: finder({ timeout: 'Second-600', if: `(<${token}>)` }) });
      expect(refresh.status, refresh.body).toBe(200);
      const refreshed = activeLock(refresh.body);
      expect(path(refreshed, 'locktoken', 'href').text).toBe(token);
      expect(path(refreshed, 'owner', 'href').text).toBe('http://www.apple.com/webdav_fs/');

      const wrong = await dav(u, 'LOCK', '/f2.txt', { headers: finder({ timeout: 'Second-600', if: '(<opaquelocktoken:00000000-0000-0000-0000-000000000000>)' }) });
      expect(wrong.status).toBe(412);

      expect((await dav(u, 'UNLOCK', '/f2.txt', { headers: finder({ 'lock-token': `<${token}>` }) })).status).toBe(204);
    });

    it('F3: a new file is empty PUT → LOCK → chunked PUT with X-Expected-Entity-Length and If → UNLOCK', async () => {
      const empty = await dav(u, 'PUT', '/f3.bin', { headers: finder({ 'content-length': '0' }) });
      expect(empty.status).toBe(201);
      const lock = await dav(u, 'LOCK', '/f3.bin', { headers: finder({ depth: '0', timeout: 'Second-600' }), body: lockinfo() });
      expect(lock.status).toBe(200);
      const token = path(activeLock(lock.body), 'locktoken', 'href').text;

      const data = randomBytes(100_000);
      const withoutToken = await dav(u, 'PUT', '/f3.bin', {
        headers: finder({ 'transfer-encoding': 'chunked', 'x-expected-entity-length': String(data.length) }),
        body: data,
      });
      expect(withoutToken.status).toBe(423);

      const before = Date.now();
      const put = await dav(u, 'PUT', '/f3.bin', {
        headers: finder({ 'transfer-encoding': 'chunked', 'x-expected-entity-length': String(data.length), if: `(<${token}>)` }),
        body: data,
      });
      expect(put.status, put.body).toBe(204);
      expect(put.body).toBe('');
      const etag = put.headers.etag;
      expect(etag).toMatch(/^"[^"]+"$/);
      expect(put.headers.etag).not.toBe(empty.headers.etag);
      const lastModified = Date.parse(String(put.headers['last-modified']));
      expect(lastModified).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
      expect(Math.abs(Date.parse(String(put.headers.date)) - Date.now())).toBeLessThan(10_000);

      expect((await dav(u, 'UNLOCK', '/f3.bin', { headers: finder({ 'lock-token': `<${token}>` }) })).status).toBe(204);
      const get = await fetch(u.url('/f3.bin'), { headers: { authorization: u.authorization, 'user-agent': FINDER_UA } });
      expect(get.status).toBe(200);
      expect(get.headers.get('etag')).toBe(etag);
      expect(get.headers.get('content-length')).toBe(String(data.length));
      expect(Buffer.from(await get.arrayBuffer()).equals(data)).toBe(true);
      const [entry] = await propfind(u, '/f3.bin', '0', [[DAV, 'getcontentlength'], [DAV, 'getetag']]);
      expect(prop200(entry!, DAV, 'getcontentlength').text).toBe(String(data.length));
      expect(prop200(entry!, DAV, 'getetag').text).toBe(etag);
    });

    it('F3: a chunked body shorter or longer than X-Expected-Entity-Length is refused with 400 and stores nothing', async () => {
      expect((await dav(u, 'PUT', '/f3-keep.txt', { headers: finder(), body: 'original' })).status).toBe(201);
      for (const [declared, body] of [[20, 'only ten b'], [3, 'more than three']] as const) {
        const short = await dav(u, 'PUT', '/f3-keep.txt', {
          headers: finder({ 'transfer-encoding': 'chunked', 'x-expected-entity-length': String(declared) }),
          body,
        });
        expect(short.status, short.body).toBe(400);
        const kept = await getText(u, '/f3-keep.txt');
        expect(kept.status).toBe(200);
        expect(kept.body).toBe('original');

        const fresh = await dav(u, 'PUT', '/f3-never.txt', {
          headers: finder({ 'transfer-encoding': 'chunked', 'x-expected-entity-length': String(declared) }),
          body,
        });
        expect(fresh.status).toBe(400);
        expect((await getText(u, '/f3-never.txt')).status).toBe(404);
      }
    });

    it('F4: AppleDouble ._ files are stored and read back byte for byte; deleting a missing twin is 404', async () => {
      // AppleDouble header (magic 0x00051607, version 2) followed by binary entries.
      const appleDouble = Buffer.concat([Buffer.from([0x00, 0x05, 0x16, 0x07, 0x00, 0x02, 0x00, 0x00]), Buffer.from('Mac OS X        '), randomBytes(4000)]);
      expect((await dav(u, 'PUT', '/photo.jpg', { headers: finder(), body: 'jpeg' })).status).toBe(201);
      const put = await dav(u, 'PUT', '/._photo.jpg', { headers: finder({ 'content-type': 'application/octet-stream' }), body: appleDouble });
      expect(put.status).toBe(201);
      const back = await send(server.url, 'GET', '/dav/._photo.jpg', { headers: { authorization: u.authorization, 'user-agent': FINDER_UA } });
      expect(back.status).toBe(200);
      expect(back.headers['content-length']).toBe(String(appleDouble.length));
      const raw = await fetch(u.url('/._photo.jpg'), { headers: { authorization: u.authorization, 'user-agent': FINDER_UA } });
      expect(Buffer.from(await raw.arrayBuffer()).equals(appleDouble)).toBe(true);
      const listing = await propfind(u, '/', '1', [[DAV, 'getcontentlength']]);
      expect(listing.map((r) => r.href)).toEqual(expect.arrayContaining(['/dav/photo.jpg', '/dav/._photo.jpg']));

      expect((await dav(u, 'DELETE', '/photo.jpg', { headers: finder() })).status).toBe(204);
      expect((await dav(u, 'DELETE', '/._photo.jpg', { headers: finder() })).status).toBe(204);
      expect((await dav(u, 'DELETE', '/._photo.jpg', { headers: finder() })).status).toBe(404);
      expect((await dav(u, 'DELETE', '/._never-existed.txt', { headers: finder() })).status).toBe(404);
    });

    it('F5: NFD and NFC names reach the same file, and a name differing only in normalization creates nothing new', async () => {
      const nfc = '/M%C3%BCller.txt';
      const nfd = '/Mu%CC%88ller.txt';
      expect((await dav(u, 'MKCOL', '/f5', { headers: finder() })).status).toBe(201);
      expect((await dav(u, 'PUT', `/f5${nfc}`, { body: 'from windows' })).status).toBe(201);
      const viaNfd = await getText(u, `/f5${nfd}`, { headers: finder() });
      expect(viaNfd.status).toBe(200);
      expect(viaNfd.body).toBe('from windows');
      // Finder saving under its NFD name replaces the one file.
      const replace = await dav(u, 'PUT', `/f5${nfd}`, { headers: finder(), body: 'from finder' });
      expect(replace.status).toBe(204);
      expect((await getText(u, `/f5${nfc}`)).body).toBe('from finder');

      // And the other way round: stored by Finder in NFD, reached in NFC.
      expect((await dav(u, 'PUT', '/f5/Jose%CC%81.txt', { headers: finder(), body: 'jose' })).status).toBe(201);
      const viaNfc = await getText(u, '/f5/Jos%C3%A9.txt');
      expect(viaNfc.status).toBe(200);
      expect(viaNfc.body).toBe('jose');
      expect((await dav(u, 'PUT', '/f5/Jos%C3%A9.txt', { body: 'jose 2' })).status).toBe(204);

      // Folders too: MKCOL of the other form finds the existing one.
      expect((await dav(u, 'MKCOL', '/f5/%C3%84rger', { headers: finder() })).status).toBe(201);
      expect((await dav(u, 'MKCOL', '/f5/A%CC%88rger', { headers: finder() })).status).toBe(405);
      expect((await dav(u, 'PUT', '/f5/A%CC%88rger/inner.txt', { headers: finder(), body: 'in' })).status).toBe(201);
      expect((await getText(u, '/f5/%C3%84rger/inner.txt')).body).toBe('in');

      // MOVE onto the other form of an existing name with Overwrite F: it exists.
      expect((await dav(u, 'PUT', '/f5/other.txt', { body: 'other' })).status).toBe(201);
      const clash = await dav(u, 'MOVE', '/f5/other.txt', { headers: { destination: `${server.url}/dav/f5${nfd}`, overwrite: 'F' } });
      expect(clash.status).toBe(412);

      const listing = await propfind(u, '/f5/', '1', [[DAV, 'displayname']]);
      const names = listing.slice(1).map((r) => decodeURIComponent(r.href.slice('/dav/f5/'.length)).replace(/\/$/, ''));
      expect(names.sort()).toEqual(['Jos\u00e9.txt', 'M\u00fcller.txt', 'other.txt', '\u00c4rger'].sort());
      expect(names.every((n) => n === n.normalize('NFC'))).toBe(true);

      // A listing asked for in NFD answers with hrefs that start with the URL as sent: ownCloud's
      // client compares them byte by byte and drops the listing otherwise (LsColJob "Invalid href").
      const nfdListing = await propfind(u, '/f5/A%CC%88rger/', '1', [[DAV, 'displayname']]);
      expect(nfdListing.map((r) => r.href)).toEqual(['/dav/f5/A%CC%88rger/', '/dav/f5/A%CC%88rger/inner.txt']);
      // Names below the listed path are the stored (NFC) ones.
      expect((await propfind(u, '/f5/', '1', [[DAV, 'displayname']])).map((r) => r.href)).toContain('/dav/f5/%C3%84rger/');
    });

    it('F9: rename is MOVE with an absolute-URL Destination, no Overwrite header and the lock token in If', async () => {
      expect((await dav(u, 'PUT', '/f9-old.txt', { headers: finder(), body: 'renamed' })).status).toBe(201);
      const lock = await dav(u, 'LOCK', '/f9-old.txt', { headers: finder({ depth: '0', timeout: 'Second-600' }), body: lockinfo() });
      expect(lock.status).toBe(200);
      const token = path(activeLock(lock.body), 'locktoken', 'href').text;
      const destination = `${server.url}/dav/f9-new.txt`;

      const noToken = await dav(u, 'MOVE', '/f9-old.txt', { headers: finder({ destination }) });
      expect(noToken.status).toBe(423);
      const move = await dav(u, 'MOVE', '/f9-old.txt', { headers: finder({ destination, if: `(<${token}>)` }) });
      expect(move.status, move.body).toBe(201);
      expect((await getText(u, '/f9-old.txt')).status).toBe(404);
      const moved = await getText(u, '/f9-new.txt');
      expect(moved.status).toBe(200);
      expect(moved.body).toBe('renamed');
      // Locks stay behind: the moved file is writable without the token.
      expect((await dav(u, 'PUT', '/f9-new.txt', { headers: finder(), body: 'edited' })).status).toBe(204);

      // No Overwrite header means T: an existing destination is replaced (204).
      expect((await dav(u, 'PUT', '/f9-a.txt', { headers: finder(), body: 'a' })).status).toBe(201);
      const replace = await dav(u, 'MOVE', '/f9-a.txt', { headers: finder({ destination }) });
      expect(replace.status).toBe(204);
      expect((await getText(u, '/f9-new.txt')).body).toBe('a');
    });

    it('F10: PROPFINDs for ._*, .DS_Store and friends are quick 404s on a kept-alive connection', async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const probes = ['/._f2.txt', '/.DS_Store', '/.Spotlight-V100', '/Backups.backupdb', '/Contents', '/._.', '/f5/.DS_Store', '/f5/._M%C3%BCller.txt'];
        const results = [];
        const started = performance.now();
        for (let round = 0; round < 5; round++) {
          for (const p of probes) {
            const res = await send(server.url, 'PROPFIND', `/dav${p}`, {
              agent,
              headers: { authorization: u.authorization, 'user-agent': FINDER_UA, depth: '0', 'content-type': 'text/xml' },
              body: propfindBody([DAV, 'getlastmodified'], [DAV, 'getcontentlength'], [DAV, 'resourcetype']),
            });
            results.push(res);
          }
        }
        const elapsed = performance.now() - started;
        expect(results.map((r) => r.status)).toEqual(results.map(() => 404));
        expect(results.every((r) => !/multistatus/.test(r.body))).toBe(true);
        // One socket for all of them.
        expect(results.slice(1).every((r) => r.reusedSocket)).toBe(true);
        expect(results.every((r) => r.headers.connection !== 'close')).toBe(true);
        expect(elapsed / results.length).toBeLessThan(250);
      } finally {
        agent.destroy();
      }
    });
  });

  describe('Windows WebClient', () => {
    let u: DavUser;
    const win = (h: Record<string, string> = {}) => ({ 'user-agent': WINDOWS_UA, translate: 'f', ...h });
    beforeAll(async () => {
      u = await DavUser.create(server.url, 'windows');
    });

    it('W1: OPTIONS at the host root and on parents, unauthenticated, answers 200 with DAV: 1, 2 and MS-Author-Via', async () => {
      for (const target of ['/', '/remote.php', '/remote.php/dav', '/dav', '/dav/', '/remote.php/webdav/', '/remote.php/dav/files/windows/']) {
        for (const ua of ['DavClnt', WINDOWS_UA]) {
          const res = await dav(u, 'OPTIONS', target, { rawPath: true, auth: false, headers: { 'user-agent': ua } });
          expect(res.status, target).toBe(200);
          expect(res.headers.dav).toBe('1, 2');
          expect(res.headers['ms-author-via']).toBe('DAV');
          expect(res.headers.location).toBeUndefined();
        }
      }
      // What else Windows and gvfs may probe at the host root and parents: never a redirect.
      for (const target of ['/', '/remote.php', '/remote.php/dav', '/remote.php/dav/files/']) {
        for (const method of ['GET', 'PROPFIND', 'HEAD']) {
          for (const auth of [false, true]) {
            const res = await dav(u, method, target, { rawPath: true, auth, headers: { 'user-agent': WINDOWS_UA, depth: '0' } });
            expect(res.headers.location).toBeUndefined();
            if (target === '/' && method !== 'PROPFIND') {
              // The host root is the web app's page: a plain 200, still no redirect to a login URL.
              expect(res.status, `${method} ${target}`).toBe(200);
              expect(String(res.headers['content-type'])).toMatch(/^text\/html/);
            } else {
              expect(res.status, `${method} ${target}`).toBeGreaterThanOrEqual(400);
            }
          }
        }
      }
    });

    it('W3: PROPFIND with an empty body and translate: f is allprop; a missing resource is a plain 404', async () => {
      expect((await dav(u, 'PUT', '/w3.txt', { headers: win(), body: 'w3 data' })).status).toBe(201);
      const res = await dav(u, 'PROPFIND', '/w3.txt', { headers: win({ depth: '0', 'content-length': '0' }) });
      expect(res.status).toBe(207);
      const [entry] = multistatus(res.body);
      expect(entry!.href).toBe('/dav/w3.txt');
      for (const p of ['getcontentlength', 'getlastmodified', 'creationdate', 'getetag', 'resourcetype', 'displayname', 'supportedlock']) prop200(entry!, DAV, p);
      expect(prop200(entry!, DAV, 'getcontentlength').text).toBe('7');
      expect(prop200(entry!, DAV, 'displayname').text).toBe('w3.txt');
      expect(prop200(entry!, DAV, 'creationdate').text).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(prop200(entry!, DAV, 'getlastmodified').text).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);

      for (const depth of ['0', '1']) {
        const missing = await dav(u, 'PROPFIND', '/no-such-file.docx', { headers: win({ depth, 'content-length': '0' }) });
        expect(missing.status).toBe(404);
        expect(missing.body).not.toMatch(/multistatus/);
        expect(errorMessage(missing.body)).not.toBe('');
      }
    });

    it('W4: a collection without its trailing slash answers 207 directly, never 301', async () => {
      expect((await dav(u, 'MKCOL', '/w4', { headers: win() })).status).toBe(201);
      expect((await dav(u, 'PUT', '/w4/inside.txt', { headers: win(), body: 'x' })).status).toBe(201);
      for (const target of ['/dav/w4', '/dav', '/remote.php/webdav', '/remote.php/webdav/w4', '/remote.php/dav/files/windows', '/remote.php/dav/files/windows/w4']) {
        const res = await dav(u, 'PROPFIND', target, { rawPath: true, headers: win({ depth: '1', 'content-length': '0' }) });
        expect(res.status, target).toBe(207);
        const entries = multistatus(res.body);
        expect(entries[0]!.href).toBe(`${target}/`);
        expect(entries[0]!.props.get(`${DAV} resourcetype`)?.el.children.map((c) => c.local)).toEqual(['collection']);
      }
      const get = await dav(u, 'GET', '/w4', { headers: win() });
      expect(get.status).toBe(200);
    });

    it('W5: PROPFIND 404 → empty PUT → LOCK → PROPPATCH Win32 times → HEAD → PUT → PROPPATCH → UNLOCK', async () => {
      const file = '/w5%20report.docx';
      expect((await dav(u, 'PROPFIND', file, { headers: win({ depth: '0', 'content-length': '0' }) })).status).toBe(404);
      expect((await dav(u, 'PUT', file, { headers: win({ 'content-length': '0' }) })).status).toBe(201);
      const lock = await dav(u, 'LOCK', file, {
        headers: win({ depth: '0', timeout: 'Second-3600' }),
        body: lockinfo('<D:href>WIN-PC\\alice</D:href>'),
      });
      expect(lock.status).toBe(200);
      const token = path(activeLock(lock.body), 'locktoken', 'href').text;
      const ifToken = `(<${token}>)`;

      const patch = async (modified: string) => {
        const body =
          '<?xml version="1.0" encoding="utf-8" ?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:schemas-microsoft-com:"><D:set><D:prop>' +
          '<Z:Win32CreationTime>Wed, 01 Jan 2020 10:00:00 GMT</Z:Win32CreationTime>' +
          `<Z:Win32LastAccessTime>${modified}</Z:Win32LastAccessTime>` +
          `<Z:Win32LastModifiedTime>${modified}</Z:Win32LastModifiedTime>` +
          '<Z:Win32FileAttributes>00000020</Z:Win32FileAttributes>' +
          '</D:prop></D:set></D:propertyupdate>';
        const withoutToken = await dav(u, 'PROPPATCH', file, { headers: win({ 'content-type': 'text/xml; charset="utf-8"' }), body });
        expect(withoutToken.status).toBe(423);
        const res = await dav(u, 'PROPPATCH', file, { headers: win({ 'content-type': 'text/xml; charset="utf-8"', if: ifToken }), body });
        expect(res.status, res.body).toBe(207);
        const [entry] = multistatus(res.body);
        expect(entry!.href).toBe('/dav/w5%20report.docx');
        for (const p of ['Win32CreationTime', 'Win32LastAccessTime', 'Win32LastModifiedTime', 'Win32FileAttributes']) {
          expect(entry!.props.get(`${MS} ${p}`)?.status, p).toBe(200);
        }
        expect(entry!.props.size).toBe(4);
        const [after] = await propfind(u, file, '0', [[DAV, 'getlastmodified'], [MS, 'Win32FileAttributes']]);
        expect(prop200(after!, DAV, 'getlastmodified').text).toBe(modified);
        expect(prop200(after!, MS, 'Win32FileAttributes').text).toBe('00000020');
      };

      await patch('Thu, 02 Jan 2020 03:04:05 GMT');
      const head = await dav(u, 'HEAD', file, { headers: win() });
      expect(head.status).toBe(200);
      expect(head.headers['content-length']).toBe('0');
      expect(head.body).toBe('');
      const content = 'PK\u0003\u0004 a word document';
      const put = await dav(u, 'PUT', file, { headers: win({ if: ifToken }), body: content });
      expect(put.status).toBe(204);
      await patch('Fri, 03 Jan 2020 04:05:06 GMT');
      // W6: Windows may send the token without angle brackets.
      const unlock = await dav(u, 'UNLOCK', file, { headers: win({ 'lock-token': token }) });
      expect(unlock.status).toBe(204);
      // Unlocked: writable without the token.
      const get = await getText(u, file, { headers: win() });
      expect(get.body).toBe(content);
      expect(get.headers['last-modified']).toBe('Fri, 03 Jan 2020 04:05:06 GMT');
      expect((await dav(u, 'PUT', file, { headers: win(), body: 'v3' })).status).toBe(204);
    });

    it('W6: UNLOCK with a Lock-Token without angle brackets releases the lock', async () => {
      expect((await dav(u, 'PUT', '/w6.txt', { headers: win(), body: 'w6' })).status).toBe(201);
      const lock = await dav(u, 'LOCK', '/w6.txt', { headers: win({ depth: '0' }), body: lockinfo('<D:href>WIN-PC\\bob</D:href>') });
      const token = path(activeLock(lock.body), 'locktoken', 'href').text;
      expect((await dav(u, 'PUT', '/w6.txt', { headers: win(), body: 'blocked' })).status).toBe(423);
      expect((await dav(u, 'UNLOCK', '/w6.txt', { headers: win({ 'lock-token': token }) })).status).toBe(204);
      expect((await dav(u, 'PUT', '/w6.txt', { headers: win(), body: 'free' })).status).toBe(204);
      const [entry] = await propfind(u, '/w6.txt', '0', [[DAV, 'lockdiscovery']]);
      expect(prop200(entry!, DAV, 'lockdiscovery').children).toHaveLength(0);
    });
  });

  describe('sync apps', () => {
    it('Joplin: If-None-Match: JoplinIgnore-<n> never yields 412', async () => {
      const u = await DavUser.create(server.url, 'joplin');
      const j = (n: number, h: Record<string, string> = {}) => ({ 'if-none-match': `JoplinIgnore-${n}`, 'user-agent': 'Joplin/2.14', ...h });
      expect((await dav(u, 'MKCOL', '/Joplin', { headers: j(1) })).status).toBe(201);
      expect((await dav(u, 'MKCOL', '/Joplin/.resource', { headers: j(2) })).status).toBe(201);
      expect((await dav(u, 'PUT', '/Joplin/note.md', { headers: j(3), body: 'note v1' })).status).toBe(201);
      expect((await dav(u, 'PUT', '/Joplin/note.md', { headers: j(4), body: 'note v2' })).status).toBe(204);
      const pf = await dav(u, 'PROPFIND', '/Joplin/', { headers: j(5, { depth: '1' }), body: propfindBody([DAV, 'getlastmodified'], [DAV, 'resourcetype']) });
      expect(pf.status).toBe(207);
      expect(multistatus(pf.body).map((r) => r.href)).toEqual(['/dav/Joplin/', '/dav/Joplin/.resource/', '/dav/Joplin/note.md']);
      const lock = await dav(u, 'LOCK', '/Joplin/locks.json', { headers: j(6, { depth: '0' }), body: lockinfo('<D:href>joplin</D:href>') });
      expect(lock.status).toBe(201);
      const token = path(activeLock(lock.body), 'locktoken', 'href').text;
      expect((await dav(u, 'UNLOCK', '/Joplin/locks.json', { headers: j(7, { 'lock-token': `<${token}>` }) })).status).toBe(204);
      expect((await dav(u, 'MOVE', '/Joplin/note.md', { headers: j(8, { destination: '/dav/Joplin/moved.md' }) })).status).toBe(201);
      expect((await dav(u, 'DELETE', '/Joplin/moved.md', { headers: j(9) })).status).toBe(204);
      expect((await getText(u, '/Joplin/moved.md')).status).toBe(404);
    });

    it("Zotero: the server check passes, reads its own writes, and over quota is 507", async () => {
      const u = await DavUser.create(server.url, 'zotero', { quota: 10_000 });
      const z = { 'user-agent': 'Zotero/7.0' };
      const opts = await dav(u, 'OPTIONS', '/zotero/', { headers: z });
      expect(opts.status).toBe(200);
      expect(opts.headers.dav).toContain('1');
      // Zotero asks the user to create the folder; a PROPFIND before that is a 404.
      expect((await dav(u, 'PROPFIND', '/zotero/', { headers: { ...z, depth: '0' } })).status).toBe(404);
      expect((await dav(u, 'MKCOL', '/zotero/', { headers: z })).status).toBe(201);
      for (const prefix of ['/dav', '/remote.php/webdav', '/remote.php/dav/files/zotero']) {
        const pf = await dav(u, 'PROPFIND', `${prefix}/zotero/`, { rawPath: true, headers: { ...z, depth: '0', 'content-type': 'text/xml' }, body: propfindBody([DAV, 'getcontentlength']) });
        expect(pf.status).toBe(207);
        const hrefs = multistatus(pf.body).map((r) => r.href);
        expect(hrefs).toEqual([`${prefix}/zotero/`]);
      }
      const missing = await getText(u, '/zotero/lastsync.prop', { headers: z });
      expect(missing.status).toBe(404);
      const missingFolder = await getText(u, '/zotero/nope/x.prop', { headers: z });
      expect(missingFolder.status).toBe(404);

      const xml = '<properties version="1"><mtime>1700000000000</mtime><hash>0123456789abcdef</hash></properties>';
      expect((await dav(u, 'PUT', '/zotero/zotero-test-file.prop', { headers: { ...z, 'content-type': 'text/xml' }, body: xml })).status).toBe(201);
      const read = await getText(u, '/zotero/zotero-test-file.prop', { headers: z });
      expect(read.status).toBe(200);
      expect(read.body).toBe(xml);
      expect((await dav(u, 'DELETE', '/zotero/zotero-test-file.prop', { headers: z })).status).toBe(204);
      expect((await getText(u, '/zotero/zotero-test-file.prop', { headers: z })).status).toBe(404);

      const tooBig = randomBytes(20_000);
      const full = await dav(u, 'PUT', '/zotero/ABCD1234.zip', { headers: z, body: tooBig });
      expect(full.status).toBe(507);
      expect((await getText(u, '/zotero/ABCD1234.zip', { headers: z })).status).toBe(404);
      // The same with Finder-style chunked upload (no Content-Length: the quota is found mid-stream).
      const chunked = await dav(u, 'PUT', '/zotero/ABCD1234.zip', { headers: { ...z, 'transfer-encoding': 'chunked' }, body: tooBig });
      expect(chunked.status).toBe(507);
      expect((await getText(u, '/zotero/ABCD1234.zip', { headers: z })).status).toBe(404);
    });

    it('Zotero: hrefs start with the request path after decoding and NFC', async () => {
      const u = await DavUser.create(server.url, 'zotero2');
      expect((await dav(u, 'MKCOL', '/Z%C3%B6tero')).status).toBe(201);
      expect((await dav(u, 'PUT', '/Z%C3%B6tero/a%20b.prop', { body: 'x' })).status).toBe(201);
      const requested = '/dav/Zo%cc%88tero/';
      const pf = await dav(u, 'PROPFIND', requested, { rawPath: true, headers: { depth: '1' } });
      expect(pf.status).toBe(207);
      const want = decodeURIComponent(requested).normalize('NFC');
      const hrefs = multistatus(pf.body).map((r) => r.href);
      expect(hrefs).toHaveLength(2);
      for (const h of hrefs) {
        expect(decodeURIComponent(h).normalize('NFC').startsWith(want)).toBe(true);
        // Uppercase percent-encoding.
        expect(h).not.toMatch(/%[0-9A-F]?[a-f]/);
      }
    });

    it('KeePass 2.x: PUT db.tmp, DELETE db, MOVE db.tmp → db without an Overwrite header', async () => {
      const u = await DavUser.create(server.url, 'keepass');
      const k = { 'user-agent': 'KeePass/2.57' };
      expect((await dav(u, 'PUT', '/Passwords.kdbx', { headers: k, body: 'db v1' })).status).toBe(201);
      expect((await dav(u, 'PUT', '/Passwords.kdbx.tmp', { headers: k, body: 'db v2' })).status).toBe(201);
      expect((await dav(u, 'DELETE', '/Passwords.kdbx', { headers: k })).status).toBe(204);
      const move = await dav(u, 'MOVE', '/Passwords.kdbx.tmp', { headers: { ...k, destination: `${server.url}/dav/Passwords.kdbx` } });
      expect(move.status).toBe(201);
      expect((await getText(u, '/Passwords.kdbx')).body).toBe('db v2');
      expect((await getText(u, '/Passwords.kdbx.tmp')).status).toBe(404);
    });

    it('Keepass2Android: PUT db.tmp.<hex> → PROPFIND → DELETE → MOVE Overwrite: T to a full URL', async () => {
      const u = await DavUser.create(server.url, 'k2a');
      const k = { 'user-agent': 'Keepass2Android/1.09' };
      expect((await dav(u, 'PUT', '/keepass/db.kdbx', { headers: k, body: 'x' })).status).toBe(409);
      expect((await dav(u, 'MKCOL', '/keepass', { headers: k })).status).toBe(201);
      expect((await dav(u, 'PUT', '/keepass/db.kdbx', { headers: k, body: 'version one' })).status).toBe(201);
      for (const [n, content] of [[1, 'version two'], [2, 'version three']] as const) {
        const tmp = `/keepass/db.kdbx.tmp.${randomBytes(4).toString('hex')}`;
        expect((await dav(u, 'PUT', tmp, { headers: k, body: content })).status).toBe(201);
        const [entry] = await propfind(u, tmp, '0', [[DAV, 'getcontentlength'], [DAV, 'getlastmodified']], { headers: k });
        expect(prop200(entry!, DAV, 'getcontentlength').text).toBe(String(content.length));
        // The first save deletes the target first; the second relies on Overwrite: T.
        if (n === 1) expect((await dav(u, 'DELETE', '/keepass/db.kdbx', { headers: k })).status).toBe(204);
        const move = await dav(u, 'MOVE', tmp, { headers: { ...k, overwrite: 'T', destination: `${server.url}/remote.php/webdav/keepass/db.kdbx` } });
        expect(move.status).toBe(n === 1 ? 201 : 204);
        expect((await getText(u, '/keepass/db.kdbx')).body).toBe(content);
        expect((await getText(u, tmp)).status).toBe(404);
      }
      const listing = await propfind(u, '/keepass/', '1', [[DAV, 'getcontentlength']]);
      expect(listing.map((r) => r.href)).toEqual(['/dav/keepass/', '/dav/keepass/db.kdbx']);
    });
  });

  describe('rclone (vendor=nextcloud)', () => {
    let u: DavUser;
    beforeAll(async () => {
      u = await DavUser.create(server.url, 'rclone');
    });

    it('X-OC-Mtime on PUT is accepted and becomes getlastmodified', async () => {
      const put = await dav(u, 'PUT', '/mtime.txt', { headers: { 'x-oc-mtime': '1600000000' }, body: 'dated' });
      expect(put.status).toBe(201);
      expect(put.headers['x-oc-mtime']).toBe('accepted');
      expect(put.headers['last-modified']).toBe(new Date(1600000000_000).toUTCString());
      const [entry] = await propfind(u, '/mtime.txt', '0', [[DAV, 'getlastmodified']]);
      expect(prop200(entry!, DAV, 'getlastmodified').text).toBe('Sun, 13 Sep 2020 12:26:40 GMT');
      // Without the header the server sets the time itself and says nothing.
      const plain = await dav(u, 'PUT', '/mtime.txt', { body: 'now' });
      expect(plain.status).toBe(204);
      expect(plain.headers['x-oc-mtime']).toBeUndefined();
      expect(Math.abs(Date.parse(String(plain.headers['last-modified'])) - Date.now())).toBeLessThan(60_000);
      // MOVE and COPY take it too.
      const copy = await dav(u, 'COPY', '/mtime.txt', { headers: { destination: `${server.url}/dav/mtime-copy.txt`, overwrite: 'T', 'x-oc-mtime': '1500000000' } });
      expect(copy.status).toBe(201);
      expect(copy.headers['x-oc-mtime']).toBe('accepted');
      const [copied] = await propfind(u, '/mtime-copy.txt', '0', [[DAV, 'getlastmodified']]);
      expect(prop200(copied!, DAV, 'getlastmodified').text).toBe(new Date(1500000000_000).toUTCString());
    });

    it('OC-Checksum SHA1 is verified on upload and returned in oc:checksums', async () => {
      const data = randomBytes(5000);
      const right = sha1(data);
      const wrong = sha1('something else');
      const bad = await dav(u, 'PUT', '/sum.bin', { headers: { 'oc-checksum': `SHA1:${wrong}` }, body: data });
      expect(bad.status).toBe(400);
      expect((await getText(u, '/sum.bin')).status).toBe(404);
      const good = await dav(u, 'PUT', '/sum.bin', { headers: { 'oc-checksum': `SHA1:${right}` }, body: data });
      expect(good.status).toBe(201);
      const [entry] = await propfind(u, '/sum.bin', '0', [[OC, 'checksums']]);
      const checksums = prop200(entry!, OC, 'checksums');
      expect(kids(checksums, OC, 'checksum').map((c) => c.text)).toEqual([`SHA1:${right}`]);
      // A wrong checksum on an overwrite leaves the old content.
      const badOverwrite = await dav(u, 'PUT', '/sum.bin', { headers: { 'oc-checksum': `SHA1:${wrong}` }, body: 'replacement' });
      expect(badOverwrite.status).toBe(400);
      const [still] = await propfind(u, '/sum.bin', '0', [[OC, 'checksums'], [DAV, 'getcontentlength']]);
      expect(prop200(still!, DAV, 'getcontentlength').text).toBe('5000');
      expect(deepText(prop200(still!, OC, 'checksums'))).toBe(`SHA1:${right}`);
      // GET reports it too.
      expect((await dav(u, 'HEAD', '/sum.bin')).headers['oc-checksum']).toBe(`SHA1:${right}`);
    });

    it('MKCOL on an existing folder is 405', async () => {
      expect((await dav(u, 'MKCOL', '/exists')).status).toBe(201);
      expect((await dav(u, 'MKCOL', '/exists')).status).toBe(405);
      expect((await dav(u, 'MKCOL', '/exists/')).status).toBe(405);
    });
  });

  it('quota-available-bytes and quota-used-bytes on the root reflect the quota set at user creation', async () => {
    const quota = 1_000_000;
    const u = await DavUser.create(server.url, 'quotauser', { quota });
    const empty = await propfind(u, '/', '0', [[DAV, 'quota-available-bytes'], [DAV, 'quota-used-bytes']]);
    expect(empty).toHaveLength(1);
    expect(prop200(empty[0]!, DAV, 'quota-used-bytes').text).toBe('0');
    expect(prop200(empty[0]!, DAV, 'quota-available-bytes').text).toBe(String(quota));
    expect((await dav(u, 'PUT', '/a.bin', { body: randomBytes(123_456) })).status).toBe(201);
    expect((await dav(u, 'MKCOL', '/sub')).status).toBe(201);
    expect((await dav(u, 'PUT', '/sub/b.bin', { body: randomBytes(1000) })).status).toBe(201);
    const [after] = await propfind(u, '/', '0', [[DAV, 'quota-available-bytes'], [DAV, 'quota-used-bytes']]);
    expect(prop200(after!, DAV, 'quota-used-bytes').text).toBe('124456');
    expect(prop200(after!, DAV, 'quota-available-bytes').text).toBe(String(quota - 124_456));
    // The same through the Nextcloud path.
    const [nc] = await propfind(u, '/remote.php/dav/files/quotauser/', '0', [[DAV, 'quota-available-bytes']], { rawPath: true });
    expect(prop200(nc!, DAV, 'quota-available-bytes').text).toBe(String(quota - 124_456));
  });

  describe('the virtual trash at /.Trash/', () => {
    let u: DavUser;
    beforeAll(async () => {
      u = await DavUser.create(server.url, 'trashuser');
    });

    async function trashEntries(): Promise<MsResponse[]> {
      return (await propfind(u, '/.Trash/', '1', [[DAV, 'resourcetype'], [DAV, 'getcontentlength'], ['http://nextcloud.org/ns', 'trashbin-filename']])).slice(1);
    }

    it('lists deleted items as name.d<seconds>; MOVE out restores; DELETE purges; writes inside are 403', async () => {
      expect((await dav(u, 'PUT', '/doomed.txt', { body: 'restore me' })).status).toBe(201);
      expect((await dav(u, 'PUT', '/purge.txt', { body: 'purge me' })).status).toBe(201);
      const root = await propfind(u, '/', '1', [[DAV, 'resourcetype']]);
      const trashRoot = root.find((r) => r.href === '/dav/.Trash/');
      expect(trashRoot?.props.get(`${DAV} resourcetype`)?.el.children.map((c) => c.local)).toEqual(['collection']);
      expect(await trashEntries()).toEqual([]);

      const t0 = Math.floor(Date.now() / 1000);
      expect((await dav(u, 'DELETE', '/doomed.txt')).status).toBe(204);
      expect((await dav(u, 'DELETE', '/purge.txt')).status).toBe(204);
      const t1 = Math.floor(Date.now() / 1000);
      expect((await getText(u, '/doomed.txt')).status).toBe(404);

      const entries = await trashEntries();
      expect(entries).toHaveLength(2);
      const byName = new Map(entries.map((e) => [deepText(prop200(e, 'http://nextcloud.org/ns', 'trashbin-filename')), e]));
      const doomed = byName.get('doomed.txt')!;
      const m = /^\/dav\/\.Trash\/doomed\.txt\.d(\d+)$/.exec(doomed.href);
      expect(m).not.toBeNull();
      expect(Number(m![1])).toBeGreaterThanOrEqual(t0);
      expect(Number(m![1])).toBeLessThanOrEqual(t1);
      expect(prop200(doomed, DAV, 'getcontentlength').text).toBe('10');
      const purge = byName.get('purge.txt')!;

      // Read-only: no PUT, MKCOL, PROPPATCH, COPY or MOVE into it.
      expect((await dav(u, 'PUT', '/.Trash/new.txt', { body: 'x' })).status).toBe(403);
      expect((await dav(u, 'MKCOL', '/.Trash/dir')).status).toBe(403);
      expect((await dav(u, 'PUT', doomed.href.slice('/dav'.length), { body: 'overwrite' })).status).toBe(403);
      const pp = await dav(u, 'PROPPATCH', doomed.href.slice('/dav'.length), {
        body: '<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><x:a xmlns:x="urn:x">1</x:a></D:prop></D:set></D:propertyupdate>',
      });
      expect(pp.status).toBe(403);
      expect((await dav(u, 'PUT', '/victim.txt', { body: 'v' })).status).toBe(201);
      expect((await dav(u, 'MOVE', '/victim.txt', { headers: { destination: '/dav/.Trash/victim.txt' } })).status).toBe(403);
      expect((await dav(u, 'COPY', '/victim.txt', { headers: { destination: '/dav/.Trash/victim.txt' } })).status).toBe(403);
      expect((await getText(u, '/victim.txt')).status).toBe(200);
      expect((await dav(u, 'DELETE', '/.Trash/')).status).toBe(403);
      expect((await trashEntries()).map((e) => e.href).sort()).toEqual([doomed.href, purge.href].sort());

      const restore = await dav(u, 'MOVE', doomed.href.slice('/dav'.length), { headers: { destination: `${server.url}/dav/restored.txt` } });
      expect(restore.status, restore.body).toBe(201);
      expect((await getText(u, '/restored.txt')).body).toBe('restore me');
      expect((await trashEntries()).map((e) => e.href)).toEqual([purge.href]);

      expect((await dav(u, 'DELETE', purge.href.slice('/dav'.length))).status).toBe(204);
      expect(await trashEntries()).toEqual([]);
      expect((await dav(u, 'MOVE', purge.href.slice('/dav'.length), { headers: { destination: '/dav/purge.txt' } })).status).toBe(404);
      expect((await getText(u, '/purge.txt')).status).toBe(404);
    });
  });

  describe('reading and restoring from the virtual trash', () => {
    let u: DavUser;
    beforeAll(async () => {
      u = await DavUser.create(server.url, 'trashbugs');
    });

    async function trashHrefs(): Promise<string[]> {
      return (await propfind(u, '/.Trash/', '1', [[DAV, 'resourcetype']])).slice(1).map((r) => r.href);
    }

    it('GET of a trashed file agrees with HEAD and PROPFIND and returns its content', async () => {
      expect((await dav(u, 'PUT', '/peek.txt', { body: 'peek' })).status).toBe(201);
      expect((await dav(u, 'DELETE', '/peek.txt')).status).toBe(204);
      const [href] = (await trashHrefs()).filter((h) => h.startsWith('/dav/.Trash/peek.txt.d'));
      const head = await dav(u, 'HEAD', href!.slice('/dav'.length));
      const get = await dav(u, 'GET', href!.slice('/dav'.length));
      expect(head.status).toBe(200);
      expect(get.status).toBe(200);
      expect(get.body).toBe('peek');
    });

    it('two items of one name deleted in the same second get distinct, reachable hrefs', async () => {
      for (const d of ['/x', '/y']) {
        expect((await dav(u, 'MKCOL', d)).status).toBe(201);
        expect((await dav(u, 'PUT', `${d}/dup.txt`, { body: d })).status).toBe(201);
      }
      // Start both deletions at the beginning of a second so they share it.
      await new Promise((r) => setTimeout(r, 1020 - (Date.now() % 1000)));
      const deleted = await Promise.all([dav(u, 'DELETE', '/x/dup.txt'), dav(u, 'DELETE', '/y/dup.txt')]);
      expect(deleted.map((r) => r.status)).toEqual([204, 204]);
      const hrefs = (await trashHrefs()).filter((h) => h.startsWith('/dav/.Trash/dup.txt.d'));
      expect(hrefs).toHaveLength(2);
      expect(new Set(hrefs).size).toBe(2);
      const bodies = await Promise.all(hrefs.map(async (h) => (await dav(u, 'GET', h.slice('/dav'.length))).body));
      expect(bodies.sort()).toEqual(['/x', '/y']);
    });

    it('MOVE out of the trash puts the item at the Destination only, without recreating its old folder', async () => {
      expect((await dav(u, 'MKCOL', '/gone')).status).toBe(201);
      expect((await dav(u, 'PUT', '/gone/f.txt', { body: 'f' })).status).toBe(201);
      expect((await dav(u, 'DELETE', '/gone/f.txt')).status).toBe(204);
      expect((await dav(u, 'DELETE', '/gone/')).status).toBe(204);
      const [href] = (await trashHrefs()).filter((h) => h.startsWith('/dav/.Trash/f.txt.d'));
      expect((await dav(u, 'MOVE', href!.slice('/dav'.length), { headers: { destination: '/dav/back.txt' } })).status).toBe(201);
      expect((await getText(u, '/back.txt')).body).toBe('f');
      expect((await dav(u, 'PROPFIND', '/gone/', { headers: { depth: '0' } })).status).toBe(404);
    });
  });

  it('the three mount paths serve the same tree, with hrefs under the path asked', async () => {
    const u = await DavUser.create(server.url, 'mounts');
    expect((await dav(u, 'MKCOL', '/shared')).status).toBe(201);
    expect((await dav(u, 'PUT', '/remote.php/webdav/shared/one.txt', { rawPath: true, body: 'one' })).status).toBe(201);
    expect((await dav(u, 'PUT', '/remote.php/dav/files/mounts/shared/two.txt', { rawPath: true, body: 'two' })).status).toBe(201);
    for (const prefix of ['/dav', '/remote.php/webdav', '/remote.php/dav/files/mounts']) {
      const listing = await propfind(u, `${prefix}/shared/`, '1', [[DAV, 'getcontentlength']], { rawPath: true });
      expect(listing.map((r) => r.href)).toEqual([`${prefix}/shared/`, `${prefix}/shared/one.txt`, `${prefix}/shared/two.txt`]);
      expect((await getText(u, `${prefix}/shared/one.txt`, { rawPath: true })).body).toBe('one');
      expect((await getText(u, `${prefix}/shared/two.txt`, { rawPath: true })).body).toBe('two');
    }
    // A MOVE may name its destination through another mount.
    const move = await dav(u, 'MOVE', '/remote.php/webdav/shared/one.txt', { rawPath: true, headers: { destination: `${server.url}/remote.php/dav/files/mounts/shared/uno.txt` } });
    expect(move.status).toBe(201);
    expect((await getText(u, '/shared/uno.txt')).body).toBe('one');
  });

  it('the dedicated listener (COFFER_DAV_PORT) serves the same tree at its root', async () => {
    expect(server.davUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.davUrl).not.toBe(server.url);
    const u = await DavUser.create(server.url, 'rootdav');
    expect((await dav(u, 'PUT', '/via-main.txt', { body: 'main' })).status).toBe(201);
    const d = new DavUser(server.davUrl!, u.username, u.appPassword, u.api);
    const opts = await dav(d, 'OPTIONS', '/', { rawPath: true, auth: false });
    expect(opts.status).toBe(200);
    expect(opts.headers.dav).toBe('1, 2');
    const unauth = await dav(d, 'PROPFIND', '/', { rawPath: true, auth: false, headers: { depth: '0' } });
    expect(unauth.status).toBe(401);
    expect(unauth.headers['www-authenticate']).toMatch(/^Basic /);

    const listing = await propfind(d, '/', '1', [[DAV, 'getcontentlength']], { rawPath: true });
    expect(listing.map((r) => r.href)).toEqual(['/', '/.Trash/', '/via-main.txt']);
    expect((await getText(d, '/via-main.txt', { rawPath: true })).body).toBe('main');
    expect((await dav(d, 'PUT', '/via-root.txt', { rawPath: true, body: 'root' })).status).toBe(201);
    expect((await getText(u, '/via-root.txt')).body).toBe('root');
    const move = await dav(d, 'MOVE', '/via-root.txt', { rawPath: true, headers: { destination: `${server.davUrl}/moved.txt` } });
    expect(move.status).toBe(201);
    expect((await getText(u, '/moved.txt')).body).toBe('root');
    // The REST API is not on this listener: /api/v1 is just a missing DAV path here.
    expect((await dav(d, 'GET', '/api/v1/health', { rawPath: true })).status).toBe(404);
  });

  it('no request in this file was answered with a redirect', () => {
    expect(statuses.length).toBeGreaterThan(100);
    const redirects = statuses.filter((s) => s.status >= 300 && s.status < 400);
    expect(redirects).toEqual([]);
  });
});
