import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientSuite, run, type RunResult, sha1File, tail, tempDir, walkFiles } from './helpers/clients.js';
import { DavUser } from './helpers/dav.js';
import { multistatus, OC, prop200 } from './helpers/dav-xml.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { buildTree, type LocalFile, NFD_FOLDER, NFD_MULLER, nfc } from './helpers/sync-tree.js';

// rclone (backend webdav, vendor nextcloud) syncs a 500-file tree with Unicode names in both
// normalisation forms, empty files and a 200 MB file up to Coffer and back down, through the
// Nextcloud-style URL /remote.php/dav/files/{user}/. Modification times travel as X-OC-Mtime,
// checksums as OC-Checksum / oc:checksums.

const FILE_COUNT = 500;
const BIG_SIZE = 200 * 1024 * 1024;
const REMOTE_DIR = 'sync-test';
const RCLONE_FLAGS = ['--transfers', '8', '--checkers', '8', '--retries', '1', '--low-level-retries', '1', '-v'];

interface LsjsonEntry {
  Path: string;
  Size: number;
  ModTime: string;
  IsDir: boolean;
}

function describeRun(label: string, r: RunResult): string {
  return `${label}: exit ${r.code} after ${r.ms} ms\n${tail(r.output, 80)}`;
}

/** Lines of rclone's -v output that report errors or retries. */
function errorLines(r: RunResult): string[] {
  return r.output.split('\n').filter((l) => /\bERROR\b|low level retry|Failed to|retrying/i.test(l));
}

