import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamZip, type ZipEntry } from '../src/util/zip-stream.js';
import { Api, type NodeBody } from './helpers/api.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { blobFiles, sha256 } from './helpers/storage.js';

// ZIP downloads of one's own folders and selections, read back by Debian's unzip, 7-Zip and
// Python's zipfile, all through real HTTP against one started server.

interface ZipItem {
  name: string;
  dir: boolean;
  size: number;
  sha256: string | null;
  /** DOS time of the entry read as local time, in Unix seconds. */
  mtime: number;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-zip-test-'));
const PY_READ = `
import hashlib, json, sys, time, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
out = []
for i in z.infolist():
    data = None if i.is_dir() else z.read(i)
    # Bit 11: names are UTF-8.
    assert i.flag_bits & 0x800 or i.filename.isascii(), i.filename
    out.append({"name": i.filename, "dir": i.is_dir(), "size": i.file_size,
                "sha256": None if data is None else hashlib.sha256(data).hexdigest(),
                "mtime": time.mktime(i.date_time + (0, 0, -1))})
print(json.dumps(out))
`;
const has7z = spawnSync('sh', ['-c', 'command -v 7z']).status === 0;

function readWithPython(file: string): ZipItem[] {
  return JSON.parse(execFileSync('python3', ['-c', PY_READ, file], { encoding: 'utf8' })) as ZipItem[];
}

/** Checks the archive with every reader on the machine; returns what Python's zipfile saw. */
function checkArchive(file: string): ZipItem[] {
  const test = spawnSync('unzip', ['-t', file], { encoding: 'utf8' });
  expect(test.status, test.stdout + test.stderr).toBe(0);
  expect(test.stdout).toMatch(/No errors detected/);
  const list = spawnSync('unzip', ['-l', file], { encoding: 'utf8' });
  expect(list.status, list.stderr).toBe(0);
  if (has7z) {
    const t7 = spawnSync('7z', ['t', file], { encoding: 'utf8' });
    expect(t7.status, t7.stdout + t7.stderr).toBe(0);
    expect(t7.stdout).toMatch(/Everything is Ok/);
  } else if (process.env.COFFER_TEST_REQUIRE_CLIENTS === '1') {
    throw new Error('7z is not installed (Debian package p7zip-full)');
  }
  return readWithPython(file);
}

describe('ZIP downloads', () => {
  let server: TestServer;
  let alice: Api;
  let bob: Api;
  let admin: Api;
  const big = randomBytes(3 * 1024 * 1024 + 17);
  const unicodeName = 'Über ñ 日本.txt'.normalize('NFC');
  const files: Record<string, { data: Buffer; mtime: number; node?: NodeBody }> = {
    'readme.txt': { data: Buffer.from('Read me first\n'), mtime: 1_700_000_000 },
    [unicodeName]: { data: Buffer.from('Grüße aus 日本\n'), mtime: 1_600_000_002 },
    'sub/zero.bin': { data: Buffer.alloc(0), mtime: 1_650_000_000 },
    'sub/deep/big.bin': { data: big, mtime: 1_710_000_004 },
  };
  let project: NodeBody;
  let sub: NodeBody;

  const download = async (api: Api, url: string, init: RequestInit = {}) => {
    const res = await api.fetch(url, init);
    const body = Buffer.from(await res.arrayBuffer());
    const file = path.join(tmp, `${Math.random().toString(36).slice(2)}.zip`);
    fs.writeFileSync(file, body);
    return { res, body, file };
  };

  beforeAll(async () => {
    server = await startTestServer();
    admin = await Api.admin(server.url);
    alice = (await admin.createUser('alice', 'alice-password-1234')).api;
    bob = (await admin.createUser('bob', 'bob-password-12345')).api;
    const made = await alice.json<NodeBody>('/folders', { method: 'POST', json: { name: 'Project' } });
    expect(made.status).toBe(201);
    project = made.body;
    expect((await alice.json('/folders', { method: 'POST', json: { parent_id: project.id, name: 'Empty' } })).status).toBe(201);
    for (const [rel, f] of Object.entries(files)) {
      const q = new URLSearchParams({ path: rel, parent_id: project.id, modified_at: String(f.mtime) });
      const up = await alice.json<NodeBody>(`/files?${q}`, { method: 'POST', body: f.data, headers: { 'content-type': 'application/octet-stream' } });
      expect(up.status, JSON.stringify(up.body)).toBe(201);
      f.node = up.body;
    }
    sub = (await alice.json<NodeBody>(`/resolve?path=${encodeURIComponent('/Project/sub')}`)).body;
  });
  afterAll(async () => {
    await server?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const expectFiles = (items: ZipItem[], prefix: string, names: string[]) => {
    for (const rel of names) {
      const f = files[rel]!;
      const item = items.find((i) => i.name === prefix + rel);
      expect(item, `${prefix + rel} in ${items.map((i) => i.name).join(', ')}`).toBeDefined();
      expect(item!.dir).toBe(false);
      expect(item!.size).toBe(f.data.length);
      expect(item!.sha256).toBe(sha256(f.data));
      // ZIP's DOS time has 2-second steps.
      expect(Math.abs(item!.mtime - f.mtime)).toBeLessThanOrEqual(2);
    }
  };

  it('streams a folder as a ZIP that unzip, 7z and zipfile read back exactly', async () => {
    const { res, file } = await download(alice, `/folders/${project.id}/zip`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="Project\.zip"/);
    const items = checkArchive(file);
    expectFiles(items, '', Object.keys(files));
    // Folders are entries of their own, the empty one included.
    expect(items.filter((i) => i.dir).map((i) => i.name).sort()).toEqual(['Empty/', 'sub/', 'sub/deep/']);
    expect(items.map((i) => i.name)).toContain(unicodeName);
    expect(items).toHaveLength(7);
  });

  it('downloads the whole space from "root", with an app password too', async () => {
    const pw = await alice.json<{ password: string }>('/auth/app-passwords', { method: 'POST', json: { name: 'zip test' } });
    expect(pw.status).toBe(201);
    const basic = `Basic ${Buffer.from(`alice:${pw.body.password}`).toString('base64')}`;
    const { res, file } = await download(alice, '/folders/root/zip', { headers: { authorization: basic } });
    expect(res.status).toBe(200);
    const items = checkArchive(file);
    expectFiles(items, 'Project/', Object.keys(files));
    expect(items.some((i) => i.name === 'Project/Empty/' && i.dir)).toBe(true);
  });

  it('zips a multi-selection of files and folders, each at the top', async () => {
    const { res, file } = await download(alice, '/zip', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ids: [files['readme.txt']!.node!.id, sub.id, files[unicodeName]!.node!.id] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="download\.zip"/);
    const items = checkArchive(file);
    expectFiles(items, '', ['readme.txt', unicodeName, 'sub/zero.bin', 'sub/deep/big.bin']);
    expect(items.filter((i) => i.dir).map((i) => i.name).sort()).toEqual(['sub/', 'sub/deep/']);
    expect(items).toHaveLength(6);
  });

  it('audits one event per ZIP download', async () => {
    type Events = { items: { node_id: string | null; result: string; actor_name: string; bytes: number; detail: { files: number } }[] };
    const eventsOfSub = async () => (await admin.json<Events>('/admin/audit?action=zip.download&limit=100')).body.items.filter((e) => e.node_id === sub.id);
    expect(await eventsOfSub()).toHaveLength(0);
    await download(alice, `/folders/${sub.id}/zip`);
    // Recorded when the response has closed, which may be just after the client has the body.
    await expect.poll(eventsOfSub).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 200));
    const [event] = await eventsOfSub();
    expect(await eventsOfSub()).toHaveLength(1);
    expect(event).toMatchObject({ result: 'success', actor_name: 'alice', detail: { files: 2 } });
    expect(event!.bytes).toBeGreaterThan(big.length);
  });

  it("answers 404 for another user's folder or file, unknown ids and trashed items, naming none of their data", async () => {
    const foreignFolder = await bob.fetch(`/folders/${project.id}/zip`);
    expect(foreignFolder.status).toBe(404);
    expect(foreignFolder.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await foreignFolder.text()).not.toMatch(/Project/);
    const foreignFile = await bob.json<{ detail: string }>('/zip', { method: 'POST', json: { ids: [files['readme.txt']!.node!.id] } });
    expect(foreignFile.status).toBe(404);
    expect(foreignFile.body.detail).not.toMatch(/readme/);
    // Mixed with one of bob's own: still refused as a whole.
    const own = await bob.upload('mine.txt', 'bob');
    const mixed = await bob.json('/zip', { method: 'POST', json: { ids: [own.body.id, sub.id] } });
    expect(mixed.status).toBe(404);
    expect((await bob.json('/zip', { method: 'POST', json: { ids: ['00000000-0000-4000-8000-000000000000'] } })).status).toBe(404);
    expect((await bob.json('/zip', { method: 'POST', json: { ids: ['not-an-id'] } })).status).toBe(404);
    expect((await bob.json('/zip', { method: 'POST', json: { ids: [] } })).status).toBe(400);
    expect((await alice.fetch(`/folders/${files['readme.txt']!.node!.id}/zip`)).status).toBe(409);
    const gone = await alice.upload('trashed.txt', 'x');
    expect((await alice.fetch(`/files/${gone.body.id}`, { method: 'DELETE' })).status).toBeLessThan(300);
    expect((await alice.json('/zip', { method: 'POST', json: { ids: [gone.body.id] } })).status).toBe(404);
  });

  it('aborts the response when a file cannot be read mid-stream, so no truncated ZIP looks complete', async () => {
    const broken = randomBytes(64 * 1024);
    const made = await alice.json<NodeBody>('/folders', { method: 'POST', json: { name: 'Broken' } });
    await alice.upload('a-first.bin', randomBytes(256 * 1024), { parent: made.body.id });
    await alice.upload('b-lost.bin', broken, { parent: made.body.id });
    const hash = sha256(broken);
    const blob = blobFiles(server.dataDir).find((f) => sha256(fs.readFileSync(f)) === hash);
    expect(blob).toBeDefined();
    fs.rmSync(blob!);
    const res = await alice.fetch(`/folders/${made.body.id}/zip`);
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow();
    await expect.poll(async () => (await admin.json<{ items: { node_id: string; result: string }[] }>('/admin/audit?action=zip.download&limit=1')).body.items[0]).toMatchObject({
      node_id: made.body.id,
      result: 'failure',
    });
  });
});

describe('zip-stream', () => {
  const entry = (p: string, data: Buffer | null, mtime = new Date('2024-05-06T07:08:10Z')): ZipEntry => ({
    path: p,
    kind: data ? 'file' : 'folder',
    size: data?.length ?? 0,
    modifiedAt: mtime,
    open: () => Promise.resolve(Readable.from([data ?? Buffer.alloc(0)])),
  });
  async function* list(entries: ZipEntry[]) {
    yield* entries;
  }
  const collect = async (r: Readable) => {
    const chunks: Buffer[] = [];
    for await (const c of r) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };
  // The ZIP64 end-of-central-directory record and locator signatures.
  const ZIP64_EOCD = Buffer.from([0x50, 0x4b, 0x06, 0x06]);
  const ZIP64_LOCATOR = Buffer.from([0x50, 0x4b, 0x06, 0x07]);

  it('writes ZIP64 records when asked (as it does by itself past 4 GiB or 65,535 entries), readable by zipfile and unzip', async () => {
    const data = randomBytes(1000);
    const entries = [entry('dir/', null), entry('dir/a.bin', data), entry('ñ.txt', Buffer.from('x'))];
    const zip64 = await collect(streamZip(list(entries), { forceZip64: true }));
    expect(zip64.includes(ZIP64_EOCD)).toBe(true);
    expect(zip64.includes(ZIP64_LOCATOR)).toBe(true);
    const file = path.join(tmp, 'zip64.zip');
    fs.mkdirSync(tmp, { recursive: true });
    fs.writeFileSync(file, zip64);
    const items = checkArchive(file);
    expect(items.map((i) => i.name)).toEqual(['dir/', 'dir/a.bin', 'ñ.txt']);
    expect(items[1]!.sha256).toBe(sha256(data));

    const plain = await collect(streamZip(list(entries)));
    expect(plain.includes(ZIP64_EOCD)).toBe(false);
  });

  it('fails the stream when a file has another length than announced', async () => {
    const lying: ZipEntry = { ...entry('a.bin', Buffer.from('abc')), size: 5 };
    await expect(collect(streamZip(list([lying])))).rejects.toThrow(/unexpected number of bytes/);
  });

  it('fails the stream when the listing fails', async () => {
    async function* failing(): AsyncGenerator<ZipEntry> {
      yield entry('a.bin', Buffer.from('abc'));
      throw new Error('database went away');
    }
    await expect(collect(streamZip(failing()))).rejects.toThrow(/database went away/);
  });

  it('stops the walk and closes the file being read when the reader goes away', async () => {
    let walkClosed = false;
    let taken = 0;
    // A file that never ends: the archive can only stop by being destroyed.
    const endless = new Readable({ read() { this.push(Buffer.alloc(64 * 1024)); } });
    async function* walk(): AsyncGenerator<ZipEntry> {
      try {
        taken++;
        yield { path: 'endless.bin', kind: 'file', size: 1024 ** 3, modifiedAt: new Date(), open: () => Promise.resolve(endless) };
        taken++;
        yield entry('never.txt', Buffer.from('x'));
      } finally {
        walkClosed = true;
      }
    }
    const zip = streamZip(walk());
    let got = 0;
    for await (const chunk of zip) {
      got += (chunk as Buffer).length;
      if (got > 1024 * 1024) break;
    }
    await expect.poll(() => walkClosed && endless.destroyed).toBe(true);
    expect(taken).toBe(1);
  });

  it('writes more than 65,535 entries with a ZIP64 end record that zipfile, unzip and 7z count right', async () => {
    // 70,000 entries: a folder per 1,000, then its files (empty but one byte in every 1,000th).
    const mtime = new Date('2024-05-06T07:08:10Z');
    const one = Buffer.from('x');
    async function* many(): AsyncGenerator<ZipEntry> {
      for (let d = 0; d < 70; d++) {
        yield entry(`d${d}/`, null, mtime);
        for (let f = 0; f < 999; f++) yield entry(`d${d}/f${f}.txt`, f === 0 ? one : Buffer.alloc(0), mtime);
      }
    }
    const zip = await collect(streamZip(many()));
    expect(zip.includes(ZIP64_EOCD)).toBe(true);
    fs.mkdirSync(tmp, { recursive: true });
    const file = path.join(tmp, 'many.zip');
    fs.writeFileSync(file, zip);
    try {
      const py = execFileSync(
        'python3',
        // Reading the last folder's one-byte file checks a late entry's local header and CRC-32.
        ['-c', 'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\ni = z.infolist()\nprint(len(i), sum(x.is_dir() for x in i), i[-1].filename, z.read("d69/f0.txt").decode())', file],
        { encoding: 'utf8' },
      );
      expect(py.trim()).toBe('70000 70 d69/f998.txt x');
      const unzip = spawnSync('unzip', ['-l', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      expect(unzip.status, unzip.stderr).toBe(0);
      expect(unzip.stdout).toMatch(/\s70\s+70000 files\s*$/);
      if (has7z) {
        const list = spawnSync('7z', ['l', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
        expect(list.status, list.stderr).toBe(0);
        expect(list.stdout).toMatch(/\b69930 files, 70 folders\s*$/);
      } else if (process.env.COFFER_TEST_REQUIRE_CLIENTS === '1') {
        throw new Error('7z is not installed (Debian package p7zip-full)');
      }
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  it('writes a file of more than 4 GiB and one past the 4 GiB offset with ZIP64 sizes and offsets', async () => {
    // 4 GiB + 1 MiB of zeros goes through the writer (its CRC-32 costs about 3 s), but only the
    // records land on disk: the data is left as a hole of a sparse file, which reads as the same
    // zeros. The readers then list the archive from its ZIP64 central directory and extract the
    // small file that lies past 4 GiB, which needs its 64-bit offset (extracting the big one
    // again would read 4 GiB for nothing).
    const size = 4 * 1024 ** 3 + 1024 ** 2;
    const zeros = Buffer.alloc(8 * 1024 ** 2);
    async function* zeroChunks() {
      for (let left = size; left > 0; left -= zeros.length) yield left >= zeros.length ? zeros : zeros.subarray(0, left);
    }
    const after = Buffer.from('after the big one\n');
    const mtime = new Date('2024-05-06T07:08:10Z');
    const entries: ZipEntry[] = [
      entry('small.txt', Buffer.from('before\n'), mtime),
      { path: 'big.bin', kind: 'file', size, modifiedAt: mtime, open: () => Promise.resolve(Readable.from(zeroChunks())) },
      entry('after/', null, mtime),
      entry('after/after.txt', after, mtime),
    ];
    fs.mkdirSync(tmp, { recursive: true });
    const file = path.join(tmp, 'big.zip');
    const fd = fs.openSync(file, 'w');
    let position = 0;
    try {
      await pipeline(
        streamZip(list(entries)),
        new Writable({
          write(chunk: Buffer, _enc, done) {
            // Piped chunks arrive as the writer passed them, so the big file's are `zeros` itself.
            if (chunk.buffer !== zeros.buffer) fs.writeSync(fd, chunk, 0, chunk.length, position);
            position += chunk.length;
            done();
          },
        }),
      );
      fs.ftruncateSync(fd, position);
      fs.closeSync(fd);
      expect(position).toBeGreaterThan(size);

      const py = execFileSync(
        'python3',
        [
          '-c',
          'import json, sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\n' +
            'print(json.dumps({"items": [[i.filename, i.file_size, i.header_offset] for i in z.infolist()], "after": z.read("after/after.txt").decode()}))',
          file,
        ],
        { encoding: 'utf8' },
      );
      const seen = JSON.parse(py) as { items: [string, number, number][]; after: string };
      expect(seen.items.map(([name, bytes]) => [name, bytes])).toEqual([
        ['small.txt', 7],
        ['big.bin', size],
        ['after/', 0],
        ['after/after.txt', after.length],
      ]);
      expect(seen.items[3]![2]).toBeGreaterThan(2 ** 32);
      expect(seen.after).toBe(after.toString());

      // The big file's data descriptor (right after its bytes) has 8-byte sizes, as its local
      // header's ZIP64 field announced to readers that stream.
      const bigHeader = seen.items[1]![2];
      const head = Buffer.alloc(30);
      const rfd = fs.openSync(file, 'r');
      fs.readSync(rfd, head, 0, 30, bigHeader);
      const dataAt = bigHeader + 30 + head.readUInt16LE(26) + head.readUInt16LE(28);
      const extra = Buffer.alloc(head.readUInt16LE(28));
      fs.readSync(rfd, extra, 0, extra.length, bigHeader + 30 + head.readUInt16LE(26));
      const descriptor = Buffer.alloc(24);
      fs.readSync(rfd, descriptor, 0, 24, dataAt + size);
      fs.closeSync(rfd);
      expect(head.readUInt16LE(4)).toBe(45);
      expect(extra.includes(Buffer.from([0x01, 0x00, 0x10, 0x00]))).toBe(true);
      expect(descriptor.readUInt32LE(0)).toBe(0x08074b50);
      expect(Number(descriptor.readBigUInt64LE(8))).toBe(size);
      expect(Number(descriptor.readBigUInt64LE(16))).toBe(size);

      const unzip = spawnSync('unzip', ['-p', file, 'after/after.txt'], { encoding: 'utf8' });
      expect(unzip.status, unzip.stderr).toBe(0);
      expect(unzip.stdout).toBe(after.toString());
      expect(spawnSync('unzip', ['-l', file], { encoding: 'utf8' }).stdout).toMatch(new RegExp(`\\b${size}\\s+\\S+\\s+\\S+\\s+big\\.bin`));
      if (has7z) {
        const list = spawnSync('7z', ['l', '-slt', file], { encoding: 'utf8' });
        expect(list.status, list.stdout + list.stderr).toBe(0);
        expect(list.stdout).toContain(`Path = big.bin\nFolder = -\nSize = ${size}\n`);
        const extracted = spawnSync('7z', ['e', '-so', file, 'after/after.txt'], { encoding: 'utf8' });
        expect(extracted.status, extracted.stderr).toBe(0);
        expect(extracted.stdout).toBe(after.toString());
      } else if (process.env.COFFER_TEST_REQUIRE_CLIENTS === '1') {
        throw new Error('7z is not installed (Debian package p7zip-full)');
      }
    } finally {
      try {
        fs.closeSync(fd);
      } catch {
        // Already closed.
      }
      fs.rmSync(file, { force: true });
    }
  });
});
