import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DavUser } from './helpers/dav.js';
import { DAV, kid, kids, multistatus, parseXml, prop200, type XEl } from './helpers/dav-xml.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface OcsMeta {
  status: string;
  statuscode: number;
  message: string;
}
interface OcsBody<T> {
  ocs: { meta: OcsMeta; data: T };
}
interface Quota {
  free: number;
  used: number;
  total: number;
  relative: number;
  quota: number;
}
interface UserData {
  id: string;
  'display-name': string;
  displayname: string;
  email: string | null;
  quota: Quota;
}

/** The exact user agents of the sync clients, as their sources build them. */
const SYNC_CLIENTS = {
  nextcloudcmd: 'Mozilla/5.0 (Linux) mirall/3.7.3git (nextcloudcmd, debian-6.18.44-fc-v595 ClientArchitecture: x86_64 OsArchitecture: x86_64)',
  owncloudcmd: 'Mozilla/5.0 (Linux) mirall/2.11.0 (owncloudcmd, debian-6.18.44-fc-v595 ClientArchitecture: x86_64 OsArchitecture: x86_64)',
  'Nextcloud desktop (Windows)': 'Mozilla/5.0 (Windows) mirall/3.13.2stable-Win64 (build 20240606) (Nextcloud, windows-10.0.19045 ClientArchitecture: x86_64 OsArchitecture: x86_64)',
  'Nextcloud Android': 'Mozilla/5.0 (Android) Nextcloud-android/3.29.1',
  'Nextcloud iOS': 'Mozilla/5.0 (iOS) Nextcloud-iOS/6.3.0',
  'Nextcloud iOS (older)': 'Mozilla/5.0 (iPhone) Mobile Nextcloud-iOS/4.9.2',
  'ownCloud Android': 'Mozilla/5.0 (Android) ownCloud-android/4.1.0',
  'ownCloud iOS': 'ownCloudApp/12.2.1 (App/291; iOS/17.5.1; iPhone)',
  'ownCloud iOS File Provider': 'ownCloudApp/12.2.1 (FileProvider/291; iOS/17.5.1; iPhone)',
  'ownCloud iOS (legacy)': 'Mozilla/5.0 (iOS) ownCloud-iOS/3.8.0',
};
const FILE_BROWSERS = {
  Finder: 'WebDAVFS/3.0.0 (03008000) Darwin/22.1.0 (arm64)',
  Explorer: 'Microsoft-WebDAV-MiniRedir/10.0.19045',
};

