import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api, NodeBody } from './helpers/api.js';
import { DavUser } from './helpers/dav.js';
import { multistatus } from './helpers/dav-xml.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// The isolation suite: every REST route and WebDAV method, tried by someone with no share (bob),
// a viewer (vera), an editor (eddie) and visitors of public links, on alice's items inside the
// shared folder, on the top of the share and on items just outside it. Each cell of the tables
// below is one test; alice (the owner) runs the same request first as the control, so a 404 for
// the others means "not reachable", not "a broken request". Revocation and expiry are tested at
// the moment they happen, over both doors.
//
// alice's tree:   /Team            shared: vera viewer, eddie editor, public links
//                 /Team/doc.txt
//                 /Team/sub/inner.txt
//                 /Private/secret.txt   just outside (a sibling of Team)
//
// What each role may do comes from src/core/access.ts: no share → 404 on everything of alice's
// (ids of other people's files reveal nothing); viewer → read and list; editor → also write and
// delete inside, but the top of the share is the owner's (no rename, move or delete); re-sharing
// and links need manager. 404 for what the caller cannot reach at all, 403 for what they reach
// but may not do (src/services/access.service.ts).

type Person = 'alice' | 'bob' | 'vera' | 'eddie';
const PEOPLE: readonly Person[] = ['alice', 'bob', 'vera', 'eddie'];
type Target = 'inside' | 'shareRoot' | 'outside';
/** Expected status for alice, bob, vera, eddie; null: not tried (the owner destroying her own share). */
type Cells = readonly [alice: number | null, bob: number | null, vera: number | null, eddie: number | null];

interface Ids {
  aliceRoot: string;
  team: string;
  doc: string;
  docVersion: string;
  sub: string;
  inner: string;
  priv: string;
  secret: string;
  secretVersion: string;
}

/** A new item of alice's: its id and its path from her root ("Team/sub/f-3.txt"). */
interface Fresh {
  id: string;
  rel: string;
  version: string | null;
}

interface Cell {
  who: Person;
  api: Api;
  dav: DavUser;
  ids: Ids;
  /** A name no other cell uses. */
  name(ext?: string): string;
  /** A new file of alice's inside the share (/Team/sub) or just outside it (/Private). */
  aliceFile(where: 'inside' | 'outside'): Promise<Fresh>;
  aliceFolder(where: 'inside' | 'outside'): Promise<Fresh>;
  /** A new file in the acting person's own root. */
  ownFile(): Promise<Fresh>;
  /** The acting person's share of /Team (undefined for alice and bob). */
  shareId(of: 'vera' | 'eddie'): string;
  /** WebDAV path of alice's item `rel` as the acting person reaches it: her own path for alice, "Shared with me" for the others. */
  at(rel: string, collection?: boolean): string;
}

interface Row {
  action: string;
  target: Target;
  cells: Cells;
  run: (c: Cell) => Promise<number>;
  /** Puts back what an allowed cell changed that later cells rely on. */
  after?: (c: Cell, status: number) => Promise<void>;
}

const row = (action: string, target: Target, cells: Cells, run: Row['run'], after?: Row['after']): Row => ({ action, target, cells, run, ...(after ? { after } : {}) });

/** Status of a REST call, with the body read to the end (content and ZIP routes included). */
async function call(api: Api, path: string, init: { method?: string; json?: unknown; body?: string | FormData; headers?: Record<string, string> } = {}): Promise<number> {
  const headers = new Headers(init.headers);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(init.json);
  }
  const res = await api.fetch(path, { method: init.method ?? 'GET', headers, ...(body !== undefined ? { body } : {}) });
  await res.arrayBuffer();
  return res.status;
}

const upload = (api: Api, parent: string, name: string, extra = '') =>
  call(api, `/files?${new URLSearchParams({ parent_id: parent, path: name })}${extra}`, { method: 'POST', body: 'uploaded', headers: { 'content-type': 'application/octet-stream' } });

function multipart(name: string): FormData {
  const form = new FormData();
  form.append('file', new Blob(['multi']), name);
  return form;
}

const enc = (rel: string) => rel.split('/').filter(Boolean).map(encodeURIComponent).join('/');

const LOCK_BODY =
  '<?xml version="1.0" encoding="utf-8"?><d:lockinfo xmlns:d="DAV:"><d:lockscope><d:exclusive/></d:lockscope><d:locktype><d:write/></d:locktype><d:owner>isolation</d:owner></d:lockinfo>';
const PROPPATCH_BODY =
  '<?xml version="1.0" encoding="utf-8"?><d:propertyupdate xmlns:d="DAV:" xmlns:z="urn:coffer-isolation"><d:set><d:prop><z:tag>touched</z:tag></d:prop></d:set></d:propertyupdate>';
const PROPFIND_BODY = '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:resourcetype/></d:prop></d:propfind>';

async function lock(c: Cell, path: string, raw = false): Promise<{ status: number; token: string | undefined }> {
  const r = await c.dav.request('LOCK', path, { headers: { depth: '0', timeout: 'Second-120', 'content-type': 'application/xml' }, body: LOCK_BODY, rawPath: raw });
  const header = r.headers['lock-token'];
  return { status: r.status, token: typeof header === 'string' ? header.replace(/^<|>$/g, '') : undefined };
}

const propfind = (c: Cell, path: string, depth = '0', raw = false) =>
  c.dav.request('PROPFIND', path, { headers: { depth, 'content-type': 'application/xml' }, body: PROPFIND_BODY, rawPath: raw }).then((r) => r.status);

/** alice's path as the WebDAV URL bob would have to guess: her Nextcloud-style files URL. */
const alicesUrl = (rel: string) => `/remote.php/dav/files/alice/${enc(rel)}`;

// ------------------------------------------------------------------------------------------------
// REST, with each person's bearer token.
// ------------------------------------------------------------------------------------------------

