import fs from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TYPES_FILE, renderApiTypes } from '../scripts/api-types.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** The methods an OpenAPI 3.1 path item may hold (WebDAV's PROPFIND, MKCOL, LOCK… are not among them). */
const OPENAPI_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

describe('OpenAPI document', () => {
  let server: TestServer;
  let doc: { paths: Record<string, Record<string, unknown>> };

  beforeAll(async () => {
    server = await startTestServer();
    const res = await fetch(`${server.url}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as typeof doc;
  });
  afterAll(async () => server?.close());

  it('documents only the REST API: no WebDAV, web app, health or metrics routes', () => {
    const paths = Object.keys(doc.paths);
    expect(paths.length).toBeGreaterThan(20);
    expect(paths.filter((p) => !p.startsWith('/api/v1/'))).toEqual([]);
    for (const [p, item] of Object.entries(doc.paths)) {
      expect(p).not.toMatch(/\{\*\}/);
      for (const method of Object.keys(item)) if (method !== 'parameters') expect(OPENAPI_METHODS, `${method} ${p}`).toContain(method);
    }
  });

  it('is valid OpenAPI 3.1 for a strict validator', async () => {
    // validate() dereferences in place: give it a copy.
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
  });

  it('generates TypeScript types with the main paths, and the committed types are current', async () => {
    const types = await renderApiTypes(doc);
    for (const p of ['/api/v1/auth/login', '/api/v1/account', '/api/v1/files', '/api/v1/files/{id}/content', '/api/v1/folders/{id}/children', '/api/v1/trash', '/api/v1/admin/users']) {
      expect(types).toContain(`"${p}": {`);
    }
    expect(types).toMatch(/Node: \{/);
    const committed = fs.existsSync(API_TYPES_FILE) ? fs.readFileSync(API_TYPES_FILE, 'utf8') : '';
    // On failure: the API changed without its types. Run `npm run api:types` and commit the result.
    expect(firstDifference(committed, types), 'web/src/api/openapi.d.ts is out of date: run `npm run api:types`').toBeUndefined();
  });
});

/** Where two texts first differ, as "line N: committed … / generated …", or undefined when equal. */
function firstDifference(committed: string, generated: string): string | undefined {
  if (committed === generated) return undefined;
  const a = committed.split('\n');
  const b = generated.split('\n');
  const i = a.findIndex((line, n) => line !== b[n]);
  const n = i === -1 ? a.length : i;
  return `line ${n + 1}: committed ${JSON.stringify(a[n] ?? '(end of file)')} / generated ${JSON.stringify(b[n] ?? '(end of file)')}`;
}
