// Reference WebDAV servers (../shared/bench/peers.sh) measured interleaved with Coffer by
// bench/run.mjs, so both see the same moment of a noisy shared machine. Each operation mirrors
// one of Coffer's: PUT / GET of the big file, batches of small PUTs into one collection,
// PROPFIND Depth 1 of that collection (listing), MOVE of it (an O(1) rename, the nearest thing
// to Coffer's trash), then an untimed DELETE.
import { Buffer } from 'node:buffer';
import { Client, curl, log, pool, syncAndWarm } from './lib.mjs';

const PROPFIND_BODY =
  '<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/><D:getcontentlength/><D:getlastmodified/><D:getetag/><D:getcontenttype/></D:prop></D:propfind>';

/** "apache=http://127.0.0.1:18081/ nginx=http://127.0.0.1:18082/,user,pass" → peers. */
export function parsePeers(spec) {
  return (spec ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((item) => {
      const eq = item.indexOf('=');
      if (eq < 1) throw new Error(`BENCH_PEERS: "${item}" is not NAME=URL[,USER,PASS]`);
      const [url, user = 'bench', pass = 'bench'] = item.slice(eq + 1).split(',');
      return new Peer(item.slice(0, eq), url.replace(/\/+$/, ''), user, pass);
    });
}

export class Peer {
  constructor(name, url, user, pass) {
    this.name = name;
    this.base = url;
    this.user = user;
    this.pass = pass;
    this.auth = 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');
    this.results = { upload: [], download: [], small: [], list: [], trash: [] };
    this.error = undefined;
  }

  async req(ok, method, pathAndQuery, { body, headers = {} } = {}) {
    const r = await this.client.request(method, pathAndQuery, { body, headers: { authorization: this.auth, ...headers } });
    if (!ok.includes(r.status)) throw new Error(`${this.name}: ${method} ${pathAndQuery} -> ${r.status} (want ${ok.join('|')})`);
    return r;
  }

  /** A fresh work collection, warmed up connections; false (and the error noted) when the peer is down. */
  async open(conc, warmup, small) {
    this.client = new Client(this.base, conc);
    this.dir = `/coffer-bench-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    try {
      await this.req([201], 'MKCOL', `${this.dir}/`);
      await this.req([201], 'MKCOL', `${this.dir}/warm/`);
      await pool(warmup, conc, (i) => this.req([201, 204], 'PUT', `${this.dir}/warm/w${i}.bin`, { body: small }));
      await this.req([201], 'MKCOL', `${this.dir}/many/`);
      this.coll = 'many';
      this.entries = 0;
      return true;
    } catch (err) {
      this.error = err.message;
      log(`peer ${this.name} unavailable: ${err.message}`);
      this.client.close();
      return false;
    }
  }

  async bigPut(file, size) {
    await this.req([204, 404], 'DELETE', `${this.dir}/big.bin`);
    await syncAndWarm(file);
    const c = await curl(['-u', `${this.user}:${this.pass}`, '-T', file, '-o', '/dev/null', '-H', 'Content-Type: application/octet-stream', `${this.base}${this.dir}/big.bin`]);
    if (![201, 204].includes(c.status) || c.up !== size) throw new Error(`${this.name}: PUT big.bin -> ${c.status}, sent ${c.up}`);
    this.results.upload.push(size / c.seconds / 1e6);
  }

  async bigGet(size) {
    const c = await curl(['-u', `${this.user}:${this.pass}`, '-o', '/dev/null', `${this.base}${this.dir}/big.bin`]);
    if (c.status !== 200 || c.down !== size) throw new Error(`${this.name}: GET big.bin -> ${c.status}, ${c.down} bytes`);
    this.results.download.push(size / c.seconds / 1e6);
  }

  async smallBatch(n, conc, small, name) {
    await syncAndWarm();
    const from = this.entries;
    const s = await pool(n, conc, (i) => this.req([201, 204], 'PUT', `${this.dir}/${this.coll}/${name(from + i)}`, { body: small }));
    this.entries += n;
    this.results.small.push(n / s);
  }

  async fillTo(n, conc, small, name) {
    if (this.entries >= n) return;
    const from = this.entries;
    await pool(n - from, conc, (i) => this.req([201, 204], 'PUT', `${this.dir}/${this.coll}/${name(from + i)}`, { body: small }));
    this.entries = n;
  }

  async propfind() {
    const r = await this.req([207], 'PROPFIND', `${this.dir}/${this.coll}/`, {
      body: Buffer.from(PROPFIND_BODY),
      headers: { depth: '1', 'content-type': 'application/xml' },
    });
    const responses = (r.body.toString().match(/<([a-z0-9]+:)?response[\s>]/gi) ?? []).length;
    if (responses !== this.entries + 1) throw new Error(`${this.name}: PROPFIND returned ${responses} responses, want ${this.entries + 1}`);
    this.results.list.push(r.ms);
  }

  async move() {
    const to = this.coll === 'many' ? 'many-moved' : 'many';
    const r = await this.req([201, 204], 'MOVE', `${this.dir}/${this.coll}/`, { headers: { destination: `${this.base}${this.dir}/${to}/`, overwrite: 'F' } });
    this.coll = to;
    this.results.trash.push(r.ms);
  }

  async close() {
    if (!this.client) return;
    await this.req([200, 204, 404], 'DELETE', `${this.dir}/`).catch((err) => log(`peer ${this.name}: cleanup: ${err.message}`));
    this.client.close();
    this.client = undefined;
  }
}

/** Runs `op` on every open peer; a failing peer is noted and dropped, never fails Coffer's run. */
export async function eachPeer(peers, op) {
  for (const p of peers) {
    if (p.error || !p.client) continue;
    try {
      await op(p);
    } catch (err) {
      p.error = err.message;
      log(`peer ${p.name} failed: ${err.message}`);
      await p.close().catch(() => undefined);
    }
  }
}
