// Scale of the ZIP writer (src/util/zip-stream.ts) by itself: no server, no database, no disk.
// Each case runs in a child process of its own so one case's heap does not count in the next.
//
//   npx tsx bench/zip-scale.ts                        all cases, output discarded
//   npx tsx bench/zip-scale.ts small-70k large-5g     some cases
//   npx tsx bench/zip-scale.ts --out /tmp/zips        also write each archive there and check it
//                                                     with Python's zipfile and `7z l`
//   npx tsx bench/zip-scale.ts --live                 also collect garbage every 4 MiB and report
//                                                     the peak of what is live (heap and buffers):
//                                                     what the writer keeps, apart from GC slack
//                                                     (slows the run: compare times without it)
//
// Cases: small-N (N files of 1 KiB, a folder per 1,000 files) and large-5g (three generated
// streams: 4.5 GiB, then two of 256 MiB past the 4 GiB offset, so both ZIP64 sizes and ZIP64
// offsets are written). Reports wall time, output MiB/s and peak RSS growth over the RSS just
// before the archive starts (sampled every 4 MiB of output and read from the kernel's VmHWM).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { streamZip, type ZipEntry } from '../src/util/zip-stream.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const CASES = ['small-10k', 'small-70k', 'small-200k', 'large-5g'] as const;
type CaseName = string;

interface Result {
  case: CaseName;
  entries: number;
  outputBytes: number;
  seconds: number;
  mbPerSecond: number;
  baselineRssMb: number;
  peakRssGrowthMb: number;
  liveGrowthMb?: number;
  check?: string;
}

const mtime = new Date('2026-12-04T10:00:00Z');

/** `count` files of 1 KiB (one shared buffer), with a folder entry before every 1,000. */
async function* smallEntries(count: number): AsyncGenerator<ZipEntry> {
  const data = randomBytes(1024);
  for (let i = 0; i < count; i++) {
    const dir = `d${String(Math.floor(i / 1000)).padStart(4, '0')}/`;
    if (i % 1000 === 0) yield { path: dir, kind: 'folder', size: 0, modifiedAt: mtime, open: () => Promise.reject(new Error('folder')) };
    yield { path: `${dir}file-${String(i).padStart(6, '0')}.bin`, kind: 'file', size: data.length, modifiedAt: mtime, open: () => Promise.resolve(Readable.from([data])) };
  }
}

/** A stream of `size` bytes made on the fly from one 1 MiB random block; nothing is stored. */
function generated(size: number, block: Buffer): Readable {
  let left = size;
  return new Readable({
    highWaterMark: MiB,
    read() {
      if (left === 0) return void this.push(null);
      const n = Math.min(left, block.length);
      left -= n;
      this.push(n === block.length ? block : block.subarray(0, n));
    },
  });
}

async function* largeEntries(): AsyncGenerator<ZipEntry> {
  const block = randomBytes(MiB);
  const sizes = [4.5 * GiB, 256 * MiB, 256 * MiB];
  yield { path: 'big/', kind: 'folder', size: 0, modifiedAt: mtime, open: () => Promise.reject(new Error('folder')) };
  for (const [i, size] of sizes.entries()) {
    yield { path: `big/part-${i}.bin`, kind: 'file', size, modifiedAt: mtime, open: () => Promise.resolve(generated(size, block)) };
  }
}

function entriesOf(name: CaseName): { entries: AsyncIterable<ZipEntry>; count: number } {
  if (name === 'large-5g') return { entries: largeEntries(), count: 4 };
  const m = /^small-(\d+)k$/.exec(name);
  if (!m) throw new Error(`Unknown case ${name}; known: ${CASES.join(', ')}`);
  const n = Number(m[1]) * 1000;
  return { entries: smallEntries(n), count: n + Math.ceil(n / 1000) };
}

const rssMb = () => process.memoryUsage.rss() / MiB;
function hwmMb(): number {
  const kib = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
  return Number(kib) / 1024;
}

/** Heap in use plus array buffers (Buffers live outside the heap), in MiB. */
function liveMb(): number {
  const m = process.memoryUsage();
  return (m.heapUsed + m.arrayBuffers) / MiB;
}

