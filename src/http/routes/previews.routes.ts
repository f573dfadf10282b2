import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/core.js';
import { CofferError } from '../../core/errors.js';
import { PREVIEW_SIZES } from '../../media/previews.js';
import { errors } from '../dto.js';
import { ctxOf } from '../plugins/auth.js';

/** Seconds a client waits before asking again for a preview being made. */
const RETRY_AFTER = 2;

export async function previewsRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.addHook('onRequest', app.authenticate);

  r.get('/files/:id/preview', {
    schema: {
      tags: ['files'],
      summary: 'A preview picture of an image, video or PDF (WebP)',
      description: [
        `\`small\` fits ${PREVIEW_SIZES.small} px, \`large\` ${PREVIEW_SIZES.large} px. Previews are made by a background job after an upload; `,
        'asking for one that is not made yet moves its job to the front of the queue and answers 202 with Retry-After. ',
        'With `version` (a version id, e.g. the node\'s `version_id`) the answer may be cached for good; without it, revalidate with the ETag. ',
        '404 with code `no-preview` for types without previews, `preview-failed` (and the reason) when the file could not be read.',
      ].join(''),
      security: [{ bearer: [] }],
      params: z.object({ id: z.uuid() }),
      querystring: z.object({
        size: z.enum(['small', 'large']).default('small'),
        version: z.uuid().optional().describe('The version to show; the current one when absent'),
      }),
      response: {
        202: z.object({ status: z.literal('pending'), detail: z.string() }),
        ...errors(401, 404),
      },
    },
    handler: async (request, reply) => {
      const { size, version } = request.query;
      const answer = await core.previews.forRequest(ctxOf(request), request.params.id, size, version);
      switch (answer.state) {
        case 'pending':
          reply.header('retry-after', String(RETRY_AFTER)).header('cache-control', 'no-store');
          return reply.code(202).send({ status: 'pending', detail: 'The preview is being made; ask again in a moment' });
        case 'none':
          throw new CofferError(404, 'no-preview', answer.reason);
        case 'failed':
          throw new CofferError(404, 'preview-failed', `No preview could be made: ${answer.reason}`);
        case 'ready': {
          const raw: FastifyReply = reply;
          // A version's preview never changes: cached for good when the URL names the version.
          raw.header('etag', answer.etag).header('cache-control', version ? 'private, max-age=31536000, immutable' : 'private, no-cache');
          if (request.headers['if-none-match'] === answer.etag) return raw.code(304).send();
          const stream = await core.blobs.read(answer.key);
          raw.header('content-length', String(answer.size)).type(answer.mime);
          return raw.send(stream);
        }
      }
    },
  });
}
