import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { forbidden } from '../../core/errors.js';
import type { Core } from '../../core/core.js';
import type { Node } from '../../db/schema.js';
import type { LinkVisit } from '../../services/links.service.js';
import { errors, pageQuery } from '../dto.js';
import { clientInfo } from '../plugins/auth.js';
import type { Metrics } from '../plugins/metrics.js';
import { cutOffUpload, declaredLength, sendRepresentation, takeRawBodies } from '../send-blob.js';
import { previewPendingSchema, sendPreview } from '../send-preview.js';
import { sendZip } from '../send-zip.js';
import { linkPermissionSchema } from './links.routes.js';
import { previewDescription, previewFailures } from './previews.routes.js';
import { zipDescription } from './zip.routes.js';

/** The cookie a visitor gets for a link's password; scoped to that link's paths only. */
export const LINK_COOKIE = 'coffer_link';
/** The same session for clients without cookies (scripts): the value `unlock` returned. */
const LINK_SESSION_HEADER = 'x-link-session';

const tokenParam = z.object({ token: z.string().min(1).max(128) });
const tokenAndId = tokenParam.extend({ id: z.string().min(1).max(64) });

const publicNodeSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(['file', 'folder']),
    size: z.number(),
    mime: z.string().nullable(),
    modified_at: z.string(),
  })
  .meta({ id: 'PublicNode' });

const linkInfoSchema = z
  .object({
    name: z.string().describe("The shared item's name"),
    permission: linkPermissionSchema,
    requires_password: z.boolean(),
    unlocked: z.boolean().describe('False while the password was not given; node is then null'),
    expires_at: z.string().nullable(),
    node: publicNodeSchema.nullable(),
  })
  .meta({ id: 'LinkInfo' });

/** What a visitor may see of a node: no owner, no path above the link, no versions. */
function toPublicNode(n: Pick<Node, 'id' | 'name' | 'kind' | 'size' | 'mime' | 'modified_at'>): z.infer<typeof publicNodeSchema> {
  return { id: n.id, name: n.name, kind: n.kind, size: Number(n.size), mime: n.kind === 'file' ? n.mime : null, modified_at: new Date(n.modified_at).toISOString() };
}

/** The session a visitor presents: the link's cookie, or the header scripts send. */
function sessionOf(request: FastifyRequest): string | undefined {
  const header = request.headers[LINK_SESSION_HEADER];
  if (typeof header === 'string' && header) return header;
  return request.cookies[LINK_COOKIE] || undefined;
}

/** Hands a visitor the session of their visit, as a cookie on the link's own paths only. */
function setSession(request: FastifyRequest, reply: FastifyReply, started: { session: string; maxAgeSeconds: number; link: { token: string } }) {
  const options = { httpOnly: true, sameSite: 'strict' as const, secure: request.protocol === 'https', maxAge: started.maxAgeSeconds };
  // Two paths, one cookie each: the API calls and the download addresses; no other link sees it.
  reply.setCookie(LINK_COOKIE, started.session, { ...options, path: `/api/v1/s/${started.link.token}` });
  reply.setCookie(LINK_COOKIE, started.session, { ...options, path: `/s/${started.link.token}` });
}

/** Whether a GET fetches a file from its first byte (a new download) rather than resuming one. */
function startsAtZero(request: FastifyRequest): boolean {
  if (request.method !== 'GET') return false;
  const range = request.headers.range;
  if (typeof range !== 'string') return true;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-/.exec(range);
  // A suffix range ("bytes=-500") or one that does not parse is served whole or from elsewhere: count it.
  return !m || m[1] === '' || Number(m[1]) === 0;
}

/**
 * What visitors of a public link use, without an account: the link's information and password,
 * its folder listing, uploads into a file drop (`/api/v1/s/{token}/…`), and plain download
 * addresses the browser opens itself (`/s/{token}/download`, `/s/{token}/files/{id}/content`).
 * Every request becomes a link actor, so the access service keeps it inside the linked item.
 */