const REST: Row[] = [
  // Reading.                                       alice bob  vera eddie
  row('GET /files/:id (doc.txt)', 'inside', [200, 404, 200, 200], (c) => call(c.api, `/files/${c.ids.doc}`)),
  row('GET /files/:id (sub/inner.txt)', 'inside', [200, 404, 200, 200], (c) => call(c.api, `/files/${c.ids.inner}`)),
  row('GET /files/:id', 'shareRoot', [200, 404, 200, 200], (c) => call(c.api, `/files/${c.ids.team}`)),
  row('GET /files/:id (secret.txt)', 'outside', [200, 404, 404, 404], (c) => call(c.api, `/files/${c.ids.secret}`)),
  row('GET /files/:id (/Private)', 'outside', [200, 404, 404, 404], (c) => call(c.api, `/files/${c.ids.priv}`)),
  row("GET /files/:id (alice's top folder)", 'outside', [200, 404, 404, 404], (c) => call(c.api, `/files/${c.ids.aliceRoot}`)),

  row('GET /files/:id/content (doc.txt)', 'inside', [200, 404, 200, 200], (c) => call(c.api, `/files/${c.ids.doc}/content`)),
  row('GET /files/:id/content (sub/inner.txt)', 'inside', [200, 404, 200, 200], (c) => call(c.api, `/files/${c.ids.inner}/content`)),
  // A folder has no content: 409 for whoever can see it, 404 (not 409) for bob.
  row('GET /files/:id/content (a folder)', 'shareRoot', [409, 404, 409, 409], (c) => call(c.api, `/files/${c.ids.team}/content`)),
  row('GET /files/:id/content (secret.txt)', 'outside', [200, 404, 404, 404], (c) => call(c.api, `/files/${c.ids.secret}/content`)),

  row('GET /files/:id/versions', 'inside', [200, 404, 200, 200], (c) => call(c.api, `/files/${c.ids.doc}/versions`)),
  row('GET /files/:id/versions (a folder)', 'shareRoot', [409, 404, 409, 409], (c) => call(c.api, `/files/${c.ids.team}/versions`)),
  row('GET /files/:id/versions', 'outside', [200, 404, 404, 404], (c) => call(c.api, `/files/${c.ids.secret}/versions`)),
  row('GET /files/:id/versions/:v/content', 'inside', [200, 404, 200, 200], (c) => call(c.api, `/files/${c.ids.doc}/versions/${c.ids.docVersion}/content`)),
  // A version id names a version of its own file only: doc.txt's id with secret.txt's version.
  row("GET /files/:id/versions/:v/content (doc.txt, secret.txt's version)", 'outside', [404, 404, 404, 404], (c) => call(c.api, `/files/${c.ids.doc}/versions/${c.ids.secretVersion}/content`)),
  row("POST /files/:id/links (doc.txt, secret.txt's version)", 'outside', [404, 404, 404, 404], (c) => call(c.api, `/files/${c.ids.doc}/links`, { method: 'POST', json: { version_id: c.ids.secretVersion } })),
  row('GET /files/:id/versions/:v/content', 'outside', [200, 404, 404, 404], (c) => call(c.api, `/files/${c.ids.secret}/versions/${c.ids.secretVersion}/content`)),

  row('GET /folders/:id/children (sub)', 'inside', [200, 404, 200, 200], (c) => call(c.api, `/folders/${c.ids.sub}/children`)),
  row('GET /folders/:id/children', 'shareRoot', [200, 404, 200, 200], (c) => call(c.api, `/folders/${c.ids.team}/children`)),
  row('GET /folders/:id/children (/Private)', 'outside', [200, 404, 404, 404], (c) => call(c.api, `/folders/${c.ids.priv}/children`)),
  row("GET /folders/:id/children (alice's top folder)", 'outside', [200, 404, 404, 404], (c) => call(c.api, `/folders/${c.ids.aliceRoot}/children`)),

  row('GET /folders/:id/zip (sub)', 'inside', [200, 404, 200, 200], (c) => call(c.api, `/folders/${c.ids.sub}/zip`)),
  row('GET /folders/:id/zip', 'shareRoot', [200, 404, 200, 200], (c) => call(c.api, `/folders/${c.ids.team}/zip`)),
  row('GET /folders/:id/zip (/Private)', 'outside', [200, 404, 404, 404], (c) => call(c.api, `/folders/${c.ids.priv}/zip`)),
  row("GET /folders/:id/zip (alice's top folder)", 'outside', [200, 404, 404, 404], (c) => call(c.api, `/folders/${c.ids.aliceRoot}/zip`)),
  row('POST /zip [doc.txt, sub]', 'inside', [200, 404, 200, 200], (c) => call(c.api, '/zip', { method: 'POST', json: { ids: [c.ids.doc, c.ids.sub] } })),
  row('POST /zip [Team]', 'shareRoot', [200, 404, 200, 200], (c) => call(c.api, '/zip', { method: 'POST', json: { ids: [c.ids.team] } })),
  row('POST /zip [secret.txt]', 'outside', [200, 404, 404, 404], (c) => call(c.api, '/zip', { method: 'POST', json: { ids: [c.ids.secret] } })),
  // One id outside the share spoils the whole selection.
  row('POST /zip [doc.txt, secret.txt]', 'outside', [200, 404, 404, 404], (c) => call(c.api, '/zip', { method: 'POST', json: { ids: [c.ids.doc, c.ids.secret] } })),

  // A path resolves from the caller's own top folder: alice's path names nothing of the others'.
  row("GET /resolve (alice's path /Team/doc.txt)", 'inside', [200, 404, 404, 404], (c) => call(c.api, `/resolve?path=${encodeURIComponent('/Team/doc.txt')}`)),
  // The path the API shows recipients resolves for them, and for nobody else.
  row('GET /resolve (the path shown: /Shared with me/Team/doc.txt)', 'inside', [null, 404, 200, 200], (c) => call(c.api, `/resolve?path=${encodeURIComponent('/Shared with me/Team/doc.txt')}`)),
  row("GET /resolve (alice's path /Private/secret.txt)", 'outside', [200, 404, 404, 404], (c) => call(c.api, `/resolve?path=${encodeURIComponent('/Private/secret.txt')}`)),

  row('POST /files/:id/links (file ticket)', 'inside', [200, 404, 200, 200], (c) => call(c.api, `/files/${c.ids.doc}/links`, { method: 'POST', json: {} })),
  row('POST /files/:id/links (file ticket of a folder)', 'shareRoot', [400, 404, 400, 400], (c) => call(c.api, `/files/${c.ids.team}/links`, { method: 'POST', json: {} })),
  row('POST /files/:id/links (file ticket)', 'outside', [200, 404, 404, 404], (c) => call(c.api, `/files/${c.ids.secret}/links`, { method: 'POST', json: {} })),

  // Adding.
  row('POST /files (into sub)', 'inside', [201, 404, 403, 201], (c) => upload(c.api, c.ids.sub, c.name('.txt'))),
  row('POST /files (into Team)', 'shareRoot', [201, 404, 403, 201], (c) => upload(c.api, c.ids.team, c.name('.txt'))),
  row('POST /files (into /Private)', 'outside', [201, 404, 404, 404], (c) => upload(c.api, c.ids.priv, c.name('.txt'))),
  row("POST /files (into alice's top folder)", 'outside', [201, 404, 404, 404], (c) => upload(c.api, c.ids.aliceRoot, c.name('.txt'))),
  row('POST /files (a relative path creating folders in Team)', 'shareRoot', [201, 404, 403, 201], (c) => upload(c.api, c.ids.team, `${c.name()}/deeper/${c.name('.txt')}`)),
  row('POST /files?overwrite (a new version)', 'inside', [200, 404, 403, 200], async (c) => {
    const f = await c.aliceFile('inside');
    return upload(c.api, c.ids.sub, f.rel.split('/').at(-1)!, '&overwrite=true');
  }),
  row('POST /files?overwrite (a new version)', 'outside', [200, 404, 404, 404], async (c) => {
    const f = await c.aliceFile('outside');
    return upload(c.api, c.ids.priv, f.rel.split('/').at(-1)!, '&overwrite=true');
  }),
  row('POST /files/multipart (into sub)', 'inside', [201, 404, 403, 201], (c) => call(c.api, `/files/multipart?parent_id=${c.ids.sub}`, { method: 'POST', body: multipart(c.name('.txt')) })),
  row('POST /files/multipart (into /Private)', 'outside', [201, 404, 404, 404], (c) => call(c.api, `/files/multipart?parent_id=${c.ids.priv}`, { method: 'POST', body: multipart(c.name('.txt')) })),

  row('POST /folders (in sub)', 'inside', [201, 404, 403, 201], (c) => call(c.api, '/folders', { method: 'POST', json: { parent_id: c.ids.sub, name: c.name() } })),
  row('POST /folders (in Team)', 'shareRoot', [201, 404, 403, 201], (c) => call(c.api, '/folders', { method: 'POST', json: { parent_id: c.ids.team, name: c.name() } })),
  row('POST /folders (in /Private)', 'outside', [201, 404, 404, 404], (c) => call(c.api, '/folders', { method: 'POST', json: { parent_id: c.ids.priv, name: c.name() } })),

  // Renaming, moving, copying, deleting.
  row('PATCH /files/:id {name} (a file)', 'inside', [200, 404, 403, 200], async (c) => call(c.api, `/files/${(await c.aliceFile('inside')).id}`, { method: 'PATCH', json: { name: c.name('.txt') } })),
  row('PATCH /files/:id {name} (a folder)', 'inside', [200, 404, 403, 200], async (c) => call(c.api, `/files/${(await c.aliceFolder('inside')).id}`, { method: 'PATCH', json: { name: c.name() } })),
  row('PATCH /files/:id {name}', 'shareRoot', [null, 404, 403, 403], (c) => call(c.api, `/files/${c.ids.team}`, { method: 'PATCH', json: { name: 'Mine now' } })),
  row('PATCH /files/:id {name}', 'outside', [200, 404, 404, 404], async (c) => call(c.api, `/files/${(await c.aliceFile('outside')).id}`, { method: 'PATCH', json: { name: c.name('.txt') } })),

  row('PATCH /files/:id {parent_id} (sub → Team)', 'inside', [200, 404, 403, 200], async (c) => call(c.api, `/files/${(await c.aliceFile('inside')).id}`, { method: 'PATCH', json: { parent_id: c.ids.team } })),
  // Between spaces (out of the share into one's own, or in): a copy counted where it lands, and the
  // original in its owner's trash. An editor may; a viewer may not delete, so may not move.
  row('PATCH /files/:id {parent_id: root} (out of the share)', 'inside', [200, 404, 403, 200], async (c) => call(c.api, `/files/${(await c.aliceFile('inside')).id}`, { method: 'PATCH', json: { parent_id: 'root' } })),
  row('PATCH /files/:id {parent_id: /Private} (to just outside)', 'inside', [200, 404, 403, 404], async (c) => call(c.api, `/files/${(await c.aliceFile('inside')).id}`, { method: 'PATCH', json: { parent_id: c.ids.priv } })),
  row('PATCH /files/:id {parent_id: Team} (the own file into the share)', 'shareRoot', [200, 404, 403, 200], async (c) => call(c.api, `/files/${(await c.ownFile()).id}`, { method: 'PATCH', json: { parent_id: c.ids.team } })),
  row('PATCH /files/:id {parent_id: sub}', 'shareRoot', [null, 404, 403, 403], (c) => call(c.api, `/files/${c.ids.team}`, { method: 'PATCH', json: { parent_id: c.ids.sub } })),
  row('PATCH /files/:id {parent_id: Team} (from just outside)', 'outside', [200, 404, 404, 404], async (c) => call(c.api, `/files/${(await c.aliceFile('outside')).id}`, { method: 'PATCH', json: { parent_id: c.ids.team } })),

  row('POST /files/:id/copy (doc.txt → Team)', 'inside', [201, 404, 403, 201], (c) => call(c.api, `/files/${c.ids.doc}/copy`, { method: 'POST', json: { parent_id: c.ids.team, name: c.name('.txt') } })),
  // Reading is enough to copy into one's own space (a download, kept).
  row('POST /files/:id/copy (doc.txt → own root)', 'inside', [201, 404, 201, 201], (c) => call(c.api, `/files/${c.ids.doc}/copy`, { method: 'POST', json: { parent_id: 'root', name: c.name('.txt') } })),
  row('POST /files/:id/copy (doc.txt → /Private)', 'inside', [201, 404, 404, 404], (c) => call(c.api, `/files/${c.ids.doc}/copy`, { method: 'POST', json: { parent_id: c.ids.priv, name: c.name('.txt') } })),
  row('POST /files/:id/copy (Team → own root)', 'shareRoot', [201, 404, 201, 201], (c) => call(c.api, `/files/${c.ids.team}/copy`, { method: 'POST', json: { parent_id: 'root', name: c.name() } })),
  row('POST /files/:id/copy (own file → Team)', 'shareRoot', [201, 404, 403, 201], async (c) => call(c.api, `/files/${(await c.ownFile()).id}/copy`, { method: 'POST', json: { parent_id: c.ids.team } })),
  row('POST /files/:id/copy (secret.txt → own root)', 'outside', [201, 404, 404, 404], (c) => call(c.api, `/files/${c.ids.secret}/copy`, { method: 'POST', json: { parent_id: 'root', name: c.name('.txt') } })),

  row('DELETE /files/:id (a file)', 'inside', [204, 404, 403, 204], async (c) => call(c.api, `/files/${(await c.aliceFile('inside')).id}`, { method: 'DELETE' })),
  row('DELETE /files/:id (a folder)', 'inside', [204, 404, 403, 204], async (c) => call(c.api, `/files/${(await c.aliceFolder('inside')).id}`, { method: 'DELETE' })),
  row('DELETE /files/:id', 'shareRoot', [null, 404, 403, 403], (c) => call(c.api, `/files/${c.ids.team}`, { method: 'DELETE' })),
  row('DELETE /files/:id', 'outside', [204, 404, 404, 404], async (c) => call(c.api, `/files/${(await c.aliceFile('outside')).id}`, { method: 'DELETE' })),

  row('POST /files/:id/versions/:v/restore', 'inside', [200, 404, 403, 200], async (c) => {
    const f = await c.aliceFile('inside');
    return call(c.api, `/files/${f.id}/versions/${f.version}/restore`, { method: 'POST' });
  }),
  row("POST /files/:id/versions/:v/restore (a file in sub, secret.txt's version)", 'outside', [404, 404, 403, 404], async (c) =>
    call(c.api, `/files/${(await c.aliceFile('inside')).id}/versions/${c.ids.secretVersion}/restore`, { method: 'POST' }),
  ),
  row('POST /files/:id/versions/:v/restore', 'outside', [200, 404, 404, 404], async (c) => {
    const f = await c.aliceFile('outside');
    return call(c.api, `/files/${f.id}/versions/${f.version}/restore`, { method: 'POST' });
  }),

  // The trash is the owner's: what an editor deletes lands there, out of the editor's reach.
  row('POST /trash/:id/restore (an item trashed from Team)', 'inside', [200, 404, 404, 404], async (c) => {
    const f = await c.aliceFile('inside');
    expect(await call(alice.api, `/files/${f.id}`, { method: 'DELETE' })).toBe(204);
    return call(c.api, `/trash/${f.id}/restore`, { method: 'POST' });
  }),
  row('DELETE /trash/:id (an item trashed from Team)', 'inside', [204, 404, 404, 404], async (c) => {
    const f = await c.aliceFile('inside');
    expect(await call(alice.api, `/files/${f.id}`, { method: 'DELETE' })).toBe(204);
    return call(c.api, `/trash/${f.id}`, { method: 'DELETE' });
  }),

  // Sharing further and links: manager and up.
  row('POST /shares (re-share to carl)', 'inside', [201, 404, 403, 403], async (c) => call(c.api, '/shares', { method: 'POST', json: { node_id: (await c.aliceFile('inside')).id, recipient: 'carl', role: 'viewer' } })),
  row('POST /shares (re-share to carl)', 'shareRoot', [201, 404, 403, 403], (c) => call(c.api, '/shares', { method: 'POST', json: { node_id: c.ids.team, recipient: 'carl', role: 'viewer' } }), async (c, status) => {
    if (status !== 201) return;
    const mine = await alice.api.json<{ items: { id: string; recipient: { username: string } }[] }>(`/shares?node_id=${c.ids.team}`);
    for (const s of mine.body.items) if (s.recipient.username === 'carl') await call(alice.api, `/shares/${s.id}`, { method: 'DELETE' });
  }),
  row('POST /shares (re-share to carl)', 'outside', [201, 404, 404, 404], async (c) => call(c.api, '/shares', { method: 'POST', json: { node_id: (await c.aliceFile('outside')).id, recipient: 'carl', role: 'viewer' } })),
  row('GET /shares?node_id', 'inside', [200, 404, 403, 403], (c) => call(c.api, `/shares?node_id=${c.ids.doc}`)),
  row('GET /shares?node_id', 'shareRoot', [200, 404, 403, 403], (c) => call(c.api, `/shares?node_id=${c.ids.team}`)),
  row('GET /shares?node_id', 'outside', [200, 404, 404, 404], (c) => call(c.api, `/shares?node_id=${c.ids.secret}`)),
  // Raising one's own role: the recipient sees the share (GET /shares/:id answers), so 403, not 404.
  row('PATCH /shares/:id (the own share, one role up)', 'shareRoot', [200, 404, 403, 403], (c) => {
    const [id, role] = c.who === 'eddie' ? [c.shareId('eddie'), 'manager'] : [c.shareId('vera'), c.who === 'alice' ? 'viewer' : 'editor'];
    return call(c.api, `/shares/${id}`, { method: 'PATCH', json: { role } });
  }),
  // Who can see the item but not share it may not look at or change its shares and links (403);
  // who cannot see it learns nothing (404).
  row("GET /shares/:id (someone else's share of Team)", 'shareRoot', [200, 404, 403, 403], (c) => call(c.api, `/shares/${c.shareId(c.who === 'vera' ? 'eddie' : 'vera')}`)),
  row("DELETE /shares/:id (someone else's share of Team)", 'shareRoot', [null, 404, 403, 403], (c) => call(c.api, `/shares/${c.shareId(c.who === 'vera' ? 'eddie' : 'vera')}`, { method: 'DELETE' })),

  row('POST /links', 'inside', [201, 404, 403, 403], (c) => call(c.api, '/links', { method: 'POST', json: { node_id: c.ids.doc, permission: 'read' } })),
  row('POST /links', 'shareRoot', [201, 404, 403, 403], (c) => call(c.api, '/links', { method: 'POST', json: { node_id: c.ids.team, permission: 'read' } })),
  row('POST /links (upload)', 'shareRoot', [201, 404, 403, 403], (c) => call(c.api, '/links', { method: 'POST', json: { node_id: c.ids.team, permission: 'upload' } })),
  row('POST /links', 'outside', [201, 404, 404, 404], (c) => call(c.api, '/links', { method: 'POST', json: { node_id: c.ids.priv, permission: 'read' } })),
  row('GET /links?node_id', 'inside', [200, 404, 403, 403], (c) => call(c.api, `/links?node_id=${c.ids.doc}`)),
  row('GET /links?node_id', 'shareRoot', [200, 404, 403, 403], (c) => call(c.api, `/links?node_id=${c.ids.team}`)),
  row('GET /links?node_id', 'outside', [200, 404, 404, 404], (c) => call(c.api, `/links?node_id=${c.ids.priv}`)),
  row("GET /links/:id (alice's link of Team)", 'shareRoot', [200, 404, 403, 403], (c) => call(c.api, `/links/${links.read.id}`)),
  row("PATCH /links/:id (alice's link of Team)", 'shareRoot', [200, 404, 403, 403], (c) => call(c.api, `/links/${links.read.id}`, { method: 'PATCH', json: { name: `renamed by ${c.who}` } })),
  row("DELETE /links/:id (a link alice made of doc.txt)", 'inside', [204, 404, 403, 403], async (c) => {
    const made = await alice.api.json<{ id: string }>('/links', { method: 'POST', json: { node_id: c.ids.doc, permission: 'read' } });
    return call(c.api, `/links/${made.body.id}`, { method: 'DELETE' });
  }),
  row("DELETE /links/:id (a link alice made of /Private)", 'outside', [204, 404, 404, 404], async (c) => {
    const made = await alice.api.json<{ id: string }>('/links', { method: 'POST', json: { node_id: c.ids.priv, permission: 'read' } });
    return call(c.api, `/links/${made.body.id}`, { method: 'DELETE' });
  }),
];

