import { Transform, pipeline } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ZipDownload } from '../services/zip.service.js';
import { contentDisposition } from '../util/content-disposition.js';
import { streamZip } from '../util/zip-stream.js';
import type { Metrics } from './plugins/metrics.js';

/**
 * Streams a ZIP download and audits it once the connection closes (complete or not). A failure
 * mid-stream destroys the response, so a truncated archive is never taken for a complete one.
 */
export function sendZip(request: FastifyRequest, reply: FastifyReply, download: ZipDownload, metrics: Metrics) {
  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      sent += chunk.length;
      done(null, chunk);
    },
  });
  // A failure mid-stream destroys the counter, and Fastify then destroys the socket.
  pipeline(streamZip(download.entries), counter, (err) => {
    if (err) request.log.warn({ err }, 'ZIP download aborted');
  });
  reply.raw.once('close', () => {
    metrics.bytesOut.inc(sent);
    download.record({ complete: reply.raw.writableFinished && !counter.errored, bytesSent: sent }).catch((err: unknown) => {
      request.log.error({ err }, 'could not audit a ZIP download');
    });
  });
  return reply
    .header('content-type', 'application/zip')
    .header('content-disposition', contentDisposition('attachment', `${download.name}.zip`))
    .header('cache-control', 'private, no-store')
    .header('x-content-type-options', 'nosniff')
    .send(counter);
}
