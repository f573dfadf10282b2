import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/core.js';
import { PREVIEW_SIZES } from '../../media/previews.js';
import { errors } from '../dto.js';
import { ctxOf } from '../plugins/auth.js';
import { previewPendingSchema, sendPreview } from '../send-preview.js';

/** How the previews work, for every route that serves them. */
export const previewDescription = [
  `\`small\` fits ${PREVIEW_SIZES.small} px, \`large\` ${PREVIEW_SIZES.large} px. Previews are made by a background job after an upload; `,
  'asking for one that is not made yet moves its job to the front of the queue and answers 202 with Retry-After. ',
].join('');
export const previewFailures = '404 with code `no-preview` for types without previews, `preview-failed` (and the reason) when the file could not be read.';

export async function previewsRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.addHook('onRequest', app.authenticate);

  r.get('/files/:id/preview', {
    schema: {
      tags: ['files'],
      summary: 'A preview picture of an image, video or PDF (WebP)',
      description: `${previewDescription}With \`version\` (a version id, e.g. the node's \`version_id\`) the answer may be cached for good; without it, revalidate with the ETag. ${previewFailures}`,
      security: [{ bearer: [] }],
      params: z.object({ id: z.uuid() }),
      querystring: z.object({
        size: z.enum(['small', 'large']).default('small'),
        version: z.uuid().optional().describe('The version to show; the current one when absent'),
      }),
      response: {
        202: previewPendingSchema,
        ...errors(401, 404),
      },
    },
    handler: async (request, reply) => {
      const { size, version } = request.query;
      const answer = await core.previews.forRequest(ctxOf(request), request.params.id, size, version);
      // A version's preview never changes: cached for good when the URL names the version.
      return sendPreview(core, request, reply, answer, version ? 'private, max-age=31536000, immutable' : 'private, no-cache');
    },
  });
}
