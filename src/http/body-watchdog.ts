import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { CofferConfig } from '../config/config.js';
import { CofferError } from '../core/errors.js';

type Limits = CofferConfig['requestLimits'];

/**
 * Cuts off request bodies that arrive too slowly, on whichever listener `app` is, without a
 * request timeout that would also cut a slow but real multi-GB upload:
 * - a body that sends nothing for `bodyIdleTimeoutMs` is cut;
 * - a body that averages fewer than `bodyMinBytesPerSecond` over any `bodyRateWindowMs` is cut
 *   (the first window is the grace period).
 * Only the time the server is waiting for the client counts: while the server has not started
 * reading the body, or has received bytes it has not yet consumed (a slow disk or S3 applying
 * back-pressure), the clock stops. A cut answers 408 when the socket can still take it, then
 * destroys the request, so the upload in progress fails the way a dropped connection does: its
 * temporary blob is removed and nothing is committed.
 */
export function watchRequestBodies(app: FastifyInstance, limits: Limits): void {
  if (limits.bodyIdleTimeoutMs === 0 && limits.bodyMinBytesPerSecond === 0) return;
  app.addHook('onRequest', async (request, reply) => {
    if (!hasBody(request.raw)) return;
    watchBody(request.raw, reply.raw, request.id, limits, (detail) => request.log.info({ detail }, 'request body cut off'));
  });
}

function hasBody(req: IncomingMessage): boolean {
  const h = req.headers;
  return !req.complete && (h['transfer-encoding'] !== undefined || Number(h['content-length'] ?? 0) > 0);
}

interface Sample {
  waitedMs: number;
  bytes: number;
}

function watchBody(req: IncomingMessage, res: ServerResponse, requestId: string, limits: Limits, log: (detail: string) => void): void {
  const socket = req.socket;
  const shortest = Math.min(...[limits.bodyIdleTimeoutMs, limits.bodyRateWindowMs].filter((ms) => ms > 0));
  const tickMs = Math.min(1000, Math.max(50, Math.floor(shortest / 10)));
  const startBytes = socket.bytesRead;
  let last = Date.now();
  let lastBytes = 0;
  let idleMs = 0;
  let waitedMs = 0;
  // (time waited, bytes received) once per tick, oldest first: the sliding window of the rate check.
  const samples: Sample[] = [{ waitedMs: 0, bytes: 0 }];

  const timer = setInterval(() => {
    if (req.complete || req.destroyed || socket.destroyed) return stop();
    const now = Date.now();
    const dt = now - last;
    last = now;
    const bytes = socket.bytesRead - startBytes;
    // The server waits for the client when it reads the body and has consumed all it received.
    const waiting = req.readableFlowing !== null && req.readableLength === 0;
    if (bytes > lastBytes) idleMs = 0;
    else if (waiting) idleMs += dt;
    lastBytes = bytes;
    if (waiting) waitedMs += dt;

    if (limits.bodyIdleTimeoutMs > 0 && idleMs >= limits.bodyIdleTimeoutMs) {
      return cut(`The request body stalled: nothing arrived for ${Math.round(idleMs / 1000)} s (limit ${limits.bodyIdleTimeoutMs / 1000} s); nothing was stored`);
    }
    if (limits.bodyMinBytesPerSecond > 0) {
      samples.push({ waitedMs, bytes });
      const windowStart = waitedMs - limits.bodyRateWindowMs;
      while (samples.length > 1 && samples[1]!.waitedMs <= windowStart) samples.shift();
      const from = samples[0]!;
      if (from.waitedMs <= windowStart) {
        const rate = ((bytes - from.bytes) * 1000) / (waitedMs - from.waitedMs);
        if (rate < limits.bodyMinBytesPerSecond) {
          return cut(
            `The request body arrived too slowly: ${Math.floor(rate)} bytes/s over the last ${limits.bodyRateWindowMs / 1000} s, below the minimum of ${limits.bodyMinBytesPerSecond}; nothing was stored`,
          );
        }
      }
    }
  }, tickMs);
  timer.unref();

  function stop() {
    clearInterval(timer);
    req.off('end', stop);
    res.off('close', stop);
  }
  req.once('end', stop);
  res.once('close', stop);

  function cut(detail: string) {
    stop();
    log(detail);
    if (!res.headersSent && socket.writable) {
      const body = JSON.stringify({
        type: 'https://coffer.dev/problems/request-timeout',
        title: 'Request Timeout',
        status: 408,
        detail,
        instance: (req.url ?? '/').split('?')[0],
        request_id: requestId,
      });
      // Written straight to the socket: the handler still holds the reply, and the connection ends now.
      socket.write(
        `HTTP/1.1 408 Request Timeout\r\ncontent-type: application/problem+json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
          `x-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
      );
    }
    // Fails whatever reads the body (pipeline → blob removed, nothing committed) and closes the socket.
    req.destroy(new CofferError(408, 'request-timeout', detail));
  }
}
