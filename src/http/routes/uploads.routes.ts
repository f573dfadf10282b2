import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { Server as TusServer } from '@tus/server';
import { z } from 'zod';
import type { Core } from '../../core/core.js';
import { badRequest, CofferError } from '../../core/errors.js';
import { CHECKSUM_ALGORITHMS, type AppendChecksum, type UploadSessionView } from '../../services/upload-sessions.service.js';
import { errors, nodeSchema, shownPath, toNodeDto } from '../dto.js';
import { acceptAppPasswords, ctxOf } from '../plugins/auth.js';
import type { Metrics } from '../plugins/metrics.js';
import { takeRawBodies } from '../send-blob.js';
import { CofferTusStore, tusRequests } from '../tus/coffer-tus-store.js';

const TUS_PATH = '/api/v1/uploads/tus';

const sessionSchema = z
  .object({
    id: z.string(),
    protocol: z.enum(['tus', 'direct', 'nextcloud']).describe('nextcloud: a Nextcloud/ownCloud chunked upload (WebDAV /remote.php/dav/uploads/)'),
    length: z.number(),
    received: z.number().describe('Bytes staged so far (tus: the offset to resume from)'),
    status: z
      .enum(['receiving', 'finishing', 'completed', 'failed'])
      .describe(
        "receiving: bytes are still arriving. finishing: a direct upload's parts are being assembled and read back for its SHA-256 (after POST …/complete answered 202; ask again until it is no longer finishing). completed: the file is stored (file_id). failed: finishing refused the file for the reason in `error`, and its bytes were removed",
      ),
    file_id: z.string().nullable().describe('The file the completed upload made'),
    error: z
      .object({ status: z.number().describe('The HTTP status the refusal would have had (507: no space left, 409: the folder is gone or the parts changed …)'), code: z.string(), detail: z.string() })
      .nullable()
      .describe('Why a failed upload failed'),
    part_size: z.number().nullable().describe('Direct uploads: the size of every part but the last'),
    part_count: z.number().nullable().describe('Direct uploads: how many parts of part_size the length makes'),
    created_at: z.string(),
    expires_at: z.string().describe('Unfinished uploads are removed after this; each append moves it on'),
  })
  .meta({ id: 'UploadSession' });

function toSessionDto(s: UploadSessionView): z.infer<typeof sessionSchema> {
  return {
    id: s.id,
    protocol: s.protocol,
    length: s.length,
    received: s.received,
    status: s.status,
    file_id: s.nodeId,
    error: s.failure,
    part_size: s.partSize,
    part_count: s.partSize === null ? null : Math.max(1, Math.ceil(s.length / s.partSize)),
    created_at: s.createdAt.toISOString(),
    expires_at: s.expiresAt.toISOString(),
  };
}

/** tus answers in plain text; Coffer's errors keep their status, but quota (507) is tus's 413. */
function tusStatus(err: CofferError): number {
  return err.status === 507 ? 413 : err.status;
}

/** `Upload-Checksum: <algorithm> <base64>` of one PATCH body (the tus checksum extension). */
function parseChecksum(header: string | string[] | undefined): AppendChecksum | undefined {
  if (typeof header !== 'string') return undefined;
  const [algorithm, base64, extra] = header.trim().split(/\s+/);
  if (extra !== undefined || !base64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) throw badRequest('Upload-Checksum is "<algorithm> <base64 digest>"');
  const algo = algorithm!.toLowerCase();
  if (!(CHECKSUM_ALGORITHMS as string[]).includes(algo)) throw badRequest(`Upload-Checksum algorithm "${algorithm}" is not supported; use one of ${CHECKSUM_ALGORITHMS.join(', ')}`);
  return { algorithm: algo as AppendChecksum['algorithm'], base64 };
}

/** The Node request as the web Request @tus/server reads; the body stays a stream. */
function webRequest(request: FastifyRequest): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const raw = request.raw;
  const hasBody = raw.headers['transfer-encoding'] !== undefined || Number(raw.headers['content-length'] ?? 0) > 0;
  // tus takes the upload id from the path's last segment: the query (override_write_once…) stays out.
  const url = new URL((raw.url ?? '/').split('?')[0]!, 'http://coffer.invalid');
  return new Request(url, {
    method: request.method,
    headers,
    ...(hasBody ? { body: Readable.toWeb(raw) as ReadableStream<Uint8Array>, duplex: 'half' } : {}),
  } as RequestInit);
}

