import type { DavResource, DavSearchQuery, DeadProperty, PropertyName } from './backend.js';
import { canSearch } from './backend.js';
import { DavError } from './errors.js';
import type { DavExtension, DavExtensionContext, DavRequest, DavResponse } from './handler.js';
import { decodePath, uriPath } from './paths.js';
import { clientContexts, FAVORITE, isClientBackend } from './client-properties.js';
import { compileRenderer, isProtected, NC_NS, OC_NS, parsePropertyTime, type LiveContext, type PropRequest } from './properties.js';
import { childElements, DAV_NS, findChild, NamespacePrefixes, readXmlBody, textOf, XML_DECLARATION, type XmlElement } from './xml.js';

/**
 * RFC 5323 SEARCH with the DAV:basicsearch grammar, as Nextcloud's clients send it to find files
 * by name: a scope (href and depth), a where of comparisons on displayname (like, eq), type,
 * size, modification time, file id, the caller's star (oc:favorite) and collection-ness joined
 * with and / or / not, an order and a limit.
 * The backend narrows (DavSearchBackend); every condition is then checked here on what it
 * returns, so the answer means exactly what the query says. Bodies are read by the same
 * namespace-aware parser as every other (no DOCTYPE, so no entities; size and depth bounded).
 */

/** The most resources one SEARCH looks at (and so sorts and answers from). */
export const SEARCH_CAP = 1000;
const DEFAULT_RESULTS = 100;
const XML_TYPE = 'application/xml; charset=utf-8';

type Comparison = 'eq' | 'like' | 'lt' | 'lte' | 'gt' | 'gte';

export type Condition =
  | { op: 'and' | 'or'; args: Condition[] }
  | { op: 'not'; arg: Condition }
  | { op: 'is-collection' }
  | { op: Comparison; prop: SearchProperty; literal: string };

/**
 * The properties a search can compare: what a resource's row holds, and the caller's own star
 * (oc:favorite, a client fact: see client-properties.ts).
 */
type SearchProperty = 'displayname' | 'getcontenttype' | 'getcontentlength' | 'getlastmodified' | 'creationdate' | 'fileid' | 'favorite';

const PROPERTIES: Record<string, SearchProperty> = {
  [`${DAV_NS} displayname`]: 'displayname',
  [`${DAV_NS} getcontenttype`]: 'getcontenttype',
  [`${DAV_NS} getcontentlength`]: 'getcontentlength',
  [`${OC_NS} size`]: 'getcontentlength',
  [`${DAV_NS} getlastmodified`]: 'getlastmodified',
  [`${DAV_NS} creationdate`]: 'creationdate',
  [`${OC_NS} fileid`]: 'fileid',
  // Both are when the node was made on the server (client-properties.ts renders them from it);
  // older iOS apps range their media view on nc:upload_time (NextcloudKit searchMedia).
  [`${NC_NS} upload_time`]: 'creationdate',
  [`${NC_NS} creation_time`]: 'creationdate',
  [`${FAVORITE.ns} ${FAVORITE.local}`]: 'favorite',
};

export interface BasicSearch {
  select: PropRequest;
  scope: { href: string; depth: '0' | '1' | 'infinity' };
  where: Condition | null;
  order: { prop: SearchProperty; descending: boolean }[];
  limit: number;
  offset: number;
}

const isDav = (el: XmlElement, local: string) => el.ns === DAV_NS && el.local === local;

