import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from './helpers/api.js';
import { DavUser, type DavResult } from './helpers/dav.js';
import { DAV, errorMessage, multistatus, prop200, send, type MsResponse } from './helpers/dav-xml.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// Hostile or broken input to the WebDAV door, and one user reaching for another's files.

const PASSWD_LINE = fs.readFileSync('/etc/passwd', 'utf8').split('\n')[0]!;
const MB = 1024 * 1024;

function isClientError(status: number): boolean {
  return status >= 400 && status < 500;
}

function proppatchBody(props: string): string {
  return `<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop>${props}</D:prop></D:set></D:propertyupdate>`;
}

// Built once, before the memory baseline, so the RSS check measures the server and not these.
const HUGE_PROPPATCH = Buffer.from(proppatchBody(`<x:big xmlns:x="urn:test">${'A'.repeat(10 * MB)}</x:big>`));
const MANY_PROPPATCH = Buffer.from(
  `<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns="urn:many"><D:set><D:prop>${'<p/>'.repeat(100_000)}</D:prop></D:set></D:propertyupdate>`,
);

const LOCKINFO = '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>x</D:owner></D:lockinfo>';

async function allprop(u: DavUser, p: string, depth: '0' | '1' = '0'): Promise<MsResponse[]> {
  const res = await u.request('PROPFIND', p, { headers: { depth } });
  expect(res.status, res.body).toBe(207);
  return multistatus(res.body);
}