export async function publicLinksApiRoutes(app: FastifyInstance, { core, metrics }: { core: Core; metrics: Metrics }) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/s/:token', {
    schema: {
      tags: ['public links'],
      summary: 'What a public link shares; the first request of a visit counts one view and sets its session cookie',
      description: 'No account needed. 404 for a token that never existed, 410 for a link that was revoked, has expired or is used up, with `state` saying which.',
      params: tokenParam,
      response: { 200: linkInfoSchema, ...errors(404, 410) },
    },
    handler: async (request, reply) => {
      const visit = await core.links.visit(request.params.token, clientInfo(request), sessionOf(request));
      const { link } = visit;
      let node = null;
      if (visit.unlocked) {
        // The first request of a visit counts it and gets the session the rest of it uses.
        if (!visit.counted) setSession(request, reply, await core.links.startVisit(visit));
        // An upload-only link shows its folder's name, never what is in it.
        const located = await core.tree.byId(visit.ctx, link.node_id, link.permission === 'upload' ? 'create' : 'read');
        node = toPublicNode(located.node);
        // Nor how much others dropped into it.
        if (link.permission === 'upload') node = { ...node, size: 0 };
      }
      reply.header('cache-control', 'private, no-store');
      return {
        name: link.node_name,
        permission: link.permission,
        requires_password: link.password_hash !== null,
        unlocked: visit.unlocked,
        expires_at: link.expires_at?.toISOString() ?? null,
        node,
      };
    },
  });

  r.post('/s/:token/unlock', {
    schema: {
      tags: ['public links'],
      summary: "Gives a link's password; answers with a session cookie scoped to the link",
      description: `Wrong passwords are slowed down per visitor, per link and per address (429 with Retry-After). Scripts may send the returned session in the ${LINK_SESSION_HEADER} header instead of the cookie.`,
      params: tokenParam,
      body: z.object({ password: z.string().max(1024) }),
      response: { 200: z.object({ session: z.string(), expires_in: z.number() }), ...errors(400, 401, 404, 410, 429) },
    },
    handler: async (request, reply) => {
      const started = await core.links.unlock(request.params.token, request.body.password, clientInfo(request));
      setSession(request, reply, started);
      reply.header('cache-control', 'no-store');
      return { session: started.session, expires_in: started.maxAgeSeconds };
    },
  });

  r.get('/s/:token/children', {
    // DTOs are built here from typed rows, as in the owner's listing.
    serializerCompiler: () => (data) => JSON.stringify(data),
    schema: {
      tags: ['public links'],
      summary: "A folder of a folder link (its top without folder_id): folders first, by name",
      description: 'Upload-only links cannot list (403).',
      params: tokenParam,
      querystring: z.object({ folder_id: z.string().max(64).optional(), ...pageQuery }),
      response: {
        200: z.object({ folder: publicNodeSchema, items: z.array(publicNodeSchema), total: z.number(), limit: z.number(), offset: z.number() }),
        ...errors(401, 403, 404, 409, 410),
      },
    },
    handler: async (request, reply) => {
      const visit = await core.links.enter(request.params.token, clientInfo(request), sessionOf(request));
      if (visit.link.permission === 'upload') throw forbidden('This link only takes files; it cannot show what is in the folder');
      const q = request.query;
      const { folder, items, total } = await core.files.list(visit.ctx, q.folder_id ?? visit.link.node_id, { sort: 'name', order: 'asc', limit: q.limit, offset: q.offset });
      reply.header('cache-control', 'private, no-store');
      return {
        folder: toPublicNode(folder.node),
        items: items.map((i) => toPublicNode({ ...i, modified_at: new Date(i.modified_at) })),
        total,
        limit: q.limit,
        offset: q.offset,
      };
    },
  });

  r.get('/s/:token/files/:id/preview', {
    schema: {
      tags: ['public links'],
      summary: 'A preview picture (WebP) of an image, video or PDF inside a link: the linked file, or one in the linked folder',
      description: `Allowed exactly where downloading the file through the link is (its password given, the link active), and counts no download. Upload-only links show no previews (403). ${previewDescription}Revalidate with the ETag. ${previewFailures}`,
      params: tokenAndId,
      querystring: z.object({ size: z.enum(['small', 'large']).default('small') }),
      response: { 202: previewPendingSchema, ...errors(401, 403, 404, 410) },
    },
    handler: async (request, reply) => {
      const visit = await core.links.enter(request.params.token, clientInfo(request), sessionOf(request));
      if (visit.link.permission === 'upload') throw forbidden('This link only takes files; it shows nothing of what is in the folder');
      const answer = await core.previews.forRequest(visit.ctx, request.params.id, request.query.size);
      return sendPreview(core, request, reply, answer, 'private, no-cache');
    },
  });

  // Raw-body upload into a folder link: the body is the file, streamed to the blob store.
  await app.register(async (raw) => {
    takeRawBodies(raw);
    raw.withTypeProvider<ZodTypeProvider>().post('/s/:token/files', {
      schema: {
        tags: ['public links'],
        summary: 'Upload one file through an upload or read-write link; the request body is its content',
        description: 'A name already taken is kept and the new file gets a free name ("a (1).txt"); the answer says which name was stored.',
        params: tokenParam,
        querystring: z.object({
          path: z.string().min(1).max(4096).describe('Name of the file, or a relative path below the link\'s folder such as "photos/a.jpg"'),
          folder_id: z.string().max(64).optional().describe('Folder inside the link to upload into (read-write links); the link\'s folder by default'),
        }),
        response: { 201: z.object({ name: z.string(), size: z.number() }).meta({ id: 'PublicUpload' }), ...errors(400, 401, 403, 404, 409, 410, 413, 507) },
      },
      handler: async (request, reply) => {
        const visit = await core.links.enter(request.params.token, clientInfo(request), sessionOf(request));
        if (visit.link.node_kind !== 'folder') throw forbidden('This link shares a file; nothing can be uploaded through it');
        const folderId = request.query.folder_id ?? visit.link.node_id;
        const result = await core.files
          .upload(visit.ctx, {
            parentId: folderId,
            relativePath: request.query.path,
            source: request.raw as Readable,
            size: declaredLength(request),
            mime: request.headers['content-type'],
            overwrite: false,
          })
          .catch(cutOffUpload(request));
        metrics.bytesIn.inc(Number(result.version.size));
        metrics.uploads.inc();
        return reply.code(201).header('cache-control', 'no-store').send({ name: result.node.name, size: Number(result.version.size) });
      },
    });
  });
}

