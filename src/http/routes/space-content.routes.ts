import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CallContext } from '../../core/context.js';
import type { Core } from '../../core/core.js';
import { badRequest, conflict, notFound } from '../../core/errors.js';
import type { Node, Version } from '../../db/schema.js';
import type { Download } from '../../services/files.service.js';
import { errors } from '../dto.js';
import { acceptAppPasswords, ctxOf } from '../plugins/auth.js';
import type { Metrics } from '../plugins/metrics.js';
import { cutOffUpload, declaredLength, sendRepresentation, takeRawBodies } from '../send-blob.js';

/** What an app gets back for an object it stored or asked about. */
export const storedObjectSchema = z
  .object({
    id: z.string(),
    space_id: z.string(),
    path: z.string().describe('Where it is stored, from the top of the space'),
    name: z.string(),
    kind: z.enum(['file', 'folder']),
    size: z.number(),
    content_type: z.string().nullable(),
    sha256: z.string().nullable().describe('Of the current version (files)'),
    version_id: z.string().nullable(),
    created_at: z.string(),
    modified_at: z.string(),
  })
  .meta({ id: 'StoredObject' });

function toStoredObject(spaceId: string, path: string, node: Node, version: Pick<Version, 'sha256'> | null): z.infer<typeof storedObjectSchema> {
  return {
    id: node.id,
    space_id: spaceId,
    path,
    name: node.name,
    kind: node.kind,
    size: Number(node.size),
    content_type: node.kind === 'file' ? node.mime : null,
    sha256: version?.sha256 ?? null,
    version_id: node.current_version_id,
    created_at: node.created_at.toISOString(),
    modified_at: node.modified_at.toISOString(),
  };
}

