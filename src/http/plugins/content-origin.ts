import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { sendProblem } from './problems.js';

/** The only URLs the content origin answers: the bytes of a file or of one of its versions. */
const CONTENT_PATH = /^\/api\/v1\/files\/[^/?]+(\/versions\/[^/?]+)?\/content(\?|$)/;

export interface ContentOriginOptions {
  /** COFFER_CONTENT_ORIGIN; undefined = no separate origin, every request is on the main one. */
  origin: URL | undefined;
}

/**
 * COFFER_CONTENT_ORIGIN: user files served from an origin of their own (as large hosts do), so
 * that even a browser that ignored the sandbox would run them where no Coffer cookie or API is.
 * Requests whose Host (X-Forwarded-Host behind a trusted proxy) is that origin reach only the
 * content routes; the API, the app shell and WebDAV answer 404 there.
 */
export const contentOriginPlugin = fp(async (app: FastifyInstance, opts: ContentOriginOptions) => {
  app.decorateRequest('onContentOrigin', false);
  const origin = opts.origin;
  if (!origin) return;
  app.addHook('onRequest', async (request, reply) => {
    if (!isContentHost(request, origin)) return;
    request.onContentOrigin = true;
    if ((request.method === 'GET' || request.method === 'HEAD') && CONTENT_PATH.test(request.url)) return;
    return sendProblem(
      reply,
      request,
      404,
      'content-origin-only',
      `${origin.host} serves only file content through file links; open Coffer, its API and WebDAV at the server's main address`,
    );
  });
});

function isContentHost(request: FastifyRequest, origin: URL): boolean {
  try {
    // Through URL so that an explicit default port ("host:443") compares equal to the bare host.
    return new URL(`${origin.protocol}//${request.host}`).host === origin.host;
  } catch {
    return false;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The request came in on COFFER_CONTENT_ORIGIN (only content routes get this far). */
    onContentOrigin: boolean;
  }
}
