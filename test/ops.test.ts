import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from './helpers/api.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** The value of one sample in Prometheus text format; labels must all match (others may exist). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = new Map<string, string>();
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) have.set(l[1]!, l[2]!);
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) return Number(m[3]);
  }
  return undefined;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function expectProblem(res: Response, body: Record<string, unknown>, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(body.status).toBe(status);
  expect(typeof body.title).toBe('string');
  expect((body.title as string).length).toBeGreaterThan(0);
  expect(typeof body.detail).toBe('string');
  expect((body.detail as string).length).toBeGreaterThan(0);
  expect(typeof body.type).toBe('string');
}

/** /metrics on the main listener needs this bearer token (see test/metrics-access.test.ts). */
const METRICS_TOKEN = 'ops-test-metrics-token';
const metricsAuth = { authorization: `Bearer ${METRICS_TOKEN}` };

describe('operations', () => {
  let server: TestServer;
  let base: string;
  let admin: Api;

  beforeAll(async () => {
    server = await startTestServer({ COFFER_METRICS_TOKEN: METRICS_TOKEN });
    base = server.url;
    admin = await Api.admin(base);
  });
  afterAll(async () => server?.close());

  const metrics = async () => {
    const res = await fetch(`${base}/metrics`, { headers: metricsAuth });
    expect(res.status).toBe(200);
    return res.text();
  };

  it('GET /healthz answers 200 without credentials', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  describe('metrics', () => {
    it('are Prometheus text with the request, byte, upload and storage series', async () => {
      const res = await fetch(`${base}/metrics`, { headers: metricsAuth });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      for (const name of [
        'coffer_http_requests_total',
        'coffer_http_request_duration_seconds',
        'coffer_bytes_in_total',
        'coffer_bytes_out_total',
        'coffer_uploads_total',
        'coffer_storage_used_bytes',
      ]) {
        expect(text).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, 'm'));
      }
      expect(text).toMatch(/^# TYPE coffer_http_request_duration_seconds histogram$/m);
    });

    it('count requests by route pattern and status, and time them', async () => {
      const before = await metrics();
      const okLabels = { method: 'GET', route: '/healthz', status: '200' };
      const okBefore = sample(before, 'coffer_http_requests_total', okLabels) ?? 0;
      for (let i = 0; i < 3; i++) await fetch(`${base}/healthz`);
      // A 401 and a 404 on a parameterised route: labelled by the pattern, not the URL.
      const anon = await fetch(`${base}/api/v1/files/00000000-0000-4000-8000-000000000000`);
      expect(anon.status).toBe(401);
      const missing = await admin.fetch('/files/00000000-0000-4000-8000-000000000000');
      expect(missing.status).toBe(404);
      expect((await fetch(`${base}/no/such/route/xyz123`)).status).toBe(404);

      const after = await until('the request counters', async () => {
        const t = await metrics();
        return (sample(t, 'coffer_http_requests_total', okLabels) ?? 0) >= okBefore + 3 ? t : undefined;
      });
      expect(sample(after, 'coffer_http_requests_total', okLabels)).toBe(okBefore + 3);
      expect(sample(after, 'coffer_http_requests_total', { method: 'GET', route: '/api/v1/files/:id', status: '401' })).toBeGreaterThanOrEqual(1);
      expect(sample(after, 'coffer_http_requests_total', { method: 'GET', route: '/api/v1/files/:id', status: '404' })).toBeGreaterThanOrEqual(1);
      expect(after).not.toContain('00000000-0000-4000-8000-000000000000');
      expect(after).not.toContain('xyz123');
      expect(sample(after, 'coffer_http_request_duration_seconds_count', okLabels)).toBe(okBefore + 3);
      expect(sample(after, 'coffer_http_request_duration_seconds_bucket', { ...okLabels, le: '+Inf' })).toBe(okBefore + 3);
      expect(sample(after, 'coffer_http_request_duration_seconds_sum', okLabels)).toBeGreaterThan(0);
    });

    it('move bytes in, uploads and storage used on upload, and bytes out on download', async () => {
      const before = await metrics();
      const inBefore = sample(before, 'coffer_bytes_in_total') ?? 0;
      const outBefore = sample(before, 'coffer_bytes_out_total') ?? 0;
      const uploadsBefore = sample(before, 'coffer_uploads_total') ?? 0;
      const usedBefore = sample(before, 'coffer_storage_used_bytes');
      expect(usedBefore).toBeDefined();

      const data = new Uint8Array(12_345).fill(7);
      const up = await admin.upload('metrics/payload.bin', data);
      expect(up.status).toBe(201);
      const afterUpload = await metrics();
      expect(sample(afterUpload, 'coffer_bytes_in_total')).toBe(inBefore + 12_345);
      expect(sample(afterUpload, 'coffer_uploads_total')).toBe(uploadsBefore + 1);
      expect(sample(afterUpload, 'coffer_storage_used_bytes')).toBe(usedBefore! + 12_345);
      expect(sample(afterUpload, 'coffer_http_requests_total', { method: 'POST', route: '/api/v1/files', status: '201' })).toBeGreaterThanOrEqual(1);

      const dl = await admin.fetch(`/files/${up.body.id}/content`);
      expect((await dl.arrayBuffer()).byteLength).toBe(12_345);
      const ranged = await admin.fetch(`/files/${up.body.id}/content`, { headers: { range: 'bytes=0-99' } });
      expect(ranged.status).toBe(206);
      expect((await ranged.arrayBuffer()).byteLength).toBe(100);
      const afterDownload = await until('the bytes-out counter', async () => {
        const t = await metrics();
        return (sample(t, 'coffer_bytes_out_total') ?? 0) >= outBefore + 12_445 ? t : undefined;
      });
      expect(sample(afterDownload, 'coffer_bytes_out_total')).toBe(outBefore + 12_445);
      expect(sample(afterDownload, 'coffer_http_requests_total', { method: 'GET', route: '/api/v1/files/:id/content', status: '206' })).toBe(1);
    });
  });

  describe('OpenAPI and docs', () => {
    it('serves an OpenAPI 3.1 document of the API with schemas', async () => {
      const res = await fetch(`${base}/api/v1/openapi.json`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/json/);
      const doc = (await res.json()) as {
        openapi: string;
        info: { title: string };
        paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> }; responses: Record<string, unknown>; parameters?: { name: string; in: string }[] }>>;
        components: { schemas: Record<string, { properties?: Record<string, unknown> }>; securitySchemes: Record<string, unknown> };
      };
      expect(doc.openapi).toMatch(/^3\.1\./);
      expect(doc.info.title).toBeTruthy();
      for (const p of [
        '/api/v1/auth/login',
        '/api/v1/auth/refresh',
        '/api/v1/auth/app-passwords',
        '/api/v1/account',
        '/api/v1/files',
        '/api/v1/files/{id}',
        '/api/v1/files/{id}/content',
        '/api/v1/folders',
        '/api/v1/folders/{id}/children',
        '/api/v1/trash',
        '/api/v1/admin/users',
        '/api/v1/admin/audit',
      ]) {
        expect(doc.paths, p).toHaveProperty([p]);
      }
      // Operational endpoints are not part of the API description.
      expect(doc.paths).not.toHaveProperty(['/metrics']);
      expect(doc.paths).not.toHaveProperty(['/healthz']);

      const login = doc.paths['/api/v1/auth/login']!.post!;
      const bodySchema = JSON.stringify(login.requestBody!.content['application/json']!.schema);
      expect(bodySchema).toContain('username');
      expect(bodySchema).toContain('password');
      expect(login.responses).toHaveProperty(['200']);
      expect(login.responses).toHaveProperty(['401']);
      expect(login.responses).toHaveProperty(['429']);
      expect(JSON.stringify(login.responses['200'])).toMatch(/TokenPair|access_token/);

      const children = doc.paths['/api/v1/folders/{id}/children']!.get!;
      const params = children.parameters!.map((p) => `${p.in}:${p.name}`);
      expect(params).toEqual(expect.arrayContaining(['path:id', 'query:sort', 'query:limit', 'query:offset']));

      // Every $ref resolves to a schema in the document.
      const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
      expect(refs.length).toBeGreaterThan(10);
      for (const ref of new Set(refs)) expect(doc.components.schemas, ref).toHaveProperty([ref]);
      expect(doc.components.schemas.Node?.properties).toHaveProperty('etag');
      expect(doc.components.schemas.TokenPair?.properties).toHaveProperty('refresh_token');
      expect(doc.components.schemas.Problem?.properties).toHaveProperty('detail');
      expect(doc.components.securitySchemes).toHaveProperty('bearer');
    });

    it('serves a browsable reference at /api/docs', async () => {
      const res = await fetch(`${base}/api/docs`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await res.text();
      expect(html).toMatch(/<html/i);
      expect(html).toMatch(/swagger/i);
    });
  });

  describe('errors and request ids', () => {
    it('renders an unknown route as a 404 problem', async () => {
      const res = await fetch(`${base}/api/v1/nope`);
      const body = (await res.json()) as Record<string, unknown>;
      expectProblem(res, body, 404);
      expect(body.instance).toBe('/api/v1/nope');
    });

    it('renders validation failures as a 400 problem naming the field', async () => {
      const res = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin' }),
      });
      const body = (await res.json()) as Record<string, unknown>;
      expectProblem(res, body, 400);
      expect(body.detail).toMatch(/password/);
      expect(Array.isArray(body.errors)).toBe(true);

      const query = await admin.fetch('/folders/root/children?sort=colour');
      const qBody = (await query.json()) as Record<string, unknown>;
      expectProblem(query, qBody, 400);
      expect(qBody.detail).toMatch(/sort/);
    });

    it('renders malformed JSON and unsupported bodies as problems', async () => {
      const bad = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":' });
      expectProblem(bad, (await bad.json()) as Record<string, unknown>, 400);
      const xml = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<login/>' });
      expectProblem(xml, (await xml.json()) as Record<string, unknown>, 415);
    });

    it('renders missing or bad credentials as a 401 problem with a challenge', async () => {
      const res = await fetch(`${base}/api/v1/account`);
      const body = (await res.json()) as Record<string, unknown>;
      expectProblem(res, body, 401);
      expect(res.headers.get('www-authenticate')).toMatch(/Bearer/);
      const forbidden = await (await admin.createUser('ops-user', 'ops-password')).api.fetch('/admin/users');
      expectProblem(forbidden, (await forbidden.json()) as Record<string, unknown>, 403);
    });

    it('gives every response an x-request-id, echoing a valid incoming one', async () => {
      const responses = await Promise.all([
        fetch(`${base}/healthz`),
        fetch(`${base}/metrics`, { headers: metricsAuth }),
        fetch(`${base}/api/v1/nope`),
        fetch(`${base}/api/v1/account`),
        admin.fetch('/account'),
        fetch(`${base}/api/v1/openapi.json`),
      ]);
      const ids = responses.map((r) => r.headers.get('x-request-id'));
      for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
      expect(new Set(ids).size).toBe(ids.length);

      const mine = 'trace-abc_123.XYZ';
      const echoed = await fetch(`${base}/api/v1/nope`, { headers: { 'x-request-id': mine } });
      expect(echoed.headers.get('x-request-id')).toBe(mine);
      expect(((await echoed.json()) as { request_id: string }).request_id).toBe(mine);
      const ok = await admin.fetch('/account', { headers: { 'x-request-id': mine } });
      expect(ok.headers.get('x-request-id')).toBe(mine);

      // Something that is not a plausible id is replaced, not reflected.
      for (const bad of ['has spaces in it', 'x'.repeat(65), '<script>']) {
        const r = await fetch(`${base}/healthz`, { headers: { 'x-request-id': bad } });
        const got = r.headers.get('x-request-id');
        expect(got).toBeTruthy();
        expect(got).not.toBe(bad);
        expect(got).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
      }
    });
  });

  // Last: it takes the blob store away from under the running server.
  describe('readiness', () => {
    it('is ready with its checks, and 503 when the blob store is gone, then ready again', async () => {
      const ok = await fetch(`${base}/readyz`);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ status: 'ready', checks: { database: 'ok', blobStore: 'ok' } });

      const blobs = path.join(server.dataDir, 'blobs');
      const aside = path.join(server.dataDir, 'blobs-aside');
      fs.renameSync(blobs, aside);
      try {
        const down = await fetch(`${base}/readyz`);
        expect(down.status).toBe(503);
        const body = (await down.json()) as { status: string; checks: Record<string, string> };
        expect(body.status).toBe('not-ready');
        expect(body.checks.database).toBe('ok');
        expect(body.checks.blobStore).toMatch(/^error/);
        // Liveness is a different question: the process is still alive.
        expect((await fetch(`${base}/healthz`)).status).toBe(200);
      } finally {
        fs.renameSync(aside, blobs);
      }
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
    });
  });
});
