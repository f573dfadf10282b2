import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { badRequest, CofferError, notFound } from '../../core/errors.js';
import type { Core } from '../../core/core.js';
import { errors, nodeSchema, shownPath, toNodeDto } from '../dto.js';
import { acceptAppPasswords, ctxOf } from '../plugins/auth.js';
import { cutOffUpload, declaredLength, sendRepresentation, takeRawBodies } from '../send-blob.js';
import { PRESIGNED_URL_MAX_SECONDS, redirectToStore, storeMayAnswer } from './space-content.routes.js';
import type { Metrics } from '../plugins/metrics.js';

const idParam = z.object({ id: z.string().min(1).max(64) });
const boolish = z
  .enum(['true', 'false', '1', '0'])
  .optional()
  .transform((v) => v === 'true' || v === '1');

const uploadQuery = z.object({
  parent_id: z.string().max(64).default('root').describe('Folder to upload into; "root" is the top of your space'),
  path: z.string().min(1).max(4096).describe('File name, or a relative path whose missing folders are created'),
  overwrite: boolish.describe('Replace an existing file with a new version instead of choosing a free name'),
  modified_at: z.string().max(40).optional().describe('Client modification time: ISO 8601 or Unix seconds'),
});

function parseMtime(raw: string | undefined): Date | undefined {
  if (raw === undefined) return undefined;
  const d = /^\d+(\.\d+)?$/.test(raw) ? new Date(Number(raw) * 1000) : new Date(raw);
  if (Number.isNaN(d.getTime())) throw badRequest(`modified_at "${raw}" is neither ISO 8601 nor Unix seconds`);
  return d;
}

