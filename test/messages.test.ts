import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from './helpers/api.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// Messages people read: validation failures and folder names with "/" are explained in
// sentences naming the field in words, while `errors` keeps the field paths for programs.

interface ProblemBody {
  type: string;
  status: number;
  detail: string;
  errors?: { path: string; code: string; message: string }[];
}

describe('messages written for people', () => {
  let server: TestServer;
  let admin: Api;

  beforeAll(async () => {
    server = await startTestServer();
    admin = await Api.admin(server.url);
  });
  afterAll(async () => server?.close());

  it('an invalid email address is explained, with the field path kept for programs', async () => {
    const r = await admin.json<ProblemBody>('/admin/users', { method: 'POST', json: { username: 'mailer', password: 'mailer-password-1', email: 'not-an-email' } });
    expect(r.status).toBe(400);
    expect(r.res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(r.body.detail).toBe('The email address is not valid');
    expect(r.body.detail).not.toMatch(/Invalid body|\/email/);
    expect(r.body.errors).toEqual([{ path: '/email', code: 'invalid_format', message: 'The email address is not valid' }]);

    const account = await admin.json<ProblemBody>('/account', { method: 'PATCH', json: { email: 'also wrong' } });
    expect(account.status).toBe(400);
    expect(account.body.detail).toBe('The email address is not valid');
  });

  it('lengths, missing fields, types and choices are sentences naming the field in words', async () => {
    const long = await admin.json<ProblemBody>('/admin/users', { method: 'POST', json: { username: 'x'.repeat(65), password: 'p' } });
    expect(long.body.detail).toBe('The user name can be at most 64 characters');
    const short = await admin.json<ProblemBody>('/admin/users', { method: 'POST', json: { username: 'x', password: 'p' } });
    expect(short.body.detail).toBe('The user name must be at least 2 characters');
    const missing = await admin.json<ProblemBody>('/admin/users', { method: 'POST', json: { username: 'someone' } });
    expect(missing.body.detail).toBe('The password is required');
    expect(missing.body.errors?.[0]?.path).toBe('/password');
    const type = await admin.json<ProblemBody>('/admin/users', { method: 'POST', json: { username: 'someone', password: 42 } });
    expect(type.body.detail).toBe('The password must be text');
    const two = await admin.json<ProblemBody>('/admin/users', { method: 'POST', json: { username: 'x', email: 'no' } });
    expect(two.body.detail).toBe('The user name must be at least 2 characters. The password is required. The email address is not valid');
    expect(two.body.errors?.map((e) => e.path)).toEqual(['/username', '/password', '/email']);
    const sort = await admin.json<ProblemBody>('/folders/root/children?sort=colour');
    expect(sort.body.detail).toBe('The sort must be one of "name", "size", "modified"');
    const emptyPath = await admin.json<ProblemBody>('/folders', { method: 'POST', json: { path: '' } });
    expect(emptyPath.body.detail).toBe('The path cannot be empty');
  });

  it('our own refinements name fields in words too', async () => {
    const up = await admin.upload('refine.txt', 'x');
    const r = await admin.json<ProblemBody>(`/files/${up.body.id}`, { method: 'PATCH', json: {} });
    expect(r.status).toBe(400);
    expect(r.body.detail).toBe('Give a new name, a new parent folder, or both');
  });

  it('a folder name with "/" says what is wrong', async () => {
    const byName = await admin.json<ProblemBody>('/folders', { method: 'POST', json: { name: 'a/b' } });
    expect(byName.status).toBe(400);
    expect(byName.body.detail).toBe('A folder name cannot contain "/"');
    // As the web app sends it today (a path), where no folder "a" exists.
    const byPath = await admin.json<ProblemBody>('/folders', { method: 'POST', json: { path: 'a/b' } });
    expect(byPath.status).toBe(404);
    expect(byPath.body.detail).toBe('There is no folder "/a" to create "b" in. A folder name cannot contain "/"; to create the folders on the way, send parents: true');
    // A plain name still works, by name and by path; both at once is explained.
    expect((await admin.json('/folders', { method: 'POST', json: { name: 'plain' } })).status).toBe(201);
    expect((await admin.json('/folders', { method: 'POST', json: { path: 'plain/inner' } })).status).toBe(201);
    const both = await admin.json<ProblemBody>('/folders', { method: 'POST', json: { name: 'x', path: 'y' } });
    expect(both.body.detail).toBe('Give either the name of the new folder or its path, not both');
    const neither = await admin.json<ProblemBody>('/folders', { method: 'POST', json: {} });
    expect(neither.body.detail).toBe('Give the name of the folder to create');
  });
});
