import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../core/core.js';
import { CofferError } from '../../core/errors.js';
import { PREVIEW_SIZES, type PreviewSize } from '../../media/previews.js';
import { sendPreview } from '../send-preview.js';
import { ocsCaller } from './ocs-auth.js';
import { OcsError } from './ocs-envelope.js';

/** Nextcloud's default edge when x or y is not given (core/Controller/PreviewController.php). */
const DEFAULT_EDGE = 32;

interface PreviewQuery {
  fileId?: string;
  file?: string;
  x?: string;
  y?: string;
}

/**
 * Nextcloud's preview endpoints, answered from Coffer's previews (PreviewsService):
 * `GET /index.php/core/preview?fileId=…&x=…&y=…&a=…` (PreviewController::getPreviewByFileId, what
 * the Android app's ThumbnailsCacheManager and iOS NextcloudKit's downloadPreview ask, by the
 * numeric oc:fileid) and `GET /index.php/core/preview.png?file=/path…` (getPreview, the older
 * clients' form, a path in the caller's own files). The picture fitting x × y comes from the
 * small (256 px) or large (1024 px) preview; `a`, `mode` and `forceIcon` change nothing, as
 * Coffer's previews always keep the aspect ratio. The apps treat any answer but 200 as "no
 * preview": 404 where Coffer makes none (or the file cannot be read, as Nextcloud answers),
 * 202 with Retry-After while the job makes it (the app asks again next time it shows the file).
 * The trash bin's thumbnails come the same way from /index.php/apps/files_trashbin/preview.
 * Signed in as the WebDAV door signs in these apps: HTTP Basic with an app password (or the
 * REST API's bearer token).
 */
export async function nextcloudPreviewRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  const handle = async (request: FastifyRequest<{ Querystring: PreviewQuery }>, reply: FastifyReply) => {
    const ctx = await ocsCaller(core, request);
    const q = request.query;
    const x = edge(q.x, 'x');
    const y = edge(q.y, 'y');
    let located;
    if (q.fileId !== undefined) {
      if (!/^\d{1,15}$/.test(q.fileId)) throw new CofferError(400, 'bad-file-id', 'fileId must be a file\'s numeric id (oc:fileid)');
      located = await core.tree.byFileId(ctx, Number(q.fileId), 'read');
    } else if (q.file !== undefined && q.file !== '') {
      located = await core.files.resolve(ctx, q.file);
    } else {
      throw new CofferError(400, 'missing-file', 'Name the file: fileId (its numeric id) or file (its path)');
    }
    const answer = await core.previews.forRequest(ctx, located.node.id, sizeFor(x, y));
    return sendPreview(core, request, reply, answer, 'private, no-cache');
  };

  for (const url of ['/index.php/core/preview', '/index.php/core/preview.png']) {
    app.get<{ Querystring: PreviewQuery }>(url, { schema: { hide: true } }, handle);
  }

  // Thumbnails of the trash bin's items (apps/files_trashbin/lib/Controller/PreviewController.php),
  // by the item's oc:fileid as the trash listing gives it; only the caller's own trash.
  app.get<{ Querystring: PreviewQuery }>('/index.php/apps/files_trashbin/preview', { schema: { hide: true } }, async (request, reply) => {
    const ctx = await ocsCaller(core, request);
    const q = request.query;
    const x = edge(q.x, 'x');
    const y = edge(q.y, 'y');
    if (q.fileId === undefined || !/^\d{1,15}$/.test(q.fileId)) throw new CofferError(400, 'bad-file-id', 'fileId must be the trashed item\'s numeric id (oc:fileid)');
    const id = await core.tree.idOfFileId(Number(q.fileId));
    if (!id) throw new CofferError(404, 'not-found', `No item with id ${q.fileId} in the trash`);
    const answer = await core.previews.forTrashedRequest(ctx, id, sizeFor(x, y));
    return sendPreview(core, request, reply, answer, 'private, no-cache');
  });

  app.setErrorHandler(async (err, request, reply) => {
    if (err instanceof OcsError) {
      // ocsCaller's refusals: no or wrong credentials.
      for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
      return reply.code(401).send({ status: 401, detail: err.message });
    }
    if (err instanceof CofferError) {
      if (err.status >= 500) request.log.warn({ err }, 'preview request refused');
      if (typeof err.extra.retryAfter === 'number') reply.header('retry-after', String(err.extra.retryAfter));
      return reply.code(err.status).send({ status: err.status, code: err.code, detail: err.message });
    }
    request.log.error({ err }, 'preview request failed');
    return reply.code(500).send({ status: 500, detail: 'The server could not make the preview' });
  });
}

/** The smaller of Coffer's previews that covers x × y, else the larger. */
function sizeFor(x: number, y: number): PreviewSize {
  return Math.max(x, y) <= PREVIEW_SIZES.small ? 'small' : 'large';
}

/** A requested edge in pixels: Nextcloud answers 400 to 0 or a negative one, and to what is not a number. */
function edge(value: string | undefined, name: string): number {
  if (value === undefined || value === '') return DEFAULT_EDGE;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new CofferError(400, 'bad-size', `${name} must be a positive number of pixels`);
  return n;
}