// ------------------------------------------------------------------------------------------------
// WebDAV, with each person's app password. alice reaches her items at /dav/Team/…; vera and eddie
// at /dav/Shared with me/Team/…; bob tries the same share path, alice's own paths (in his own
// tree) and alice's Nextcloud-style URL.
// ------------------------------------------------------------------------------------------------

/** A Destination header naming a path below /dav (already encoded, as `Cell.at` gives it). */
const dest = (davPath: string) => ({ destination: `${server.url}/dav${davPath}` });
const own = (rel: string, collection = false) => `/${enc(rel)}${collection ? '/' : ''}`;

const DAV_ROWS: Row[] = [
  // Reading.                                                alice bob  vera eddie
  row('PROPFIND Depth 0 (doc.txt)', 'inside', [207, 404, 207, 207], (c) => propfind(c, c.at('Team/doc.txt'))),
  row('PROPFIND Depth 1 (sub/)', 'inside', [207, 404, 207, 207], (c) => propfind(c, c.at('Team/sub', true), '1')),
  row('PROPFIND Depth 1', 'shareRoot', [207, 404, 207, 207], (c) => propfind(c, c.at('Team', true), '1')),
  row("PROPFIND (alice's path /Private/secret.txt)", 'outside', [207, 404, 404, 404], (c) => propfind(c, '/Private/secret.txt')),
  row('PROPFIND (/Shared with me/Private/secret.txt)', 'outside', [404, 404, 404, 404], (c) => propfind(c, `/${enc('Shared with me/Private/secret.txt')}`)),
  row("PROPFIND (alice's Nextcloud URL of Team/doc.txt)", 'inside', [207, 403, 403, 403], (c) => propfind(c, alicesUrl('Team/doc.txt'), '0', true)),
  row("PROPFIND (alice's Nextcloud URL of Private/secret.txt)", 'outside', [207, 403, 403, 403], (c) => propfind(c, alicesUrl('Private/secret.txt'), '0', true)),

  row('GET (doc.txt)', 'inside', [200, 404, 200, 200], async (c) => (await c.dav.request('GET', c.at('Team/doc.txt'))).status),
  row('GET (sub/inner.txt)', 'inside', [200, 404, 200, 200], async (c) => (await c.dav.request('GET', c.at('Team/sub/inner.txt'))).status),
  row("GET (alice's path /Private/secret.txt)", 'outside', [200, 404, 404, 404], async (c) => (await c.dav.request('GET', '/Private/secret.txt')).status),
  row("GET (alice's Nextcloud URL of Private/secret.txt)", 'outside', [200, 403, 403, 403], async (c) => (await c.dav.request('GET', alicesUrl('Private/secret.txt'), { rawPath: true })).status),

  // Writing. bob's share path has no parent in his tree: 409, as for any missing parent.
  row('PUT (overwrite a file in sub)', 'inside', [204, 409, 403, 204], async (c) => (await c.dav.request('PUT', c.at((await c.aliceFile('inside')).rel), { body: 'changed' })).status),
  row('PUT (a new file in sub)', 'inside', [201, 409, 403, 201], async (c) => (await c.dav.request('PUT', c.at(`Team/sub/${c.name('.txt')}`), { body: 'new' })).status),
  row('PUT (a new file in Team)', 'shareRoot', [201, 409, 403, 201], async (c) => (await c.dav.request('PUT', c.at(`Team/${c.name('.txt')}`), { body: 'new' })).status),
  row("PUT (alice's path of a file in /Private)", 'outside', [204, 409, 409, 409], async (c) => (await c.dav.request('PUT', `/${enc((await c.aliceFile('outside')).rel)}`, { body: 'changed' })).status),
  row("PUT (alice's Nextcloud URL of a file in /Private)", 'outside', [204, 403, 403, 403], async (c) => (await c.dav.request('PUT', alicesUrl((await c.aliceFile('outside')).rel), { body: 'changed', rawPath: true })).status),

  row('MKCOL (in sub)', 'inside', [201, 409, 403, 201], async (c) => (await c.dav.request('MKCOL', c.at(`Team/sub/${c.name()}`, true))).status),
  row('MKCOL (in Team)', 'shareRoot', [201, 409, 403, 201], async (c) => (await c.dav.request('MKCOL', c.at(`Team/${c.name()}`, true))).status),
  row("MKCOL (alice's path, in /Private)", 'outside', [201, 409, 409, 409], async (c) => (await c.dav.request('MKCOL', `/${enc(`Private/${c.name()}`)}/`)).status),

  row('DELETE (a file in sub)', 'inside', [204, 404, 403, 204], async (c) => (await c.dav.request('DELETE', c.at((await c.aliceFile('inside')).rel))).status),
  row('DELETE (a folder in sub)', 'inside', [204, 404, 403, 204], async (c) => (await c.dav.request('DELETE', c.at((await c.aliceFolder('inside')).rel, true))).status),
  // In "Shared with me", deleting the top of a share leaves it (put back afterwards).
  row('DELETE (leaves the share)', 'shareRoot', [null, 404, 204, 204], async (c) => (await c.dav.request('DELETE', c.at('Team', true))).status, async (c, status) => {
    if (status === 204 && (c.who === 'vera' || c.who === 'eddie')) await reshare(c.who);
  }),
  row("DELETE (alice's path of a file in /Private)", 'outside', [204, 404, 404, 404], async (c) => (await c.dav.request('DELETE', `/${enc((await c.aliceFile('outside')).rel)}`)).status),
  row("DELETE (alice's Nextcloud URL of a file in /Private)", 'outside', [204, 403, 403, 403], async (c) => (await c.dav.request('DELETE', alicesUrl((await c.aliceFile('outside')).rel), { rawPath: true })).status),

  row('MOVE (rename in sub)', 'inside', [201, 404, 403, 201], async (c) => {
    const f = await c.aliceFile('inside');
    return (await c.dav.request('MOVE', c.at(f.rel), { headers: dest(c.at(`Team/sub/${c.name('.txt')}`)) })).status;
  }),
  row('MOVE (sub → Team)', 'inside', [201, 404, 403, 201], async (c) => {
    const f = await c.aliceFile('inside');
    return (await c.dav.request('MOVE', c.at(f.rel), { headers: dest(c.at(`Team/${c.name('.txt')}`)) })).status;
  }),
  row('MOVE (out of the share into the own root)', 'inside', [201, 404, 403, 201], async (c) => {
    const f = await c.aliceFile('inside');
    return (await c.dav.request('MOVE', c.at(f.rel), { headers: dest(own(c.name('.txt'))) })).status;
  }),
  row('MOVE (an own file into Team)', 'shareRoot', [201, 409, 403, 201], async (c) => {
    const f = await c.ownFile();
    return (await c.dav.request('MOVE', `/${enc(f.rel)}`, { headers: dest(c.at(`Team/${c.name('.txt')}`)) })).status;
  }),
  row('MOVE (rename the share)', 'shareRoot', [null, 404, 403, 403], async (c) => (await c.dav.request('MOVE', c.at('Team', true), { headers: dest(c.at('Team renamed', true)) })).status),
  row('MOVE (the share into the own root)', 'shareRoot', [null, 404, 403, 403], async (c) => (await c.dav.request('MOVE', c.at('Team', true), { headers: dest(own(c.name(), true)) })).status),
  row("MOVE (alice's path of a file in /Private)", 'outside', [201, 404, 404, 404], async (c) => {
    const f = await c.aliceFile('outside');
    return (await c.dav.request('MOVE', `/${enc(f.rel)}`, { headers: dest(own(`Private/${c.name('.txt')}`)) })).status;
  }),

  row('COPY (doc.txt → sub)', 'inside', [201, 404, 403, 201], async (c) => (await c.dav.request('COPY', c.at('Team/doc.txt'), { headers: dest(c.at(`Team/sub/${c.name('.txt')}`)) })).status),
  row('COPY (doc.txt → own root)', 'inside', [201, 404, 201, 201], async (c) => (await c.dav.request('COPY', c.at('Team/doc.txt'), { headers: dest(own(c.name('.txt'))) })).status),
  row('COPY (Team → own root)', 'shareRoot', [201, 404, 201, 201], async (c) => (await c.dav.request('COPY', c.at('Team', true), { headers: dest(own(c.name(), true)) })).status),
  row('COPY (an own file into Team)', 'shareRoot', [201, 409, 403, 201], async (c) => {
    const f = await c.ownFile();
    return (await c.dav.request('COPY', `/${enc(f.rel)}`, { headers: dest(c.at(`Team/${c.name('.txt')}`)) })).status;
  }),
  // A Destination in someone else's Nextcloud-style URL is refused before anything else.
  row("COPY (doc.txt → alice's Nextcloud URL of /Private)", 'outside', [201, 403, 403, 403], async (c) =>
    (await c.dav.request('COPY', c.at('Team/doc.txt'), { headers: { destination: `${server.url}${alicesUrl(`Private/${c.name('.txt')}`)}` } })).status,
  ),
  row("COPY (alice's path /Private/secret.txt → own root)", 'outside', [201, 404, 404, 404], async (c) => (await c.dav.request('COPY', '/Private/secret.txt', { headers: dest(own(c.name('.txt'))) })).status),

  // A write lock is a write: a viewer may not take one. Locks are kept in the owner's space, so a
  // viewer's lock would hold off alice and eddie: see "PUT … vera tried to lock" below.
  row('LOCK (a file in sub)', 'inside', [200, 409, 403, 200], async (c) => (await lock(c, c.at((await c.aliceFile('inside')).rel))).status),
  row('LOCK (a new name in sub: creates the file)', 'inside', [201, 409, 403, 201], async (c) => (await lock(c, c.at(`Team/sub/${c.name('.txt')}`))).status),
  row("LOCK (alice's path of a file in /Private)", 'outside', [200, 409, 409, 409], async (c) => (await lock(c, `/${enc((await c.aliceFile('outside')).rel)}`)).status),
  row("LOCK (alice's Nextcloud URL of a file in /Private)", 'outside', [200, 403, 403, 403], async (c) => (await lock(c, alicesUrl((await c.aliceFile('outside')).rel), true)).status),
  // vera has no lock of her own to give back (she may not take one: the row above).
  row('UNLOCK (the own lock of a file in sub)', 'inside', [204, 404, null, 204], async (c) => {
    const f = await c.aliceFile('inside');
    const l = await lock(c, c.at(f.rel));
    return (await c.dav.request('UNLOCK', c.at(f.rel), { headers: { 'lock-token': `<${l.token ?? 'opaquelocktoken:00000000-0000-0000-0000-000000000000'}>` } })).status;
  }),
  // Nobody removes alice's lock but alice.
  row("UNLOCK (alice's lock of a file in sub)", 'inside', [204, 404, 403, 403], async (c) => {
    const f = await c.aliceFile('inside');
    const l = await lock(c.who === 'alice' ? c : { ...c, dav: aliceDav }, `/${enc(f.rel)}`);
    expect(l.status).toBe(200);
    return (await c.dav.request('UNLOCK', c.at(f.rel), { headers: { 'lock-token': `<${l.token}>` } })).status;
  }),
  // A lock alice holds keeps others from changing the file, whichever path they reach it by (the
  // protocol checks locks before the backend checks the role, so vera hears 423 rather than 403).
  row('PUT without the token (a file in sub alice locked)', 'inside', [423, 409, 423, 423], async (c) => {
    const f = await c.aliceFile('inside');
    expect((await lock({ ...c, dav: aliceDav }, `/${enc(f.rel)}`)).status).toBe(200);
    return (await c.dav.request('PUT', c.at(f.rel), { body: 'over the lock' })).status;
  }),
  // What a viewer's LOCK must not do: hold off the owner and the editors. vera herself is not
  // tried: her writes are 403 in every other row.
  row('PUT (a file in sub vera tried to lock)', 'inside', [204, 409, null, 204], async (c) => {
    const f = await c.aliceFile('inside');
    await lock({ ...c, dav: users.vera }, c.who === 'alice' ? `/${enc(`Shared with me/${f.rel}`)}` : c.at(f.rel));
    return (await c.dav.request('PUT', c.at(f.rel), { body: 'after vera' })).status;
  }),

  row('PROPPATCH (a file in sub)', 'inside', [207, 404, 403, 207], async (c) => (await c.dav.request('PROPPATCH', c.at((await c.aliceFile('inside')).rel), { headers: { 'content-type': 'application/xml' }, body: PROPPATCH_BODY })).status),
  row('PROPPATCH', 'shareRoot', [207, 404, 403, 207], async (c) => (await c.dav.request('PROPPATCH', c.at('Team', true), { headers: { 'content-type': 'application/xml' }, body: PROPPATCH_BODY })).status),
  row("PROPPATCH (alice's path of a file in /Private)", 'outside', [207, 404, 404, 404], async (c) => (await c.dav.request('PROPPATCH', `/${enc((await c.aliceFile('outside')).rel)}`, { headers: { 'content-type': 'application/xml' }, body: PROPPATCH_BODY })).status),
];