/** The addresses a browser opens by itself (downloads, previews): outside /api, on the page's paths. */
export async function publicLinksContentRoutes(app: FastifyInstance, { core, metrics }: { core: Core; metrics: Metrics }) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  const sendLinkedFile = async (request: FastifyRequest, reply: FastifyReply, visit: LinkVisit, id: string, attachment: boolean) => {
    const d = await core.files.download(visit.ctx, id);
    // A download is taken before its first byte; resuming (a Range further on) or HEAD takes none.
    if (startsAtZero(request)) await core.links.takeDownload(visit.ctx);
    const sent = await sendRepresentation(request, reply, {
      size: d.version.size,
      etag: d.node.etag,
      lastModified: d.node.modified_at,
      contentType: d.version.mime ?? d.node.mime ?? 'application/octet-stream',
      fileName: d.node.name,
      disposition: attachment ? 'attachment' : 'inline',
      open: (range) => d.open(range),
    });
    reply.header('cache-control', 'private, no-store');
    if (sent > 0) {
      metrics.bytesOut.inc(sent);
      await core.files.recordDownload(visit.ctx, { node: d.node, path: d.path, bytes: sent, versionId: d.version.id });
    }
    return reply;
  };

  const sendLinkedZip = async (request: FastifyRequest, reply: FastifyReply, visit: LinkVisit, folderId: string) => {
    const download = await core.zip.folder(visit.ctx, folderId);
    await core.links.takeDownload(visit.ctx);
    return sendZip(request, reply, download, metrics);
  };

  const enter = (request: FastifyRequest<{ Params: { token: string } }>) => core.links.enter(request.params.token, clientInfo(request), sessionOf(request));

  r.route({
    method: ['GET', 'HEAD'],
    url: '/s/:token/download',
    schema: {
      tags: ['public links'],
      summary: 'Downloads what a link shares: the file, or the folder as a ZIP; counts one download',
      description: `No account needed; a password-protected link needs its session (cookie or ${LINK_SESSION_HEADER}). ${zipDescription}`,
      params: tokenParam,
      response: errors(401, 403, 404, 410, 416),
    },
    handler: async (request, reply) => {
      const visit = await enter(request);
      if (visit.link.permission === 'upload') throw forbidden('This link only takes files; nothing can be downloaded through it');
      if (visit.link.node_kind === 'file') return sendLinkedFile(request, reply, visit, visit.link.node_id, true);
      return sendLinkedZip(request, reply, visit, visit.link.node_id);
    },
  });

  r.route({
    method: ['GET', 'HEAD'],
    url: '/s/:token/files/:id/content',
    schema: {
      tags: ['public links'],
      summary: 'A file inside a link, inline for previews or (download=1) as an attachment; a GET from the first byte counts one download',
      params: tokenAndId,
      querystring: z.object({ download: z.enum(['0', '1', 'true', 'false']).optional() }),
      response: errors(401, 403, 404, 409, 410, 416),
    },
    handler: async (request, reply) => {
      const visit = await enter(request);
      const q = request.query.download;
      return sendLinkedFile(request, reply, visit, request.params.id, q === '1' || q === 'true');
    },
  });

  r.get('/s/:token/folders/:id/zip', {
    schema: {
      tags: ['public links'],
      summary: 'A folder inside a folder link as a ZIP; counts one download',
      description: zipDescription,
      params: tokenAndId,
      response: errors(401, 403, 404, 409, 410),
    },
    handler: async (request, reply) => sendLinkedZip(request, reply, await enter(request), request.params.id),
  });
}
