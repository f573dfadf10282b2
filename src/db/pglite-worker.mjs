// The embedded PostgreSQL (PGlite, WebAssembly) on a thread of its own, so its statements never
// stall the server's event loop. Plain JavaScript: it is loaded as is, from src in the tests and
// from dist in a build (scripts/copy-assets.mjs copies it). pglite-thread.ts is the other side.
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import * as tar from 'tar';

const INT8_OID = 20;
const NUMERIC_OID = 1700;
const SHARED_BUFFERS = process.env.COFFER_PGLITE_SHARED_BUFFERS || '16MB';
/** The fields of a PostgreSQL error the server reads (code above all), copied onto the reply. */
const ERROR_FIELDS = ['code', 'detail', 'hint', 'severity', 'schema', 'table', 'column', 'dataType', 'constraint', 'position', 'where', 'routine'];

/**
 * Unpacks a gzipped data directory into the empty `dataDir`, whole or not at all: into a sibling
 * first, renamed into place once complete. Here rather than on the main thread, so the server
 * loads its HTTP modules meanwhile; synchronously, which is twice as fast as tar's streams for
 * ~500 small files. (PGlite's own loadDataDir unpacks inside its WebAssembly memory, which then
 * stays ~120 MB larger for the life of the process.)
 */
function unpackTemplate(template, dataDir) {
  const staging = `${dataDir}.unpacking-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  try {
    new tar.UnpackSync({ cwd: staging }).end(template);
    fs.rmdirSync(dataDir);
    fs.renameSync(staging, dataDir);
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

/** PostgreSQL itself, compiled from the package's file (PGlite would read and compile it the same way). */
const PGLITE_WASM = new URL('./pglite.wasm', import.meta.resolve('@electric-sql/pglite'));

async function open() {
  const { dataDir, template } = workerData;
  // Compiled on V8's background threads while this one unpacks the template.
  const compiling = globalThis.WebAssembly.compile(fs.readFileSync(PGLITE_WASM));
  compiling.catch(() => undefined);
  if (template) unpackTemplate(template, dataDir);
  return PGlite.create({
    dataDir,
    pgliteWasmModule: await compiling,
    // int8 columns hold byte counts and ids well inside 2^53: numbers, as on PostgreSQL.
    parsers: { [INT8_OID]: Number, [NUMERIC_OID]: Number },
    // PostgreSQL's 128 MB of shared buffers live in WebAssembly memory, on top of the page cache
    // the files are in anyway: a small server needs far less (RSS, not speed, is what it costs).
    postgresqlconf: [`shared_buffers=${SHARED_BUFFERS}`],
    // Contrib modules the migrations create (0024: trigram name search, accent folding). PGlite
    // ships them inside the package; each must be loaded on every open, not only when created,
    // because the database's indexes and text search configuration call into them.
    extensions: { pg_trgm, unaccent },
  });
}

function errorOf(err) {
  const out = { message: err instanceof Error ? err.message : String(err) };
  for (const f of ERROR_FIELDS) if (err && typeof err === 'object' && err[f] !== undefined) out[f] = err[f];
  return out;
}

const last = (results) => results[results.length - 1];

async function run(db, msg) {
  switch (msg.op) {
    case 'query': {
      const r = await db.query(msg.sql, msg.params, { rowMode: 'object' });
      return { rows: r.rows, affectedRows: r.affectedRows };
    }
    case 'exec': {
      const r = last(await db.exec(msg.sql, { rowMode: 'object' }));
      return { rows: r?.rows ?? [], affectedRows: r?.affectedRows };
    }
    case 'dump':
      return new Uint8Array(await (await db.dumpDataDir('gzip')).arrayBuffer());
    case 'close':
      await db.close();
      return null;
    default:
      throw new Error(`unknown operation ${msg.op}`);
  }
}

try {
  const db = await open();
  parentPort.on('message', (msg) => {
    run(db, msg).then(
      (result) => parentPort.postMessage({ id: msg.id, result }),
      (err) => parentPort.postMessage({ id: msg.id, error: errorOf(err) }),
    );
  });
  parentPort.postMessage({ ready: true });
} catch (err) {
  parentPort.postMessage({ ready: false, error: errorOf(err) });
}