export async function filesRoutes(app: FastifyInstance, { core, metrics }: { core: Core; metrics: Metrics }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.addHook('onRequest', app.authenticate);
  // Files and sync: app passwords may call these routes.
  acceptAppPasswords(r);

  r.get('/files/:id', {
    schema: { tags: ['files'], summary: 'Metadata of a file or folder ("root" for your top folder)', security: [{ bearer: [] }], params: idParam, response: { 200: nodeSchema, ...errors(401, 404) } },
    handler: async (request) => {
      const located = await core.files.get(ctxOf(request), request.params.id);
      return toNodeDto(located.node, shownPath(ctxOf(request), located));
    },
  });

  r.get('/resolve', {
    schema: {
      tags: ['files'],
      summary: 'Metadata of the file or folder at a path such as /photos/2024',
      security: [{ bearer: [] }],
      querystring: z.object({ path: z.string().max(8192) }),
      response: { 200: nodeSchema, ...errors(400, 401, 404) },
    },
    handler: async (request) => {
      const located = await core.files.resolve(ctxOf(request), request.query.path);
      return toNodeDto(located.node, shownPath(ctxOf(request), located));
    },
  });

  const sendFile = async (request: FastifyRequest, reply: FastifyReply, id: string, versionId: string | undefined, inline: boolean, redirect = false) => {
    const ctx = ctxOf(request);
    const d = await core.files.download(ctx, id, versionId);
    if (redirect && !inline && wantsStoreRedirect(request, d.version.size)) {
      if (await redirectToStore(core, ctx, d, reply, PRESIGNED_URL_MAX_SECONDS)) return reply;
    }
    const sent = await sendRepresentation(request, reply, {
      size: d.version.size,
      etag: versionId ? d.version.id.replaceAll('-', '') : d.node.etag,
      lastModified: versionId ? d.version.created_at : d.node.modified_at,
      contentType: d.version.mime ?? d.node.mime ?? 'application/octet-stream',
      fileName: d.node.name,
      disposition: inline ? 'inline' : 'attachment',
      crossOrigin: request.onContentOrigin,
      open: (range) => d.open(range),
    });
    if (sent > 0) {
      metrics.bytesOut.inc(sent);
      await core.files.recordDownload(ctx, { node: d.node, path: d.path, bytes: sent, versionId: d.version.id });
    }
    return reply;
  };

  /**
   * DESIGN §4 "Read": a client that follows redirects may fetch a large file straight from S3. Only
   * plain GETs: HEAD and conditional requests (If-None-Match, If-Range…) are answered here, against
   * our ETag, and inline previews keep our nosniff headers.
   */
  const wantsStoreRedirect = (request: FastifyRequest, size: number) => storeMayAnswer(request) && core.config.s3 !== undefined && size >= core.config.s3.redirectMinBytes;

  r.post('/files/:id/links', {
    schema: {
      tags: ['files'],
      summary: 'A short-lived URL that reads this file (or one version) without the Authorization header',
      description:
        'For what a browser fetches by itself: images, audio and video (with Range), PDF previews and downloads. The URL works for 4 hours, only for this file, and stops working when the web session that made it signs out. Web sessions only.',
      security: [{ bearer: [] }],
      params: idParam,
      body: z.object({ version_id: z.uuid().optional(), inline: z.boolean().default(false) }),
      response: { 200: z.object({ url: z.string(), expires_at: z.string() }).meta({ id: 'FileLink' }), ...errors(400, 401, 403, 404, 409) },
    },
    handler: async (request) => {
      const ctx = ctxOf(request);
      const b = request.body;
      // Checks the caller may read it now; the link is named by the file's real id, not "root".
      const located = await core.files.get(ctx, request.params.id);
      if (located.node.kind !== 'file') throw badRequest('Only files have content to link to');
      if (b.version_id) await core.versions.list(ctx, located.node.id).then(({ items }) => {
        if (!items.some((v) => v.id === b.version_id)) throw notFound('This file has no such version');
      });
      const { ticket, expiresAt } = await core.auth.issueFileLink(ctx, located.node.id, b.version_id, request.sessionFamilyId);
      const path = b.version_id ? `/api/v1/files/${located.node.id}/versions/${b.version_id}/content` : `/api/v1/files/${located.node.id}/content`;
      const query = new URLSearchParams({ ticket, ...(b.inline ? { inline: '1' } : {}) });
      // With COFFER_CONTENT_ORIGIN the bytes are fetched from that other origin, never this one.
      const contentOrigin = core.config.contentOrigin;
      const url = contentOrigin ? new URL(`${path}?${query}`, contentOrigin).toString() : `${path}?${query}`;
      return { url, expires_at: expiresAt.toISOString() };
    },
  });

  const contentQuery = z.object({
    ticket: z.string().max(4096).optional().describe('A file link from POST /files/{id}/links, instead of the Authorization header'),
    inline: boolish.describe('Content-Disposition: inline (previews) instead of attachment'),
    redirect: boolish.describe(
      'On S3, answer a GET of a large file (COFFER_S3_REDIRECT_MIN_BYTES, default 1 MiB) with 302 to a presigned URL valid for 5 minutes',
    ),
  });
  r.route({
    method: ['GET', 'HEAD'],
    url: '/files/:id/content',
    schema: {
      tags: ['files'],
      summary: 'Download a file (Range, If-None-Match, If-Range supported)',
      security: [{ bearer: [] }],
      params: idParam,
      querystring: contentQuery,
      response: errors(401, 404, 409, 416),
    },
    handler: async (request, reply) => sendFile(request, reply, request.params.id, undefined, request.query.inline, request.query.redirect),
  });

  r.get('/files/:id/versions', {
    schema: {
      tags: ['versions'],
      summary: 'Versions of a file, newest first',
      security: [{ bearer: [] }],
      params: idParam,
      response: {
        200: z.object({
          items: z.array(
            z.object({ id: z.string(), size: z.number(), sha256: z.string(), mime: z.string().nullable(), author: z.string().nullable(), created_at: z.string(), current: z.boolean() }),
          ),
        }),
        ...errors(401, 404, 409),
      },
    },
    handler: async (request) => {
      const { node, items } = await core.versions.list(ctxOf(request), request.params.id);
      return {
        items: items.map((v) => ({
          id: v.id,
          size: Number(v.size),
          sha256: v.sha256,
          mime: v.mime,
          author: v.author_name,
          created_at: v.created_at.toISOString(),
          current: v.id === node.current_version_id,
        })),
      };
    },
  });

  r.route({
    method: ['GET', 'HEAD'],
    url: '/files/:id/versions/:versionId/content',
    schema: {
      tags: ['versions'],
      summary: 'Download one version of a file',
      security: [{ bearer: [] }],
      params: z.object({ id: z.string().max(64), versionId: z.uuid() }),
      querystring: contentQuery,
      response: errors(401, 404, 416),
    },
    handler: async (request, reply) => sendFile(request, reply, request.params.id, request.params.versionId, request.query.inline, request.query.redirect),
  });

  r.post('/files/:id/versions/:versionId/restore', {
    schema: {
      tags: ['versions'],
      summary: 'Make an old version the newest (the current one stays in the history)',
      security: [{ bearer: [] }],
      params: z.object({ id: z.string().max(64), versionId: z.uuid() }),
      response: { 200: nodeSchema, ...errors(401, 404, 507) },
    },
    handler: async (request) => {
      const located = await core.versions.restore(ctxOf(request), request.params.id, request.params.versionId);
      return toNodeDto(located.node, shownPath(ctxOf(request), located));
    },
  });

  r.patch('/files/:id', {
    schema: {
      tags: ['files'],
      summary: 'Rename and/or move a file or folder',
      security: [{ bearer: [] }],
      params: idParam,
      body: z
        .object({
          name: z.string().min(1).max(1024).optional(),
          parent_id: z.string().max(64).optional(),
          on_conflict: z.enum(['fail', 'rename']).default('fail'),
        })
        .refine((b) => b.name !== undefined || b.parent_id !== undefined, 'give a new name, a new parent_id, or both'),
      response: { 200: nodeSchema, ...errors(400, 401, 403, 404, 409) },
    },
    handler: async (request) => {
      const b = request.body;
      const located = await core.files.move(ctxOf(request), request.params.id, { name: b.name, parentId: b.parent_id, onConflict: b.on_conflict });
      return toNodeDto(located.node, shownPath(ctxOf(request), located));
    },
  });

  r.post('/files/:id/copy', {
    schema: {
      tags: ['files'],
      summary: 'Copy a file or folder (shares the stored bytes; counts against the quota)',
      security: [{ bearer: [] }],
      params: idParam,
      body: z.object({
        parent_id: z.string().max(64).default('root'),
        name: z.string().min(1).max(1024).optional(),
        on_conflict: z.enum(['fail', 'rename']).default('rename'),
      }),
      response: { 201: nodeSchema, ...errors(400, 401, 404, 409, 507) },
    },
    handler: async (request, reply) => {
      const b = request.body;
      const located = await core.files.copy(ctxOf(request), request.params.id, { parentId: b.parent_id, name: b.name, onConflict: b.on_conflict });
      return reply.code(201).send(toNodeDto(located.node, shownPath(ctxOf(request), located)));
    },
  });

  r.delete('/files/:id', {
    schema: { tags: ['files'], summary: 'Move a file or folder to the trash', security: [{ bearer: [] }], params: idParam, response: { 204: z.null(), ...errors(401, 403, 404) } },
    handler: async (request, reply) => {
      await core.files.trash(ctxOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  });

  // Raw-body upload: the request body is the file, streamed straight to the blob store.
  await app.register(async (raw) => {
    takeRawBodies(raw);
    raw.withTypeProvider<ZodTypeProvider>().post('/files', {
      schema: {
        tags: ['files'],
        summary: 'Upload one file; the request body is its content (Content-Length or chunked)',
        security: [{ bearer: [] }],
        querystring: uploadQuery,
        response: { 201: nodeSchema, 200: nodeSchema, ...errors(400, 401, 404, 409, 413, 507) },
      },
      handler: async (request, reply) => {
        const q = request.query;
        const result = await core.files.upload(ctxOf(request), {
          parentId: q.parent_id,
          relativePath: q.path,
          source: request.raw as Readable,
          size: declaredLength(request),
          mime: request.headers['content-type'],
          overwrite: q.overwrite,
          modifiedAt: parseMtime(q.modified_at),
        }).catch(cutOffUpload(request));
        metrics.bytesIn.inc(Number(result.version.size));
        metrics.uploads.inc();
        return reply.code(result.created ? 201 : 200).send(toNodeDto(result.node, shownPath(ctxOf(request), result)));
      },
    });
  });

  // Multipart upload of many files with their relative paths: a whole folder tree in one request.
  await app.register(async (mp) => {
    const multipart = (await import('@fastify/multipart')).default;
    await mp.register(multipart, {
      limits: { fileSize: Number.MAX_SAFE_INTEGER, files: 100_000, fields: 100_000, parts: 200_000, fieldSize: 8192 },
      throwFileSizeLimit: true,
      // The filename is the relative path of the file in the uploaded tree; busboy would keep only its last segment.
      preservePath: true,
    });
    mp.withTypeProvider<ZodTypeProvider>().post('/files/multipart', {
      schema: {
        tags: ['files'],
        summary: 'Upload many files in one multipart/form-data request, preserving their relative paths',
        description:
          'Each file part\'s filename is its relative path (e.g. "album/2024/a.jpg"), or a text field named "path" just before the file part gives it. Missing folders are created.',
        security: [{ bearer: [] }],
        querystring: uploadQuery.omit({ path: true }),
        response: {
          201: z.object({ items: z.array(nodeSchema) }),
          207: z.object({ items: z.array(z.object({ path: z.string(), status: z.number(), node: nodeSchema.optional(), error: z.string().optional() })) }),
          ...errors(400, 401, 404, 409, 413, 507),
        },
      },
      handler: async (request, reply) => {
        const ctx = ctxOf(request);
        const q = request.query;
        const results: { path: string; status: number; node?: ReturnType<typeof toNodeDto>; error?: string; problem?: CofferError }[] = [];
        let pendingPath: string | undefined;
        for await (const part of request.parts()) {
          if (part.type === 'field') {
            if (part.fieldname === 'path' && typeof part.value === 'string') pendingPath = part.value;
            continue;
          }
          const relativePath = pendingPath ?? part.filename;
          pendingPath = undefined;
          try {
            if (!relativePath) throw badRequest('A file part has neither a filename nor a preceding "path" field');
            const result = await core.files.upload(ctx, {
              parentId: q.parent_id,
              relativePath,
              source: part.file,
              mime: part.mimetype,
              overwrite: q.overwrite,
              modifiedAt: parseMtime(q.modified_at),
            });
            metrics.bytesIn.inc(Number(result.version.size));
            metrics.uploads.inc();
            results.push({ path: relativePath, status: result.created ? 201 : 200, node: toNodeDto(result.node, shownPath(ctxOf(request), result)) });
          } catch (err) {
            part.file.resume();
            if (!(err instanceof CofferError)) throw err;
            results.push({ path: relativePath ?? '', status: err.status, error: err.message, problem: err });
          }
        }
        if (results.length === 0) throw badRequest('The request contained no files');
        const failed = results.filter((x) => x.problem);
        if (failed.length === 0) return reply.code(201).send({ items: results.map((x) => x.node!) });
        if (failed.length === results.length && failed.every((f) => f.status === failed[0]!.status)) throw failed[0]!.problem!;
        return reply.code(207).send({ items: results.map(({ problem: _p, ...rest }) => rest) });
      },
    });
  });
}