describe('WebDAV security', () => {
  let server: TestServer;
  let alice: DavUser;
  let bob: DavUser;
  let aliceListing: string[];

  beforeAll(async () => {
    server = await startTestServer({ COFFER_DAV_PORT: '0' });
    alice = await DavUser.create(server.url, 'alice');
    bob = await DavUser.create(server.url, 'bob');
    expect((await alice.request('MKCOL', '/private')).status).toBe(201);
    expect((await alice.request('PUT', '/private/secret.txt', { body: 'top secret' })).status).toBe(201);
    expect((await alice.request('PUT', '/notes.txt', { body: 'alice notes' })).status).toBe(201);
    const pp = await alice.request('PROPPATCH', '/notes.txt', { body: proppatchBody('<x:color xmlns:x="urn:test">blue</x:color>') });
    expect(pp.status).toBe(207);
    expect((await bob.request('PUT', '/bobfile.txt', { body: 'bob data' })).status).toBe(201);
    aliceListing = (await allprop(alice, '/', '1')).map((r) => r.href);
    expect(aliceListing).toEqual(['/dav/', '/dav/.Trash/', '/dav/private/', '/dav/notes.txt']);
  });
  afterAll(async () => server?.close());

  describe('hostile XML bodies', () => {
    let rssBefore: number;
    beforeAll(async () => {
      // Warm up the paths measured below so the baseline is not taken on a cold server.
      for (let i = 0; i < 5; i++) await allprop(alice, '/notes.txt');
      rssBefore = process.memoryUsage().rss;
    });

    it('malformed XML is 400 for PROPFIND, PROPPATCH and LOCK', async () => {
      const bodies = [
        '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag></D:prop>',
        '<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop>',
        'this is not xml at all',
        '<D:propfind xmlns:D="DAV:"><D:prop><X:a/></D:prop></D:propfind>',
        '<a></b>',
        Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0xfe, 0x3c, 0x2f, 0x61, 0x3e]),
      ];
      for (const body of bodies) {
        for (const [method, headers] of [['PROPFIND', { depth: '0' }], ['PROPPATCH', {}], ['LOCK', { depth: '0' }]] as const) {
          const res = await alice.request(method, '/notes.txt', { headers, body });
          expect(res.status, `${method} ${body.toString()}`).toBe(400);
          expect(errorMessage(res.body)).not.toBe('');
        }
      }
      // Nothing was locked by the failed LOCKs.
      expect((await alice.request('PUT', '/notes.txt', { body: 'alice notes' })).status).toBe(204);
    });

    it('a DOCTYPE with an external entity is refused and the file never shows up anywhere', async () => {
      const responses: DavResult[] = [];
      const doctypes = [
        '<!DOCTYPE D:propfind [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE D:propfind [<!ENTITY % ext SYSTEM "file:///etc/passwd"> %ext;]>',
        '<!DOCTYPE D:propfind SYSTEM "file:///etc/passwd">',
      ];
      for (const dt of doctypes) {
        const head = `<?xml version="1.0" encoding="utf-8"?>\n${dt}\n`;
        const attempts: [string, string, Record<string, string>][] = [
          ['PROPFIND', `${head}<D:propfind xmlns:D="DAV:"><D:prop><D:displayname>&xxe;</D:displayname></D:prop></D:propfind>`, { depth: '0' }],
          ['PROPPATCH', `${head}<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><x:stolen xmlns:x="urn:test">&xxe;</x:stolen></D:prop></D:set></D:propertyupdate>`, {}],
          ['LOCK', `${head}<D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>&xxe;</D:owner></D:lockinfo>`, { depth: '0' }],
        ];
        for (const [method, body, headers] of attempts) {
          const res = await alice.request(method, '/notes.txt', { headers, body });
          expect(isClientError(res.status), `${method} → ${res.status}`).toBe(true);
          responses.push(res);
        }
      }
      // Whatever was stored or locked would show in allprop, propname or lockdiscovery.
      responses.push(await alice.request('PROPFIND', '/notes.txt', { headers: { depth: '0' } }));
      responses.push(await alice.request('PROPFIND', '/notes.txt', { headers: { depth: '0' }, body: '<D:propfind xmlns:D="DAV:"><D:propname/></D:propfind>' }));
      const [entry] = multistatus(responses.at(-2)!.body);
      expect(entry!.props.has('urn:test stolen')).toBe(false);
      expect(prop200(entry!, DAV, 'lockdiscovery').children).toEqual([]);
      for (const r of responses) {
        expect(r.body).not.toContain(PASSWD_LINE);
        expect(r.body).not.toContain('root:x:0:0');
        expect(JSON.stringify(r.headers)).not.toContain('root:x:0:0');
      }
    });

    it('an entity-expansion ("billion laughs") body is refused fast', async () => {
      let dtd = '<!ENTITY lol0 "lollollollollollollollollollol">';
      for (let i = 1; i <= 9; i++) dtd += `<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`;
      const body = `<?xml version="1.0"?><!DOCTYPE D:propertyupdate [${dtd}]><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><x:laugh xmlns:x="urn:test">&lol9;</x:laugh></D:prop></D:set></D:propertyupdate>`;
      const started = performance.now();
      for (const method of ['PROPPATCH', 'PROPFIND', 'LOCK']) {
        const res = await alice.request(method, '/notes.txt', { headers: { depth: '0' }, body });
        expect(isClientError(res.status)).toBe(true);
        expect(res.body).not.toContain('lollollol');
      }
      expect(performance.now() - started).toBeLessThan(3000);
      const [entry] = await allprop(alice, '/notes.txt');
      expect(entry!.props.has('urn:test laugh')).toBe(false);
    });

    it('a 10 MB property value is refused with 413 fast, with or without Content-Length', async () => {
      const huge = HUGE_PROPPATCH;
      for (const chunked of [false, true]) {
        const started = performance.now();
        const res = await send(server.url, 'PROPPATCH', '/dav/notes.txt', {
          headers: { authorization: alice.authorization, 'content-type': 'application/xml', ...(chunked ? { 'transfer-encoding': 'chunked' } : {}) },
          body: huge,
        });
        expect(res.status).toBe(413);
        expect(performance.now() - started).toBeLessThan(5000);
      }
      const [entry] = await allprop(alice, '/notes.txt');
      expect(entry!.props.has('urn:test big')).toBe(false);
      // The dead property set earlier is intact: a refused PROPPATCH changes nothing.
      expect(prop200(entry!, 'urn:test', 'color').text).toBe('blue');
    });

    it('100,000 properties in one PROPPATCH are refused and none is stored', async () => {
      const many = MANY_PROPPATCH;
      const started = performance.now();
      const res = await alice.request('PROPPATCH', '/notes.txt', { body: many });
      expect(isClientError(res.status)).toBe(true);
      expect(performance.now() - started).toBeLessThan(5000);
      // 100,000 distinct names, too (one of each would otherwise be stored).
      const distinct = `<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns="urn:many"><D:set><D:prop>${Array.from({ length: 100_000 }, (_, i) => `<p${i}/>`).join('')}</D:prop></D:set></D:propertyupdate>`;
      const res2 = await alice.request('PROPPATCH', '/notes.txt', { body: distinct });
      expect(isClientError(res2.status)).toBe(true);
      const [entry] = await allprop(alice, '/notes.txt');
      expect([...entry!.props.keys()].filter((k) => k.startsWith('urn:many'))).toEqual([]);
    });

    it('under the XML size limit, a 500 KB value or 1,001 properties on one file are still refused, atomically', async () => {
      const half = await alice.request('PROPPATCH', '/notes.txt', {
        body: proppatchBody(`<x:small xmlns:x="urn:test">ok</x:small><x:half xmlns:x="urn:test">${'B'.repeat(500 * 1024)}</x:half>`),
      });
      expect(isClientError(half.status)).toBe(true);
      const many = await alice.request('PROPPATCH', '/notes.txt', {
        body: proppatchBody(Array.from({ length: 1001 }, (_, i) => `<q${i} xmlns="urn:thousand">v</q${i}>`).join('')),
      });
      expect(isClientError(many.status)).toBe(true);
      const [entry] = await allprop(alice, '/notes.txt');
      const names = [...entry!.props.keys()];
      expect(names.filter((k) => k.startsWith('urn:thousand') || k === 'urn:test half' || k === 'urn:test small')).toEqual([]);
      expect(prop200(entry!, 'urn:test', 'color').text).toBe('blue');
    });

    it('deeply nested XML is refused fast (no work past the depth limit)', async () => {
      // 100,000 levels in 700 KB: parsing on past the limit would take minutes (quadratic).
      const deep = `<D:propfind xmlns:D="DAV:">${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}</D:propfind>`;
      const started = performance.now();
      const res = await alice.request('PROPFIND', '/notes.txt', { headers: { depth: '0' }, body: deep });
      expect(res.status).toBe(400);
      expect(errorMessage(res.body)).toMatch(/nested deeper/);
      expect(performance.now() - started).toBeLessThan(2000);
    });

    it('a body full of syntax errors is refused at the first one, fast', async () => {
      const floods = [
        `<D:propfind xmlns:D="DAV:">${'<1'.repeat(400_000)}</D:propfind>`,
        `<D:propfind xmlns:D="DAV:"/>${'</a>'.repeat(200_000)}`,
        `<D:propfind xmlns:D="DAV:" ${'a="" '.repeat(150_000)}/>`,
        `<D:propfind xmlns:D="DAV:">${'<x:a/>'.repeat(19_000)}</D:propfind>`,
      ];
      for (const body of floods) {
        const started = performance.now();
        const res = await alice.request('PROPFIND', '/notes.txt', { headers: { depth: '0' }, body });
        expect(res.status).toBe(400);
        expect(errorMessage(res.body)).toMatch(/not well-formed/);
        expect(performance.now() - started, body.slice(0, 60)).toBeLessThan(1500);
      }
    });

    it('none of this grew the server process by more than 100 MB', async () => {
      // Repeat the heaviest attacks a few times so a leak per request would add up.
      for (let i = 0; i < 3; i++) {
        const big = await send(server.url, 'PROPPATCH', '/dav/notes.txt', { headers: { authorization: alice.authorization }, body: HUGE_PROPPATCH });
        expect(big.status).toBe(413);
        expect(isClientError((await alice.request('PROPPATCH', '/notes.txt', { body: MANY_PROPPATCH })).status)).toBe(true);
      }
      const grown = process.memoryUsage().rss - rssBefore;
      expect(grown).toBeLessThan(100 * MB);
    });
  });

  describe('paths', () => {
    const bad = [
      '/dav/../api/v1/health',
      '/dav/private/../notes.txt',
      '/dav/%2e%2e/%2e%2e/etc/passwd',
      '/dav/%2E%2E',
      '/dav/private/%2e%2e/notes.txt',
      '/dav/private/.',
      '/dav/private%2Fsecret.txt',
      '/dav/private%2fsecret.txt',
      '/dav/..%2Fnotes.txt',
      '/dav/a%00b.txt',
      '/dav/notes.txt%00.jpg',
      '/dav/%zz',
      '/dav/%C3',
      '/remote.php/webdav/%2e%2e/',
      '/remote.php/dav/files/alice/../alice/notes.txt',
      '/remote.php/dav/files/alice/private/%2e%2e/notes.txt',
      '/remote.php/dav/files/%E0%A4%A/notes.txt',
      '/remote.php/dav/files/%zz/notes.txt',
    ];

    it('.., %2e%2e, encoded slashes, NUL and bad escapes are 4xx for every method', async () => {
      for (const target of bad) {
        for (const method of ['GET', 'PROPFIND', 'PUT', 'MKCOL', 'DELETE', 'PROPPATCH', 'LOCK']) {
          const res = await alice.request(method, target, {
            rawPath: true,
            headers: { depth: '0' },
            ...(method === 'PUT' ? { body: 'overwritten' } : method === 'PROPPATCH' ? { body: proppatchBody('<x:y xmlns:x="urn:test">1</x:y>') } : method === 'LOCK' ? { body: LOCKINFO } : {}),
          });
          expect(isClientError(res.status), `${method} ${target} → ${res.status}`).toBe(true);
          expect(res.body).not.toContain('top secret');
          expect(res.body).not.toContain(PASSWD_LINE);
        }
      }
      // Nothing under Alice's tree changed.
      expect((await allprop(alice, '/', '1')).map((r) => r.href)).toEqual(aliceListing);
      expect((await alice.request('GET', '/notes.txt')).body).toBe('alice notes');
      expect((await alice.request('GET', '/private/secret.txt')).body).toBe('top secret');
    });

    it('a Destination with .. or encoded slashes is 4xx and moves nothing', async () => {
      for (const destination of [
        '/dav/../remote.php/dav/files/alice/stolen.txt',
        '/dav/%2e%2e/remote.php/dav/files/alice/stolen.txt',
        '/dav/sub%2Fstolen.txt',
        '/dav/stolen%00.txt',
      ]) {
        for (const method of ['COPY', 'MOVE']) {
          const res = await alice.request(method, '/notes.txt', { headers: { destination } });
          expect(isClientError(res.status), `${method} → ${destination}: ${res.status}`).toBe(true);
        }
      }
      expect((await allprop(alice, '/', '1')).map((r) => r.href)).toEqual(aliceListing);
    });

    it('an absolute-URL Destination has its dot segments resolved (RFC 3986) and stays in the own tree', async () => {
      const res = await alice.request('COPY', '/notes.txt', { headers: { destination: `${server.url}/dav/private/../notes-copy.txt` } });
      expect(res.status).toBe(201);
      expect((await alice.request('GET', '/notes-copy.txt')).body).toBe('alice notes');
      expect((await alice.request('GET', '/private/notes-copy.txt')).status).toBe(404);
      expect((await alice.request('DELETE', '/notes-copy.txt')).status).toBe(204);
      // Emptying the trash again keeps the later "nothing changed" checks exact.
      const trash = (await allprop(alice, '/.Trash/', '1')).slice(1);
      expect(trash).toHaveLength(1);
      expect((await alice.request('DELETE', trash[0]!.href.slice('/dav'.length))).status).toBe(204);
      // Resolving dot segments never escapes into another user's files.
      for (const destination of [
        `${server.url}/dav/../remote.php/dav/files/alice/stolen.txt`,
        `${server.url}/remote.php/dav/files/bob/../alice/stolen.txt`,
        `${server.url}/remote.php/dav/files/bob/%2e%2e/alice/stolen.txt`,
      ]) {
        for (const method of ['COPY', 'MOVE']) {
          const r = await bob.request(method, '/bobfile.txt', { headers: { destination } });
          expect([403, 404], `${method} → ${destination}: ${r.status}`).toContain(r.status);
        }
      }
      expect((await bob.request('GET', '/bobfile.txt')).body).toBe('bob data');
      expect((await allprop(alice, '/', '1')).map((r) => r.href)).toEqual(aliceListing);
    });
  });

  describe('one user against another', () => {
    const aliceMounts = ['/remote.php/dav/files/alice', '/remote.php/dav/files/ALICE', '/remote.php/dav/files/%61lice'];

    it("Bob cannot read, list, lock, patch, write or delete Alice's files through her Nextcloud path", async () => {
      for (const m of aliceMounts) {
        const attempts: [string, string, { headers?: Record<string, string>; body?: string }][] = [
          ['GET', `${m}/notes.txt`, {}],
          ['HEAD', `${m}/notes.txt`, {}],
          ['GET', `${m}/private/secret.txt`, {}],
          ['PROPFIND', `${m}/`, { headers: { depth: '1' } }],
          ['PROPFIND', m, { headers: { depth: '1' } }],
          ['PROPFIND', `${m}/notes.txt`, { headers: { depth: '0' } }],
          ['PROPFIND', `${m}/.Trash/`, { headers: { depth: '1' } }],
          ['PROPPATCH', `${m}/notes.txt`, { body: proppatchBody('<x:color xmlns:x="urn:test">red</x:color>') }],
          ['LOCK', `${m}/notes.txt`, { headers: { depth: '0' }, body: LOCKINFO }],
          ['LOCK', `${m}/new-locked.txt`, { headers: { depth: '0' }, body: LOCKINFO }],
          ['UNLOCK', `${m}/notes.txt`, { headers: { 'lock-token': '<opaquelocktoken:00000000-0000-0000-0000-000000000000>' } }],
          ['PUT', `${m}/notes.txt`, { body: 'bob was here' }],
          ['PUT', `${m}/planted.txt`, { body: 'bob was here' }],
          ['MKCOL', `${m}/planted`, {}],
          ['DELETE', `${m}/notes.txt`, {}],
          ['DELETE', `${m}/private/`, {}],
          ['COPY', `${m}/private/secret.txt`, { headers: { destination: '/dav/copied-secret.txt' } }],
          ['MOVE', `${m}/private/secret.txt`, { headers: { destination: '/dav/moved-secret.txt' } }],
          ['COPY', `${m}/notes.txt`, { headers: { destination: `${m}/notes-copy.txt` } }],
        ];
        for (const [method, target, options] of attempts) {
          const res = await bob.request(method, target, { rawPath: true, ...options });
          expect([403, 404], `${method} ${target} → ${res.status}`).toContain(res.status);
          expect(res.body).not.toContain('top secret');
          expect(res.body).not.toContain('alice notes');
          expect(res.body).not.toContain('secret.txt');
        }
      }
    });

    it("Bob's own mounts only ever reach his own files", async () => {
      for (const prefix of ['/dav', '/remote.php/webdav', '/remote.php/dav/files/bob']) {
        expect((await bob.request('GET', `${prefix}/notes.txt`, { rawPath: true })).status).toBe(404);
        expect((await bob.request('GET', `${prefix}/private/secret.txt`, { rawPath: true })).status).toBe(404);
        expect((await bob.request('PROPFIND', `${prefix}/private/`, { rawPath: true, headers: { depth: '1' } })).status).toBe(404);
        const listing = await bob.request('PROPFIND', `${prefix}/`, { rawPath: true, headers: { depth: '1' } });
        expect(listing.status).toBe(207);
        expect(multistatus(listing.body).map((r) => r.href)).toEqual([`${prefix}/`, `${prefix}/.Trash/`, `${prefix}/bobfile.txt`]);
      }
      // Writing "notes.txt" as Bob makes Bob's own file.
      expect((await bob.request('PUT', '/notes.txt', { body: 'bob notes' })).status).toBe(201);
      expect((await bob.request('GET', '/remote.php/webdav/notes.txt', { rawPath: true })).body).toBe('bob notes');
      expect((await bob.request('DELETE', '/notes.txt')).status).toBe(204);
    });

    it("Bob cannot COPY or MOVE into Alice's files by naming them in Destination", async () => {
      for (const dest of [
        '/remote.php/dav/files/alice/injected.txt',
        '/remote.php/dav/files/alice/notes.txt',
        '/remote.php/dav/files/Alice/private/injected.txt',
        '/remote.php/dav/files/%61lice/injected.txt',
        `${server.url}/remote.php/dav/files/alice/injected.txt`,
        `https://cloud.example.com/remote.php/dav/files/alice/notes.txt`,
      ]) {
        for (const method of ['COPY', 'MOVE']) {
          for (const overwrite of ['T', 'F']) {
            const res = await bob.request(method, '/bobfile.txt', { headers: { destination: dest, overwrite } });
            expect([403, 404], `${method} → ${dest}: ${res.status}`).toContain(res.status);
          }
        }
      }
      // A tagged If header naming Alice's file does not help either.
      const tagged = await bob.request('PUT', '/bobfile.txt', {
        headers: { if: '</remote.php/dav/files/alice/notes.txt> (Not <DAV:no-lock>)' },
        body: 'bob data 2',
      });
      expect([403, 412]).toContain(tagged.status);
      expect((await bob.request('GET', '/bobfile.txt')).body).toBe('bob data');
    });

    it("Alice's lock on a path does not touch Bob's file of the same path, nor show to him", async () => {
      expect((await alice.request('PUT', '/same-name.txt', { body: 'alice' })).status).toBe(201);
      const lock = await alice.request('LOCK', '/same-name.txt', { headers: { depth: '0' }, body: LOCKINFO });
      expect(lock.status).toBe(200);
      const token = String(lock.headers['lock-token']).replace(/^<|>$/g, '');
      expect(token).toMatch(/^opaquelocktoken:/);
      expect((await bob.request('PUT', '/same-name.txt', { body: 'bob' })).status).toBe(201);
      const [entry] = multistatus(
        (await bob.request('PROPFIND', '/same-name.txt', { headers: { depth: '0' }, body: '<D:propfind xmlns:D="DAV:"><D:prop><D:lockdiscovery/></D:prop></D:propfind>' })).body,
      );
      expect(prop200(entry!, DAV, 'lockdiscovery').children).toEqual([]);
      // Bob holding Alice's token gets nothing from it.
      expect((await bob.request('UNLOCK', '/same-name.txt', { headers: { 'lock-token': `<${token}>` } })).status).toBe(409);
      expect((await bob.request('PUT', '/same-name.txt', { headers: { if: `(<${token}>)` }, body: 'bob 2' })).status).toBe(412);
      expect((await alice.request('PUT', '/same-name.txt', { body: 'no token' })).status).toBe(423);
      expect((await alice.request('UNLOCK', '/same-name.txt', { headers: { 'lock-token': `<${token}>` } })).status).toBe(204);
      expect((await alice.request('DELETE', '/same-name.txt')).status).toBe(204);
      expect((await bob.request('DELETE', '/same-name.txt')).status).toBe(204);
      // Leave both trashes as they were for the checks below.
      for (const u of [alice, bob]) {
        for (const r of (await allprop(u, '/.Trash/', '1')).slice(1)) expect((await u.request('DELETE', r.href.slice('/dav'.length))).status).toBe(204);
      }
    });

    it("Alice's credentials are needed for Alice's name: Bob's app password with her username is 401", async () => {
      const mixed = `Basic ${Buffer.from(`alice:${bob.appPassword}`).toString('base64')}`;
      const res = await bob.request('GET', '/notes.txt', { headers: { authorization: mixed } });
      expect(res.status).toBe(401);
      expect(res.body).not.toContain('alice notes');
    });

    it("afterwards Alice's files, properties and locks are exactly as before", async () => {
      expect((await allprop(alice, '/', '1')).map((r) => r.href)).toEqual(aliceListing);
      expect((await allprop(alice, '/private/', '1')).map((r) => r.href)).toEqual(['/dav/private/', '/dav/private/secret.txt']);
      expect((await alice.request('GET', '/notes.txt')).body).toBe('alice notes');
      expect((await alice.request('GET', '/private/secret.txt')).body).toBe('top secret');
      const [notes] = await allprop(alice, '/notes.txt');
      expect(prop200(notes!, 'urn:test', 'color').text).toBe('blue');
      expect(prop200(notes!, DAV, 'lockdiscovery').children).toEqual([]);
      expect((await allprop(alice, '/.Trash/', '1')).map((r) => r.href)).toEqual(['/dav/.Trash/']);
      // Not locked: Alice writes without a token.
      expect((await alice.request('PUT', '/notes.txt', { body: 'alice notes' })).status).toBe(204);
      // Bob's file is where it was.
      expect((await bob.request('GET', '/bobfile.txt')).body).toBe('bob data');
    });
  });

  describe('authentication', () => {
    const methods: [string, { headers?: Record<string, string>; body?: string }][] = [
      ['GET', {}],
      ['HEAD', {}],
      ['PROPFIND', { headers: { depth: '1' } }],
      ['PROPPATCH', { body: proppatchBody('<x:y xmlns:x="urn:test">1</x:y>') }],
      ['PUT', { body: 'anonymous' }],
      ['DELETE', {}],
      ['MKCOL', {}],
      ['LOCK', { headers: { depth: '0' }, body: LOCKINFO }],
      ['UNLOCK', { headers: { 'lock-token': '<opaquelocktoken:x>' } }],
      ['COPY', { headers: { destination: '/dav/copy.txt' } }],
      ['MOVE', { headers: { destination: '/dav/move.txt' } }],
    ];
    const targets = ['/dav', '/dav/', '/dav/notes.txt', '/remote.php/webdav', '/remote.php/webdav/', '/remote.php/webdav/notes.txt', '/remote.php/dav/files/alice', '/remote.php/dav/files/alice/', '/remote.php/dav/files/alice/notes.txt'];

    async function expectChallenge(res: DavResult, what: string) {
      expect(res.status, what).toBe(401);
      expect(res.headers['www-authenticate'], what).toMatch(/^Basic realm="[^"]+"/);
      expect(res.headers.location).toBeUndefined();
      expect(res.body).not.toContain('alice notes');
    }

    it('every DAV mount answers 401 with a Basic challenge to unauthenticated requests, never a redirect', async () => {
      for (const target of targets) {
        for (const [method, options] of methods) {
          await expectChallenge(await alice.request(method, target, { rawPath: true, auth: false, ...options }), `${method} ${target}`);
        }
      }
      const root = new DavUser(server.davUrl!, alice.username, alice.appPassword, alice.api);
      for (const target of ['/', '/notes.txt']) {
        for (const [method, options] of methods) {
          await expectChallenge(await root.request(method, target, { rawPath: true, auth: false, ...options }), `${method} dav-port ${target}`);
        }
      }
      expect((await alice.request('GET', '/notes.txt')).body).toBe('alice notes');
    });

    it('the account password, a bearer token, a wrong or revoked app password, and garbage are all 401', async () => {
      const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
      const token = (await Api.login(server.url, 'alice', 'alice-password-123')).token;
      const created = await alice.api.json<{ id: string; password: string }>('/auth/app-passwords', { method: 'POST', json: { name: 'to revoke' } });
      expect(created.status).toBe(201);
      const revokedAuth = basic('alice', created.body.password);
      expect((await alice.request('GET', '/notes.txt', { headers: { authorization: revokedAuth } })).status).toBe(200);
      expect((await alice.api.fetch(`/auth/app-passwords/${created.body.id}`, { method: 'DELETE' })).status).toBe(204);

      const attempts: Record<string, string> = {
        'account password': basic('alice', 'alice-password-123'),
        'bearer token': `Bearer ${token}`,
        'wrong app password': basic('alice', `${alice.appPassword.slice(0, -1)}x`),
        'revoked app password': revokedAuth,
        'unknown user': basic('mallory', alice.appPassword),
        'empty password': basic('alice', ''),
        'no colon': `Basic ${Buffer.from('alice').toString('base64')}`,
        'not base64': 'Basic !!!!',
        'digest': 'Digest username="alice"',
      };
      for (const [what, authorization] of Object.entries(attempts)) {
        for (const target of ['/dav/notes.txt', '/remote.php/webdav/notes.txt', '/remote.php/dav/files/alice/notes.txt']) {
          await expectChallenge(await alice.request('GET', target, { rawPath: true, headers: { authorization } }), `${what} ${target}`);
        }
        await expectChallenge(await alice.request('PUT', '/notes.txt', { headers: { authorization }, body: 'overwritten' }), `${what} PUT`);
      }
      expect((await alice.request('GET', '/notes.txt')).body).toBe('alice notes');
    });
  });

});
