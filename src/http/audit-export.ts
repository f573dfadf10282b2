import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { AuditEvent } from '../db/schema.js';

/** The audit filters every audit query route takes. */
export const auditFilter = {
  user_id: z.string().max(64).optional().describe('The acting user or service account'),
  action: z.string().max(100).optional(),
  path_prefix: z.string().max(4096).optional(),
  related_object_type: z.string().max(64).optional().describe('Events an app tied to this kind of business object'),
  related_object_id: z.string().max(200).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
};

type FilterQuery = { [K in keyof typeof auditFilter]?: string | undefined };

/** The repository's filter from a route's query. */
export function auditFilterOf(q: FilterQuery) {
  return {
    actorId: q.user_id,
    action: q.action,
    pathPrefix: q.path_prefix,
    related: q.related_object_type !== undefined || q.related_object_id !== undefined ? { type: q.related_object_type, id: q.related_object_id } : undefined,
    from: q.from ? new Date(q.from) : undefined,
    to: q.to ? new Date(q.to) : undefined,
  };
}

/** A spreadsheet runs a cell starting with = + - @ (or a tab/CR) as a formula: defuse it. */
function neutraliseFormula(value: string | number): string | number {
  return typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** Streams audit events, page by page, as a CSV download. */
export function sendAuditCsv(reply: FastifyReply, pages: AsyncIterable<AuditEvent[]>, fileName: string) {
  const rows = Readable.from(
    (async function* () {
      for await (const page of pages) {
        for (const e of page) {
          yield [e.id, e.at.toISOString(), e.actor_name ?? '', e.actor_id ?? '', e.action, e.result, e.path ?? '', e.bytes ?? '', e.ip ?? '', e.user_agent ?? '', e.detail ?? ''].map(neutraliseFormula);
        }
      }
    })(),
  );
  const csv = rows.pipe(stringify({ header: true, columns: ['id', 'at', 'user', 'user_id', 'action', 'result', 'path', 'bytes', 'ip', 'user_agent', 'detail'] }));
  rows.on('error', (err) => csv.destroy(err));
  return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${fileName}"`).header('cache-control', 'no-store').send(csv);
}
