import { DavError } from './errors.js';

/** One condition of an If header list (RFC 4918 §10.4). */
export interface IfCondition {
  not: boolean;
  kind: 'token' | 'etag';
  /** The state token (a URI) or the entity tag as sent, quotes included. */
  value: string;
}

export interface IfList {
  /** The tagged resource (as sent), or undefined for the request URI. */
  resource: string | undefined;
  conditions: IfCondition[];
}

/** Parses an If header into its lists; a malformed header is a 400. */
export function parseIfHeader(header: string): IfList[] {
  const lists: IfList[] = [];
  let i = 0;
  let tag: string | undefined;
  const fail = (why: string): never => {
    throw new DavError(400, `Malformed If header (${why}): ${header.slice(0, 200)}`);
  };
  const skipSpace = () => {
    while (i < header.length && /\s/.test(header[i]!)) i++;
  };
  const readUntil = (end: string) => {
    const close = header.indexOf(end, i);
    if (close < 0) fail(`missing "${end}"`);
    const value = header.slice(i, close);
    i = close + 1;
    return value;
  };
  let sawTagged = false;
  let sawUntagged = false;
  for (skipSpace(); i < header.length; skipSpace()) {
    const c = header[i];
    if (c === '<') {
      i++;
      tag = readUntil('>');
      sawTagged = true;
      skipSpace();
      if (header[i] !== '(') fail('a resource tag must be followed by a list');
      continue;
    }
    if (c !== '(') fail(`unexpected "${c}"`);
    i++;
    if (tag === undefined) sawUntagged = true;
    const conditions: IfCondition[] = [];
    for (skipSpace(); header[i] !== ')'; skipSpace()) {
      if (i >= header.length) fail('unclosed list');
      let not = false;
      if (header.slice(i, i + 3).toLowerCase() === 'not' && /[\s<[]/.test(header[i + 3] ?? '')) {
        not = true;
        i += 3;
        skipSpace();
      }
      if (header[i] === '<') {
        i++;
        conditions.push({ not, kind: 'token', value: readUntil('>').trim() });
      } else if (header[i] === '[') {
        i++;
        conditions.push({ not, kind: 'etag', value: readUntil(']').trim() });
      } else {
        fail('a condition is a <state-token> or an [entity-tag]');
      }
    }
    i++;
    if (conditions.length === 0) fail('empty list');
    lists.push({ resource: tag, conditions });
  }
  if (lists.length === 0) fail('no lists');
  if (sawTagged && sawUntagged) fail('tagged and untagged lists cannot be mixed');
  return lists;
}

/** Every state token in the header: RFC 4918 counts a token as submitted wherever it appears. */
export function submittedTokens(lists: IfList[]): Set<string> {
  const tokens = new Set<string>();
  for (const l of lists) for (const c of l.conditions) if (c.kind === 'token') tokens.add(c.value);
  return tokens;
}

/** What a condition is checked against: a resource's ETag and the lock tokens covering it. */
export interface IfResourceState {
  /** Unquoted strong ETag, or null when the resource does not exist. */
  etag: string | null;
  lockTokens: Set<string>;
}

/**
 * True if any list holds (lists are ORed, conditions ANDed). `stateOf` resolves a tagged
 * resource (undefined = the request URI); unknown tokens simply evaluate false.
 */
export async function evaluateIf(lists: IfList[], stateOf: (resource: string | undefined) => Promise<IfResourceState>): Promise<boolean> {
  for (const list of lists) {
    const state = await stateOf(list.resource);
    if (list.conditions.every((c) => holds(c, state) !== c.not)) return true;
  }
  return false;
}

function holds(c: IfCondition, state: IfResourceState): boolean {
  if (c.kind === 'token') return state.lockTokens.has(c.value);
  // Strong comparison: a weak tag never matches.
  if (state.etag === null || c.value.startsWith('W/')) return false;
  return c.value === `"${state.etag}"`;
}
