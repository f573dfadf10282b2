import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from './helpers/api.js';
import { startS3rver, type RunningS3rver } from './helpers/s3rver.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const bytesOf = async (res: Response) => Buffer.from(await res.arrayBuffer());

/**
 * COFFER_S3_PRESIGNED_REDIRECT: a signed GET, once Coffer has checked it, spent it and recorded
 * the download, answers 302 to the S3 store's own presigned URL. Proved against an in-process
 * s3rver by following the redirect as a client would.
 */
describe('signed URLs on S3 with COFFER_S3_PRESIGNED_REDIRECT', () => {
  const BUCKET = 'coffer-signed';
  const NAME = 'Beleg über “März”.pdf';
  const file = randomBytes(300 * 1024);
  let s3: RunningS3rver;
  let server: TestServer;
  let admin: Api;

  beforeAll(async () => {
    s3 = await startS3rver({ buckets: [BUCKET] });
    server = await startTestServer({ ...s3.env(BUCKET), COFFER_S3_PRESIGNED_REDIRECT: '1' });
    admin = await Api.admin(server.url);
    expect((await admin.upload(`receipts/${NAME}`, file, { type: 'application/pdf' })).status).toBe(201);
  });
  afterAll(async () => {
    await server?.close();
    await s3?.close();
  });

  const issue = async (options: { expires_in?: number; single_use?: boolean } = {}) => {
    const res = await admin.json<{ url: string }>('/signed-urls', { method: 'POST', json: { method: 'GET', space_id: 'me', path: `/receipts/${NAME}`, ...options } });
    expect(res.status).toBe(201);
    return `${server.url}${res.body.url}`;
  };

  it('answers a valid signed GET with 302 to a short-lived S3 URL carrying the file’s name and type', async () => {
    const url = await issue({ expires_in: 120 });
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('cache-control')).toContain('no-store');
    const location = new URL(res.headers.get('location') ?? '');
    expect(location.origin).toBe(s3.endpoint);
    expect(location.pathname.startsWith(`/${BUCKET}/blobs/`)).toBe(true);
    // The smaller of what the signed URL has left (120 s) and 5 minutes.
    const expires = Number(location.searchParams.get('X-Amz-Expires'));
    expect(expires).toBeGreaterThanOrEqual(115);
    expect(expires).toBeLessThanOrEqual(120);
    expect(location.searchParams.get('response-content-type')).toBe('application/pdf');
    expect(location.searchParams.get('response-content-disposition')).toContain(`filename*=UTF-8''Beleg%20%C3%BCber%20%E2%80%9CM%C3%A4rz%E2%80%9D.pdf`);

    // Fetched with no credential at all, as a browser following the redirect does.
    const direct = await fetch(location);
    expect(direct.status).toBe(200);
    expect(direct.headers.get('content-type')).toBe('application/pdf');
    expect(direct.headers.get('content-disposition')).toMatch(/^attachment; /);
    expect(sha256(await bytesOf(direct))).toBe(sha256(file));

    // A URL with more time left still gets at most five minutes from S3.
    const long = await fetch(await issue({ expires_in: 3600 }), { redirect: 'manual' });
    expect(new URL(long.headers.get('location')!).searchParams.get('X-Amz-Expires')).toBe('300');
  });

  it('a client that follows redirects gets the bytes from S3; a single-use URL is spent by then, and the download is audited', async () => {
    type AuditPage = { items: { action: string; bytes: number | null; path: string | null; detail: { signedUrl?: string } | null }[] };
    const url = await issue({ single_use: true });
    const nonce = new URL(url).searchParams.get('nonce');
    const followed = await fetch(url);
    expect(followed.status).toBe(200);
    expect(followed.url.startsWith(s3.endpoint)).toBe(true);
    expect((await bytesOf(followed)).equals(file)).toBe(true);

    const again = await fetch(url, { redirect: 'manual' });
    expect(again.status).toBe(410);
    expect(again.headers.get('location')).toBeNull();

    const audit = await admin.json<AuditPage>('/admin/audit?action=file.download');
    // One download, by this URL (its nonce), of the whole file: recorded before the client had the S3 URL.
    expect(audit.body.items.filter((e) => e.detail?.signedUrl === nonce)).toEqual([expect.objectContaining({ action: 'file.download', bytes: file.length, path: `/receipts/${NAME}` })]);
  });

  it('keeps Range, HEAD and conditional requests with Coffer, and the S3 URL honours Range too', async () => {
    const url = await issue({ expires_in: 600 });
    const ranged = await fetch(url, { headers: { range: 'bytes=1000-1999' }, redirect: 'manual' });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 1000-1999/${file.length}`);
    expect((await bytesOf(ranged)).equals(file.subarray(1000, 2000))).toBe(true);

    const head = await fetch(url, { method: 'HEAD', redirect: 'manual' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(file.length));
    const etag = head.headers.get('etag')!;
    expect((await fetch(url, { headers: { 'if-none-match': etag }, redirect: 'manual' })).status).toBe(304);

    // A client that replays its Range header after a redirect gets the right slice from S3.
    const location = (await fetch(url, { redirect: 'manual' })).headers.get('location')!;
    const fromS3 = await fetch(location, { headers: { range: 'bytes=1000-1999' } });
    expect(fromS3.status).toBe(206);
    expect((await bytesOf(fromS3)).equals(file.subarray(1000, 2000))).toBe(true);
  });

  it('checks everything before redirecting: an altered, expired or wrong-method URL gets no S3 URL', async () => {
    const url = new URL(await issue({ expires_in: 600 }));
    const altered = new URL(url);
    altered.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 60));
    const res = await fetch(altered, { redirect: 'manual' });
    expect(res.status).toBe(403);
    expect(res.headers.get('location')).toBeNull();

    const short = new URL(await issue({ expires_in: 1 }));
    await new Promise((r) => setTimeout(r, 2100));
    const expired = await fetch(short, { redirect: 'manual' });
    expect(expired.status).toBe(403);
    expect(expired.headers.get('location')).toBeNull();

    const put = await fetch(url, { method: 'PUT', body: 'x', redirect: 'manual' });
    expect(put.status).toBe(405);
  });
});