async function runCase(name: CaseName, outDir: string | null, live: boolean): Promise<Result> {
  const { entries, count } = entriesOf(name);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const baseline = rssMb();
  const liveBaseline = liveMb();
  let livePeak = liveBaseline;
  try {
    // Start the kernel's peak counter (VmHWM) afresh from the current RSS.
    fs.writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // Not permitted: the samples alone give the peak.
  }
  let peak = baseline;
  let outputBytes = 0;
  // Sampled from the sink, every 4 MiB of output: with data from memory the archive is made in
  // microtasks alone, and a timer would not fire until it is done.
  let nextSample = 0;
  const sample = () => {
    peak = Math.max(peak, rssMb());
    if (live && gc) {
      gc();
      livePeak = Math.max(livePeak, liveMb());
    }
    nextSample = outputBytes + 4 * MiB;
  };
  const file = outDir ? path.join(outDir, `${name}.zip`) : null;
  const fileStream = file ? fs.createWriteStream(file) : null;
  const sink = new Writable({
    highWaterMark: MiB,
    write(chunk: Buffer, _enc, done) {
      outputBytes += chunk.length;
      if (outputBytes >= nextSample) sample();
      if (fileStream && !fileStream.write(chunk)) fileStream.once('drain', () => done());
      else done();
    },
    final(done) {
      if (fileStream) fileStream.end(done);
      else done();
    },
  });
  const started = process.hrtime.bigint();
  await pipeline(streamZip(entries), sink);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  sample();
  peak = Math.max(peak, rssMb(), hwmMb());
  const result: Result = {
    case: name,
    entries: count,
    outputBytes,
    seconds,
    mbPerSecond: outputBytes / MiB / seconds,
    baselineRssMb: baseline,
    peakRssGrowthMb: peak - baseline,
  };
  if (live) result.liveGrowthMb = livePeak - liveBaseline;
  if (file) result.check = check(file, count);
  return result;
}

/** Entry counts as Python's zipfile and 7-Zip list them; a mismatch is reported, not hidden. */
function check(file: string, expected: number): string {
  const py = spawnSync('python3', ['-c', 'import sys, zipfile; print(len(zipfile.ZipFile(sys.argv[1]).infolist()))', file], { encoding: 'utf8' });
  const pyCount = py.status === 0 ? Number(py.stdout.trim()) : `error: ${py.stderr.trim().split('\n').pop()}`;
  const sz = spawnSync('7z', ['l', '-slt', file], { encoding: 'utf8', maxBuffer: 512 * MiB });
  const szCount = sz.status === 0 ? (sz.stdout.match(/^Path = /gm)?.length ?? 0) - 1 : `error: ${(sz.stdout + sz.stderr).trim().split('\n').pop()}`;
  const ok = pyCount === expected && szCount === expected;
  return `${ok ? 'ok' : 'MISMATCH'}: zipfile ${pyCount}, 7z ${szCount}, expected ${expected}`;
}

const fmt = (r: Result) =>
  `| ${r.case} | ${r.entries.toLocaleString('en')} | ${(r.outputBytes / MiB).toFixed(1)} | ${r.seconds.toFixed(2)} | ${r.mbPerSecond.toFixed(1)} | ${r.peakRssGrowthMb.toFixed(1)} |${r.liveGrowthMb !== undefined ? ` ${r.liveGrowthMb.toFixed(1)} |` : ''}${r.check ? ` ${r.check} |` : ''}`;

async function main() {
  const args = process.argv.slice(2);
  const childAt = args.indexOf('--child');
  const outAt = args.indexOf('--out');
  const outDir = outAt >= 0 ? args[outAt + 1]! : null;
  const live = args.includes('--live');
  if (outDir) fs.mkdirSync(outDir, { recursive: true });
  if (childAt >= 0) {
    process.stdout.write(`${JSON.stringify(await runCase(args[childAt + 1]!, outDir, live))}\n`);
    return;
  }
  const chosen = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--out');
  const cases = chosen.length ? chosen : [...CASES];
  console.log(`node ${process.version}, ${new Date().toISOString()}`);
  console.log(`| case | entries | output MiB | seconds | MiB/s | peak RSS growth MiB |${live ? ' peak live growth MiB |' : ''}${outDir ? ' check |' : ''}`);
  console.log(`|---|---|---|---|---|---|${live ? '---|' : ''}${outDir ? '---|' : ''}`);
  for (const name of cases) {
    const child = spawn(process.execPath, [...process.execArgv, '--expose-gc', fileURLToPath(import.meta.url), '--child', name, ...(outDir ? ['--out', outDir] : []), ...(live ? ['--live'] : [])], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) {
      console.log(`| ${name} | failed with exit code ${code} |`);
      continue;
    }
    console.log(fmt(JSON.parse(out.trim().split('\n').pop()!) as Result));
  }
}

await main();
