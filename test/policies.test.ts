import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type NodeBody } from './helpers/api.js';
import { DavUser } from './helpers/dav.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// Path layouts, time-stamped names and folder policies, enforced the same way through REST, the
// path-addressed API and WebDAV: each refusal says what is wrong and what is allowed.

interface Space {
  id: string;
  root_folder_id: string;
  used_bytes: number;
}
interface Stored {
  id: string;
  path: string;
}

/** A real one-file ZIP (stored, no compression): what "only ZIP" must accept. */
function zipOf(name: string, content: string): Buffer {
  const n = Buffer.from(name);
  const d = Buffer.from(content);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(d.length, 18);
  local.writeUInt32LE(d.length, 22);
  local.writeUInt16LE(n.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(d.length, 20);
  central.writeUInt32LE(d.length, 24);
  central.writeUInt16LE(n.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + n.length, 12);
  end.writeUInt32LE(30 + n.length + d.length, 16);
  return Buffer.concat([local, n, d, central, n, end]);
}

const LAYOUT = {
  pattern: '{system}/{objectType}/{objectId}/{file}',
  values: {
    system: ['workspace', 'accounting', 'communications', 'app-builder'],
    objectType: { by: 'system', values: { workspace: ['document'], accounting: ['receipt', 'invoice'], communications: ['message'], 'app-builder': ['source', 'build'] } },
    objectId: { regex: '^[A-Za-z0-9-]{1,64}$' },
  },
};

describe('layouts and folder policies', () => {
  let server: TestServer;
  let admin: Api;
  let owner: Api;
  let editor: DavUser;
  let store: Space;

  const put = (as: Api, path: string, body: string | Buffer, query = '') =>
    as.json<Stored & { detail?: string }>(`/spaces/${store.id}/content/${path}${query}`, { method: 'PUT', body, headers: { 'content-type': 'application/octet-stream' } });
  const meta = (as: Api, path: string) => as.json<NodeBody>(`/spaces/${store.id}/metadata/${path}`);

  beforeAll(async () => {
    server = await startTestServer();
    admin = await Api.admin(server.url);
    owner = (await admin.createUser('olga', 'olga-password-1')).api;
    editor = await DavUser.create(server.url, 'ed');
    await admin.json('/orgs', { method: 'POST', json: { slug: 'corp', name: 'Corp', owner: 'olga' } });
    await owner.json('/orgs/corp/members/ed', { method: 'PUT', json: { role: 'member' } });
    const made = await owner.json<Space & { layout: unknown }>('/orgs/corp/spaces', { method: 'POST', json: { name: 'Store', layout: LAYOUT } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.layout).toEqual(LAYOUT);
    store = made.body;
    await owner.json(`/spaces/${store.id}/members`, { method: 'POST', json: { user: 'ed', role: 'editor' } });
  });
  afterAll(async () => server?.close());

  it('refuses a bad layout with a reason', async () => {
    for (const [layout, why] of [
      [{ pattern: '{a}/{b}' }, /ends with \{file\}.* or \*\*/],
      [{ pattern: '{a}/{file}', values: { b: ['x'] } }, /\{b\}, which its pattern does not have/],
      [{ pattern: '{a}/{b}/{file}', values: { a: { by: 'b', values: {} } } }, /"by" names a segment that comes before it/],
      [{ pattern: '{a}/{file}', values: { a: { regex: '(' } } }, /not a valid regular expression/],
    ] as const) {
      const r = await owner.json<{ detail: string }>(`/spaces/${store.id}`, { method: 'PATCH', json: { layout } });
      expect(r.status).toBe(400);
      expect(r.body.detail).toMatch(why);
    }
  });

  it('places files and folders only where the layout allows, saying which segment is wrong', async () => {
    expect((await put(editor.api, 'accounting/receipt/inv-1/r.pdf', 'r')).status).toBe(201);
    const cases: [string, RegExp][] = [
      ['finance/receipt/inv-1/r.pdf', /"finance" is not allowed as \{system\} at \/\{system\}; allowed: workspace, accounting, communications, app-builder/],
      ['accounting/source/inv-1/r.pdf', /"source" is not allowed as \{objectType\} at \/\{system\}\/\{objectType\}; allowed: receipt, invoice/],
      ['accounting/receipt/inv_1!/r.pdf', /"inv_1!" is not a valid \{objectId\}/],
      ['accounting/receipt/r.pdf', /Files go at \/\{system\}\/\{objectType\}\/\{objectId\}\/\{file\}/],
      ['accounting/receipt/inv-1/deeper/r.pdf', /nothing lies deeper than \{objectId\}/],
    ];
    for (const [path, why] of cases) {
      const r = await put(editor.api, path, 'x');
      expect(r.status, path).toBe(403);
      expect(r.body.detail, path).toMatch(why);
    }
    // The same rule through WebDAV and the folder API.
    expect((await editor.request('MKCOL', '/Spaces/Store/finance/')).status).toBe(403);
    expect((await editor.request('MKCOL', '/Spaces/Store/workspace/')).status).toBe(201);
    expect((await editor.request('MKCOL', '/Spaces/Store/accounting/receipt/inv-1/deeper/')).status).toBe(403);
    expect((await editor.request('PUT', '/Spaces/Store/workspace/loose.txt', { body: 'x' })).status).toBe(403);
    const folder = await editor.api.json<{ detail: string }>('/folders', { method: 'POST', json: { parent_id: store.root_folder_id, path: 'communications/letter', parents: true } });
    expect(folder.status).toBe(403);
    // A move or rename that would break it is refused too.
    const moved = await editor.request('MOVE', '/Spaces/Store/accounting/receipt/inv-1/', { headers: { destination: editor.url('/Spaces/Store/accounting/inv-1/') } });
    expect(moved.status).toBe(403);
    expect(moved.body).toMatch(/inv-1(&quot;|") is not allowed as \{objectType\}/);
    const r = (await meta(editor.api, 'accounting/receipt/inv-1')).body;
    expect((await editor.api.json(`/files/${r.id}`, { method: 'PATCH', json: { name: 'bad id!' } })).status).toBe(403);
    expect((await editor.api.json(`/files/${r.id}`, { method: 'PATCH', json: { name: 'inv-2' } })).status).toBe(200);
  });

  it('time-stamps stored names when the space asks for it', async () => {
    expect((await owner.json(`/spaces/${store.id}`, { method: 'PATCH', json: { timestamp_names: true } })).status).toBe(200);
    const first = await put(editor.api, 'communications/message/m-1/note.txt', 'one');
    const second = await put(editor.api, 'communications/message/m-1/note.txt', 'two');
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(first.body.path).toMatch(/^\/communications\/message\/m-1\/\d{8}T\d{9}Z_note\.txt$/);
    expect(second.body.id).not.toBe(first.body.id);
    expect((await owner.json(`/spaces/${store.id}`, { method: 'PATCH', json: { timestamp_names: false } })).status).toBe(200);
  });

  it('allowed types are checked by content, not by name; sizes by what arrives', async () => {
    const source = (await owner.json<NodeBody>('/folders', { method: 'POST', json: { parent_id: store.root_folder_id, path: 'app-builder/source', parents: true } })).body;
    const set = await editor.api.json('/folders/' + source.id + '/policy', { method: 'PUT', json: { allowed_extensions: ['zip'], allowed_types: ['application/zip'], max_file_bytes: 1_000 } });
    expect(set.status).toBe(403);
    const policy = await owner.json<{ own: { allowed_types: string[] } }>(`/folders/${source.id}/policy`, { method: 'PUT', json: { allowed_extensions: ['zip'], allowed_types: ['application/zip'], max_file_bytes: 1_000 } });
    expect(policy.status).toBe(200);
    expect(policy.body.own.allowed_types).toEqual(['application/zip']);

    expect((await put(editor.api, 'app-builder/source/app-1/app.zip', zipOf('main.js', 'console.log(1)'))).status).toBe(201);
    const fake = await put(editor.api, 'app-builder/source/app-1/fake.zip', 'just text pretending');
    expect(fake.status).toBe(415);
    expect(fake.body.detail).toMatch(/Only application\/zip content/);
    const wrongName = await put(editor.api, 'app-builder/source/app-1/app.tar', zipOf('a', 'b'));
    expect(wrongName.status).toBe(415);
    expect(wrongName.body.detail).toMatch(/Only \.zip files/);
    // Inherited below; too big by its announced length, and by what arrives when none was announced.
    const effective = await editor.api.json<{ effective: { max_file_bytes: number } }>(`/folders/${(await meta(editor.api, 'app-builder/source/app-1')).body.id}/policy`);
    expect(effective.body.effective.max_file_bytes).toBe(1_000);
    expect((await put(editor.api, 'app-builder/source/app-1/big.zip', zipOf('big', 'x'.repeat(2_000)))).status).toBe(413);
    const chunked = await editor.api.fetch(`/spaces/${store.id}/content/app-builder/source/app-1/streamed.zip`, {
      method: 'PUT',
      body: new ReadableStream({ start: (c) => { c.enqueue(zipOf('big', 'y'.repeat(3_000))); c.close(); } }),
    });
    expect(chunked.status).toBe(413);
    expect((await meta(editor.api, 'app-builder/source/app-1/streamed.zip')).status).toBe(404);
    // WebDAV obeys the same policy.
    expect((await editor.request('PUT', '/Spaces/Store/app-builder/source/app-1/dav.zip', { body: 'not a zip' })).status).toBe(415);
  });

  it('write-once: files are added, never overwritten, renamed, moved out or deleted, but by an org admin, audited', async () => {
    const originals = (await owner.json<NodeBody>('/folders', { method: 'POST', json: { parent_id: store.root_folder_id, path: 'workspace/document/originals', parents: true } })).body;
    expect((await owner.json(`/folders/${originals.id}/policy`, { method: 'PUT', json: { write_once: true } })).status).toBe(200);
    const added = await put(editor.api, 'workspace/document/originals/contract.pdf', 'v1');
    expect(added.status).toBe(201);
    const again = await put(editor.api, 'workspace/document/originals/contract.pdf', 'v2');
    expect(again.status).toBe(403);
    expect(again.body.detail).toMatch(/write-once/);
    expect((await editor.request('PUT', '/Spaces/Store/workspace/document/originals/contract.pdf', { body: 'v3' })).status).toBe(403);
    expect((await editor.request('DELETE', '/Spaces/Store/workspace/document/originals/contract.pdf')).status).toBe(403);
    expect((await editor.request('MOVE', '/Spaces/Store/workspace/document/originals/contract.pdf', { headers: { destination: editor.url('/Spaces/Store/workspace/document/originals/renamed.pdf') } })).status).toBe(403);
    expect((await editor.api.json(`/files/${added.body.id}`, { method: 'DELETE' })).status).toBe(403);
    // The folder itself goes nowhere either, and new files still come in.
    expect((await editor.api.json(`/files/${originals.id}`, { method: 'DELETE' })).status).toBe(403);
    expect((await put(editor.api, 'workspace/document/originals/second.pdf', 'x')).status).toBe(201);
    expect(await (await editor.api.fetch(`/spaces/${store.id}/content/workspace/document/originals/contract.pdf`)).text()).toBe('v1');

    // Overrides: refused to an editor, allowed to an org admin and recorded; lifting the policy likewise.
    expect((await editor.api.json(`/files/${added.body.id}?override_write_once=true`, { method: 'DELETE' })).status).toBe(403);
    expect((await owner.json(`/spaces/${store.id}/members`, { method: 'POST', json: { user: 'ed', role: 'manager' } })).status).toBe(200);
    expect((await editor.api.json(`/folders/${originals.id}/policy`, { method: 'DELETE' })).status).toBe(403);
    expect((await owner.json(`/files/${added.body.id}?override_write_once=true`, { method: 'DELETE' })).status).toBe(204);
    const audit = await owner.json<{ items: { action: string; path: string }[] }>('/orgs/corp/audit?action=policy.write_once.override');
    expect(audit.body.items.map((e) => e.path)).toEqual(['/workspace/document/originals/contract.pdf']);
    expect((await owner.json(`/folders/${originals.id}/policy`, { method: 'DELETE' })).status).toBe(200);
    expect((await put(editor.api, 'workspace/document/originals/second.pdf', 'replaced')).status).toBe(200);
  });
});