// ------------------------------------------------------------------------------------------------
// Public links on /Team, through the public routes, without an account.
// ------------------------------------------------------------------------------------------------

type Visitor = 'read' | 'upload' | 'readWrite' | 'locked' | 'unlocked';
const VISITORS: readonly Visitor[] = ['read', 'upload', 'readWrite', 'locked', 'unlocked'];
/** read, upload, read-write, a password link without its session, the same with it. */
type VisitorCells = readonly [read: number, upload: number, readWrite: number, locked: number, unlocked: number];

interface Visit {
  visitor: Visitor;
  token: string;
  ids: Ids;
  name(ext?: string): string;
  /** A public route ("/api/v1/s/…" or "/s/…") with this visitor's session, if any. */
  get(path: string, init?: { method?: string; body?: string; headers?: Record<string, string> }): Promise<number>;
}
interface LinkRow {
  action: string;
  cells: VisitorCells;
  run: (v: Visit) => Promise<number>;
}
const lrow = (action: string, cells: VisitorCells, run: LinkRow['run']): LinkRow => ({ action, cells, run });
const linkUpload = (v: Visit, q: Record<string, string>) =>
  v.get(`/api/v1/s/${v.token}/files?${new URLSearchParams(q)}`, { method: 'POST', body: 'dropped', headers: { 'content-type': 'application/octet-stream' } });

