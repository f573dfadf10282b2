import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/core.js';
import { badRequest, CofferError, notFound } from '../../core/errors.js';
import type { SignedGrant } from '../../services/signed-urls.service.js';
import { errors } from '../dto.js';
import { acceptAppPasswords, clientInfo, ctxOf } from '../plugins/auth.js';
import type { Metrics } from '../plugins/metrics.js';
import { declaredLength, takeRawBodies } from '../send-blob.js';
import { pathSegments, PRESIGNED_URL_MAX_SECONDS, sendStoredFile, storeAtPath, storedObjectSchema } from './space-content.routes.js';

const signedQuery = z.object({
  method: z.string().max(8),
  expires: z.string().max(20),
  issuer: z.string().max(80),
  nonce: z.string().max(64),
  length: z.string().max(20).optional(),
  type: z.string().max(200).optional(),
  once: z.string().max(4).optional(),
  signature: z.string().max(100),
});

/** Issuing signed URLs (signed in), and using them (no credential but the URL). */
export async function signedUrlRoutes(app: FastifyInstance, { core, metrics }: { core: Core; metrics: Metrics }) {
  await app.register(async (issuing) => {
    const r = issuing.withTypeProvider<ZodTypeProvider>();
    r.addHook('onRequest', app.authenticate);
    acceptAppPasswords(r);
    r.post('/signed-urls', {
      schema: {
        tags: ['app storage'],
        summary: 'A URL that allows one GET or PUT of one path (or file) without any other credential, until it expires',
        description:
          'The caller must be able to do it now; each use is checked again against the caller\'s access (a revoked key or membership ends the URL). Bound fields (content_length, content_type, single_use) are part of the signature.',
        security: [{ bearer: [] }],
        body: z.object({
          method: z.enum(['GET', 'PUT']),
          space_id: z.string().max(64).optional().describe('A space id, or "me"; with path'),
          path: z.string().max(8192).optional(),
          node_id: z.uuid().optional().describe('Instead of space_id and path: one file'),
          expires_in: z.number().int().min(1).optional().describe("Seconds; default 600, at most the organisation's maximum"),
          content_length: z.number().int().min(0).optional().describe('PUT: the body must be exactly this long'),
          content_type: z.string().max(200).optional().describe('PUT: the Content-Type the upload must send'),
          single_use: z.boolean().optional(),
        }),
        response: { 201: z.object({ url: z.string(), method: z.enum(['GET', 'PUT']), expires_at: z.string() }).meta({ id: 'SignedUrl' }), ...errors(400, 401, 403, 404) },
      },
      handler: async (request, reply) => {
        const b = request.body;
        const issued = await core.signedUrls.issue(ctxOf(request), {
          method: b.method,
          space: b.space_id,
          path: b.path,
          nodeId: b.node_id,
          expiresIn: b.expires_in,
          contentLength: b.content_length,
          contentType: b.content_type,
          singleUse: b.single_use,
        });
        return reply.code(201).header('cache-control', 'no-store').send({ url: issued.url, method: issued.grant.method, expires_at: issued.expiresAt.toISOString() });
      },
    });
  });

  /** Opens the URL's grant for this request, or refuses it. */
  const open = (request: FastifyRequest, where: { spaceId: string | null; path: string[] | null; nodeId: string | null }) =>
    core.signedUrls.open(where, request.query as Record<string, string | undefined>, request.method, clientInfo(request));

  const spacePath = (request: FastifyRequest, space: string): string[] => {
    const segments = pathSegments(request, space, '/signed');
    if (segments.length === 0) throw notFound('This signed URL names no file');
    return segments;
  };

  /** A PUT's body must be what the URL was bound to. */
  const checkBound = (request: FastifyRequest, grant: SignedGrant) => {
    if (grant.length !== null) {
      const declared = declaredLength(request);
      if (declared === undefined) throw new CofferError(411, 'length-required', `This signed URL takes a body of exactly ${grant.length} bytes: send Content-Length`);
      if (declared !== grant.length) throw badRequest(`This signed URL takes a body of exactly ${grant.length} bytes, not ${declared}`);
    }
    if (grant.type !== null) {
      const sent = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (sent !== grant.type) throw badRequest(`This signed URL takes Content-Type ${grant.type}${sent ? `, not ${sent}` : ''}`);
    }
  };

  await app.register(async (use) => {
    takeRawBodies(use);
    const r = use.withTypeProvider<ZodTypeProvider>();
    const description = 'The URL itself is the credential; it fails with 403 once expired or altered, 410 once a single-use URL was used.';

    const get = async (request: FastifyRequest, reply: FastifyReply, where: { spaceId: string | null; path: string[] | null; nodeId: string | null }) => {
      const { grant, ctx } = await open(request, where);
      const nodeId = where.nodeId ?? (await nodeAtPath(where.spaceId!, where.path!, ctx));
      await core.signedUrls.spend(grant);
      // With COFFER_S3_PRESIGNED_REDIRECT the store serves the bytes, by a URL that outlives
      // neither this one nor five minutes (every check above has been made, the use spent).
      const redirectSeconds = core.config.s3?.presignedRedirect ? Math.min(PRESIGNED_URL_MAX_SECONDS, Math.floor(grant.expires - Date.now() / 1000)) : undefined;
      return sendStoredFile(core, metrics, ctx, nodeId, request, reply, { redirectSeconds: redirectSeconds !== undefined && redirectSeconds >= 1 ? redirectSeconds : undefined });
    };
    const nodeAtPath = async (spaceId: string, path: string[], ctx: Awaited<ReturnType<typeof open>>['ctx']) => {
      const { nodes } = await core.tree.walkSpace(ctx, spaceId, path);
      const node = nodes.length === path.length + 1 ? nodes[path.length] : undefined;
      if (!node) throw notFound(`Nothing at /${path.join('/')} any more`);
      return node.id;
    };

    r.route({
      method: ['GET', 'HEAD'],
      url: '/signed/nodes/:id',
      schema: { tags: ['app storage'], summary: 'Download through a signed URL (one file)', description, params: z.object({ id: z.uuid() }), querystring: signedQuery, response: errors(400, 403, 404, 405, 410, 416) },
      handler: (request, reply) => get(request, reply, { spaceId: null, path: null, nodeId: request.params.id }),
    });
    r.route({
      method: ['GET', 'HEAD'],
      url: '/signed/:space/*',
      schema: { tags: ['app storage'], summary: 'Download through a signed URL (a path in a space)', description, params: z.object({ space: z.uuid(), '*': z.string() }), querystring: signedQuery, response: errors(400, 403, 404, 405, 410, 416) },
      handler: (request, reply) => get(request, reply, { spaceId: request.params.space, path: spacePath(request, request.params.space), nodeId: null }),
    });
    r.put('/signed/nodes/:id', {
      schema: { tags: ['app storage'], summary: 'Upload a new version through a signed URL (one file)', description, params: z.object({ id: z.uuid() }), querystring: signedQuery, response: { 200: storedObjectSchema, ...errors(400, 403, 404, 405, 410, 411, 413, 507) } },
      handler: async (request, reply) => {
        const { grant, ctx } = await open(request, { spaceId: null, path: null, nodeId: request.params.id });
        checkBound(request, grant);
        const item = await core.tree.byId(ctx, request.params.id, 'write');
        await core.signedUrls.spend(grant);
        const segments = item.path.split('/').filter((s) => s.length > 0);
        return storeAtPath(core, metrics, ctx, item.space.id, segments, request, reply, grant.type ?? undefined);
      },
    });
    r.put('/signed/:space/*', {
      schema: { tags: ['app storage'], summary: 'Upload through a signed URL (a path in a space)', description, params: z.object({ space: z.uuid(), '*': z.string() }), querystring: signedQuery, response: { 201: storedObjectSchema, 200: storedObjectSchema, ...errors(400, 403, 404, 405, 410, 411, 413, 507) } },
      handler: async (request, reply) => {
        const path = spacePath(request, request.params.space);
        const { grant, ctx } = await open(request, { spaceId: request.params.space, path, nodeId: null });
        checkBound(request, grant);
        await core.signedUrls.spend(grant);
        return storeAtPath(core, metrics, ctx, request.params.space, path, request, reply, grant.type ?? undefined);
      },
    });
  });
}
