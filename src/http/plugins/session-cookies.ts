import '@fastify/cookie';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { forbidden, unauthorized } from '../../core/errors.js';
import type { TokenPair } from '../../services/auth.service.js';

/** The refresh token of a browser session: httpOnly, so no script (nor an XSS) can read it. */
export const REFRESH_COOKIE = 'coffer_refresh';
/** Readable by the page, echoed in X-CSRF-Token: another site can neither read nor forge it. */
export const CSRF_COOKIE = 'coffer_csrf';
export const CSRF_HEADER = 'x-csrf-token';
/** Sent only to the endpoints that use it. */
const REFRESH_PATH = '/api/v1/auth';

/**
 * Browser sessions keep the refresh token in a cookie instead of script-visible storage. The
 * endpoints that take it (refresh, logout) are the only ones a cookie authorises, so they alone
 * need CSRF protection: SameSite=Strict plus a double-submitted token. Every other request carries
 * the access token in the Authorization header, which a browser never adds by itself.
 */
export function sessionCookies(refreshTtlSeconds: number) {
  const secure = (request: FastifyRequest) => request.protocol === 'https';

  const checkCsrf = (request: FastifyRequest) => {
    const cookie = request.cookies[CSRF_COOKIE];
    const header = request.headers[CSRF_HEADER];
    if (!cookie || typeof header !== 'string' || cookie.length !== header.length || !timingSafeEqual(Buffer.from(cookie), Buffer.from(header))) {
      throw forbidden(`Missing or wrong ${CSRF_HEADER} header: echo the value of the ${CSRF_COOKIE} cookie`);
    }
  };

  return {
    /** Moves the refresh token of a new pair into the cookies; returns what the body may show. */
    keep(request: FastifyRequest, reply: FastifyReply, pair: TokenPair): Omit<TokenPair, 'refresh_token'> {
      const common = { sameSite: 'strict' as const, secure: secure(request), maxAge: refreshTtlSeconds };
      reply.setCookie(REFRESH_COOKIE, pair.refresh_token, { ...common, httpOnly: true, path: REFRESH_PATH });
      // Kept for the session's life, so every tab of the page reads the same value.
      reply.setCookie(CSRF_COOKIE, request.cookies[CSRF_COOKIE] ?? randomBytes(24).toString('base64url'), { ...common, httpOnly: false, path: '/' });
      return { access_token: pair.access_token, expires_in: pair.expires_in, token_type: pair.token_type };
    },
    /** The cookie's refresh token, after the CSRF check; 401 when there is no cookie session. */
    read(request: FastifyRequest): string {
      const token = this.readOptional(request);
      if (!token) throw unauthorized('No session: sign in first');
      return token;
    },
    readOptional(request: FastifyRequest): string | undefined {
      const token = request.cookies[REFRESH_COOKIE];
      if (!token) return undefined;
      checkCsrf(request);
      return token;
    },
    clear(reply: FastifyReply): void {
      reply.clearCookie(REFRESH_COOKIE, { path: REFRESH_PATH });
      reply.clearCookie(CSRF_COOKIE, { path: '/' });
    },
  };
}