const LINK_ROWS: LinkRow[] = [
  //                                                              read upl  rw  locked unlocked
  lrow('GET /api/v1/s/:token (info)', [200, 200, 200, 200, 200], (v) => v.get(`/api/v1/s/${v.token}`)),
  lrow('GET children (the top)', [200, 403, 200, 401, 200], (v) => v.get(`/api/v1/s/${v.token}/children`)),
  lrow('GET children?folder_id=sub', [200, 403, 200, 401, 200], (v) => v.get(`/api/v1/s/${v.token}/children?folder_id=${v.ids.sub}`)),
  lrow('GET children?folder_id=/Private (outside)', [404, 403, 404, 401, 404], (v) => v.get(`/api/v1/s/${v.token}/children?folder_id=${v.ids.priv}`)),
  lrow("GET children?folder_id=alice's top folder", [404, 403, 404, 401, 404], (v) => v.get(`/api/v1/s/${v.token}/children?folder_id=${v.ids.aliceRoot}`)),
  lrow('GET children?folder_id=root', [404, 403, 404, 401, 404], (v) => v.get(`/api/v1/s/${v.token}/children?folder_id=root`)),

  lrow('POST files (into the top)', [403, 201, 201, 401, 403], (v) => linkUpload(v, { path: v.name('.txt') })),
  lrow('POST files?folder_id=sub', [403, 201, 201, 401, 403], (v) => linkUpload(v, { path: v.name('.txt'), folder_id: v.ids.sub })),
  lrow('POST files?folder_id=/Private (outside)', [404, 404, 404, 401, 404], (v) => linkUpload(v, { path: v.name('.txt'), folder_id: v.ids.priv })),
  lrow("POST files?folder_id=alice's top folder", [404, 404, 404, 401, 404], (v) => linkUpload(v, { path: v.name('.txt'), folder_id: v.ids.aliceRoot })),
  lrow('POST files?folder_id=root', [404, 404, 404, 401, 404], (v) => linkUpload(v, { path: v.name('.txt'), folder_id: 'root' })),
  lrow('POST files?path=../escape.txt', [400, 400, 400, 401, 400], (v) => linkUpload(v, { path: `../${v.name('.txt')}` })),

  lrow('GET /s/:token/download', [200, 403, 200, 401, 200], (v) => v.get(`/s/${v.token}/download`)),
  lrow('GET /s/:token/files/:id/content (doc.txt)', [200, 403, 200, 401, 200], (v) => v.get(`/s/${v.token}/files/${v.ids.doc}/content`)),
  lrow('GET /s/:token/files/:id/content (sub/inner.txt)', [200, 403, 200, 401, 200], (v) => v.get(`/s/${v.token}/files/${v.ids.inner}/content`)),
  lrow('GET /s/:token/files/:id/content (secret.txt, outside)', [404, 404, 404, 401, 404], (v) => v.get(`/s/${v.token}/files/${v.ids.secret}/content`)),
  lrow('GET /s/:token/folders/:id/zip (Team)', [200, 403, 200, 401, 200], (v) => v.get(`/s/${v.token}/folders/${v.ids.team}/zip`)),
  lrow('GET /s/:token/folders/:id/zip (sub)', [200, 403, 200, 401, 200], (v) => v.get(`/s/${v.token}/folders/${v.ids.sub}/zip`)),
  lrow('GET /s/:token/folders/:id/zip (/Private, outside)', [404, 404, 404, 401, 404], (v) => v.get(`/s/${v.token}/folders/${v.ids.priv}/zip`)),
  lrow("GET /s/:token/folders/:id/zip (alice's top folder)", [404, 404, 404, 401, 404], (v) => v.get(`/s/${v.token}/folders/${v.ids.aliceRoot}/zip`)),
  lrow('GET /s/:token/folders/root/zip', [404, 404, 404, 401, 404], (v) => v.get(`/s/${v.token}/folders/root/zip`)),

  // A link is no account: the normal API wants a signed-in caller.
  lrow('GET /api/v1/files/:id (doc.txt), no bearer', [401, 401, 401, 401, 401], (v) => v.get(`/api/v1/files/${v.ids.doc}`)),
  lrow('GET /api/v1/files/:id/content (doc.txt), no bearer', [401, 401, 401, 401, 401], (v) => v.get(`/api/v1/files/${v.ids.doc}/content`)),
  lrow('GET /api/v1/files/:id, the token as bearer', [401, 401, 401, 401, 401], (v) => v.get(`/api/v1/files/${v.ids.doc}`, { headers: { authorization: `Bearer ${v.token}` } })),
  lrow('GET /dav/Team/doc.txt, the token as Basic password', [401, 401, 401, 401, 401], (v) =>
    v.get('/dav/Team/doc.txt', { headers: { authorization: `Basic ${Buffer.from(`alice:${v.token}`).toString('base64')}` } }),
  ),
  // A session is for its own link: with another password link (alice's, of /Private) it opens nothing.
  lrow('GET children of the /Private password link with this session', [401, 401, 401, 401, 401], (v) => v.get(`/api/v1/s/${links.privateLocked.token}/children`)),
];

