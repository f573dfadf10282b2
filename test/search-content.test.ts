import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type NodeBody } from './helpers/api.js';
import { makeDocx, makeNestedFormsPdf, makeNumberBombPdf, makeOdt, makePdf, makePptx, makeXlsx, makeZip } from './helpers/documents.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { until } from './helpers/until.js';
import { JobPriority } from '../src/jobs/queue.js';

// Content search: the indexer (core.search.indexVersion / indexPending, run by the background
// job) reads the text of Markdown, plain text, PDF and office files the test makes byte by
// byte; GET /api/v1/search?in=content finds them by their words, ranked, with snippets, and only
// where the searcher may look. Bad files get a recorded reason and never stop the others.

interface Hit extends NodeBody {
  rank?: number;
  snippet?: string;
  highlights?: [number, number][];
}

describe('search by content', () => {
  let server: TestServer;
  let alice: Api;
  let bob: Api;
  const files: Record<string, NodeBody> = {};

  const search = (as: Api, q: string, extra: Record<string, string> = {}) =>
    as.json<{ items: Hit[]; next_cursor: string | null; detail?: string }>(`/search?${new URLSearchParams({ q, in: 'content', ...extra })}`);
  const upload = async (as: Api, path: string, body: string | Buffer, type: string) => {
    const res = await as.upload(path, typeof body === 'string' ? body : new Uint8Array(body), { type });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  };

  beforeAll(async () => {
    // No worker: the test runs the indexer itself (the job's own test is below).
    server = await startTestServer({ COFFER_WORKERS: 'false' });
    const admin = await Api.admin(server.url);
    alice = (await admin.createUser('alice', 'alice-password-1')).api;
    bob = (await admin.createUser('bob', 'bob-password-1')).api;
    files.md = await upload(alice, 'Notes/harbour.md', '# Harbour log\n\nThe **lighthouse** keeper counted seventeen ships in the harbour today.\n', 'text/markdown');
    // Many words about harbours in a short text: the best match.
    files.txt = await upload(alice, 'Notes/harbours.txt', 'Harbour, harbour, harbours: the harbour master loves his harbour.', 'text/plain');
    files.pdf = await upload(alice, 'Docs/Crème report.pdf', makePdf(['Annual report of the Crème Brûlée society', 'Our lighthouse fund grew by twelve percent.']), 'application/pdf');
    files.docx = await upload(alice, 'Docs/minutes.docx', makeDocx(['Minutes of the zeppelin committee', 'The harbour fee rises in spring.']), 'application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    files.odt = await upload(alice, 'Docs/letter.odt', makeOdt(['Dear quartermaster, about the galleon']), 'application/vnd.oasis.opendocument.text');
    files.xlsx = await upload(alice, 'Docs/budget.xlsx', makeXlsx(['Budget', 'Barnacle removal', '1200']), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    files.pptx = await upload(alice, 'Docs/talk.pptx', makePptx(['Welcome', 'Octopus husbandry']), 'application/vnd.openxmlformats-officedocument.presentationml.presentation');
    files.badPdf = await upload(alice, 'Docs/broken.pdf', Buffer.from('%PDF-1.4\nthis is not a PDF at all'), 'application/pdf');
    files.badDocx = await upload(alice, 'Docs/broken.docx', makeZip([{ name: 'readme.txt', data: 'harbour' }]), 'application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    files.image = await upload(alice, 'Pictures/harbour.png', Buffer.from('\x89PNG\r\n\x1a\nharbour harbour'), 'image/png');
    files.bob = await upload(bob, 'bob harbour.txt', 'Bob writes about the harbour too.', 'text/plain');
  });
  afterAll(async () => server?.close());

  it('indexes what has text and records why a file could not be read', async () => {
    expect((await search(alice, 'lighthouse')).body.items).toEqual([]);
    let done = 0;
    for (let round = 0; round < 5; round++) {
      const n = await server.core.search.indexPending(4);
      done += n;
      if (n === 0) break;
    }
    // Nine of alice's files and bob's one have text to read; the PNG has none.
    expect(done).toBe(10);
    expect(await server.core.search.indexPending(10)).toBe(0);
    const state = (f: NodeBody) => server.core.search.indexState(f.version_id!);
    expect(await state(files.pdf!)).toMatchObject({ status: 'indexed', truncated: false });
    expect(await state(files.badPdf!)).toMatchObject({ status: 'failed', reason: expect.stringContaining('The PDF could not be read') });
    expect(await state(files.badDocx!)).toMatchObject({ status: 'failed', reason: expect.stringContaining('Not a valid DOCX') });
    expect(await state(files.image!)).toBeUndefined();
    expect(await server.core.search.indexVersion(files.image!.version_id!)).toEqual({ status: 'skipped' });
    expect(await server.core.search.indexVersion('00000000-0000-4000-8000-000000000000')).toEqual({ status: 'gone' });
  });

  it('finds each format by its words, ranked, with snippets', async () => {
    const find = async (q: string) => (await search(alice, q)).body.items.map((h) => h.name);
    expect(await find('zeppelin')).toEqual(['minutes.docx']);
    expect(await find('quartermaster galleon')).toEqual(['letter.odt']);
    expect(await find('barnacle')).toEqual(['budget.xlsx']);
    expect(await find('octopus')).toEqual(['talk.pptx']);
    // Accents and case do not matter; each word matches as a prefix.
    expect(await find('CREME brulee')).toEqual(['Crème report.pdf']);
    expect(await find('lightho')).toEqual(expect.arrayContaining(['harbour.md', 'Crème report.pdf']));
    // All words must be there.
    expect(await find('harbour zeppelin')).toEqual(['minutes.docx']);
    expect(await find('harbour octopus')).toEqual([]);

    const res = await search(alice, 'harbour');
    expect(res.status).toBe(200);
    const hits = res.body.items;
    // The short text that is all harbours ranks first; bob's file is not alice's to see.
    expect(hits.map((h) => h.name)).toEqual(['harbours.txt', 'harbour.md', 'minutes.docx']);
    expect(hits[0]!.rank!).toBeGreaterThan(hits[1]!.rank!);
    expect(hits[1]!.rank!).toBeGreaterThanOrEqual(hits[2]!.rank!);
    const md = hits[1]!;
    expect(md.snippet).toContain('Harbour log The **lighthouse** keeper counted seventeen ships in the harbour today');
    expect(md.highlights!.length).toBeGreaterThan(0);
    for (const [a, b] of md.highlights!) expect(md.snippet!.slice(a, b).toLowerCase()).toMatch(/^harbour/);
    expect(md).toMatchObject({ id: files.md!.id, path: '/Notes/harbour.md', kind: 'file' });
  });

  it('pages, filters and respects access like a name search', async () => {
    const first = await search(alice, 'harbour', { limit: '2' });
    expect(first.body.items.map((h) => h.name)).toEqual(['harbours.txt', 'harbour.md']);
    const second = await search(alice, 'harbour', { limit: '2', cursor: first.body.next_cursor! });
    expect(second.body.items.map((h) => h.name)).toEqual(['minutes.docx']);
    expect(second.body.next_cursor).toBeNull();
    expect((await search(alice, 'harbour', { type: 'document' })).body.items.map((h) => h.name)).toEqual(['harbours.txt', 'harbour.md', 'minutes.docx']);
    expect((await search(alice, 'harbour', { type: 'text/plain' })).body.items.map((h) => h.name)).toEqual(['harbours.txt']);
    const docs = files.docx!.parent_id!;
    expect((await search(alice, 'harbour', { folder_id: docs })).body.items.map((h) => h.name)).toEqual(['minutes.docx']);
    expect((await search(bob, 'harbour')).body.items.map((h) => h.name)).toEqual(['bob harbour.txt']);
    expect((await search(bob, 'zeppelin')).body.items).toEqual([]);

    // Shared, the text is found by the recipient too; trashed, by nobody.
    expect((await alice.json('/shares', { method: 'POST', json: { node_id: docs, recipient: 'bob', role: 'viewer' } })).status).toBe(201);
    const shared = (await search(bob, 'zeppelin')).body.items;
    expect(shared.map((h) => [h.name, h.path])).toEqual([['minutes.docx', '/Shared with me/Docs/minutes.docx']]);
    expect((await alice.fetch(`/files/${files.docx!.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await search(alice, 'zeppelin')).body.items).toEqual([]);
    expect((await search(bob, 'zeppelin')).body.items).toEqual([]);
  });

  it('follows a file’s current version', async () => {
    const res = await alice.upload('Notes/harbours.txt', 'Now this note is about a windmill.', { overwrite: true, type: 'text/plain' });
    expect(res.status).toBe(200);
    // The new version is not read yet: the old words no longer match, the new ones not yet.
    expect((await search(alice, 'harbour')).body.items.map((h) => h.name)).toEqual(['harbour.md']);
    expect(await server.core.search.indexPending(10)).toBe(1);
    expect((await search(alice, 'windmill')).body.items.map((h) => h.name)).toEqual(['harbours.txt']);
  });

  it('reads only so much of a long text', async () => {
    const long = `${'alpha '.repeat(60_000)}omega`;
    const f = await upload(alice, 'long.txt', long, 'text/plain');
    expect(await server.core.search.indexVersion(f.version_id!)).toMatchObject({ status: 'indexed', truncated: true, chars: 256 * 1024 });
    expect((await search(alice, 'alpha')).body.items.map((h) => h.name)).toEqual(['long.txt']);
    expect((await search(alice, 'omega')).body.items).toEqual([]);
  });
});

describe('the search.index job', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ COFFER_JOBS_POLL_MS: '50' });
  });
  afterAll(async () => server?.close());

  it('reads a new file’s text by a job enqueued with the upload, and its new version’s by another', async () => {
    const admin = await Api.admin(server.url);
    const carol = (await admin.createUser('carol', 'carol-password-1')).api;
    const up = await carol.upload('Notes/ship.md', '# Log\n\nA narwhal passed the bow.', { type: 'text/markdown' });
    expect(up.status).toBe(201);
    const find = async (q: string) => (await carol.json<{ items: { name: string }[] }>(`/search?${new URLSearchParams({ q, in: 'content' })}`)).body.items.map((h) => h.name);
    const deadline = Date.now() + 20_000;
    while ((await find('narwhal')).length === 0) {
      if (Date.now() > deadline) throw new Error('the job never read the file');
      await new Promise((r) => setTimeout(r, 50));
    }
    const job = await server.core.db.selectFrom('jobs').selectAll().where('kind', '=', 'search.index').where('key', '=', up.body.version_id!).executeTakeFirstOrThrow();
    expect(job.state).toBe('done');
    const v2 = await carol.upload('Notes/ship.md', '# Log\n\nA walrus now.', { type: 'text/markdown', overwrite: true });
    expect(v2.body.version_id).not.toBe(up.body.version_id);
    const deadline2 = Date.now() + 20_000;
    while ((await find('walrus')).length === 0) {
      if (Date.now() > deadline2) throw new Error('the job never read the new version');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await find('narwhal')).toEqual([]);
    // A picture has no text to read: no job.
    await carol.upload('pic.png', Buffer.from('\x89PNG\r\n\x1a\n'), { type: 'image/png' });
    const kinds = await server.core.db.selectFrom('jobs').select('kind').where('kind', '=', 'search.index').execute();
    expect(kinds).toHaveLength(2);

    // A copy (a folder's, its files within) and a restored version are new versions of bytes
    // already read: each gets a job, which takes the text of its twin.
    const folder = (await carol.json<NodeBody>('/folders', { method: 'POST', json: { parent_id: 'root', name: 'Logs' } })).body;
    const inFolder = await carol.upload('Logs/deck.txt', 'The bosun swabbed the deck.', { type: 'text/plain' });
    expect(inFolder.status).toBe(201);
    await until('the job never read deck.txt', async () => (await find('bosun')).length === 1);
    const copy = await carol.json<NodeBody>(`/files/${folder.id}/copy`, { method: 'POST', json: { parent_id: 'root', name: 'Logs copy' } });
    expect(copy.status).toBe(201);
    await until('the copy was never indexed', async () => (await find('bosun')).length === 2);
    expect((await carol.json<{ items: { path: string }[] }>(`/search?${new URLSearchParams({ q: 'bosun', in: 'content' })}`)).body.items.map((h) => h.path).sort()).toEqual(['/Logs copy/deck.txt', '/Logs/deck.txt']);

    const restored = await carol.json<NodeBody>(`/files/${up.body.id}/versions/${up.body.version_id}/restore`, { method: 'POST' });
    expect(restored.status).toBe(200);
    expect(restored.body.version_id).not.toBe(up.body.version_id);
    await until('the restored version was never indexed', async () => (await find('narwhal')).length === 1);
    expect(await find('walrus')).toEqual([]);
    expect(await server.core.search.indexState(restored.body.version_id!)).toMatchObject({ status: 'indexed', truncated: false });
  });

  it('queues the reading of files stored without a job (an upgrade) once, at background priority', async () => {
    const admin = await Api.admin(server.url);
    const dave = (await admin.createUser('dave', 'dave-password-1')).api;
    const up = await dave.upload('old.md', 'An albatross from before search.', { type: 'text/markdown' });
    expect(up.status).toBe(201);
    const versionId = up.body.version_id!;
    const jobOf = () => server.core.db.selectFrom('jobs').selectAll().where('kind', '=', 'search.index').where('key', '=', versionId).executeTakeFirst();
    await until('the upload’s job never ran', async () => (await jobOf())?.state === 'done');
    // As if stored before search existed: no text, no job.
    await server.core.db.deleteFrom('search_texts').where('version_id', '=', versionId).execute();
    await server.core.db.deleteFrom('jobs').where('kind', '=', 'search.index').where('key', '=', versionId).execute();
    const find = async (q: string) => (await dave.json<{ items: { name: string }[] }>(`/search?${new URLSearchParams({ q, in: 'content' })}`)).body.items.map((h) => h.name);
    expect(await find('albatross')).toEqual([]);

    expect(await server.core.search.enqueuePending()).toBeGreaterThanOrEqual(1);
    const queued = await jobOf();
    expect(queued).toMatchObject({ priority: JobPriority.background });
    await until('the backfilled job never read the file', async () => (await find('albatross')).length === 1);
    // Read now: nothing more to queue for it.
    await server.core.search.enqueuePending();
    expect((await server.core.db.selectFrom('jobs').select('id').where('kind', '=', 'search.index').where('key', '=', versionId).execute()).length).toBe(1);
  });
});

/** A server whose search.index jobs the test follows, with these settings. */
function extractionServer(env: Record<string, string>) {
  const ctx = {} as { server: TestServer; dana: Api };
  beforeAll(async () => {
    ctx.server = await startTestServer({ COFFER_JOBS_POLL_MS: '50', ...env });
    const admin = await Api.admin(ctx.server.url);
    ctx.dana = (await admin.createUser('dana', 'dana-password-1')).api;
  });
  afterAll(async () => ctx.server?.close());
  const upload = async (path: string, body: Buffer, type: string) => {
    const res = await ctx.dana.upload(path, new Uint8Array(body), { type });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  };
  const jobOf = (versionId: string) => ctx.server.core.db.selectFrom('jobs').selectAll().where('kind', '=', 'search.index').where('key', '=', versionId).executeTakeFirst();
  const finished = (versionId: string) =>
    until(
      `the search.index job of ${versionId}`,
      async () => {
        const job = await jobOf(versionId);
        return job && (job.state === 'done' || job.state === 'failed') && job;
      },
      60_000,
    );
  const find = async (q: string) => (await ctx.dana.json<{ items: { name: string }[] }>(`/search?${new URLSearchParams({ q, in: 'content' })}`)).body.items.map((h) => h.name);
  return { ctx, upload, jobOf, finished, find };
}

const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

describe('reading text in a process of its own: the time limit', () => {
  // Low enough for a test, and still far longer than any real document here takes.
  const { ctx, upload, jobOf, finished, find } = extractionServer({ COFFER_TEXT_EXTRACTION_TIMEOUT_SECONDS: '5' });

  it('stops a PDF that reads for too long, answering requests meanwhile, and fails only its job', async () => {
    const { version_id: hostile, parent_id: folder } = await upload('hostile.pdf', makeNestedFormsPdf(40), 'application/pdf');
    await until('the hostile PDF being read', async () => (await jobOf(hostile!))?.state === 'running');
    // pdf.js is busy with it in the extraction process: the server's event loop still answers.
    expect((await fetch(`${ctx.server.url}/healthz`)).status).toBe(200);
    const listing = await ctx.dana.json<{ items: { name: string }[] }>(`/folders/${folder}/children`);
    expect(listing.status).toBe(200);
    expect(listing.body.items.map((i) => i.name)).toContain('hostile.pdf');
    expect((await jobOf(hostile!))?.state).toBe('running');

    const reason = 'Reading the text took longer than 5 s (COFFER_TEXT_EXTRACTION_TIMEOUT_SECONDS); the file was left unindexed';
    expect(await finished(hostile!)).toMatchObject({ state: 'failed', attempts: 1, last_error: reason });
    expect(await ctx.server.core.search.indexState(hostile!)).toMatchObject({ status: 'failed', reason });
  });

  it('reads ordinary documents after that, and fails a damaged one with its reason', async () => {
    const ids = {
      pdf: (await upload('kelp.pdf', makePdf(['A survey of kelp forests']), 'application/pdf')).version_id!,
      docx: (await upload('otters.docx', makeDocx(['Sea otters hold hands while sleeping']), DOCX_TYPE)).version_id!,
      text: (await upload('reef.txt', Buffer.from('The reef glows at night.'), 'text/plain')).version_id!,
      broken: (await upload('broken.docx', makeZip([{ name: 'readme.txt', data: 'kelp' }]), DOCX_TYPE)).version_id!,
    };
    for (const id of [ids.pdf, ids.docx, ids.text]) expect(await finished(id)).toMatchObject({ state: 'done' });
    expect(await finished(ids.broken)).toMatchObject({ state: 'failed', attempts: 1, last_error: expect.stringContaining('Not a valid DOCX') });
    expect(await find('kelp')).toEqual(['kelp.pdf']);
    expect(await find('otters')).toEqual(['otters.docx']);
    expect(await find('reef glows')).toEqual(['reef.txt']);
  });
});

describe('reading text in a process of its own: the memory limit', () => {
  const { ctx, upload, finished, find } = extractionServer({ COFFER_TEXT_EXTRACTION_MEMORY_MB: '64' });

  it('stops a PDF that needs more memory than allowed, and reads the next file', async () => {
    // One allocation of this PDF is larger than the headroom V8 leaves past a limit: in a worker
    // thread it would abort the whole server; here only the extraction process ends.
    const bomb = (await upload('bomb.pdf', makeNumberBombPdf(10_000_000), 'application/pdf')).version_id!;
    const reason = 'Reading the text needed more than 64 MiB of memory (COFFER_TEXT_EXTRACTION_MEMORY_MB); the file was left unindexed';
    expect(await finished(bomb)).toMatchObject({ state: 'failed', attempts: 1, last_error: reason });
    expect(await ctx.server.core.search.indexState(bomb)).toMatchObject({ status: 'failed', reason });
    const kelp = (await upload('kelp.pdf', makePdf(['A survey of kelp forests']), 'application/pdf')).version_id!;
    expect(await finished(kelp)).toMatchObject({ state: 'done' });
    expect(await find('kelp')).toEqual(['kelp.pdf']);
  });
});
