import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Core } from '../../core/core.js';
import type { Grant } from '../../core/access.js';
import { badRequest } from '../../core/errors.js';
import { TYPE_CATEGORIES, type SearchHit } from '../../services/search.service.js';
import { errors, nodeSchema, toNodeDto } from '../dto.js';
import { acceptAppPasswords, ctxOf } from '../plugins/auth.js';

/** A day ("2026-12-07", its start in UTC) or an instant with its offset. */
const when = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })])
  .optional()
  .describe('A date (YYYY-MM-DD, the start of that day in UTC) or a date and time with its offset');

const searchHitSchema = nodeSchema
  .extend({
    space: z
      .object({ id: z.string(), name: z.string(), kind: z.enum(['personal', 'organization']) })
      .nullable()
      .describe('The space it lies in; null for what is shared with you (its path is below "Shared with me")'),
    via: z.enum(['own', 'space', 'share', 'service', 'support']).describe('How you reach it: your own space, an organisation space, a share, an API key\'s scope, a support session'),
    rank: z.number().optional().describe('Content searches: how well the text matched; higher is better'),
    snippet: z.string().optional().describe('Content searches: a passage of the text around the matches'),
    highlights: z
      .array(z.tuple([z.number(), z.number()]))
      .optional()
      .describe('Where the matched words are in the snippet: [start, end) offsets in UTF-16 code units'),
  })
  .meta({ id: 'SearchHit' });

function viaOf(grant: Grant): z.infer<typeof searchHitSchema>['via'] {
  switch (grant.source) {
    case 'owner':
      return 'own';
    case 'share':
    case 'link':
      return 'share';
    case 'service':
      return 'service';
    case 'support':
      return 'support';
    default:
      return 'space';
  }
}

function toHitDto(hit: SearchHit): z.infer<typeof searchHitSchema> {
  const { item } = hit;
  const shared = item.grant.source === 'share';
  return {
    ...toNodeDto(item.node, hit.path),
    space: shared ? null : { id: item.space.id, name: item.space.name, kind: item.space.kind },
    via: viaOf(item.grant),
    ...(hit.rank !== undefined ? { rank: hit.rank } : {}),
    ...(hit.snippet ? { snippet: hit.snippet.text, highlights: hit.snippet.highlights } : {}),
  };
}

const dateOf = (v: string | undefined): Date | undefined => (v === undefined ? undefined : new Date(v));

export async function searchRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.addHook('onRequest', app.authenticate);
  // Files and sync: app passwords and API keys may search what they may reach.
  acceptAppPasswords(r);

  r.get('/search', {
    schema: {
      tags: ['search'],
      summary: 'Find files and folders you can reach (your own, shared with you, your organisations\' spaces) by name or by the text of documents',
      description:
        'By name (default): every file and folder whose name contains `q`, ignoring case and accents; names equal to it come first, then names starting with it, then the rest, alphabetically. ' +
        'With `in=content`: files whose text (plain text, Markdown, PDF, DOCX, XLSX, PPTX, ODT, ODS, ODP) holds all the words of `q` (each as a prefix), best matches first, each with a snippet. ' +
        'A file\'s text is read by a background job after it is uploaded, so a new file is found by content a little later. Pages: pass `next_cursor` back as `cursor` with the same words and filters.',
      security: [{ bearer: [] }],
      querystring: z.object({
        q: z.string().max(200).default('').describe('Words to find; may be empty for a name search with filters'),
        in: z.enum(['name', 'content']).default('name'),
        type: z
          .string()
          .max(500)
          .optional()
          .describe(`Comma-separated kinds (${Object.keys(TYPE_CATEGORIES).join(', ')}), MIME types ("application/pdf") or prefixes ("image/*"); any of them`),
        kind: z.enum(['file', 'folder']).optional(),
        min_size: z.coerce.number().int().min(0).optional().describe('Bytes, at least (files only)'),
        max_size: z.coerce.number().int().min(0).optional().describe('Bytes, at most (files only)'),
        modified_after: when.describe('Modified (the file\'s own time, as a sync client set it) at or after this'),
        modified_before: when.describe('Modified before this'),
        uploaded_after: when.describe('Current content uploaded at or after this (files only)'),
        uploaded_before: when.describe('Current content uploaded before this (files only)'),
        folder_id: z.uuid().optional().describe('Only what lies beneath this folder'),
        limit: z.coerce.number().int().min(1).max(200).default(50),
        cursor: z.string().max(2048).optional(),
      }),
      response: {
        200: z.object({ items: z.array(searchHitSchema), next_cursor: z.string().nullable().describe('The next page\'s cursor; null on the last page') }),
        ...errors(400, 401, 403, 404),
      },
    },
    handler: async (request) => {
      const q = request.query;
      const types = q.type?.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
      if (types && types.length > 20) throw badRequest('At most 20 types at once');
      const page = await core.search.search(ctxOf(request), {
        q: q.q.trim(),
        in: q.in,
        kind: q.kind,
        types,
        minSize: q.min_size,
        maxSize: q.max_size,
        modifiedFrom: dateOf(q.modified_after),
        modifiedTo: dateOf(q.modified_before),
        uploadedFrom: dateOf(q.uploaded_after),
        uploadedTo: dateOf(q.uploaded_before),
        folderId: q.folder_id,
        limit: q.limit,
        cursor: q.cursor,
      });
      return { items: page.hits.map(toHitDto), next_cursor: page.cursor };
    },
  });
}