/** A SEARCH body: a DAV:searchrequest holding one DAV:basicsearch. */
export function interpretSearchRequest(root: XmlElement | null): BasicSearch {
  if (!root || !isDav(root, 'searchrequest')) throw new DavError(400, 'A SEARCH body must be a DAV: searchrequest element');
  const basic = findChild(root, DAV_NS, 'basicsearch');
  if (!basic) {
    const other = childElements(root)[0];
    throw new DavError(422, `Only the DAV:basicsearch grammar is supported${other ? `, not ${other.ns}${other.local}` : ''}`, { name: 'search-grammar-supported' });
  }
  const select = findChild(basic, DAV_NS, 'select');
  const from = findChild(basic, DAV_NS, 'from');
  if (!select || !from) throw new DavError(400, 'A basicsearch needs a select and a from');
  const scopes = childElements(from).filter((c) => isDav(c, 'scope'));
  if (scopes.length !== 1) throw new DavError(400, 'A basicsearch must name exactly one scope');
  const href = findChild(scopes[0]!, DAV_NS, 'href');
  if (!href || textOf(href).trim() === '') throw new DavError(400, 'The scope needs an href');
  const depthEl = findChild(scopes[0]!, DAV_NS, 'depth');
  const depth = depthEl ? textOf(depthEl).trim().toLowerCase() : 'infinity';
  if (depth !== '0' && depth !== '1' && depth !== 'infinity') throw new DavError(400, 'The scope\'s depth must be 0, 1 or infinity');
  const where = findChild(basic, DAV_NS, 'where');
  const conditions = where ? childElements(where) : [];
  if (conditions.length > 1) throw new DavError(400, 'A where holds one condition (join several with and)');
  return {
    select: selectOf(select),
    scope: { href: textOf(href).trim(), depth },
    where: conditions[0] ? conditionOf(conditions[0], 0) : null,
    order: orderOf(findChild(basic, DAV_NS, 'orderby')),
    ...limitOf(findChild(basic, DAV_NS, 'limit')),
  };
}

function selectOf(select: XmlElement): PropRequest {
  if (findChild(select, DAV_NS, 'allprop')) return { kind: 'allprop', include: [] };
  const prop = findChild(select, DAV_NS, 'prop');
  if (!prop) throw new DavError(400, 'A select needs a prop or allprop');
  return { kind: 'prop', names: childElements(prop).map((p) => ({ ns: p.ns, local: p.local })) };
}

function propertyOf(el: XmlElement): SearchProperty {
  const prop = findChild(el, DAV_NS, 'prop');
  const named = prop ? childElements(prop) : [];
  if (named.length !== 1) throw new DavError(400, `<${el.local}> compares exactly one property`);
  const found = PROPERTIES[`${named[0]!.ns} ${named[0]!.local}`];
  if (!found) {
    throw new DavError(422, `Searching by ${named[0]!.ns}${named[0]!.local} is not supported; use displayname, getcontenttype, getcontentlength, getlastmodified, creationdate, oc:fileid or oc:favorite`, { name: 'search-scope-valid' });
  }
  return found;
}

function conditionOf(el: XmlElement, depth: number): Condition {
  if (depth > 16) throw new DavError(400, 'The where is nested too deeply');
  if (el.ns !== DAV_NS) throw new DavError(422, `The operator ${el.ns}${el.local} is not supported`);
  const children = childElements(el);
  switch (el.local) {
    case 'and':
    case 'or':
      if (children.length === 0) throw new DavError(400, `<${el.local}> needs at least one condition`);
      return { op: el.local, args: children.map((c) => conditionOf(c, depth + 1)) };
    case 'not':
      if (children.length !== 1) throw new DavError(400, '<not> takes one condition');
      return { op: 'not', arg: conditionOf(children[0]!, depth + 1) };
    case 'is-collection':
      return { op: 'is-collection' };
    case 'eq':
    case 'like':
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      const prop = propertyOf(el);
      const literal = findChild(el, DAV_NS, 'literal') ?? findChild(el, DAV_NS, 'typed-literal');
      if (!literal) throw new DavError(400, `<${el.local}> needs a literal`);
      const text = textOf(literal);
      if (prop === 'favorite') {
        // The Android app asks <d:eq> with "yes" (NcSearchMethod, FAVORITE_SEARCH), which is
        // Nextcloud's boolean literal (FileSearchBackend::castValue: $value === 'yes').
        if (el.local !== 'eq') throw new DavError(400, 'oc:favorite is compared with <eq> only');
        if (favoriteLiteral(text) === null) throw new DavError(400, `oc:favorite is compared with yes or no (or 1 or 0), not "${text.slice(0, 50)}"`);
      }
      const numeric = prop === 'getcontentlength';
      const timed = prop === 'getlastmodified' || prop === 'creationdate';
      if (el.local === 'like' && (numeric || timed)) throw new DavError(400, `<like> compares text, not ${prop}`);
      if (numeric && !/^\s*\d{1,16}\s*$/.test(text)) throw new DavError(400, `${prop} is compared with a number of bytes, not "${text.slice(0, 50)}"`);
      if (timed && !parsePropertyTime(text)) throw new DavError(400, `${prop} is compared with a date (RFC 1123, ISO 8601 or Unix seconds), not "${text.slice(0, 50)}"`);
      return { op: el.local, prop, literal: text };
    }
    default:
      throw new DavError(422, `The operator ${el.local} is not supported; use and, or, not, eq, like, lt, lte, gt, gte or is-collection`);
  }
}

