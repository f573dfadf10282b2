import type { FastifyRequest } from 'fastify';
import type { CallContext } from '../../core/context.js';
import type { Core } from '../../core/core.js';
import { CofferError } from '../../core/errors.js';
import { deviceName } from '../../services/protocol-sessions.service.js';
import { API_KEY_PREFIX } from '../../services/service-accounts.service.js';
import { basicCredentials, clientInfo } from '../plugins/auth.js';
import { OCS_UNAUTHORISED, OcsError } from './ocs-envelope.js';

const CHALLENGE = { 'www-authenticate': 'Basic realm="Coffer", charset="UTF-8"' };
const SIGN_IN = 'Sign in with your username and an app password (HTTP Basic), or an access token (Authorization: Bearer …)';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The caller of an OCS request, as the WebDAV door signs in the same clients: HTTP Basic with
 * an app password, counted as a device session (a device signed out is refused here too).
 * The REST API's access token works as well. Organisation API keys have no user account to
 * describe, and account passwords never work over Basic. Refusals are OCS's 997 (HTTP 401).
 *
 * Credentials arrive only in the Authorization header, never a cookie, so a page elsewhere
 * cannot borrow them through a form; still, as Nextcloud does, a request that could change
 * something must carry `OCS-APIRequest: true`, which no cross-site form can send, so that
 * Basic credentials a browser remembers cannot be replayed by another site.
 */
export async function ocsCaller(core: Core, request: FastifyRequest, options: { requireApiRequestHeader?: boolean } = {}): Promise<CallContext> {
  // An endpoint no cross-site request can reach may waive the header (see app-password.ocs.ts).
  const requireHeader = options.requireApiRequestHeader ?? true;
  if (requireHeader && !SAFE_METHODS.has(request.method) && request.headers['ocs-apirequest']?.toString().toLowerCase() !== 'true') {
    throw new OcsError(OCS_UNAUTHORISED, 'CSRF check failed: send the header OCS-APIRequest: true', CHALLENGE);
  }
  const header = request.headers.authorization ?? '';
  const space = header.indexOf(' ');
  const scheme = space < 0 ? '' : header.slice(0, space).toLowerCase();
  const value = space < 0 ? '' : header.slice(space + 1).trim();
  const client = clientInfo(request);
  try {
    if (scheme === 'basic' && value) {
      const credentials = basicCredentials(value);
      if (!credentials) throw new OcsError(OCS_UNAUTHORISED, 'Malformed Basic credentials', CHALLENGE);
      const { actor, device } = await core.auth.authenticateAppPassword(credentials.login, credentials.password, deviceName(client.userAgent));
      const ctx: CallContext = { actor, ip: client.ip, userAgent: client.userAgent };
      await core.protocolSessions.touch(ctx, device);
      return ctx;
    }
    if (scheme === 'bearer' && value && !value.startsWith(API_KEY_PREFIX)) {
      const { actor } = await core.auth.authenticateSession(value);
      return { actor, ip: client.ip, userAgent: client.userAgent };
    }
    if (scheme === 'bearer' && value) throw new OcsError(OCS_UNAUTHORISED, 'An organisation\'s API key has no user account here; use an app password', CHALLENGE);
  } catch (err) {
    if (err instanceof CofferError && err.status === 401) throw new OcsError(OCS_UNAUTHORISED, err.message, CHALLENGE);
    throw err;
  }
  throw new OcsError(OCS_UNAUTHORISED, SIGN_IN, CHALLENGE);
}

/** Whether the request carries credentials at all (public endpoints check them only if so). */
export function hasCredentials(request: FastifyRequest): boolean {
  return (request.headers.authorization ?? '') !== '';
}
