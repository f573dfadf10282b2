import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientSuite, run, type RunResult, sha1File, tail, tempDir, walkFiles } from './helpers/clients.js';
import { DavUser } from './helpers/dav.js';
import { remoteTree } from './helpers/dav-tree.js';
import { startS3rver, type RunningS3rver } from './helpers/s3rver.js';
import { listPartsProxy } from './helpers/s3rver-list-parts.js';
import { startTestServer, usingPostgres, type TestServer } from './helpers/server.js';
import { buildTree, nfc, writeSmall } from './helpers/sync-tree.js';

// The Nextcloud desktop client (nextcloudcmd 3.7, Debian's nextcloud-desktop-cmd) and the
// ownCloud one (owncloudcmd 2.11, owncloud-client-cmd) each sync a tree of 500 files up, then
// changes on both sides back and forth, as a person's laptop would: Coffer speaks their protocol
// (status.php, OCS capabilities, /remote.php/dav with oc: properties, chunked uploads for the
// big files). On PostgreSQL the blobs are on S3 (s3rver), so the chunks go to multipart parts.

const FILE_COUNT = 500;
const MB = 1_000_000;
const BIG = { 'big/eleven-MB.bin': 11 * MB, 'big/two-hundred-MB.bin': 200 * 1024 * 1024 };
const BUCKET = 'nextcloud-sync';

/** What each client leaves in the local folder besides the user's files: its journal and log. */
const CLIENT_FILES = /(^|\/)(\._?sync_[^/]*\.db[^/]*|\.owncloudsync\.log[^/]*|\.csync_journal\.db[^/]*)$/;
const CONFLICT = /conflict/i;

interface SyncClient {
  program: 'nextcloudcmd' | 'owncloudcmd';
  /** Arguments for one sync run of `local` with the folder `remote` of the user's files. */
  args(local: string, serverUrl: string, user: DavUser, remote: string): string[];
}

const CLIENTS: SyncClient[] = [
  {
    program: 'nextcloudcmd',
    args: (local, url, user, remote) => ['--non-interactive', '-h', '--max-sync-retries', '2', '-u', user.username, '-p', user.appPassword, '--path', `/${remote}`, local, url],
  },
  {
    program: 'owncloudcmd',
    // ownCloud's client takes the folder as part of the WebDAV URL. Debian's package ships no
    // system exclude list, without which the client refuses to sync: give it one of its own.
    args: (local, url, user, remote) => {
      const exclude = path.join(path.dirname(local), 'exclude.lst');
      if (!fs.existsSync(exclude)) fs.writeFileSync(exclude, '.DS_Store\n');
      return ['--non-interactive', '-h', '--max-sync-retries', '2', '--exclude', exclude, '-u', user.username, '-p', user.appPassword, local, `${url}/remote.php/webdav/${remote}`];
    },
  },
];

function describeRun(label: string, r: RunResult): string {
  return `${label}: exit ${r.code} after ${r.ms} ms\n${tail(r.output, 120)}`;
}

/** The user's files in a local folder: NFC path → SHA-1, leaving out the client's own files. */
async function localTree(root: string): Promise<Map<string, { size: number; sha1: string }>> {
  const out = new Map<string, { size: number; sha1: string }>();
  for (const rel of walkFiles(root)) {
    if (CLIENT_FILES.test(rel)) continue;
    const file = path.join(root, rel);
    out.set(nfc(rel), { size: fs.statSync(file).size, sha1: await sha1File(file) });
  }
  return out;
}

