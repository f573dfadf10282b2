import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';

// Metrics tell storage used, upload counts and routes: not for anyone who can reach the server.
const TOKEN = 'metrics-access-test-token-0123456789';

async function expectProblem(res: Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (await res.json()) as { status: number; detail: string };
  expect(body.status).toBe(status);
  expect(body.detail.length).toBeGreaterThan(0);
  return body;
}

describe('/metrics access', () => {
  describe('with no metrics setting', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer();
    });
    afterAll(async () => server?.close());

    it('is not served on the main listener', async () => {
      await expectProblem(await fetch(`${server.url}/metrics`), 404);
      await expectProblem(await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } }), 404);
      expect(server.metricsUrl).toBeUndefined();
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    });
  });

  describe('with COFFER_METRICS_TOKEN', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ COFFER_METRICS_TOKEN: TOKEN });
    });
    afterAll(async () => server?.close());

    it('needs the token as a bearer token', async () => {
      const none = await fetch(`${server.url}/metrics`);
      const body = await expectProblem(none, 401);
      expect(body.detail).toMatch(/COFFER_METRICS_TOKEN/);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, 'Bearer ', `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`, TOKEN]) {
        await expectProblem(await fetch(`${server.url}/metrics`, { headers: { authorization } }), 401);
      }
      const ok = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toMatch(/^# TYPE coffer_storage_used_bytes gauge$/m);
    });
  });

  describe('with COFFER_METRICS_PORT', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ COFFER_METRICS_PORT: '0', COFFER_METRICS_HOST: '127.0.0.1' });
    });
    afterAll(async () => server?.close());

    it('serves metrics and probes on their own listener, and only those', async () => {
      expect(server.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(server.metricsUrl).not.toBe(server.url);
      const res = await fetch(`${server.metricsUrl}/metrics`);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toMatch(/^# TYPE coffer_storage_used_bytes gauge$/m);
      expect(text).toMatch(/^# TYPE coffer_http_requests_total counter$/m);
      expect((await fetch(`${server.metricsUrl}/healthz`)).status).toBe(200);
      expect((await fetch(`${server.metricsUrl}/readyz`)).status).toBe(200);
      await expectProblem(await fetch(`${server.metricsUrl}/api/v1/account`), 404);
      await expectProblem(await fetch(`${server.metricsUrl}/dav/`, { method: 'PROPFIND' }), 404);
      // ...and not on the public one.
      await expectProblem(await fetch(`${server.url}/metrics`), 404);
    });

    it('counts the main listener\'s requests', async () => {
      for (let i = 0; i < 2; i++) await fetch(`${server.url}/healthz`);
      const text = await (await fetch(`${server.metricsUrl}/metrics`)).text();
      const count = /^coffer_http_requests_total\{method="GET",route="\/healthz",status="200"\} (\d+)$/m.exec(text)?.[1];
      expect(Number(count)).toBeGreaterThanOrEqual(2);
    });
  });

  it('refuses a token too short to be a secret', async () => {
    await expect(startTestServer({ COFFER_METRICS_TOKEN: 'short' })).rejects.toThrow(/COFFER_METRICS_TOKEN/);
  });
});
