import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeBody } from './helpers/api.js';
import { DavUser } from './helpers/dav.js';
import { errorMessage, multistatus, prop200 } from './helpers/dav-xml.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// WebDAV SEARCH (RFC 5323 basicsearch) the way Nextcloud's clients send it: to the DAV root
// /remote.php/dav/ with a scope of /files/<user>, a like on displayname and a limit; and at
// Coffer's own /dav/ with scopes, depths, combined conditions and orders. Answers are
// multistatus with the selected properties, hrefs where each item lies in the caller's tree.

const DAV = 'DAV:';
const OC = 'http://owncloud.org/ns';

function body(opts: { scope: string; where: string; depth?: string; limit?: string; orderby?: string; select?: string }): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<d:searchrequest xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns" xmlns:ns="https://github.com/icewind1991/SearchDAV/ns">
  <d:basicsearch>
    <d:select>${opts.select ?? '<d:prop><oc:fileid/><d:displayname/><d:getcontenttype/><d:getetag/><oc:size/><d:getlastmodified/><d:resourcetype/><oc:permissions/></d:prop>'}</d:select>
    <d:from><d:scope><d:href>${opts.scope}</d:href><d:depth>${opts.depth ?? 'infinity'}</d:depth></d:scope></d:from>
    <d:where>${opts.where}</d:where>
    <d:orderby>${opts.orderby ?? ''}</d:orderby>
    <d:limit>${opts.limit ?? '<d:nresults>50</d:nresults><ns:firstresult>0</ns:firstresult>'}</d:limit>
  </d:basicsearch>
