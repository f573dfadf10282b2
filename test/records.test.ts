import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type NodeBody } from './helpers/api.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// Records through real HTTP: a publisher's record types (books), records on their dataset folders,
// checked against the schema with clear errors, filtered and sorted, and archived with the folder.

interface Rec {
  id: string;
  type: string;
  folder: { id: string; name: string };
  data: Record<string, unknown>;
  archived: boolean;
}

const BOOK = {
  type: 'object',
  properties: {
    publisher: { type: 'string' },
    name: { type: 'string' },
    language: { type: 'string', enum: ['en', 'de', 'fr'] },
    category: { type: 'string' },
    version: { type: 'integer', minimum: 1 },
    status: { type: 'string', enum: ['draft', 'published'] },
  },
  required: ['publisher', 'name', 'language', 'version'],
};

describe('records', () => {
  let server: TestServer;
  let admin: Api;
  let owner: Api;
  let editor: Api;
  let viewer: Api;
  let spaceId: string;
  let root: string;
  const folders: Record<string, NodeBody> = {};

  beforeAll(async () => {
    server = await startTestServer();
    admin = await Api.admin(server.url);
    owner = (await admin.createUser('pat', 'pat-password-1')).api;
    editor = (await admin.createUser('eve', 'eve-password-1')).api;
    viewer = (await admin.createUser('vin', 'vin-password-1')).api;
    await admin.json('/orgs', { method: 'POST', json: { slug: 'pub', name: 'Publisher', owner: 'pat' } });
    for (const u of ['eve', 'vin']) await owner.json(`/orgs/pub/members/${u}`, { method: 'PUT', json: { role: 'member' } });
    const space = (await owner.json<{ id: string; root_folder_id: string }>('/orgs/pub/spaces', { method: 'POST', json: { name: 'Catalogue' } })).body;
    spaceId = space.id;
    root = space.root_folder_id;
    await owner.json(`/spaces/${spaceId}/members`, { method: 'POST', json: { user: 'eve', role: 'editor' } });
    await owner.json(`/spaces/${spaceId}/members`, { method: 'POST', json: { user: 'vin', role: 'viewer' } });
    for (const name of ['moby', 'faust', 'candide', 'emma']) {
      folders[name] = (await owner.json<NodeBody>('/folders', { method: 'POST', json: { parent_id: root, name } })).body;
    }
  });
  afterAll(async () => server?.close());

  it("a space's managers define types; schemas are checked", async () => {
    expect((await editor.json(`/spaces/${spaceId}/record-types/book`, { method: 'PUT', json: { schema: BOOK } })).status).toBe(403);
    const bad = await owner.json<{ detail: string }>(`/spaces/${spaceId}/record-types/book`, { method: 'PUT', json: { schema: { type: 'object', properties: { tags: { type: 'array' } } } } });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/string, number, integer or boolean/);
    const ok = await owner.json<{ name: string; title: string }>(`/spaces/${spaceId}/record-types/book`, { method: 'PUT', json: { title: 'Book', schema: BOOK } });
    expect(ok.status).toBe(200);
    expect((await viewer.json<{ items: { name: string }[] }>(`/spaces/${spaceId}/record-types`)).body.items.map((t) => t.name)).toEqual(['book']);
  });

  it('records are made on folders by editors, validated with errors a person can act on', async () => {
    const make = (as: Api, folder: string, data: Record<string, unknown>) => as.json<Rec & { detail?: string }>('/records', { method: 'POST', json: { folder_id: folders[folder]!.id, type: 'book', data } });
    const invalid = await make(editor, 'moby', { publisher: 'Harper', name: 'Moby-Dick', language: 'xx', version: 0, pages: 3 });
    expect(invalid.status).toBe(400);
    expect(invalid.body.detail).toMatch(/"language" must be one of en, de, fr/);
    expect(invalid.body.detail).toMatch(/"pages" is no field of it/);
    expect(invalid.body.detail).toMatch(/"version" must be >= 1/);
    expect((await make(editor, 'moby', { name: 'Moby-Dick' })).body.detail).toMatch(/"publisher" is required/);
    expect((await make(viewer, 'moby', { publisher: 'Harper', name: 'Moby-Dick', language: 'en', version: 1 })).status).toBe(403);

    expect((await make(editor, 'moby', { publisher: 'Harper', name: 'Moby-Dick', language: 'en', version: 3, status: 'published' })).status).toBe(201);
    expect((await make(editor, 'moby', { publisher: 'Harper', name: 'Again', language: 'en', version: 1 })).status).toBe(409);
    await make(editor, 'faust', { publisher: 'Cotta', name: 'Faust', language: 'de', version: 12, status: 'published' });
    await make(editor, 'candide', { publisher: 'Cramer', name: 'Candide', language: 'fr', version: 2, status: 'draft' });
    await make(editor, 'emma', { publisher: 'Murray', name: 'Emma', language: 'en', version: 1, status: 'draft' });
  });

  it('lists filter and sort on fields (numbers as numbers)', async () => {
    const list = (q: string) => viewer.json<{ items: Rec[]; total: number; detail?: string }>(`/spaces/${spaceId}/records?type=book&${q}`);
    expect((await list('sort=version&order=desc')).body.items.map((r) => r.data.name)).toEqual(['Faust', 'Moby-Dick', 'Candide', 'Emma']);
    const english = await list('field.language=en&sort=name');
    expect(english.body.items.map((r) => r.data.name)).toEqual(['Emma', 'Moby-Dick']);
    expect(english.body.total).toBe(2);
    expect((await list('field.status=draft&field.language=fr')).body.items.map((r) => r.folder.name)).toEqual(['candide']);
    expect((await list('sort=pages')).status).toBe(400);
    expect((await list('field.pages=1')).body.detail).toMatch(/no field "pages"/);
    // Outsiders and strangers to the space read none.
    const stranger = (await admin.createUser('sid', 'sid-password-1')).api;
    expect((await stranger.json(`/spaces/${spaceId}/records?type=book`)).status).toBe(404);
  });

  it('changes are validated as a whole; trashing the folder archives the record, restoring brings it back', async () => {
    const emma = (await viewer.json<{ items: Rec[] }>(`/spaces/${spaceId}/records?type=book&field.name=Emma`)).body.items[0]!;
    expect((await editor.json(`/records/${emma.id}`, { method: 'PATCH', json: { data: { language: 'it' } } })).status).toBe(400);
    expect((await editor.json(`/records/${emma.id}`, { method: 'PATCH', json: { data: { version: null } } })).status).toBe(400);
    const changed = await editor.json<Rec>(`/records/${emma.id}`, { method: 'PATCH', json: { data: { status: 'published', version: 2 } } });
    expect(changed.body.data).toMatchObject({ status: 'published', version: 2, name: 'Emma' });
    expect((await viewer.json(`/records/${emma.id}`, { method: 'PATCH', json: { data: { version: 5 } } })).status).toBe(403);

    expect((await editor.json(`/files/${folders.emma!.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await viewer.json<{ total: number }>(`/spaces/${spaceId}/records?type=book`)).body.total).toBe(3);
    const withArchived = await viewer.json<{ items: Rec[] }>(`/spaces/${spaceId}/records?type=book&include_archived=true&field.name=Emma`);
    expect(withArchived.body.items.map((r) => r.archived)).toEqual([true]);
    expect((await editor.json(`/trash/${folders.emma!.id}/restore`, { method: 'POST' })).status).toBe(200);
    const back = await viewer.json<Rec>(`/records/${emma.id}`);
    expect(back.body.archived).toBe(false);
    // Purged with its folder: gone.
    expect((await editor.json(`/files/${folders.candide!.id}`, { method: 'DELETE' })).status).toBe(204);
    const candide = (await viewer.json<{ items: Rec[] }>(`/spaces/${spaceId}/records?type=book&include_archived=true&field.name=Candide`)).body.items[0]!;
    expect((await owner.json(`/trash/${folders.candide!.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await viewer.json(`/records/${candide.id}`)).status).toBe(404);
  });
});
