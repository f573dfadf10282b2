import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../../core/core.js';
import { ocsCaller } from './ocs-auth.js';
import { OcsError, type OcsValue } from './ocs-envelope.js';

/**
 * `DELETE /ocs/v{1,2}.php/core/apppassword`: a Nextcloud app removing its account revokes the
 * app password it signed in with (Nextcloud's "Deleting an app password"; the desktop client's
 * Account::deleteAppToken, the mobile apps). The same revocation as the Devices list's: the
 * password stops working on every server, and the device's session ends.
 *
 * The desktop client sends this DELETE without `OCS-APIRequest` (its DeleteJob sets no such
 * header), so it is not asked for here: a cross-site form cannot send DELETE, and a cross-site
 * script's DELETE needs a CORS preflight Coffer never grants, so nothing a page elsewhere can
 * do reaches this.
 */
export function appPasswordOcsRoutes(app: FastifyInstance, core: Core, prefix: string, answer: (request: FastifyRequest, reply: FastifyReply, data: OcsValue) => FastifyReply): void {
  app.delete(`${prefix}/core/apppassword`, { schema: { hide: true } }, async (request, reply) => {
    const ctx = await ocsCaller(core, request, { requireApiRequestHeader: false });
    const id = ctx.actor.appPasswordId;
    if (ctx.actor.via !== 'app-password' || id === undefined) {
      throw new OcsError(403, 'Only an app password can delete itself here; revoke app passwords in your account settings (Devices and App passwords)');
    }
    await core.auth.revokeAppPassword(ctx, id);
    return answer(request, reply, []);
  });
}