describe('the Nextcloud door: status.php and OCS', () => {
  let server: TestServer;
  let alice: DavUser;
  let bob: DavUser;

  /** A request with alice's (or other) credentials to a path of the server. */
  const get = (path: string, headers: Record<string, string> = {}, auth: string | null = alice.authorization) =>
    fetch(`${server.url}${path}`, { headers: { ...(auth !== null ? { authorization: auth } : {}), ...headers } });
  const ocsJson = async <T>(res: Response) => {
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    return (await res.json()) as OcsBody<T>;
  };
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  beforeAll(async () => {
    // One account here signs in from a dozen clients (each user agent is a device session).
    server = await startTestServer({ COFFER_MAX_PROTOCOL_SESSIONS: '50' });
    alice = await DavUser.create(server.url, 'alice', { quota: 1_000_000 });
    bob = await DavUser.create(server.url, 'bob');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers status.php at the root and in the subfolders clients probe, without credentials', async () => {
    for (const path of ['/status.php', '/nextcloud/status.php', '/owncloud/status.php']) {
      const res = await get(path, {}, null);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(await res.json()).toEqual({
        installed: true,
        maintenance: false,
        needsDbUpgrade: false,
        version: '28.0.0.0',
        versionstring: '28.0.0',
        edition: '',
        productname: 'Coffer',
        extendedSupport: false,
      });
    }
  });

  it('serves capabilities as JSON (format=json or Accept) with exactly what Coffer supports', async () => {
    for (const [path, headers] of [
      ['/ocs/v1.php/cloud/capabilities?format=json', { 'ocs-apirequest': 'true' }],
      ['/ocs/v1.php/cloud/capabilities', { accept: 'application/json' }],
    ] as const) {
      const res = await get(path, headers);
      expect(res.status).toBe(200);
      const body = await ocsJson<{ version: Record<string, unknown>; capabilities: Record<string, Record<string, unknown>> }>(res);
      expect(body.ocs.meta).toEqual({ status: 'ok', statuscode: 100, message: 'OK', totalitems: '', itemsperpage: '' });
      expect(body.ocs.data.version).toEqual({ major: 28, minor: 0, micro: 0, string: '28.0.0', edition: '', extendedSupport: false });
      const caps = body.ocs.data.capabilities;
      expect(Object.keys(caps).sort()).toEqual(['checksums', 'core', 'dav', 'files', 'files_sharing']);
      expect(caps.core).toMatchObject({ pollinterval: 60, 'webdav-root': 'remote.php/webdav' });
      // owncloudcmd takes the server's version from here.
      expect((caps.core!.status as { version: string }).version).toBe('28.0.0.0');
      expect(caps.dav).toEqual({ chunking: '1.0' });
      expect(caps.files).toEqual({ bigfilechunking: false, undelete: true, versioning: true });
      expect(caps.checksums).toEqual({ supportedTypes: ['SHA1'], preferredUploadType: 'SHA1' });
    }
    // v2 says 200 where v1 says 100; capabilities need no sign-in.
    const v2 = await ocsJson<unknown>(await get('/ocs/v2.php/cloud/capabilities?format=json', {}, null));
    expect(v2.ocs.meta.statuscode).toBe(200);
  });

  it('serves capabilities as XML by default, as OCS does', async () => {
    const res = await get('/ocs/v2.php/cloud/capabilities');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/xml/);
    const ocs = parseXml(await res.text());
    expect(ocs.local).toBe('ocs');
    expect(at(ocs, 'meta', 'status').text).toBe('ok');
    expect(at(ocs, 'meta', 'statuscode').text).toBe('200');
    const caps = at(ocs, 'data', 'capabilities');
    expect(at(caps, 'core', 'webdav-root').text).toBe('remote.php/webdav');
    expect(at(caps, 'dav', 'chunking').text).toBe('1.0');
    expect(at(caps, 'files', 'undelete').text).toBe('1');
    const types = kids(at(caps, 'checksums', 'supportedTypes'), '', 'element').map((e: XEl) => e.text);
    expect(types).toEqual(['SHA1']);
    expect(at(ocs, 'data', 'version', 'extendedSupport').children).toEqual([]);
    expect(at(ocs, 'data', 'version', 'extendedSupport').text).toBe('');
    // format=xml wins over an Accept header asking for JSON.
    const xml = await get('/ocs/v1.php/cloud/capabilities?format=xml', { accept: 'application/json' });
    expect(xml.headers.get('content-type')).toMatch(/^application\/xml/);
  });

  it('describes the signed-in user with the quota the account has, in both versions', async () => {
    await alice.request('PUT', '/notes.txt', { body: 'x'.repeat(12_345) });
    const used = (await alice.api.json<{ used: number }>('/account/quota')).body.used;
    expect(used).toBe(12_345);
    for (const path of ['/ocs/v1.php/cloud/user?format=json', '/ocs/v2.php/cloud/user?format=json', '/ocs/v1.php/cloud/users/alice?format=json', '/ocs/v2.php/cloud/users/ALICE?format=json']) {
      const res = await get(path, { 'ocs-apirequest': 'true', 'user-agent': SYNC_CLIENTS.nextcloudcmd });
      expect(res.status, path).toBe(200);
      const { data } = (await ocsJson<UserData>(res)).ocs;
      expect(data).toMatchObject({ id: 'alice', 'display-name': 'alice', displayname: 'alice', email: null });
      expect(data.quota).toEqual({ free: 1_000_000 - 12_345, used: 12_345, total: 1_000_000, relative: 1.23, quota: 1_000_000 });
    }
    // The same numbers WebDAV reports on the root.
    const [root] = multistatus(
      (
        await alice.request('PROPFIND', '/', {
          headers: { depth: '0', 'content-type': 'application/xml' },
          body: '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:quota-used-bytes/><D:quota-available-bytes/></D:prop></D:propfind>',
        })
      ).body,
    );
    expect(prop200(root!, DAV, 'quota-used-bytes').text).toBe('12345');
    expect(prop200(root!, DAV, 'quota-available-bytes').text).toBe(String(1_000_000 - 12_345));
  });

  it('says "unlimited" (-3) as Nextcloud does for an account without quota, and accepts the REST access token', async () => {
    const res = await get('/ocs/v2.php/cloud/user?format=json', {}, `Bearer ${bob.api.token}`);
    expect(res.status).toBe(200);
    const { data } = (await ocsJson<UserData>(res)).ocs;
    expect(data.id).toBe('bob');
    expect(data.quota).toEqual({ free: -3, used: 0, total: -3, relative: 0, quota: -3 });
  });

  it('never shows another user: 998 (v1 HTTP 200, v2 HTTP 404), whether the user exists or not', async () => {
    for (const name of ['bob', 'nobody']) {
      const v1 = await get(`/ocs/v1.php/cloud/users/${name}?format=json`);
      expect(v1.status).toBe(200);
      const b1 = await ocsJson<unknown>(v1);
      expect(b1.ocs.meta).toMatchObject({ status: 'failure', statuscode: 998 });
      expect(JSON.stringify(b1)).not.toContain('quota');
      const v2 = await get(`/ocs/v2.php/cloud/users/${name}?format=json`);
      expect(v2.status).toBe(404);
      expect((await ocsJson<unknown>(v2)).ocs.meta.statuscode).toBe(998);
    }
  });

  it('refuses a wrong app password, an account password and no credentials with 997 and HTTP 401 in both versions', async () => {
    for (const auth of [basic('alice', 'not-the-app-password'), basic('alice', 'alice-password-123'), null]) {
      for (const v of [1, 2]) {
        const res = await get(`/ocs/v${v}.php/cloud/user?format=json`, {}, auth);
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
        const body = await ocsJson<unknown>(res);
        expect(body.ocs.meta).toMatchObject({ status: 'failure', statuscode: 997 });
        expect(body.ocs.data).toEqual([]);
      }
    }
    // Capabilities are public, but wrong credentials sent with them are still refused.
    expect((await get('/ocs/v1.php/cloud/capabilities?format=json', {}, basic('alice', 'wrong'))).status).toBe(401);
    // The refusal in XML is the same envelope.
    const xml = parseXml(await (await get('/ocs/v1.php/cloud/user', {}, null)).text());
    expect(at(xml, 'meta', 'statuscode').text).toBe('997');
  });

  it('answers unknown OCS endpoints with 998: v1 as HTTP 200, v2 as HTTP 404', async () => {
    const v1 = await get('/ocs/v1.php/apps/spreed/api/v4/room?format=json');
    expect(v1.status).toBe(200);
    expect((await ocsJson<unknown>(v1)).ocs.meta).toMatchObject({ status: 'failure', statuscode: 998 });
    const v2 = await fetch(`${server.url}/ocs/v2.php/apps/notifications/api/v2/notifications`, {
      method: 'POST',
      headers: { authorization: alice.authorization, 'ocs-apirequest': 'true', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=b',
    });
    expect(v2.status).toBe(404);
    expect(v2.headers.get('content-type')).toMatch(/^application\/xml/);
    expect(at(parseXml(await v2.text()), 'meta', 'statuscode').text).toBe('998');
  });

  it('reports quota properties on collections only, never on files', async () => {
    await alice.request('MKCOL', '/docs/');
    await alice.request('PUT', '/docs/a.bin', { body: 'abc' });
    const res = await alice.request('PROPFIND', '/docs/', {
      headers: { depth: '1', 'content-type': 'application/xml' },
      body: '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getcontentlength/><D:quota-used-bytes/><D:quota-available-bytes/></D:prop></D:propfind>',
    });
    expect(res.status).toBe(207);
    const [folder, file] = multistatus(res.body);
    expect(folder!.href).toBe('/dav/docs/');
    expect(prop200(folder!, DAV, 'quota-used-bytes').text).toBe(String(12_345 + 3));
    expect(prop200(folder!, DAV, 'quota-available-bytes').text).toBe(String(1_000_000 - 12_348));
    expect(file!.href).toBe('/dav/docs/a.bin');
    expect(prop200(file!, DAV, 'getcontentlength').text).toBe('3');
    expect(file!.props.get(`${DAV} quota-used-bytes`)?.status).toBe(404);
    expect(file!.props.get(`${DAV} quota-available-bytes`)?.status).toBe(404);
  });

  it('hides the virtual .Trash from every sync client, and shows it to file browsers', async () => {
    const rootListing = async (userAgent: string, at: string) => {
      const res = await alice.request('PROPFIND', at, {
        rawPath: true,
        headers: { depth: '1', 'content-type': 'application/xml', 'user-agent': userAgent },
        body: '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/></D:prop></D:propfind>',
      });
      expect(res.status, userAgent).toBe(207);
      return multistatus(res.body).map((r) => decodeURIComponent(r.href));
    };
    for (const [client, ua] of Object.entries(SYNC_CLIENTS)) {
      for (const at of ['/remote.php/dav/files/alice/', '/remote.php/webdav/']) {
        const hrefs = await rootListing(ua, at);
        expect(hrefs, `${client} at ${at}`).toContain(`${at}docs/`);
        expect(hrefs, `${client} at ${at}`).not.toContain(`${at}.Trash/`);
      }
    }
    for (const [client, ua] of Object.entries(FILE_BROWSERS)) {
      expect(await rootListing(ua, '/dav/'), client).toContain('/dav/.Trash/');
    }
  });
});

/** Follows a chain of child names in no namespace (OCS XML has none); throws naming the missing step. */
function at(el: XEl, ...locals: string[]): XEl {
  let cur = el;
  for (const l of locals) {
    const next = kid(cur, '', l);
    if (!next) throw new Error(`no ${l} under ${cur.local}`);
    cur = next;
  }
  return cur;
}