const RELATED_TYPE = /^[A-Za-z0-9._:-]{1,64}$/;
const RELATED_ID = /^[A-Za-z0-9._:/#@-]{1,200}$/;

const relatedQuery = {
  related_object_type: z.string().max(64).optional().describe('The kind of business object this request belongs to (invoice, ticket…), kept in its audit event'),
  related_object_id: z.string().max(200).optional().describe("That object's id in the app"),
};

/** The request's context with the business object the app named, checked. */
function withRelated(ctx: CallContext, q: { related_object_type?: string | undefined; related_object_id?: string | undefined }): CallContext {
  const { related_object_type: type, related_object_id: id } = q;
  if (type === undefined && id === undefined) return ctx;
  if (type === undefined || id === undefined) throw badRequest('Name a related object with both related_object_type and related_object_id');
  if (!RELATED_TYPE.test(type)) throw badRequest('related_object_type is 1–64 letters, digits, ".", "_", ":" or "-"');
  if (!RELATED_ID.test(id)) throw badRequest('related_object_id is 1–200 letters, digits and ". _ : / # @ -"');
  return { ...ctx, related: { type, id } };
}

/**
 * The path after `/content/` or `/metadata/` as its segments, each percent-decoded once (so a
 * "/" inside a name stays a "%2F" until then, and is refused as a name later).
 */
export function pathSegments(request: FastifyRequest, marker: string, after = '/spaces/'): string[] {
  const url = request.raw.url ?? '';
  const path = url.slice(0, url.indexOf('?') < 0 ? undefined : url.indexOf('?'));
  const at = path.indexOf(`/${marker}/`, path.indexOf(after) + after.length);
  if (at < 0) return [];
  try {
    return path
      .slice(at + marker.length + 2)
      .split('/')
      .filter((s) => s.length > 0)
      .map((s) => decodeURIComponent(s));
  } catch {
    throw badRequest('The path is not valid percent-encoded UTF-8');
  }
}

/** The longest a presigned URL of the blob store that Coffer redirects to lives. */
export const PRESIGNED_URL_MAX_SECONDS = 5 * 60;

/**
 * Whether the blob store may answer this request in Coffer's place: a plain GET. HEAD and
 * conditional requests (If-None-Match, If-Range…) are answered here, against Coffer's ETag, which
 * is not the store's.
 */
export function storeMayAnswer(request: FastifyRequest): boolean {
  const h = request.headers;
  const conditional = h['if-match'] ?? h['if-none-match'] ?? h['if-modified-since'] ?? h['if-unmodified-since'] ?? h['if-range'];
  return request.method === 'GET' && conditional === undefined;
}

/**
 * Answers 302 to the blob store's own short-lived URL for a download, named and typed as the
 * stored file; false where the store offers none (on disk Coffer serves the bytes itself).
 * The download is recorded first: once the client has the URL, the bytes no longer pass through us.
 * (A boolean, not the reply: a Fastify reply is thenable, so an async function cannot return it.)
 */
export async function redirectToStore(core: Core, ctx: CallContext, d: Download & { path: string }, reply: FastifyReply, expiresInSeconds: number): Promise<boolean> {
  if (!d.presignedUrl) return false;
  const url = await d.presignedUrl({ expiresInSeconds, fileName: d.node.name, contentType: d.version.mime ?? d.node.mime ?? 'application/octet-stream' });
  await core.files.recordDownload(ctx, { node: d.node, path: d.path, bytes: d.version.size, versionId: d.version.id });
  void reply.code(302).header('location', url).header('cache-control', 'private, no-store').send();
  return true;
}

/**
 * Streams the current version of a file the caller may read, and records the download. With
 * `redirectSeconds`, a whole-file GET goes to the blob store's presigned URL instead, valid that
 * long; a Range request stays here, so what the audit trail records is what was sent.
 */
export async function sendStoredFile(
  core: Core,
  metrics: Metrics,
  ctx: CallContext,
  nodeId: string,
  request: FastifyRequest,
  reply: FastifyReply,
  options: { redirectSeconds?: number | undefined } = {},
): Promise<FastifyReply> {
  const d = await core.files.download(ctx, nodeId);
  if (options.redirectSeconds !== undefined && storeMayAnswer(request) && request.headers.range === undefined) {
    if (await redirectToStore(core, ctx, d, reply, options.redirectSeconds)) return reply;
  }
  const sent = await sendRepresentation(request, reply, {
    size: d.version.size,
    etag: d.node.etag,
    lastModified: d.node.modified_at,
    contentType: d.version.mime ?? d.node.mime ?? 'application/octet-stream',
    fileName: d.node.name,
    disposition: 'attachment',
    open: (range) => d.open(range),
  });
  if (sent > 0) {
    metrics.bytesOut.inc(sent);
    await core.files.recordDownload(ctx, { node: d.node, path: d.path, bytes: sent, versionId: d.version.id });
  }
  return reply;
}

/**
 * Stores the request body at a path in a space: into the deepest folder that exists, the rest of
 * the path made below it; an existing file gets a new version. Answers 201 or 200 with the object.
 */
export async function storeAtPath(core: Core, metrics: Metrics, ctx: CallContext, spaceRef: string, segments: string[], request: FastifyRequest, reply: FastifyReply, mime?: string): Promise<FastifyReply> {
  if (segments.length === 0) throw badRequest('Name where to store it: /spaces/{space}/content/{path}');
  const { space, nodes } = await core.tree.walkSpace(ctx, spaceRef, segments);
  const depth = Math.min(nodes.length - 1, segments.length - 1);
  const parent = nodes[depth]!;
  if (parent.kind !== 'folder') throw conflict(`/${segments.slice(0, depth).join('/')} is a file, not a folder`);
  const result = await core.files
    .upload(ctx, {
      parentId: parent.id,
      relativePath: segments.slice(depth).join('/'),
      source: request.raw as Readable,
      size: declaredLength(request),
      mime: mime ?? request.headers['content-type'],
      overwrite: true,
    })
    .catch(cutOffUpload(request));
  metrics.bytesIn.inc(Number(result.version.size));
  metrics.uploads.inc();
  return reply.code(result.created ? 201 : 200).send(toStoredObject(space.id, result.path, result.node, result.version));
}

const spaceParam = z.object({ space: z.string().min(1).max(64).describe('A space id, or "me" for your own'), '*': z.string() });

/**
 * Objects addressed by their path in a space, for apps: store, fetch, describe and delete
 * without looking ids up first. Every call is the core's ordinary upload, download or delete,
 * so access, quota and audit are exactly those of every other door.
 */
export async function spaceContentRoutes(app: FastifyInstance, { core, metrics }: { core: Core; metrics: Metrics }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.addHook('onRequest', app.authenticate);
  acceptAppPasswords(r);

  /** The node at the path, or 404 (also where the caller reaches nothing of the space). */
  const nodeAt = async (ctx: CallContext, spaceRef: string, segments: string[]) => {
    if (segments.length === 0) throw badRequest('Name an object: /spaces/{space}/content/{path}');
    const { space, nodes } = await core.tree.walkSpace(ctx, spaceRef, segments);
    const node = nodes.length === segments.length + 1 ? nodes[segments.length] : undefined;
    if (!node) throw notFound(`Nothing at /${segments.join('/')} in this space`);
    return { space, node };
  };

  r.route({
    method: ['GET', 'HEAD'],
    url: '/spaces/:space/content/*',
    schema: {
      tags: ['app storage'],
      summary: 'Download the object at a path (Range, If-None-Match, If-Range supported)',
      security: [{ bearer: [] }],
      params: spaceParam,
      querystring: z.object(relatedQuery),
      response: errors(400, 401, 404, 409, 416),
    },
    handler: async (request, reply) => {
      const ctx = withRelated(ctxOf(request), request.query);
      const { node } = await nodeAt(ctx, request.params.space, pathSegments(request, 'content'));
      return sendStoredFile(core, metrics, ctx, node.id, request, reply);
    },
  });

  r.get('/spaces/:space/metadata/*', {
    schema: {
      tags: ['app storage'],
      summary: 'Describe the object at a path: its stored path, size, type, SHA-256 and times',
      security: [{ bearer: [] }],
      params: spaceParam,
      response: { 200: storedObjectSchema, ...errors(400, 401, 404) },
    },
    handler: async (request) => {
      const ctx = ctxOf(request);
      const { space, node } = await nodeAt(ctx, request.params.space, pathSegments(request, 'metadata'));
      const located = await core.files.get(ctx, node.id);
      const version = located.node.current_version_id ? (await core.versions.list(ctx, node.id)).items.find((v) => v.id === located.node.current_version_id) ?? null : null;
      return toStoredObject(space.id, located.path, located.node, version);
    },
  });

  r.delete('/spaces/:space/content/*', {
    schema: {
      tags: ['app storage'],
      summary: 'Move the object at a path to the trash, or delete it for good with permanent=true (needs the purge permission)',
      security: [{ bearer: [] }],
      params: spaceParam,
      querystring: z.object({ ...relatedQuery, permanent: z.stringbool().default(false) }),
      response: { 204: z.null(), ...errors(400, 401, 403, 404) },
    },
    handler: async (request, reply) => {
      const ctx = withRelated(ctxOf(request), request.query);
      const { node } = await nodeAt(ctx, request.params.space, pathSegments(request, 'content'));
      if (request.query.permanent) await core.tree.byId(ctx, node.id, 'purge');
      await core.files.trash(ctx, node.id);
      if (request.query.permanent) await core.trash.deletePermanently(ctx, node.id);
      return reply.code(204).send(null);
    },
  });

  // Raw-body upload: the request body is the object, streamed straight to the blob store.
  await app.register(async (raw) => {
    takeRawBodies(raw);
    raw.withTypeProvider<ZodTypeProvider>().put('/spaces/:space/content/*', {
      schema: {
        tags: ['app storage'],
        summary: 'Store an object at a path: missing folders are made, an existing object gets a new version',
        security: [{ bearer: [] }],
        params: spaceParam,
        querystring: z.object(relatedQuery),
        response: { 201: storedObjectSchema, 200: storedObjectSchema, ...errors(400, 401, 403, 404, 409, 411, 413, 507) },
      },
      handler: async (request, reply) => storeAtPath(core, metrics, withRelated(ctxOf(request), request.query), request.params.space, pathSegments(request, 'content'), request, reply),
    });
  });
}