function orderOf(orderby: XmlElement | undefined): BasicSearch['order'] {
  if (!orderby) return [];
  const out: BasicSearch['order'] = [];
  for (const order of childElements(orderby).filter((c) => isDav(c, 'order'))) {
    const prop = findChild(order, DAV_NS, 'prop');
    const named = prop ? childElements(prop)[0] : undefined;
    const found = named ? PROPERTIES[`${named.ns} ${named.local}`] : undefined;
    // An order by something a resource does not carry changes nothing (Nextcloud sends a few).
    if (found) out.push({ prop: found, descending: findChild(order, DAV_NS, 'descending') !== undefined });
  }
  return out;
}

function limitOf(limit: XmlElement | undefined): { limit: number; offset: number } {
  const n = limit ? findChild(limit, DAV_NS, 'nresults') : undefined;
  // Nextcloud pages with a first result of its own namespace (SearchDAV's).
  const first = limit ? childElements(limit).find((c) => c.local === 'firstresult') : undefined;
  const number = (el: XmlElement | undefined, fallback: number, what: string) => {
    if (!el) return fallback;
    const t = textOf(el).trim();
    if (!/^\d{1,9}$/.test(t)) throw new DavError(400, `${what} must be a whole number`);
    return Number(t);
  };
  // More than the cap is answered with at most the cap (RFC 5323 lets a server return fewer):
  // the iOS app's media view asks for 100000 at once (NCMedia searchMediaPlaceholders) and reads
  // what comes; refusing would leave its photo view empty.
  const results = Math.min(number(n, DEFAULT_RESULTS, 'nresults'), SEARCH_CAP);
  if (results < 1) throw new DavError(400, `nresults must be between 1 and ${SEARCH_CAP}`);
  const offset = number(first, 0, 'firstresult');
  if (offset >= SEARCH_CAP) throw new DavError(400, `A search answers at most ${SEARCH_CAP} results; firstresult must be below that`);
  return { limit: results, offset };
}

// ---- evaluation ------------------------------------------------------------------------------

/** oc:favorite's literal: yes / true / 1, no / false / 0; null for anything else. */
function favoriteLiteral(literal: string): boolean | null {
  const t = literal.trim().toLowerCase();
  if (t === 'yes' || t === 'true' || t === '1') return true;
  if (t === 'no' || t === 'false' || t === '0') return false;
  return null;
}

/** Whether a condition compares oc:favorite anywhere (its answer then needs the caller's stars). */
export function mentionsFavorite(c: Condition | null): boolean {
  if (c === null) return false;
  switch (c.op) {
    case 'and':
    case 'or':
      return c.args.some(mentionsFavorite);
    case 'not':
      return mentionsFavorite(c.arg);
    case 'is-collection':
      return false;
    default:
      return c.prop === 'favorite';
  }
}

/** Whether every match must be a favourite (an `eq oc:favorite yes` among the conditions joined by and at the top). */
function requiresFavorite(c: Condition | null): boolean {
  if (c === null) return false;
  if (c.op === 'and') return c.args.some(requiresFavorite);
  return c.op === 'eq' && c.prop === 'favorite' && favoriteLiteral(c.literal) === true;
}

