import type { SearchHit, SearchParams } from '../../../api/types';
import { folderHref } from '../Breadcrumbs';

/**
 * A search as the files screen keeps it in its address (so Back returns to the results and a
 * search can be bookmarked): `q` present means the screen shows results instead of the folder.
 */
export interface SearchState {
  q: string;
  content: boolean;
  /** A kind of file (GET /search's categories) or '' for any. */
  type: string;
  /** Sizes in MB (1024 × 1024 bytes), as typed; '' for no bound. */
  minMb: string;
  maxMb: string;
  /** Which date the day range is about: the last change, or when the content was uploaded. */
  dateBy: 'modified' | 'uploaded';
  /** On or after / on or before these days (YYYY-MM-DD); '' for no bound. */
  from: string;
  until: string;
  /** Only beneath the folder on screen. */
  here: boolean;
}

export const EMPTY_SEARCH: SearchState = { q: '', content: false, type: '', minMb: '', maxMb: '', dateBy: 'modified', from: '', until: '', here: false };

export const TYPE_OPTIONS: { value: string; label: string }[] = [
  { value: '', label: 'Any type' },
  { value: 'folder', label: 'Folders' },
  { value: 'document', label: 'Documents' },
  { value: 'pdf', label: 'PDFs' },
  { value: 'spreadsheet', label: 'Spreadsheets' },
  { value: 'presentation', label: 'Presentations' },
  { value: 'image', label: 'Images' },
  { value: 'video', label: 'Videos' },
  { value: 'audio', label: 'Audio' },
  { value: 'text', label: 'Text' },
  { value: 'archive', label: 'Archives' },
];

const MB = 1024 * 1024;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The search in an address's query, or null when the screen shows a folder. */
export function readSearch(params: URLSearchParams): SearchState | null {
  const q = params.get('q');
  if (q === null) return null;
  const day = (v: string | null) => (v && DAY.test(v) ? v : '');
  const mb = (v: string | null) => (v && Number.isFinite(Number(v)) && Number(v) >= 0 ? v : '');
  return {
    q,
    content: params.get('in') === 'content',
    type: TYPE_OPTIONS.some((o) => o.value === params.get('type')) ? (params.get('type') ?? '') : '',
    minMb: mb(params.get('min')),
    maxMb: mb(params.get('max')),
    dateBy: params.get('by') === 'uploaded' ? 'uploaded' : 'modified',
    from: day(params.get('from')),
    until: day(params.get('until')),
    here: params.get('here') === '1',
  };
}

/** The address query of a search (only what is set). */
export function writeSearch(s: SearchState): string {
  const p = new URLSearchParams({ q: s.q.trim() });
  if (s.content) p.set('in', 'content');
  if (s.type) p.set('type', s.type);
  if (s.minMb.trim()) p.set('min', s.minMb.trim());
  if (s.maxMb.trim()) p.set('max', s.maxMb.trim());
  if (s.from) p.set('from', s.from);
  if (s.until) p.set('until', s.until);
  if ((s.from || s.until) && s.dateBy === 'uploaded') p.set('by', 'uploaded');
  if (s.here) p.set('here', '1');
  return `?${p.toString()}`;
}

/** How many filters beyond the words are set (shown on the Filters button). */
export function activeFilters(s: SearchState): number {
  return [s.content, s.type !== '', s.minMb.trim() !== '' || s.maxMb.trim() !== '', s.from !== '' || s.until !== '', s.here].filter(Boolean).length;
}

/** What a search needs before it can run: words, or for a name search at least one filter. */
export function searchProblem(s: SearchState): string | null {
  if (s.content && !/[\p{L}\p{N}]/u.test(s.q)) return 'Type a word to look for in the files’ text.';
  if (!s.content && s.q.trim() === '' && activeFilters(s) === 0) return 'Type part of a name, or choose a filter.';
  const min = s.minMb.trim() === '' ? null : Number(s.minMb);
  const max = s.maxMb.trim() === '' ? null : Number(s.maxMb);
  if ((min !== null && !(min >= 0)) || (max !== null && !(max >= 0))) return 'Sizes are numbers of megabytes.';
  if (min !== null && max !== null && min > max) return 'The smallest size is larger than the largest.';
  if (s.from && s.until && s.from > s.until) return 'The first day is after the last.';
  return null;
}

/** GET /search's parameters for a search run from the folder `folderId` (for "only in this folder"). */
export function toParams(s: SearchState, folderId: string | undefined): SearchParams {
  const p: SearchParams = { q: s.q.trim(), limit: 50 };
  if (s.content) p.in = 'content';
  if (s.type) p.type = s.type;
  if (s.minMb.trim()) p.min_size = Math.round(Number(s.minMb) * MB);
  if (s.maxMb.trim()) p.max_size = Math.round(Number(s.maxMb) * MB);
  // "Until" a day includes it: the search's bound is the start of the next one.
  if (s.dateBy === 'uploaded') {
    if (s.from) p.uploaded_after = s.from;
    if (s.until) p.uploaded_before = nextDay(s.until);
  } else {
    if (s.from) p.modified_after = s.from;
    if (s.until) p.modified_before = nextDay(s.until);
  }
  if (s.here && folderId) p.folder_id = folderId;
  return p;
}

function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** Where a hit opens in place: a folder is entered; a file is shown in its folder, previewed and selected. */
export function hitHref(hit: SearchHit): string {
  if (hit.kind === 'folder') return folderHref(hit.id);
  // A file shared on its own: its folder is not the caller's to open; "Shared with me" lists it.
  const sharedAlone = hit.via === 'share' && hit.path.split('/').filter(Boolean).length === 2;
  if (sharedAlone || !hit.parent_id) return '/shared';
  const id = encodeURIComponent(hit.id);
  return `${folderHref(hit.parent_id)}?preview=${id}&select=${id}`;
}

/** The folder a hit lies in, as the caller sees it ("/Work/Deep", "/Shared with me/Team"). */
export function hitFolder(hit: SearchHit): string {
  const cut = hit.path.lastIndexOf('/');
  return cut <= 0 ? '/' : hit.path.slice(0, cut);
}

/** A snippet cut into plain and matched parts, for <mark>. */
export function snippetParts(text: string, highlights: [number, number][] = []): { text: string; match: boolean }[] {
  const parts: { text: string; match: boolean }[] = [];
  let at = 0;
  for (const [start, end] of [...highlights].sort((a, b) => a[0] - b[0])) {
    if (start < at || end > text.length || end <= start) continue;
    if (start > at) parts.push({ text: text.slice(at, start), match: false });
    parts.push({ text: text.slice(start, end), match: true });
    at = end;
  }
  if (at < text.length) parts.push({ text: text.slice(at), match: false });
  return parts;
}