describe.skipIf(clientSuite('rclone').skip)('rclone (webdav, vendor nextcloud)', () => {
  let server: TestServer;
  let user: DavUser;
  let work: string;
  let local: string;
  let local2: string;
  let env: Record<string, string>;
  let files: LocalFile[];
  /** Expected files by NFC relative path: how every name looks once it went through Coffer. */
  let expected: Map<string, LocalFile>;

  const rclone = (args: string[], timeoutMs = 280_000) => run('rclone', [...args, ...RCLONE_FLAGS], { cwd: work, env, timeoutMs });

  beforeAll(async () => {
    server = await startTestServer();
    user = await DavUser.create(server.url, 'rclone-user');
    work = tempDir('rclone');
    local = path.join(work, 'local');
    local2 = path.join(work, 'local2');
    const home = path.join(work, 'home');
    fs.mkdirSync(local2);
    fs.mkdirSync(home);
    const config = path.join(home, 'rclone.conf');
    fs.writeFileSync(config, '');
    const obscured = await run('rclone', ['obscure', user.appPassword], { env: { HOME: home, RCLONE_CONFIG: config } });
    if (obscured.code !== 0) throw new Error(describeRun('rclone obscure', obscured));
    env = {
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, '.config'),
      XDG_CACHE_HOME: path.join(home, '.cache'),
      RCLONE_CONFIG: config,
      RCLONE_CONFIG_COFFER_TYPE: 'webdav',
      RCLONE_CONFIG_COFFER_URL: `${server.url}/remote.php/dav/files/${user.username}/`,
      RCLONE_CONFIG_COFFER_VENDOR: 'nextcloud',
      RCLONE_CONFIG_COFFER_USER: user.username,
      RCLONE_CONFIG_COFFER_PASS: obscured.stdout.trim(),
    };
    files = await buildTree(local, { count: FILE_COUNT, big: { 'big/random-200MB.bin': BIG_SIZE } });
    expected = new Map(files.map((f) => [nfc(f.rel), f]));
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('builds a local tree of 500 files with NFD names kept byte for byte', () => {
    expect(files).toHaveLength(FILE_COUNT);
    expect(expected.size).toBe(FILE_COUNT);
    const onDisk = walkFiles(local);
    expect(onDisk).toHaveLength(FILE_COUNT);
    // Linux keeps the bytes as given: the NFD names really are NFD on the local side.
    expect(onDisk).toContain(`unicode/nfd/${NFD_MULLER}`);
    expect(onDisk).toContain(`unicode/nfd/${NFD_FOLDER}/Re\u0301sume\u0301.txt`);
    expect(onDisk).not.toContain(nfc(`unicode/nfd/${NFD_MULLER}`));
    expect(files.filter((f) => f.size === 0).length).toBeGreaterThanOrEqual(5);
  });

  it('speaks the Nextcloud dialect: OC-Checksum and X-OC-Mtime on PUT, "X-OC-Mtime: accepted" back, no PROPPATCH fallback', async () => {
    const probe = path.join(work, 'probe.txt');
    fs.writeFileSync(probe, 'probe\n');
    fs.utimesSync(probe, 1_100_000_000, 1_100_000_000);
    const r = await rclone(['copyto', probe, 'coffer:probe/probe.txt', '--dump', 'headers']);
    const report = describeRun('rclone copyto --dump headers', r);
    expect(r.code, report).toBe(0);
    const put = r.output.indexOf(`PUT /remote.php/dav/files/${user.username}/probe/probe.txt HTTP/1.1`);
    expect(put, report).toBeGreaterThanOrEqual(0);
    const exchange = r.output.slice(put);
    const answer = exchange.search(/HTTP\/1\.1 \d{3}/);
    const [request, response] = [exchange.slice(0, answer), exchange.slice(answer)];
    expect(request, report).toContain(`Oc-Checksum: SHA1:${createHash('sha1').update('probe\n').digest('hex')}`);
    expect(request, report).toContain('X-Oc-Mtime: 1100000000');
    expect(response, report).toMatch(/^HTTP\/1\.1 201 Created/);
    expect(response, report).toMatch(/X-Oc-Mtime: accepted/i);
    expect(r.output, report).not.toMatch(/PROPPATCH \//);
    const pf = await user.request('PROPFIND', '/probe/probe.txt', { headers: { depth: '0' } });
    expect(Date.parse(prop200(multistatus(pf.body)[0]!, 'DAV:', 'getlastmodified').text)).toBe(1_100_000_000_000);
  }, 60_000);

  it('rclone sync local → coffer uploads every file', async () => {
    const r = await rclone(['sync', local, `coffer:${REMOTE_DIR}`]);
    const report = describeRun('rclone sync up', r);
    expect(r.code, report).toBe(0);
    expect(errorLines(r), report).toEqual([]);
    expect(r.output, report).toMatch(new RegExp(`Transferred:\\s+${FILE_COUNT} / ${FILE_COUNT}, 100%`));
    const copied = r.output.split('\n').filter((l) => l.includes(': Copied (new)'));
    expect(copied.length, report).toBe(FILE_COUNT);
  }, 300_000);

  it('the server holds every file with its size and the local modification time', async () => {
    const r = await rclone(['lsjson', '-R', '--files-only', `coffer:${REMOTE_DIR}`]);
    expect(r.code, describeRun('rclone lsjson', r)).toBe(0);
    const listed = JSON.parse(r.stdout) as LsjsonEntry[];
    expect(listed.map((e) => nfc(e.Path)).sort()).toEqual([...expected.keys()].sort());
    const wrong: string[] = [];
    for (const e of listed) {
      const f = expected.get(nfc(e.Path))!;
      const mtime = Date.parse(e.ModTime) / 1000;
      if (e.Size !== f.size || Math.abs(mtime - f.mtime) > 1) wrong.push(`${e.Path}: ${e.Size} B at ${e.ModTime}, expected ${f.size} B at ${new Date(f.mtime * 1000).toISOString()}`);
    }
    expect(wrong).toEqual([]);

    // Straight from the server: names are found in either normalisation form, the NFD file is
    // listed once (in NFC), and its PROPFIND carries the local mtime and its SHA-1.
    const muller = expected.get(nfc(`unicode/nfd/${NFD_MULLER}`))!;
    const body = `content of unicode/nfd/${NFD_MULLER}\n`;
    for (const encoded of ['Mu%CC%88ller.txt', 'M%C3%BCller.txt']) {
      const got = await user.request('GET', `/${REMOTE_DIR}/unicode/nfd/${encoded}`);
      expect(got.status, encoded).toBe(200);
      expect(got.body, encoded).toBe(body);
    }
    const pf = await user.request('PROPFIND', `/${REMOTE_DIR}/unicode/nfd/`, {
      headers: { depth: '1', 'content-type': 'application/xml' },
      body: `<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="${OC}"><d:prop><d:getlastmodified/><oc:checksums/></d:prop></d:propfind>`,
    });
    expect(pf.status).toBe(207);
    const entries = multistatus(pf.body);
    const fileEntry = entries.filter((e) => decodeURIComponent(e.href).normalize('NFC').endsWith('/M\u00fcller.txt'));
    expect(fileEntry).toHaveLength(1);
    expect(Date.parse(prop200(fileEntry[0]!, 'DAV:', 'getlastmodified').text) / 1000).toBe(muller.mtime);
    expect(prop200(fileEntry[0]!, OC, 'checksums').children.map((c) => c.text)).toContain(`SHA1:${muller.sha1}`);
  }, 60_000);

  it('rclone hashsum sha1 lists the SHA-1 of every file, as served by the server', async () => {
    const r = await rclone(['hashsum', 'sha1', `coffer:${REMOTE_DIR}`]);
    const report = describeRun('rclone hashsum', r);
    expect(r.code, report).toBe(0);
    const served = new Map<string, string>();
    for (const line of r.stdout.split('\n')) {
      if (line === '') continue;
      const m = /^([0-9a-f]{40}) {2}(.+)$/.exec(line);
      expect(m, `unexpected hashsum line "${line}"\n${report}`).not.toBeNull();
      served.set(nfc(m![2]!), m![1]!);
    }
    expect([...served.keys()].sort()).toEqual([...expected.keys()].sort());
    const mismatched = [...expected].filter(([k, f]) => served.get(k) !== f.sha1).map(([k, f]) => `${k}: ${served.get(k)} ≠ ${f.sha1}`);
    expect(mismatched).toEqual([]);
  }, 60_000);

  it('rclone sync coffer → an empty folder brings back the same bytes and modification times', async () => {
    const r = await rclone(['sync', `coffer:${REMOTE_DIR}`, local2]);
    const report = describeRun('rclone sync down', r);
    expect(r.code, report).toBe(0);
    expect(errorLines(r), report).toEqual([]);
    expect(r.output, report).toMatch(new RegExp(`Transferred:\\s+${FILE_COUNT} / ${FILE_COUNT}, 100%`));

    const got = walkFiles(local2);
    expect(got.map(nfc).sort()).toEqual([...expected.keys()].sort());
    const wrong: string[] = [];
    for (const rel of got) {
      const f = expected.get(nfc(rel))!;
      const st = fs.statSync(path.join(local2, rel));
      if (st.size !== f.size) wrong.push(`${rel}: size ${st.size} ≠ ${f.size}`);
      if (Math.abs(st.mtimeMs / 1000 - f.mtime) > 1) wrong.push(`${rel}: mtime ${st.mtime.toISOString()} ≠ ${new Date(f.mtime * 1000).toISOString()}`);
      const sha1 = await sha1File(path.join(local2, rel));
      if (sha1 !== f.sha1) wrong.push(`${rel}: sha1 ${sha1} ≠ ${f.sha1}`);
    }
    expect(wrong).toEqual([]);
  }, 240_000);

  it('rclone check finds 0 differences between local and coffer, and between local and the copy', async () => {
    for (const [label, a, b] of [
      ['local vs coffer', local, `coffer:${REMOTE_DIR}`],
      ['local vs local2', local, local2],
    ] as const) {
      const r = await rclone(['check', a, b]);
      const report = describeRun(`rclone check ${label}`, r);
      expect(r.code, report).toBe(0);
      expect(r.output, report).toMatch(/: 0 differences found/);
      expect(r.output, report).toMatch(new RegExp(`: ${FILE_COUNT} matching files`));
      // The comparison used checksums, not only sizes.
      expect(r.output, report).not.toMatch(/hashes could not be checked|No common hash/i);
    }
  }, 120_000);

  it('a second rclone sync up finds nothing to do (mtimes and hashes agree)', async () => {
    const r = await rclone(['sync', local, `coffer:${REMOTE_DIR}`]);
    const report = describeRun('rclone sync again', r);
    expect(r.code, report).toBe(0);
    expect(errorLines(r), report).toEqual([]);
    expect(r.output.split('\n').filter((l) => /Copied|Deleted|Updated modification time|Replaced/.test(l)), report).toEqual([]);
    expect(r.output, report).toMatch(new RegExp(`Checks:\\s+${FILE_COUNT} / ${FILE_COUNT}, 100%`));
  }, 120_000);
});
