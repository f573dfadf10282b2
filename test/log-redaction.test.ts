import { Writable } from 'node:stream';
import Fastify from 'fastify';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { redactUrl, requestForLog } from '../src/util/log-redaction.js';

describe('log redaction', () => {
  it('hides file-link tickets wherever they sit in the query', () => {
    expect(redactUrl('/api/v1/files/a/content?ticket=eyJ.abc.def&inline=1')).toBe('/api/v1/files/a/content?ticket=[redacted]&inline=1');
    expect(redactUrl('/x?inline=1&TICKET=secret')).toBe('/x?inline=1&TICKET=[redacted]');
    expect(redactUrl('/x?tickets=1&noticket=2')).toBe('/x?tickets=1&noticket=2');
  });

  it('is what Fastify logs for each request', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const app = Fastify({ loggerInstance: pino({ level: 'info', serializers: { req: requestForLog } }, sink) });
    app.get('/files/:id/content', async () => 'ok');
    await app.inject({ method: 'GET', url: '/files/f1/content?ticket=very-secret-ticket&inline=1' });
    await app.close();
    const logged = lines.join('');
    expect(logged).toContain('/files/f1/content?ticket=[redacted]&inline=1');
    expect(logged).not.toContain('very-secret-ticket');
  });
});
