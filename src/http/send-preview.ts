import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Core } from '../core/core.js';
import { CofferError } from '../core/errors.js';
import type { PreviewAnswer } from '../services/previews.service.js';

/** Seconds a client waits before asking again for a preview being made. */
const RETRY_AFTER = 2;

export const previewPendingSchema = z.object({ status: z.literal('pending'), detail: z.string() });

/**
 * Answers a preview request, the same through every door: the picture (200, or 304 for its
 * ETag), 202 with Retry-After while its job runs (the service moved it up the queue), 404 with
 * `no-preview` or `preview-failed` and the reason.
 */
export async function sendPreview(core: Core, request: FastifyRequest, reply: FastifyReply, answer: PreviewAnswer, cacheControl: string): Promise<FastifyReply> {
  switch (answer.state) {
    case 'pending':
      reply.header('retry-after', String(RETRY_AFTER)).header('cache-control', 'no-store');
      return reply.code(202).send({ status: 'pending', detail: 'The preview is being made; ask again in a moment' });
    case 'none':
      throw new CofferError(404, 'no-preview', answer.reason);
    case 'failed':
      throw new CofferError(404, 'preview-failed', `No preview could be made: ${answer.reason}`);
    case 'ready': {
      reply.header('etag', answer.etag).header('cache-control', cacheControl);
      if (request.headers['if-none-match'] === answer.etag) return reply.code(304).send();
      const stream = await core.blobs.read(answer.key);
      reply.header('content-length', String(answer.size)).type(answer.mime);
      return reply.send(stream);
    }
  }
}
