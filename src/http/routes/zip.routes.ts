import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/core.js';
import { MAX_ZIP_SELECTION } from '../../services/zip.service.js';
import { sendZip } from '../send-zip.js';
import { errors } from '../dto.js';
import { acceptAppPasswords, ctxOf } from '../plugins/auth.js';
import type { Metrics } from '../plugins/metrics.js';

export const zipDescription =
  'Streams a ZIP built on the fly (ZIP64 where needed, UTF-8 names, modification times, empty folders kept, files stored uncompressed). ' +
  'Errors found before the first byte are problem+json; a failure after it aborts the connection, so a truncated archive is never taken for a complete one.';

export async function zipRoutes(app: FastifyInstance, { core, metrics }: { core: Core; metrics: Metrics }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.addHook('onRequest', app.authenticate);
  // Files and sync: app passwords may call these routes.
  acceptAppPasswords(r);

  r.get('/folders/:id/zip', {
    // A HEAD would walk the folder and audit a download for nothing.
    exposeHeadRoute: false,
    schema: {
      tags: ['folders'],
      summary: 'Download a folder ("root" for your top folder) as a ZIP',
      description: zipDescription,
      security: [{ bearer: [] }],
      params: z.object({ id: z.string().min(1).max(64) }),
      response: errors(401, 404, 409),
    },
    handler: async (request, reply) => sendZip(request, reply, await core.zip.folder(ctxOf(request), request.params.id), metrics),
  });

  r.post('/zip', {
    schema: {
      tags: ['files'],
      summary: 'Download several files and folders of your space as one ZIP',
      description: `${zipDescription} Each item is at the top of the archive under its name; up to ${MAX_ZIP_SELECTION} ids.`,
      security: [{ bearer: [] }],
      body: z.object({ ids: z.array(z.string().min(1).max(64)).min(1).max(MAX_ZIP_SELECTION).describe('Ids of files and folders to include') }),
      response: errors(400, 401, 404),
    },
    handler: async (request, reply) => sendZip(request, reply, await core.zip.selection(ctxOf(request), request.body.ids), metrics),
  });
}