// ------------------------------------------------------------------------------------------------
// Public links on /Team over WebDAV (/public.php/dav/files/<token>/…, Nextcloud's public WebDAV):
// the link's top is the root of the tree, and nothing above or beside it has a path.
// ------------------------------------------------------------------------------------------------

type DavVisitor = 'read' | 'upload' | 'readWrite';
const DAV_VISITORS: readonly DavVisitor[] = ['read', 'upload', 'readWrite'];
interface DavVisit {
  visitor: DavVisitor;
  /** A request to `rel` below the link's top (raw: given as is, not encoded). */
  req(method: string, rel: string, init?: { headers?: Record<string, string>; body?: string; raw?: boolean }): Promise<number>;
  /** The absolute URL of `rel` below the link's top, for Destination. */
  url(rel: string): string;
  name(ext?: string): string;
  /** A new file of alice's in /Team/sub, as a path below the link's top ("sub/c7.txt"). */
  aliceFile(): Promise<string>;
}
interface DavLinkRow {
  action: string;
  cells: readonly [read: number, upload: number, readWrite: number];
  run: (v: DavVisit) => Promise<number>;
}
const drow = (action: string, cells: DavLinkRow['cells'], run: DavLinkRow['run']): DavLinkRow => ({ action, cells, run });

const DAV_LINK_ROWS: DavLinkRow[] = [
  //                                                            read upload rw
  drow('PROPFIND Depth 0 (the top)', [207, 207, 207], (v) => v.req('PROPFIND', '', { headers: { depth: '0' }, body: PROPFIND_BODY })),
  drow('PROPFIND Depth 1 (the top)', [207, 403, 207], (v) => v.req('PROPFIND', '', { headers: { depth: '1' }, body: PROPFIND_BODY })),
  // A file drop shows nothing of what is in it: a file there answers as a free name would (404);
  // its folders can be reached (to drop a tree into), blank, but never listed.
  drow('PROPFIND Depth 0 (doc.txt)', [207, 404, 207], (v) => v.req('PROPFIND', 'doc.txt', { headers: { depth: '0' }, body: PROPFIND_BODY })),
  drow('PROPFIND Depth 0 (sub/)', [207, 207, 207], (v) => v.req('PROPFIND', 'sub/', { headers: { depth: '0' }, body: PROPFIND_BODY })),
  drow('PROPFIND Depth 1 (sub/)', [207, 403, 207], (v) => v.req('PROPFIND', 'sub/', { headers: { depth: '1' }, body: PROPFIND_BODY })),
  drow('PROPFIND (Private/secret.txt below the top)', [404, 404, 404], (v) => v.req('PROPFIND', 'Private/secret.txt', { headers: { depth: '0' }, body: PROPFIND_BODY })),
  drow('PROPFIND (.Trash)', [404, 404, 404], (v) => v.req('PROPFIND', '.Trash/', { headers: { depth: '0' }, body: PROPFIND_BODY })),
  drow('PROPFIND (Shared with me)', [404, 404, 404], (v) => v.req('PROPFIND', 'Shared with me/', { headers: { depth: '0' }, body: PROPFIND_BODY })),
  drow('GET (doc.txt)', [200, 404, 200], (v) => v.req('GET', 'doc.txt')),
  drow('GET (sub/inner.txt)', [200, 404, 200], (v) => v.req('GET', 'sub/inner.txt')),
  drow('GET (../Private/secret.txt)', [400, 400, 400], (v) => v.req('GET', '../Private/secret.txt', { raw: true })),
  drow('PUT (a new file in the top)', [403, 201, 201], (v) => v.req('PUT', v.name('.txt'), { body: 'dropped' })),
  drow('PUT (a new file in sub)', [403, 201, 201], (v) => v.req('PUT', `sub/${v.name('.txt')}`, { body: 'dropped' })),
  // A file drop adds files; it never replaces what is there: the new file gets a free name.
  drow("PUT (over an existing file of alice's)", [403, 201, 204], async (v) => v.req('PUT', await v.aliceFile(), { body: 'replaced' })),
  drow('PUT (Private/x.txt below the top)', [409, 409, 409], (v) => v.req('PUT', `Private/${v.name('.txt')}`, { body: 'x' })),
  drow('MKCOL (in the top)', [403, 201, 201], (v) => v.req('MKCOL', `${v.name()}/`)),
  drow('DELETE (a file in sub)', [403, 404, 204], async (v) => v.req('DELETE', await v.aliceFile())),
  drow('DELETE (the top)', [403, 403, 403], (v) => v.req('DELETE', '')),
  drow('MOVE (rename a file in sub)', [403, 404, 201], async (v) => v.req('MOVE', await v.aliceFile(), { headers: { destination: v.url(`sub/${v.name('.txt')}`) } })),
  // A Destination outside the link's own tree is not on this WebDAV "server" at all.
  drow("MOVE (a file to alice's /dav/ tree)", [502, 502, 502], async (v) => v.req('MOVE', await v.aliceFile(), { headers: { destination: `${server.url}/dav/${v.name('.txt')}` } })),
  drow('COPY (doc.txt → sub)', [403, 404, 201], (v) => v.req('COPY', 'doc.txt', { headers: { destination: v.url(`sub/${v.name('.txt')}`) } })),
  drow('LOCK (a file in sub)', [403, 403, 403], async (v) => v.req('LOCK', await v.aliceFile(), { headers: { depth: '0', 'content-type': 'application/xml' }, body: LOCK_BODY })),
  drow('PROPPATCH (a file in sub)', [403, 404, 207], async (v) => v.req('PROPPATCH', await v.aliceFile(), { headers: { 'content-type': 'application/xml' }, body: PROPPATCH_BODY })),
];

// ------------------------------------------------------------------------------------------------

let server: TestServer;
let alice: DavUser;
let aliceDav: DavUser;
let users: Record<Person, DavUser>;
let ids: Ids;
const shares: Record<'vera' | 'eddie', string> = { vera: '', eddie: '' };
const ROLES = { vera: 'viewer', eddie: 'editor' } as const;
const LINK_PASSWORD = 'open sesame 42';
interface MadeLink {
  id: string;
  token: string;
}
const links: Record<'read' | 'upload' | 'readWrite' | 'locked' | 'privateLocked', MadeLink> = {} as Record<'read' | 'upload' | 'readWrite' | 'locked' | 'privateLocked', MadeLink>;
let unlockedSession = '';
let counter = 0;
/** Ids of the files each person made in their own root (ownFile). */
const ownFiles: Record<Person, Set<string>> = { alice: new Set(), bob: new Set(), vera: new Set(), eddie: new Set() };

const uniqueName = (ext = '') => `c${++counter}${ext}`;