/**
 * Resumable uploads: tus 1.0 (creation, creation-with-upload, termination, expiration, checksum)
 * through @tus/server onto the core's upload sessions, and direct-to-S3 uploads in presigned
 * parts. Signed in as every REST call; the target folder and name come from Upload-Metadata.
 */
export async function uploadsRoutes(app: FastifyInstance, { core, metrics }: { core: Core; metrics: Metrics }) {
  const expiryMs = core.config.uploadExpirySeconds * 1000;
  const tus = new TusServer({
    path: TUS_PATH,
    datastore: new CofferTusStore(core.uploads, expiryMs),
    relativeLocation: true,
    namingFunction: () => randomUUID(),
    ...(core.config.maxUploadBytes !== null ? { maxSize: core.config.maxUploadBytes } : {}),
    disableTerminationForFinishedUploads: true,
    exposedHeaders: ['Coffer-File-Id', 'Coffer-File-Name', 'Coffer-File-Status', 'Upload-Checksum'],
    // Same origin only (the web app): no Access-Control-Allow-Origin on signed-in answers.
    allowedOrigins: [],
    onUploadFinish: async (_req, upload) => {
      const store = tusRequests.getStore()!;
      const done = await core.uploads.complete(store.ctx, upload.id);
      metrics.uploads.inc();
      metrics.bytesIn.inc(upload.size ?? 0);
      // What the web app shows of a stored file: its id, its (maybe freed-up) name, and whether it was new.
      return { headers: { 'Coffer-File-Id': done.node.id, 'Coffer-File-Name': encodeURIComponent(done.node.name), 'Coffer-File-Status': done.created ? '201' : '200' } };
    },
    onResponseError: (_req, err) => {
      if (err instanceof CofferError) return { status_code: tusStatus(err), body: `${err.message}\n` };
      if (err instanceof Error) {
        core.logger.error({ err }, 'tus request failed');
        return { status_code: 500, body: 'Something went wrong on the server; try again\n' };
      }
      return undefined;
    },
  });

  const handleTus = async (request: FastifyRequest, reply: FastifyReply) => {
    const ctx = request.method === 'OPTIONS' ? undefined : ctxOf(request);
    const checksum = request.method === 'PATCH' || request.method === 'POST' ? parseChecksum(request.headers['upload-checksum']) : undefined;
    const res = ctx
      ? await tusRequests.run({ ctx, method: request.method, checksum }, () => tus.handleWeb(webRequest(request)))
      : await tus.handleWeb(webRequest(request));
    reply.code(res.status);
    res.headers.forEach((value, name) => {
      if (name !== 'content-length') reply.header(name, value);
    });
    if (request.method === 'OPTIONS') reply.header('Tus-Checksum-Algorithm', CHECKSUM_ALGORITHMS.join(','));
    const body = await res.text();
    if (body && res.status >= 400) reply.type('text/plain; charset=utf-8');
    return reply.send(body === '' ? undefined : body);
  };

  await app.register(async (raw) => {
    // The PATCH (and creation-with-upload POST) body is the file's bytes: streamed, never parsed.
    takeRawBodies(raw);
    raw.addHook('onRequest', async (request) => {
      if (request.method !== 'OPTIONS') await app.authenticate(request);
    });
    acceptAppPasswords(raw);
    const hide = { hide: true };
    raw.route({ method: ['POST', 'OPTIONS'], url: '/uploads/tus', schema: hide, handler: handleTus });
    raw.route({ method: ['HEAD', 'PATCH', 'DELETE', 'OPTIONS'], url: '/uploads/tus/:id', schema: hide, handler: handleTus });
  });

  await app.register(async (api) => {
    api.addHook('onRequest', app.authenticate);
    acceptAppPasswords(api);
    const a = api.withTypeProvider<ZodTypeProvider>();
    const idParam = z.object({ id: z.uuid() });

    a.post('/uploads', {
      schema: {
        tags: ['uploads'],
        summary: 'Start a direct upload: the client sends the parts straight to the S3 store',
        description:
          'Checks the target as an upload of `length` bytes (access, folder policies, quota), then starts a multipart upload on the store. Ask for presigned part URLs, PUT the parts (each part_size bytes, the last one the rest), then complete. Only with the S3 blob store (409 otherwise). For uploads through the server use tus at /api/v1/uploads/tus.',
        security: [{ bearer: [] }],
        body: z.object({
          parent_id: z.string().max(64).default('root'),
          path: z.string().min(1).max(4096).optional().describe('File name, or a relative path whose missing folders are created'),
          node_id: z.string().max(64).optional().describe('Instead of a path: the file to replace with a new version'),
          length: z.number().int().min(0).describe('The whole file in bytes'),
          overwrite: z.boolean().default(false),
          mime: z.string().max(255).optional(),
          modified_at: z.iso.datetime({ offset: true }).optional(),
        }),
        response: { 201: sessionSchema, ...errors(400, 401, 403, 404, 409, 413, 415, 507) },
      },
      handler: async (request, reply) => {
        const b = request.body;
        if (b.path === undefined && b.node_id === undefined) throw badRequest('Give a path (with parent_id) or the node_id of a file to replace');
        const session = await core.uploads.create(ctxOf(request), {
          protocol: 'direct',
          length: b.length,
          parentId: b.parent_id,
          relativePath: b.path,
          nodeId: b.node_id,
          overwrite: b.overwrite,
          mime: b.mime,
          modifiedAt: b.modified_at === undefined ? undefined : new Date(b.modified_at),
        });
        return reply.code(201).send(toSessionDto(session));
      },
    });

    a.get('/uploads/:id', {
      schema: {
        tags: ['uploads'],
        summary: 'An upload of yours as it stands (tus or direct)',
        description: 'Poll a direct upload being finished here (status finishing) until it is completed (file_id) or failed (error).',
        security: [{ bearer: [] }],
        params: idParam,
        response: { 200: sessionSchema, ...errors(401, 404) },
      },
      handler: async (request) => toSessionDto(await core.uploads.get(ctxOf(request), request.params.id)),
    });

    a.post('/uploads/:id/parts', {
      schema: {
        tags: ['uploads'],
        summary: 'Presigned URLs to PUT parts of a direct upload to (valid 1 hour)',
        security: [{ bearer: [] }],
        params: idParam,
        body: z.object({ from: z.number().int().min(1).max(10_000).default(1), to: z.number().int().min(1).max(10_000) }),
        response: { 200: z.object({ parts: z.array(z.object({ part_number: z.number(), url: z.string() })) }), ...errors(400, 401, 404, 409) },
      },
      handler: async (request) => {
        const parts = await core.uploads.presignParts(ctxOf(request), request.params.id, request.body.from, request.body.to);
        return { parts: parts.map((p) => ({ part_number: p.partNumber, url: p.url })) };
      },
    });

    a.post('/uploads/:id/complete', {
      schema: {
        tags: ['uploads'],
        summary: 'Finish an upload whose bytes have all arrived: the file appears',
        description:
          'Checks access, policies and quota again with the real size. A tus upload completes at once (201, or 200 when it already had). A direct upload is checked now (the parts as the store lists them must add up to the declared length: 409 otherwise, and the upload stays open to send what is missing), then finished in the background, since its parts never passed through the server and the object is read back once to record its SHA-256: the answer is 202 with the upload in status finishing and a Location to poll (GET /uploads/{id}) until it is completed (file_id) or failed (error: e.g. the quota was used up meanwhile, or the folder was deleted; the bytes are then removed). Asking again answers the same: 202 while finishing, 200 with the file once completed, the recorded error once failed.',
        security: [{ bearer: [] }],
        params: idParam,
        response: { 201: nodeSchema, 200: nodeSchema, 202: sessionSchema, ...errors(400, 401, 403, 404, 409, 413, 415, 423, 507) },
      },
      handler: async (request, reply) => {
        const ctx = ctxOf(request);
        const done = await core.uploads.finish(ctx, request.params.id);
        if (done.state === 'finishing') {
          return reply.code(202).header('location', `/api/v1/uploads/${done.session.id}`).header('retry-after', '1').send(toSessionDto(done.session));
        }
        if (done.created) metrics.uploads.inc();
        return reply.code(done.created ? 201 : 200).send(toNodeDto(done.node, shownPath(ctx, done)));
      },
    });

    a.delete('/uploads/:id', {
      schema: { tags: ['uploads'], summary: 'Cancel an unfinished upload and remove what it staged', security: [{ bearer: [] }], params: idParam, response: { 204: z.null(), ...errors(401, 404, 409, 423) } },
      handler: async (request, reply) => {
        await core.uploads.abort(ctxOf(request), request.params.id);
        return reply.code(204).send(null);
      },
    });
  });
}