/** The ids of the caller's starred resources among those a search looks at (empty when the query names no star). */
type Starred = ReadonlySet<string>;
const NONE_STARRED: Starred = new Set();

/** Letters unaccent spells out that have no decomposition to strip. */
const SPELLED: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', đ: 'd', ł: 'l', þ: 'th', ð: 'd', ı: 'i' };

/** Case and accents aside, as Coffer's search (coffer_fold: unaccent, lower) compares names. */
export function fold(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[ßæœøđłþðı]/g, (c) => SPELLED[c]!);
}

/** A like pattern (% any run, _ one character, \ escapes) as a regular expression over folded text. */
function likePattern(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) re += escapeRegExp(fold(pattern[++i]!));
    else if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else re += escapeRegExp(fold(c));
  }
  return new RegExp(`^${re}$`, 'u');
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function valueOf(r: DavResource, prop: SearchProperty, starred: Starred = NONE_STARRED): string | number | null {
  switch (prop) {
    case 'favorite':
      return starred.has(r.id) ? 1 : 0;
    case 'displayname':
      return r.path.at(-1) ?? '';
    case 'getcontenttype':
      return r.collection ? 'httpd/unix-directory' : (r.contentType ?? 'application/octet-stream');
    case 'getcontentlength':
      return r.size;
    case 'getlastmodified':
      return Math.floor(r.modifiedAt.getTime() / 1000);
    case 'creationdate':
      return Math.floor(r.createdAt.getTime() / 1000);
    case 'fileid':
      // The clients' numbers (oc:fileid); resources without one compare by their own id.
      return r.fileId ?? r.id;
  }
}

function literalValue(prop: SearchProperty, literal: string): string | number {
  if (prop === 'favorite') return favoriteLiteral(literal) ? 1 : 0;
  if (prop === 'getcontentlength') return Number(literal.trim());
  if (prop === 'fileid' && /^\d{1,15}$/.test(literal.trim())) return Number(literal.trim());
  if (prop === 'getlastmodified' || prop === 'creationdate') return Math.floor(parsePropertyTime(literal)!.getTime() / 1000);
  return prop === 'displayname' ? fold(literal) : literal.trim().toLowerCase();
}

/** Whether a resource meets a condition (`starred`: the caller's stars, when the condition names oc:favorite). */
export function matches(c: Condition | null, r: DavResource, starred: Starred = NONE_STARRED): boolean {
  if (c === null) return true;
  switch (c.op) {
    case 'and':
      return c.args.every((a) => matches(a, r, starred));
    case 'or':
      return c.args.some((a) => matches(a, r, starred));
    case 'not':
      return !matches(c.arg, r, starred);
    case 'is-collection':
      return r.collection;
    default: {
      const raw = valueOf(r, c.prop, starred);
      if (raw === null) return false;
      const value = typeof raw === 'string' ? (c.prop === 'displayname' ? fold(raw) : raw.toLowerCase()) : raw;
      if (c.op === 'like') return likePattern(c.prop === 'displayname' ? c.literal : c.literal.toLowerCase()).test(String(value));
      const lit = literalValue(c.prop, c.literal);
      switch (c.op) {
        case 'eq':
          return value === lit;
        case 'lt':
          return value < lit;
        case 'lte':
          return value <= lit;
        case 'gt':
          return value > lit;
        case 'gte':
          return value >= lit;
      }
    }
  }
}

type Narrowing = Omit<DavSearchQuery, 'scope' | 'depth' | 'max'>;

/**
 * What the backend can narrow by, from the conditions every match must meet (those joined by
 * and at the top): the longest plain run of a name pattern, the types, sizes and times. Never
 * narrower than the query: a condition it cannot use is left to `matches`.
 */