for (const client of CLIENTS) {
  describe.skipIf(clientSuite(client.program).skip)(`${client.program} syncs with Coffer`, () => {
    let s3: RunningS3rver | undefined;
    let proxy: { endpoint: string; close: () => Promise<void> } | undefined;
    let server: TestServer;
    let user: DavUser;
    let work: string;
    let local: string;
    const remote = `sync-${client.program}`;
    const sync = (label: string) => run(client.program, client.args(local, server.url, user, remote), { cwd: work, env: { HOME: path.join(work, 'home') }, timeoutMs: 600_000 }).then((r) => ({ r, report: describeRun(label, r) }));
    const dav = (method: string, rel: string, options: { headers?: Record<string, string>; body?: string | Buffer } = {}) =>
      user.request(method, `/remote.php/dav/files/${user.username}/${remote}/${rel.split('/').map(encodeURIComponent).join('/')}`, { ...options, rawPath: true });

    beforeAll(async () => {
      if (usingPostgres()) {
        s3 = await startS3rver({ buckets: [BUCKET] });
        proxy = await listPartsProxy(s3.endpoint, s3.directory);
        server = await startTestServer({ ...s3.env(BUCKET), COFFER_S3_ENDPOINT: proxy.endpoint });
      } else {
        server = await startTestServer();
      }
      user = await DavUser.create(server.url, `${client.program}-user`);
      work = tempDir(client.program);
      local = path.join(work, 'local');
      fs.mkdirSync(path.join(work, 'home'));
      fs.mkdirSync(local);
      expect((await user.request('MKCOL', `/remote.php/dav/files/${user.username}/${remote}`, { rawPath: true })).status).toBe(201);
    }, 120_000);

    afterAll(async () => {
      await server?.close();
      await proxy?.close();
      await s3?.close();
      if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it('uploads a tree of 500 files (Unicode names in both forms, empty files, 11 MB and 200 MB files)', async () => {
      // Both clients leave AppleDouble files (`._name`) alone by design (their default excludes).
      const files = await buildTree(local, { count: FILE_COUNT, big: BIG, skip: /(^|\/)\._/ });
      const { r, report } = await sync('first sync');
      expect(r.code, report).toBe(0);
      const onServer = await remoteTree(user, remote);
      const expected = new Map(files.map((f) => [nfc(f.rel), f]));
      expect([...onServer.keys()].sort(), report).toEqual([...expected.keys()].sort());
      const wrong = [...expected].filter(([k, f]) => onServer.get(k)?.size !== f.size || (onServer.get(k)?.sha1 ?? f.sha1) !== f.sha1).map(([k]) => k);
      expect(wrong, report).toEqual([]);
      // Nothing but the user's files reached the server (no chunk stored as a file, no trash).
      expect([...onServer.keys()].filter((k) => /-chunking-|\.Trash/.test(k))).toEqual([]);
    }, 900_000);

    it('carries edits, renames, moves, deletions and new files both ways, and keeps both sides of a conflict', async () => {
      // On the laptop.
      await writeSmall(local, 'bulk/d00/file-000.dat', Buffer.from('edited on the laptop\n'));
      fs.renameSync(path.join(local, 'bulk/d01/file-025.dat'), path.join(local, 'bulk/d01/renamed-025.dat'));
      fs.renameSync(path.join(local, 'bulk/d02/file-050.dat'), path.join(local, 'bulk/d03/moved-050.dat'));
      fs.rmSync(path.join(local, 'bulk/d04/file-100.dat'));
      await writeSmall(local, 'new-here/laptop.txt', Buffer.from('made on the laptop\n'));
      await writeSmall(local, 'unicode/nfc/Caf\u00e9.txt', Buffer.from('the laptop’s own, longer version\n'));
      // On the server, meanwhile (another device).
      expect((await dav('PUT', 'bulk/d05/file-125.dat', { body: 'edited on the server\n' })).status).toBe(204);
      const destination = (rel: string) => `${server.url}/remote.php/dav/files/${user.username}/${remote}/${rel}`;
      expect((await dav('MOVE', 'bulk/d06/file-150.dat', { headers: { destination: destination('bulk/d06/renamed-150.dat') } })).status).toBe(201);
      expect((await dav('MOVE', 'bulk/d07/file-175.dat', { headers: { destination: destination('bulk/d08/moved-175.dat') } })).status).toBe(201);
      expect((await dav('DELETE', 'bulk/d08/file-200.dat')).status).toBe(204);
      expect((await dav('MKCOL', 'new-there')).status).toBe(201);
      expect((await dav('PUT', 'new-there/server.txt', { body: 'made on the server\n' })).status).toBe(201);
      expect((await dav('PUT', 'unicode/nfc/Caf\u00e9.txt', { body: 'the server’s version\n' })).status).toBe(204);

      let { r, report } = await sync('second sync');
      expect(r.code, report).toBe(0);
      // A second run settles what the first decided (the conflict copy, renames seen from both sides).
      ({ r, report } = await sync('third sync'));
      expect(r.code, report).toBe(0);

      const here = await localTree(local);
      const there = await remoteTree(user, remote);
      const conflictCopies = [...here.keys()].filter((k) => CONFLICT.test(k));
      expect(conflictCopies, report).toHaveLength(1);
      // The server's version keeps the name; the laptop's lives on in the conflict copy.
      expect(fs.readFileSync(path.join(local, 'unicode/nfc/Caf\u00e9.txt'), 'utf8')).toBe('the server’s version\n');
      expect(fs.readFileSync(path.join(local, conflictCopies[0]!), 'utf8')).toBe('the laptop’s own, longer version\n');
      // Both sides hold the same files (a conflict copy may or may not be uploaded, by client).
      const sameFiles = (m: Map<string, unknown>) => [...m.keys()].filter((k) => !CONFLICT.test(k)).sort();
      expect(sameFiles(there), report).toEqual(sameFiles(here));
      for (const [k, f] of there) {
        if (CONFLICT.test(k)) continue;
        expect({ k, size: f.size, sha1: f.sha1 ?? here.get(k)!.sha1 }).toEqual({ k, size: here.get(k)!.size, sha1: here.get(k)!.sha1 });
      }
      // Every change arrived where it was meant to.
      for (const gone of ['bulk/d01/file-025.dat', 'bulk/d02/file-050.dat', 'bulk/d04/file-100.dat', 'bulk/d06/file-150.dat', 'bulk/d07/file-175.dat', 'bulk/d08/file-200.dat']) {
        expect(here.has(gone), gone).toBe(false);
      }
      for (const made of ['bulk/d01/renamed-025.dat', 'bulk/d03/moved-050.dat', 'bulk/d06/renamed-150.dat', 'bulk/d08/moved-175.dat', 'new-here/laptop.txt', 'new-there/server.txt']) {
        expect(there.has(made), made).toBe(true);
      }
      expect(fs.readFileSync(path.join(local, 'bulk/d05/file-125.dat'), 'utf8')).toBe('edited on the server\n');
      expect((await dav('GET', 'bulk/d00/file-000.dat')).body).toBe('edited on the laptop\n');
      // What the laptop deleted is in the trash, not lost.
      const trash = await user.api.json<{ items: { name: string }[] }>('/trash');
      expect(trash.body.items.map((i) => i.name)).toContain('file-100.dat');
    }, 900_000);

    it('a sync with nothing changed transfers nothing', async () => {
      const before = await localTree(local);
      const remoteBefore = await remoteTree(user, remote);
      const { r, report } = await sync('idle sync');
      expect(r.code, report).toBe(0);
      expect(await localTree(local)).toEqual(before);
      expect(await remoteTree(user, remote)).toEqual(remoteBefore);
    }, 300_000);
  });
}
