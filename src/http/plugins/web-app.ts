import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/**
 * The page's own rules: scripts and styles only from Coffer, media and frames from Coffer or the
 * page's blob: URLs, never framed by another site. Radix injects a <style> for scroll locking.
 */
function shellCsp(contentOrigin: string | undefined): string {
  // File links point at COFFER_CONTENT_ORIGIN when it is set: previews load from there.
  const content = contentOrigin ? ` ${contentOrigin}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' blob: data:${content}`,
    `media-src 'self' blob:${content}`,
    `frame-src 'self' blob:${content}`,
    `connect-src 'self'${content}`,
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Paths that belong to the API and protocol doors: a miss there is a 404, never the app shell.
 * A public link's page /s/<token> is the app; its bytes below it (download, files, folders) are not.
 */
const NOT_APP = /^\/(api|dav|remote\.php|public\.php|healthz|readyz|metrics|s\/[^/?#]+\/(?:download|files|folders))(\/|$|\?)/;

export interface WebAppOptions {
  dir: string;
  /** COFFER_CONTENT_ORIGIN as an origin string, when file content has an origin of its own. */
  contentOrigin?: string | undefined;
}

/**
 * Serves the built web app at /: hashed assets cached for a year, everything else revalidated,
 * and any other GET that asks for HTML answered with the app shell so client routes survive a reload.
 */
export const webAppPlugin = fp(async (app: FastifyInstance, opts: WebAppOptions) => {
  const csp = shellCsp(opts.contentOrigin);
  await app.register((await import('@fastify/static')).default, {
    root: opts.dir,
    prefix: '/',
    wildcard: false,
    index: false,
    // The listing of directories is never wanted, and dotfiles are not part of a build.
    list: false,
    dotfiles: 'ignore',
    setHeaders: (res, filePath) => {
      res.header('x-content-type-options', 'nosniff');
      res.header('cache-control', /[\\/]assets[\\/]/.test(filePath) ? 'public, max-age=31536000, immutable' : 'no-cache');
      if (filePath.endsWith('.html')) setShellHeaders(res, csp);
    },
  });
  // sendFile runs setHeaders above too: the shell gets its CSP and no-cache there.
  const sendShell = (_request: FastifyRequest, reply: FastifyReply) => reply.sendFile('index.html');
  app.get('/', { schema: { hide: true } }, sendShell);
  app.decorate('webAppShell', { wants: wantsShell, send: sendShell });
});

function setShellHeaders(reply: FastifyReply, csp: string) {
  reply.header('content-security-policy', csp);
  reply.header('referrer-policy', 'same-origin');
  reply.header('x-frame-options', 'DENY');
}

/** A browser navigating to a client-side route (e.g. /files/…) after a reload or from a bookmark. */
function wantsShell(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  if (NOT_APP.test(request.url)) return false;
  return (request.headers.accept ?? '').includes('text/html');
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Set when the web app is served; lets the 404 handler answer navigations with the shell. */
    webAppShell?: { wants: (request: FastifyRequest) => boolean; send: (request: FastifyRequest, reply: FastifyReply) => FastifyReply };
  }
}