async function makeShare(who: 'vera' | 'eddie'): Promise<string> {
  const r = await alice.api.json<{ id: string }>('/shares', { method: 'POST', json: { node_id: ids.team, recipient: who, role: ROLES[who] } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.id;
}
async function reshare(who: 'vera' | 'eddie'): Promise<void> {
  shares[who] = await makeShare(who);
}
async function makeLink(nodeId: string, permission: string, password?: string): Promise<MadeLink> {
  const r = await alice.api.json<MadeLink>('/links', { method: 'POST', json: { node_id: nodeId, permission, ...(password ? { password } : {}) } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { id: r.body.id, token: r.body.token };
}

async function aliceMakes(kind: 'file' | 'folder', where: 'inside' | 'outside'): Promise<Fresh> {
  const [parent, prefix] = where === 'inside' ? [ids.sub, 'Team/sub'] : [ids.priv, 'Private'];
  const name = uniqueName(kind === 'file' ? '.txt' : '');
  if (kind === 'file') {
    const r = await alice.api.upload(name, 'fresh', { parent });
    expect(r.status).toBe(201);
    return { id: r.body.id, rel: `${prefix}/${name}`, version: r.body.version_id };
  }
  const r = await alice.api.json<NodeBody>('/folders', { method: 'POST', json: { parent_id: parent, name } });
  expect(r.status).toBe(201);
  return { id: r.body.id, rel: `${prefix}/${name}`, version: null };
}

function cellFor(who: Person): Cell {
  const u = users[who];
  return {
    who,
    api: u.api,
    dav: u,
    ids,
    name: uniqueName,
    aliceFile: (where) => aliceMakes('file', where),
    aliceFolder: (where) => aliceMakes('folder', where),
    async ownFile() {
      const name = uniqueName('.txt');
      const r = await u.api.upload(name, 'mine');
      expect(r.status).toBe(201);
      ownFiles[who].add(r.body.id);
      return { id: r.body.id, rel: name, version: r.body.version_id };
    },
    shareId: (of) => shares[of],
    at: (rel, collection = false) => `/${enc(who === 'alice' ? rel : `Shared with me/${rel}`)}${collection ? '/' : ''}`,
  };
}

function visitFor(visitor: Visitor): Visit {
  const link = visitor === 'unlocked' ? links.locked : links[visitor];
  return {
    visitor,
    token: link.token,
    ids,
    name: uniqueName,
    async get(path, init = {}) {
      const headers = new Headers(init.headers);
      if (visitor === 'unlocked') headers.set('x-link-session', unlockedSession);
      const res = await fetch(`${server.url}${path}`, { method: init.method ?? 'GET', headers, ...(init.body !== undefined ? { body: init.body } : {}) });
      await res.arrayBuffer();
      return res.status;
    },
  };
}

/** One test per cell, named by its action, target, actor and expected status. */
function cellsOf(rows: Row[]) {
  return rows.flatMap((r) =>
    PEOPLE.flatMap((who, i) => {
      const expected = r.cells[i];
      return expected === null || expected === undefined ? [] : [{ name: `${r.action} [${r.target}] as ${who} → ${expected}`, row: r, who, expected }];
    }),
  );
}

describe('isolation: who reaches what of alice\'s', () => {
  beforeAll(async () => {
    server = await startTestServer();
    const made = await Promise.all(['alice', 'bob', 'vera', 'eddie', 'carl'].map((u) => DavUser.create(server.url, u)));
    const [a, b, v, e] = made as [DavUser, DavUser, DavUser, DavUser];
    alice = a;
    aliceDav = a;
    users = { alice: a, bob: b, vera: v, eddie: e };

    const folder = async (name: string, parent = 'root') => {
      const r = await alice.api.json<NodeBody>('/folders', { method: 'POST', json: { parent_id: parent, name } });
      expect(r.status).toBe(201);
      return r.body;
    };
    const file = async (name: string, data: string, parent: string) => {
      const r = await alice.api.upload(name, data, { parent });
      expect(r.status).toBe(201);
      return r.body;
    };
    const root = (await alice.api.json<NodeBody>('/files/root')).body;
    const team = await folder('Team');
    const doc = await file('doc.txt', 'team doc', team.id);
    const sub = await folder('sub', team.id);
    const inner = await file('inner.txt', 'inner', sub.id);
    const priv = await folder('Private');
    const secret = await file('secret.txt', 'the secret', priv.id);
    ids = { aliceRoot: root.id, team: team.id, doc: doc.id, docVersion: doc.version_id!, sub: sub.id, inner: inner.id, priv: priv.id, secret: secret.id, secretVersion: secret.version_id! };

    shares.vera = await makeShare('vera');
    shares.eddie = await makeShare('eddie');
    links.read = await makeLink(team.id, 'read');
    links.upload = await makeLink(team.id, 'upload');
    links.readWrite = await makeLink(team.id, 'read-write');
    links.locked = await makeLink(team.id, 'read', LINK_PASSWORD);
    links.privateLocked = await makeLink(priv.id, 'read', LINK_PASSWORD);
    const unlock = await fetch(`${server.url}/api/v1/s/${links.locked.token}/unlock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: LINK_PASSWORD }),
    });
    expect(unlock.status).toBe(200);
    unlockedSession = ((await unlock.json()) as { session: string }).session;
  });
  afterAll(async () => server?.close());

  describe('REST', () => {
    for (const { name, row: r, who, expected } of cellsOf(REST)) it(name, async () => {
      const c = cellFor(who);
      const status = await r.run(c);
      try {
        expect(status).toBe(expected);
      } finally {
        await r.after?.(c, status);
      }
    });
  });

  describe('WebDAV', () => {
    for (const { name, row: r, who, expected } of cellsOf(DAV_ROWS)) it(name, async () => {
      const c = cellFor(who);
      const status = await r.run(c);
      try {
        expect(status).toBe(expected);
      } finally {
        await r.after?.(c, status);
      }
    });
  });

  describe('public links on /Team', () => {
    const cells = LINK_ROWS.flatMap((r) => VISITORS.map((visitor, i) => ({ name: `${r.action} as ${visitor} link → ${r.cells[i]}`, row: r, visitor, expected: r.cells[i]! })));
    for (const { name, row: r, visitor, expected } of cells) it(name, async () => {
      expect(await r.run(visitFor(visitor))).toBe(expected);
    });

    it('an unknown token is 404 on every public route', async () => {
      const bogus = `${links.read.token.slice(0, -4)}${links.read.token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
      for (const path of [`/api/v1/s/${bogus}`, `/api/v1/s/${bogus}/children`, `/s/${bogus}/download`, `/s/${bogus}/files/${ids.doc}/content`, `/s/${bogus}/folders/${ids.team}/zip`]) {
        const res = await fetch(`${server.url}${path}`);
        await res.arrayBuffer();
        expect(res.status, path).toBe(404);
      }
    });
  });

  describe('public links on /Team over WebDAV', () => {
    const cells = DAV_LINK_ROWS.flatMap((r) => DAV_VISITORS.map((visitor, i) => ({ name: `${r.action} as ${visitor} link → ${r.cells[i]}`, row: r, visitor, expected: r.cells[i]! })));
    for (const { name, row: r, visitor, expected } of cells) it(name, async () => {
      const base = `/public.php/dav/files/${links[visitor].token}/`;
      const v: DavVisit = {
        visitor,
        async req(method, rel, init = {}) {
          const path = base + (init.raw ? rel : `${enc(rel)}${rel.endsWith('/') && rel !== '' ? '/' : ''}`);
          return (await users.bob.request(method, path, { rawPath: true, auth: false, ...(init.headers ? { headers: init.headers } : {}), ...(init.body !== undefined ? { body: init.body } : {}) })).status;
        },
        url: (rel) => `${server.url}${base}${enc(rel)}`,
        name: uniqueName,
        aliceFile: async () => (await aliceMakes('file', 'inside')).rel.replace(/^Team\//, ''),
      };
      expect(await r.run(v)).toBe(expected);
    });
  });

  describe('what the allowed answers show', () => {
    it('recipients see the share and nothing above or beside it', async () => {
      for (const who of ['vera', 'eddie'] as const) {
        const api = users[who].api;
        const listing = await api.json<{ folder: NodeBody; items: NodeBody[] }>(`/folders/${ids.team}/children`);
        expect(listing.body.folder.path).toBe('/Shared with me/Team');
        expect(JSON.stringify(listing.body)).not.toMatch(/Private|secret/);
        const meta = await api.json<NodeBody>(`/files/${ids.inner}`);
        expect(meta.body.path).toBe('/Shared with me/Team/sub/inner.txt');
        // Their own listings hold nothing of alice's.
        const own = await api.json<{ items: NodeBody[] }>('/folders/root/children');
        expect(own.body.items.map((n) => n.id)).not.toContain(ids.team);
        expect((await api.json<{ items: unknown[] }>('/links')).body.items).toEqual([]);
        const dav = users[who];
        const top = await dav.request('PROPFIND', `/${enc('Shared with me')}/`, { headers: { depth: '1' }, body: PROPFIND_BODY });
        expect(multistatus(top.body).map((r) => decodeURIComponent(r.href))).toEqual(['/dav/Shared with me/', '/dav/Shared with me/Team/']);
      }
      expect((await users.bob.api.json<{ items: unknown[] }>('/shares')).body.items).toEqual([]);
      // What eddie deleted in Team went to alice's trash, not his: his holds only his own files
      // (the originals of those he moved into the share).
      const eddieTrash = await users.eddie.api.json<{ items: { id: string }[] }>('/trash?limit=1000');
      expect(eddieTrash.body.items.length).toBeGreaterThan(0);
      for (const item of eddieTrash.body.items) expect(ownFiles.eddie.has(item.id), item.id).toBe(true);
      const aliceTrash = await alice.api.json<{ total: number }>('/trash');
      expect(aliceTrash.body.total).toBeGreaterThan(0);
      const bobTop = await users.bob.request('PROPFIND', '/', { headers: { depth: '1' }, body: PROPFIND_BODY });
      expect(bobTop.body).not.toMatch(/Shared with me|Team|Private/);
    });

    it('link visitors see the linked folder only, and a file drop shows nothing', async () => {
      const info = (await (await fetch(`${server.url}/api/v1/s/${links.read.token}`)).json()) as { node: { id: string; name: string } };
      expect(info.node.id).toBe(ids.team);
      const children = await (await fetch(`${server.url}/api/v1/s/${links.read.token}/children`)).text();
      expect(children).not.toMatch(/Private|secret|alice/);
      const drop = (await (await fetch(`${server.url}/api/v1/s/${links.upload.token}`)).json()) as { node: { name: string } | null; name: string };
      expect(drop.name).toBe('Team');
      const locked = (await (await fetch(`${server.url}/api/v1/s/${links.locked.token}`)).json()) as { unlocked: boolean; node: unknown };
      expect(locked).toMatchObject({ unlocked: false, node: null });
    });

    it("nothing outside the share changed: /Private holds only alice's own items", async () => {
      const listing = await alice.api.json<{ items: NodeBody[] }>(`/folders/${ids.priv}/children?limit=1000`);
      const names = listing.body.items.map((n) => n.name);
      expect(names).toContain('secret.txt');
      const secret = await alice.api.fetch(`/files/${ids.secret}/content`);
      expect(await secret.text()).toBe('the secret');
      const versions = await alice.api.json<{ items: { author: string | null }[] }>(`/files/${ids.secret}/versions`);
      expect(versions.body.items.map((v) => v.author)).toEqual(['alice']);
    });
  });

  // ----------------------------------------------------------------------------------------------
  // Revocation, role changes and expiry, at the moment they happen. These run last: they end
  // vera's and eddie's shares and the links.
  // ----------------------------------------------------------------------------------------------

  describe('revocation and expiry take effect on the very next request', () => {
    const davGet = async (u: DavUser, rel: string) => (await u.request('GET', `/${enc(`Shared with me/${rel}`)}`)).status;

    it("downgrading eddie to viewer refuses his next write; raising him again allows it", async () => {
      const eddie = users.eddie;
      expect((await eddie.request('PUT', `/${enc('Shared with me/Team/role.txt')}`, { body: 'one' })).status).toBe(201);
      expect((await alice.api.json(`/shares/${shares.eddie}`, { method: 'PATCH', json: { role: 'viewer' } })).status).toBe(200);
      expect((await eddie.request('PUT', `/${enc('Shared with me/Team/role.txt')}`, { body: 'two' })).status).toBe(403);
      expect(await upload(eddie.api, ids.team, 'role2.txt')).toBe(403);
      expect(await davGet(eddie, 'Team/role.txt')).toBe(200);
      expect((await alice.api.json(`/shares/${shares.eddie}`, { method: 'PATCH', json: { role: 'editor' } })).status).toBe(200);
      expect((await eddie.request('PUT', `/${enc('Shared with me/Team/role.txt')}`, { body: 'three' })).status).toBe(204);
    });

    it("revoking eddie's share: his next REST and WebDAV requests get 404, file tickets included", async () => {
      const eddie = users.eddie;
      const ticket = await eddie.api.json<{ url: string }>(`/files/${ids.doc}/links`, { method: 'POST', json: {} });
      expect(ticket.status).toBe(200);
      const byTicket = async () => {
        const res = await fetch(`${server.url}${ticket.body.url}`);
        await res.arrayBuffer();
        return res.status;
      };
      expect(await call(eddie.api, `/files/${ids.doc}/content`)).toBe(200);
      expect(await davGet(eddie, 'Team/doc.txt')).toBe(200);
      expect(await byTicket()).toBe(200);

      expect(await call(alice.api, `/shares/${shares.eddie}`, { method: 'DELETE' })).toBe(204);

      expect(await call(eddie.api, `/files/${ids.doc}/content`)).toBe(404);
      expect(await davGet(eddie, 'Team/doc.txt')).toBe(404);
      expect(await byTicket()).toBe(404);
      expect(await call(eddie.api, `/files/${ids.team}`)).toBe(404);
      expect(await call(eddie.api, `/folders/${ids.sub}/children`)).toBe(404);
      expect(await upload(eddie.api, ids.team, 'after-revoke.txt')).toBe(404);
      expect(await call(eddie.api, `/files/${ids.inner}`, { method: 'DELETE' })).toBe(404);
      expect(await propfind(cellFor('eddie'), `/${enc('Shared with me/Team')}/`, '1')).toBe(404);
      expect((await eddie.request('PUT', `/${enc('Shared with me/Team/after.txt')}`, { body: 'x' })).status).toBe(409);
      expect((await eddie.api.json<{ items: unknown[] }>('/shares')).body.items).toEqual([]);
    });

    it("vera's share expiring: 200 up to the moment, 404 from then on, over REST and WebDAV", async () => {
      const vera = users.vera;
      const expiresAt = Date.now() + 2500;
      const patched = await alice.api.json(`/shares/${shares.vera}`, { method: 'PATCH', json: { expires_at: new Date(expiresAt).toISOString() } });
      expect(patched.status, JSON.stringify(patched.body)).toBe(200);
      const seen = { before: 0, after: 0 };
      for (let i = 0; ; i++) {
        const rest = i % 2 === 0;
        const started = Date.now();
        const status = rest ? await call(vera.api, `/files/${ids.doc}/content`) : await davGet(vera, 'Team/doc.txt');
        const ended = Date.now();
        // Sure answers only: a request that ended before the expiry, or began after it.
        if (ended < expiresAt) {
          expect(status, `${rest ? 'REST' : 'WebDAV'} at ${expiresAt - ended} ms before the expiry`).toBe(200);
          seen.before++;
        } else if (started > expiresAt) {
          expect(status, `${rest ? 'REST' : 'WebDAV'} at ${started - expiresAt} ms after the expiry`).toBe(404);
          seen.after++;
          if (seen.after >= 4) break;
        }
        if (Date.now() > expiresAt + 10_000) break;
        await sleep(50);
      }
      expect(seen.before).toBeGreaterThan(5);
      expect(seen.after).toBe(4);
      expect(await call(vera.api, `/folders/${ids.team}/children`)).toBe(404);
      expect((await vera.api.json<{ items: unknown[] }>('/shares')).body.items).toEqual([]);
    });

    it('revoking a link: the next visitor request on every route is 410', async () => {
      const t = links.read.token;
      const paths = [
        `/api/v1/s/${t}`,
        `/api/v1/s/${t}/children`,
        `/s/${t}/download`,
        `/s/${t}/files/${ids.doc}/content`,
        `/s/${t}/folders/${ids.sub}/zip`,
        `/public.php/dav/files/${t}/doc.txt`,
      ];
      const statuses = async () =>
        Promise.all(
          paths.map(async (p) => {
            const res = await fetch(`${server.url}${p}`);
            await res.arrayBuffer();
            return res.status;
          }),
        );
      expect(await statuses()).toEqual([200, 200, 200, 200, 200, 200]);
      expect(await call(alice.api, `/links/${links.read.id}`, { method: 'DELETE' })).toBe(204);
      expect(await statuses()).toEqual([410, 410, 410, 410, 410, 410]);
      const up = await fetch(`${server.url}/api/v1/s/${links.upload.token}/files?path=still-open.txt`, { method: 'POST', body: 'x' });
      expect(up.status).toBe(201);
      expect(await call(alice.api, `/links/${links.upload.id}`, { method: 'DELETE' })).toBe(204);
      const gone = await fetch(`${server.url}/api/v1/s/${links.upload.token}/files?path=too-late.txt`, { method: 'POST', body: 'x' });
      expect(gone.status).toBe(410);
      // The password link's session ends with its link as well.
      expect(await call(alice.api, `/links/${links.locked.id}`, { method: 'DELETE' })).toBe(204);
      expect(await visitFor('unlocked').get(`/api/v1/s/${links.locked.token}/children`)).toBe(410);
    });

    it('a link expiring: 200 up to the moment, 410 from then on', async () => {
      const t = links.readWrite.token;
      const expiresAt = Date.now() + 2500;
      const patched = await alice.api.json(`/links/${links.readWrite.id}`, { method: 'PATCH', json: { expires_at: new Date(expiresAt).toISOString() } });
      expect(patched.status, JSON.stringify(patched.body)).toBe(200);
      const requests = [
        () => fetch(`${server.url}/api/v1/s/${t}/children`),
        () => fetch(`${server.url}/s/${t}/files/${ids.doc}/content`),
        () => fetch(`${server.url}/api/v1/s/${t}/files?path=${uniqueName('.txt')}`, { method: 'POST', body: 'x' }),
        () => fetch(`${server.url}/public.php/dav/files/${t}/doc.txt`),
        () => fetch(`${server.url}/public.php/dav/files/${t}/${uniqueName('.txt')}`, { method: 'PUT', body: 'x' }),
      ];
      const seen = { before: 0, after: 0 };
      for (let i = 0; ; i++) {
        const started = Date.now();
        const res = await requests[i % requests.length]!();
        await res.arrayBuffer();
        const ended = Date.now();
        if (ended < expiresAt) {
          expect(res.status, `request ${i % requests.length} at ${expiresAt - ended} ms before the expiry`).toBeLessThan(300);
          seen.before++;
        } else if (started > expiresAt) {
          expect(res.status, `request ${i % requests.length} at ${started - expiresAt} ms after the expiry`).toBe(410);
          seen.after++;
          if (seen.after >= 4) break;
        }
        if (Date.now() > expiresAt + 10_000) break;
        await sleep(50);
      }
      expect(seen.before).toBeGreaterThan(5);
      expect(seen.after).toBe(4);
    });
  });
});
