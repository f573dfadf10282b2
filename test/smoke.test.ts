import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from './helpers/api.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('smoke', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.close());

  it('logs in, uploads and downloads', async () => {
    const admin = await Api.admin(server.url);
    const up = await admin.upload('hello.txt', 'hello world', { type: 'text/plain' });
    expect(up.status).toBe(201);
    expect(up.body.size).toBe(11);
    const res = await admin.fetch(`/files/${up.body.id}/content`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hello world');
  });
});
