import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { CofferError } from '../../core/errors.js';
import { explainValidation } from './validation-messages.js';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  423: 'Locked',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  507: 'Insufficient Storage',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  [extension: string]: unknown;
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, status: number, code: string, detail: string, extra: Record<string, unknown> = {}) {
  const body: Problem = {
    type: `https://coffer.dev/problems/${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    instance: request.url.split('?')[0],
    request_id: request.id,
    ...extra,
  };
  if (status === 401 && !reply.hasHeader('www-authenticate')) reply.header('www-authenticate', 'Bearer realm="coffer"');
  if (typeof extra.retryAfter === 'number') reply.header('retry-after', String(extra.retryAfter));
  return reply.code(status).type('application/problem+json').send(JSON.stringify(body));
}

/** Renders every error as RFC 9457 problem+json, never leaking internals for unexpected ones. */
export const problemsPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof CofferError) {
      return sendProblem(reply, request, err.status, err.code, err.message, err.extra);
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const { detail, errors } = explainValidation(err.validation, err.validationContext);
      return sendProblem(reply, request, 400, 'validation', detail, { errors });
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err }, 'request failed');
      return sendProblem(reply, request, status, 'internal', 'Something went wrong on the server; the request id identifies it in the logs');
    }
    return sendProblem(reply, request, status, err.code?.toLowerCase().replace(/^fst_/, '') ?? 'error', err.message);
  });
  app.setNotFoundHandler((request, reply) => {
    if (app.webAppShell?.wants(request)) return app.webAppShell.send(request, reply);
    return sendProblem(reply, request, 404, 'not-found', `No route for ${request.method} ${request.url.split('?')[0]}`);
  });
});