export function narrowing(c: Condition | null): Narrowing {
  const out: Narrowing = { nameContains: '' };
  const required = (x: Condition): Condition[] => (x.op === 'and' ? x.args.flatMap(required) : [x]);
  for (const x of c ? required(c) : []) {
    if (x.op === 'is-collection') out.kind = 'folder';
    else if (x.op === 'not' && x.arg.op === 'is-collection') out.kind = 'file';
    else if (x.op === 'or' || x.op === 'eq' || x.op === 'like') {
      const types = typesOf(x);
      if (types) out.types = out.types ? out.types.filter((t) => types.includes(t)) : types;
      if ((x.op === 'eq' || x.op === 'like') && x.prop === 'displayname') {
        const run = x.op === 'eq' ? x.literal : longestPlainRun(x.literal);
        if (run.length > out.nameContains.length) out.nameContains = run;
      }
    }
    if (x.op === 'lt' || x.op === 'lte' || x.op === 'gt' || x.op === 'gte' || x.op === 'eq') {
      if (x.prop === 'getcontentlength') {
        const n = Number(x.literal.trim());
        if (x.op === 'gt' || x.op === 'gte' || x.op === 'eq') out.minSize = Math.max(out.minSize ?? 0, x.op === 'gt' ? n + 1 : n);
        if (x.op === 'lt' || x.op === 'lte' || x.op === 'eq') out.maxSize = Math.min(out.maxSize ?? Number.MAX_SAFE_INTEGER, x.op === 'lt' ? n - 1 : n);
      } else if (x.prop === 'getlastmodified') {
        const t = parsePropertyTime(x.literal)!;
        // Whole seconds on the wire: a second either side, and the exact check after.
        if (x.op === 'gt' || x.op === 'gte' || x.op === 'eq') out.modifiedFrom = new Date(t.getTime() - 1000);
        if (x.op === 'lt' || x.op === 'lte' || x.op === 'eq') out.modifiedTo = new Date(t.getTime() + 1000);
      }
    }
  }
  return out;
}

/** The MIME types or prefixes a content-type condition (or an or of them) allows; null when it is not one. */
function typesOf(c: Condition): string[] | null {
  if (c.op === 'or') {
    const all = c.args.map(typesOf);
    return all.every((t): t is string[] => t !== null) ? all.flat() : null;
  }
  if ((c.op !== 'eq' && c.op !== 'like') || c.prop !== 'getcontenttype') return null;
  const lit = c.literal.trim().toLowerCase();
  if (c.op === 'eq') return /^[a-z0-9][^%_\\\s]*\/[^%_\\\s]+$/.test(lit) ? [lit] : null;
  const prefix = /^([a-z0-9][^%_\\\s/]*)\/%$/.exec(lit);
  return prefix ? [`${prefix[1]}/`] : null;
}

function longestPlainRun(pattern: string): string {
  let best = '';
  let run = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) run += pattern[++i]!;
    else if (c === '%' || c === '_') {
      if (run.length > best.length) best = run;
      run = '';
    } else run += c;
  }
  return run.length > best.length ? run : best;
}

function compare(a: DavResource, b: DavResource, order: BasicSearch['order'], starred: Starred): number {
  for (const { prop, descending } of order) {
    const x = valueOf(a, prop, starred);
    const y = valueOf(b, prop, starred);
    const sx = typeof x === 'string' ? fold(x) : x;
    const sy = typeof y === 'string' ? fold(y) : y;
    if (sx === sy) continue;
    const less = sx === null ? true : sy === null ? false : sx < sy;
    return (less ? -1 : 1) * (descending ? -1 : 1);
  }
  return 0;
}

// ---- the method --------------------------------------------------------------------------------

/** The caller's favourites below a scope (the Android app's favourites view searches for them). */
async function favoritesWithin(backend: DavExtensionContext['backend'], scope: string[], depth: '1' | 'infinity'): Promise<DavResource[]> {
  if (!isClientBackend(backend)) throw new DavError(501, 'Favourites cannot be searched on this WebDAV space');
  const below = (r: DavResource) => r.path.length > scope.length && scope.every((s, i) => r.path[i] === s) && (depth === 'infinity' || r.path.length === scope.length + 1);
  return (await backend.favorites(SEARCH_CAP)).filter(below);
}