</d:searchrequest>`;
}

const like = (prop: string, literal: string) => `<d:like><d:prop>${prop}</d:prop><d:literal>${literal}</d:literal></d:like>`;
const cmp = (op: string, prop: string, literal: string) => `<d:${op}><d:prop>${prop}</d:prop><d:literal>${literal}</d:literal></d:${op}>`;

describe('WebDAV SEARCH', () => {
  let server: TestServer;
  let alice: DavUser;
  let bob: DavUser;

  const search = (who: DavUser, xml: string, at = '/remote.php/dav/') => who.request('SEARCH', at, { rawPath: true, body: xml, headers: { 'content-type': 'text/xml; charset=utf-8' } });
  const hrefs = async (who: DavUser, xml: string, at?: string) => {
    const res = await search(who, xml, at);
    expect(res.status, res.body).toBe(207);
    return multistatus(res.body).map((r) => decodeURIComponent(r.href));
  };

  beforeAll(async () => {
    server = await startTestServer();
    alice = await DavUser.create(server.url, 'alice');
    bob = await DavUser.create(server.url, 'bob');
    const up = async (who: DavUser, path: string, content: string | Buffer, type = 'text/plain', mtime?: number) => {
      const res = await who.request('PUT', path.split('/').map(encodeURIComponent).join('/'), { body: content, headers: { 'content-type': type, ...(mtime ? { 'x-oc-mtime': String(mtime) } : {}) } });
      expect([201, 204]).toContain(res.status);
    };
    for (const dir of ['Work', 'Work/Deep', 'Team', 'Old']) expect((await alice.request('MKCOL', `/${dir}`)).status).toBe(201);
    await up(alice, 'Work/Report draft.txt', 'draft', 'text/plain', 1_600_000_000);
    await up(alice, 'Work/Deep/Quarterly report.txt', 'q', 'text/plain', 1_700_000_000);
    await up(alice, 'Rapport d’été.txt', 'x'.repeat(3000), 'text/plain', 1_650_000_000);
    await up(alice, 'report photo.jpg', Buffer.alloc(5000, 1), 'image/jpeg', 1_690_000_000);
    await up(alice, 'Team/team report.txt', 'team');
    await up(alice, 'Old/old report.txt', 'old');
    expect((await alice.request('DELETE', '/Old')).status).toBe(204);
    await up(bob, 'bob report.txt', 'bob');
    const team = (await alice.api.json<{ items: NodeBody[] }>('/folders/root/children')).body.items.find((n) => n.name === 'Team')!;
    expect((await alice.api.json('/shares', { method: 'POST', json: { node_id: team.id, recipient: 'bob', role: 'editor' } })).status).toBe(201);
  });
  afterAll(async () => server?.close());

  it('is advertised in OPTIONS, with DASL as sabre/dav sends it', async () => {
    for (const path of ['/dav/', '/remote.php/dav/', '/remote.php/dav/files/alice/']) {
      const res = await alice.request('OPTIONS', path, { rawPath: true });
      expect(res.status, path).toBe(200);
      expect(res.headers.dasl, path).toBe('<DAV:basicsearch>');
      expect(String(res.headers.allow), path).toContain('SEARCH');
    }
  });

  it('answers Nextcloud’s search at the DAV root with the selected properties of every match', async () => {
    const res = await search(alice, body({ scope: '/files/alice', where: like('<d:displayname/>', '%report%') }));
    expect(res.status, res.body).toBe(207);
    const entries = multistatus(res.body);
    const byHref = new Map(entries.map((e) => [decodeURIComponent(e.href), e]));
    expect([...byHref.keys()].sort()).toEqual([
      '/remote.php/dav/files/alice/Team/team report.txt',
      '/remote.php/dav/files/alice/Work/Deep/Quarterly report.txt',
      '/remote.php/dav/files/alice/Work/Report draft.txt',
      '/remote.php/dav/files/alice/report photo.jpg',
    ]);
    const photo = byHref.get('/remote.php/dav/files/alice/report photo.jpg')!;
    expect(prop200(photo, DAV, 'displayname').text).toBe('report photo.jpg');
    expect(prop200(photo, DAV, 'getcontenttype').text).toBe('image/jpeg');
    expect(prop200(photo, OC, 'size').text).toBe('5000');
    // The number the apps keep as a 64-bit integer (migration 0029), not Coffer's UUID.
    expect(prop200(photo, OC, 'fileid').text).toMatch(/^[1-9][0-9]*$/);
    expect(prop200(photo, DAV, 'getlastmodified').text).toBe(new Date(1_690_000_000_000).toUTCString());
    // bob finds his own file and alice's shared one, below his "Shared with me", and nothing else of hers.
    expect((await hrefs(bob, body({ scope: '/files/bob', where: like('<d:displayname/>', '%report%') }))).sort()).toEqual([
      '/remote.php/dav/files/bob/Shared with me/Team/team report.txt',
      '/remote.php/dav/files/bob/bob report.txt',
    ]);
    const shared = multistatus((await search(bob, body({ scope: '/files/bob', where: like('<d:displayname/>', 'team%') }))).body);
    expect(shared.map((e) => prop200(e, OC, 'permissions').text)).toEqual(['SMGDCK', 'SMGDNVW']);
  });

  it('searches below a scope, at the depth asked, with the conditions combined', async () => {
    expect(await hrefs(alice, body({ scope: '/dav/Work', where: like('<d:displayname/>', '%report%') }), '/dav/')).toEqual(['/dav/Work/Report draft.txt', '/dav/Work/Deep/Quarterly report.txt']);
    expect(await hrefs(alice, body({ scope: '/dav/Work', depth: '1', where: like('<d:displayname/>', '%report%') }), '/dav/')).toEqual(['/dav/Work/Report draft.txt']);
    // A relative scope is below the request's URL.
    expect(await hrefs(alice, body({ scope: 'Deep', where: like('<d:displayname/>', '%') }), '/dav/Work/')).toEqual(['/dav/Work/Deep/Quarterly report.txt']);
    // eq is the whole name (case and accents aside, as every Coffer search); like's _ is one character.
    expect(await hrefs(alice, body({ scope: '/dav/', where: cmp('eq', '<d:displayname/>', 'RAPPORT D’ETE.TXT') }), '/dav/')).toEqual(['/dav/Rapport d’été.txt']);
    expect(await hrefs(alice, body({ scope: '/dav/', where: like('<d:displayname/>', 'rapport d_ete%') }), '/dav/')).toEqual(['/dav/Rapport d’été.txt']);
    expect(await hrefs(alice, body({ scope: '/dav/', where: like('<d:displayname/>', 'report') }), '/dav/')).toEqual([]);
    const bigFiles = `<d:and>${like('<d:displayname/>', '%r%')}<d:not><d:is-collection/></d:not>${cmp('gt', '<d:getcontentlength/>', '1000')}</d:and>`;
    expect(await hrefs(alice, body({ scope: '/dav/', where: bigFiles, orderby: '<d:order><d:prop><d:getcontentlength/></d:prop><d:descending/></d:order>' }), '/dav/')).toEqual([
      '/dav/report photo.jpg',
      '/dav/Rapport d’été.txt',
    ]);
    const images = `<d:or>${cmp('eq', '<d:getcontenttype/>', 'image/png')}${like('<d:getcontenttype/>', 'image/%')}</d:or>`;
    expect(await hrefs(alice, body({ scope: '/dav/', where: images }), '/dav/')).toEqual(['/dav/report photo.jpg']);
    expect(await hrefs(alice, body({ scope: '/dav/', where: `<d:and><d:is-collection/>${like('<d:displayname/>', '%')}</d:and>` }), '/dav/')).toEqual(['/dav/Work/Deep/', '/dav/Team/', '/dav/Work/']);
    // Newest first, then a page of it.
    const newest = '<d:order><d:prop><d:getlastmodified/></d:prop><d:descending/></d:order>';
    const files = `<d:and><d:not><d:is-collection/></d:not>${cmp('lt', '<d:getlastmodified/>', new Date(1_695_000_000_000).toUTCString())}</d:and>`;
    expect(await hrefs(alice, body({ scope: '/dav/', where: files, orderby: newest }), '/dav/')).toEqual(['/dav/report photo.jpg', '/dav/Rapport d’été.txt', '/dav/Work/Report draft.txt']);
    const page = '<d:nresults>1</d:nresults><ns:firstresult>1</ns:firstresult>';
    expect(await hrefs(alice, body({ scope: '/dav/', where: files, orderby: newest, limit: page }), '/dav/')).toEqual(['/dav/Rapport d’été.txt']);
  });

  it('refuses what it cannot answer, with a reason', async () => {
    const expectError = async (xml: string, status: number, text: string, at = '/remote.php/dav/') => {
      const res = await search(alice, xml, at);
      expect(res.status, res.body).toBe(status);
      expect(errorMessage(res.body)).toContain(text);
    };
    await expectError('<d:searchrequest xmlns:d="DAV:"><d:basicsearch>', 400, 'not well-formed');
    await expectError('<!DOCTYPE x [<!ENTITY e "boom">]><d:searchrequest xmlns:d="DAV:"/>', 400, 'DOCTYPE');
    await expectError('<d:propfind xmlns:d="DAV:"/>', 400, 'searchrequest');
    await expectError(body({ scope: '/files/alice', where: '<d:contains>report</d:contains>' }), 422, 'contains is not supported');
    await expectError(body({ scope: '/files/alice', where: like('<oc:owner-id/>', 'alice') }), 422, 'owner-id is not supported');
    await expectError(body({ scope: '/files/alice', where: cmp('gt', '<d:getcontentlength/>', 'big') }), 400, 'number of bytes');
    await expectError(body({ scope: '/files/alice', where: like('<d:displayname/>', '%'), limit: '<d:nresults>0</d:nresults>' }), 400, 'nresults');
    await expectError(body({ scope: '/files/alice/Nowhere', where: like('<d:displayname/>', '%') }), 404, 'does not exist');
    await expectError(body({ scope: '/files/bob', where: like('<d:displayname/>', '%') }), 403, 'another user');
    await expectError(body({ scope: 'http://elsewhere.example/other/', where: like('<d:displayname/>', '%') }), 400, 'not in this WebDAV space', '/dav/');
    const anonymous = await alice.request('SEARCH', '/remote.php/dav/', { rawPath: true, auth: false, body: body({ scope: '/files/alice', where: like('<d:displayname/>', '%') }) });
    expect(anonymous.status).toBe(401);
  });
});