/** Which of the candidates the caller starred: one round trip for all of them. */
async function starredAmong(backend: DavExtensionContext['backend'], candidates: DavResource[]): Promise<Starred> {
  if (!isClientBackend(backend)) throw new DavError(501, 'Favourites cannot be searched on this WebDAV space');
  if (candidates.length === 0) return NONE_STARRED;
  const facts = await backend.clientFacts(candidates);
  return new Set(candidates.filter((r) => facts.get(r.id)?.favorite === true).map((r) => r.id));
}

/** The scope's href as a path below this DAV root: absolute (the mount's or another door's), or relative to the request. */
function scopePath(href: string, req: DavRequest, ctx: DavExtensionContext): string[] {
  if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('/')) {
    const resolved = ctx.resolvePath(uriPath(href));
    if (resolved) return resolved;
    throw new DavError(400, `The scope ${href.slice(0, 200)} is not in this WebDAV space`, { name: 'search-scope-valid' });
  }
  const base = decodePath(req.path);
  return [...base, ...decodePath(href)];
}

async function search(req: DavRequest, _path: string[], ctx: DavExtensionContext): Promise<DavResponse> {
  const { backend } = ctx;
  const query = interpretSearchRequest(await readXmlBody(req.body, ctx.limits));
  if (!canSearch(backend)) throw new DavError(501, 'This WebDAV space cannot be searched');
  const path = scopePath(query.scope.href, req, ctx);
  const scope = await backend.stat(path);
  if (!scope) throw new DavError(404, `The scope ${ctx.href(path, true)} does not exist`, { name: 'search-scope-valid' });
  let candidates: DavResource[];
  if (query.scope.depth === '0' || !scope.collection) candidates = [scope];
  else if (requiresFavorite(query.where)) candidates = await favoritesWithin(backend, scope.path, query.scope.depth);
  else {
    // Sorting needs everything that matches (up to the cap); otherwise enough to fill the page.
    const max = query.order.length > 0 ? SEARCH_CAP : Math.min(SEARCH_CAP, 2 * (query.offset + query.limit));
    candidates = await backend.search({ scope, depth: query.scope.depth, ...narrowing(query.where), max });
  }
  const byStar = mentionsFavorite(query.where) || query.order.some((o) => o.prop === 'favorite');
  const starred = byStar ? await starredAmong(backend, candidates) : NONE_STARRED;
  const found = candidates.filter((r) => matches(query.where, r, starred));
  if (query.order.length > 0) found.sort((a, b) => compare(a, b, query.order, starred));
  const page = found.slice(query.offset, query.offset + query.limit);

  const ns = new NamespacePrefixes();
  const renderer = compileRenderer(query.select, ns);
  const wanted = query.select.kind === 'prop' ? query.select.names : [];
  const quota = wanted.some((n) => n.ns === DAV_NS && n.local.startsWith('quota-')) ? await backend.quota() : { used: 0, available: null };
  const live: LiveContext = { href: ctx.href, locks: [], quota: () => quota, now: ctx.now };
  const needsDead = query.select.kind !== 'prop' || wanted.some((n: PropertyName) => !isProtected(n));
  const dead = needsDead && page.length > 0 ? await backend.deadProperties(page) : new Map<string, DeadProperty[]>();
  let xml = `${XML_DECLARATION}<d:multistatus${ns.rootDeclarations()}>`;
  const client = await clientContexts(backend, query.select.kind === 'prop' ? wanted : null, page);
  for (const r of page) xml += renderer(r, ctx.href(r.path, r.collection), dead.get(r.id) ?? [], { ...live, client: client(r) });
  xml += '</d:multistatus>\n';
  return { status: 207, headers: { 'content-type': XML_TYPE }, body: xml };
}

/** SEARCH beside RFC 4918, advertised in OPTIONS with DASL as sabre/dav (and so Nextcloud) does. */
export const basicSearchExtension: DavExtension = {
  methods: ['SEARCH'],
  optionsHeaders: { dasl: '<DAV:basicsearch>' },
  handle: search,
};
