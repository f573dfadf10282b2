import { badRequest } from './errors.js';

/**
 * A space's path layout: named segments with what each may be, e.g.
 *
 *   { "pattern": "{system}/{objectType}/{objectId}/{file}",
 *     "values": { "system": ["workspace", "accounting"],
 *                 "objectType": { "by": "system", "values": { "accounting": ["receipt", "invoice"] } },
 *                 "objectId": { "regex": "^[A-Za-z0-9-]{1,64}$" } } }
 *
 * A pattern ends with {file} (files lie exactly there, and nothing deeper) or ** (anything may
 * lie below the named folders, files only below them). A segment without values takes any name.
 */
export interface Layout {
  pattern: string;
  values?: Record<string, SegmentRule> | undefined;
}

export type SegmentRule = string[] | { by: string; values: Record<string, string[]> } | { regex: string };

interface ParsedSegment {
  name: string;
  rule: SegmentRule | undefined;
  regex: RegExp | undefined;
}

export interface ParsedLayout {
  layout: Layout;
  segments: ParsedSegment[];
  /** {file}: files at exactly segments.length + 1; **: anything below. */
  end: 'file' | 'any';
}

const SEGMENT = /^\{([A-Za-z][A-Za-z0-9_]{0,40})\}$/;

/** Checks a layout as an admin sends it; a clear 400 for anything wrong. */
export function parseLayout(raw: unknown): ParsedLayout {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw badRequest('A layout is an object with a pattern and, optionally, values');
  const { pattern, values } = raw as { pattern?: unknown; values?: unknown };
  if (typeof pattern !== 'string' || pattern.length === 0 || pattern.length > 500) throw badRequest('A layout needs a pattern such as "{system}/{objectType}/{objectId}/{file}"');
  const parts = pattern.split('/').filter((p) => p.length > 0);
  const last = parts.pop();
  if (last !== '{file}' && last !== '**') throw badRequest('A layout pattern ends with {file} (files lie exactly there) or ** (anything below)');
  if (values !== undefined && (typeof values !== 'object' || values === null || Array.isArray(values))) throw badRequest('Layout values are an object from segment name to what it may be');
  const rules = (values ?? {}) as Record<string, unknown>;
  const seen = new Set<string>();
  const segments = parts.map((part, i): ParsedSegment => {
    const m = SEGMENT.exec(part);
    if (!m || m[1] === 'file') throw badRequest(`"${part}" in the layout pattern is not a segment like {name}`);
    const name = m[1]!;
    if (seen.has(name)) throw badRequest(`The layout names {${name}} twice`);
    seen.add(name);
    const rule = checkRule(name, rules[name], parts.slice(0, i));
    return { name, rule, regex: rule && 'regex' in rule ? new RegExp(rule.regex, 'u') : undefined };
  });
  for (const key of Object.keys(rules)) if (!seen.has(key)) throw badRequest(`The layout gives values for {${key}}, which its pattern does not have`);
  const layout: Layout = { pattern: [...parts, last].join('/'), values: values === undefined ? undefined : (rules as Record<string, SegmentRule>) };
  return { layout, segments, end: last === '{file}' ? 'file' : 'any' };
}

function checkRule(name: string, rule: unknown, before: string[]): SegmentRule | undefined {
  if (rule === undefined) return undefined;
  const list = (v: unknown, what: string): string[] => {
    if (!Array.isArray(v) || v.length === 0 || v.length > 1000 || !v.every((x) => typeof x === 'string' && x.length > 0 && x.length <= 255 && !x.includes('/'))) {
      throw badRequest(`${what} is a list of names`);
    }
    return v as string[];
  };
  if (Array.isArray(rule)) return list(rule, `{${name}}`);
  if (typeof rule === 'object' && rule !== null && 'regex' in rule) {
    const source = (rule as { regex: unknown }).regex;
    if (typeof source !== 'string' || source.length > 500) throw badRequest(`{${name}}: regex is a regular expression`);
    try {
      new RegExp(source, 'u');
    } catch {
      throw badRequest(`{${name}}: "${source}" is not a valid regular expression`);
    }
    return { regex: source };
  }
  if (typeof rule === 'object' && rule !== null && 'by' in rule) {
    const { by, values } = rule as { by: unknown; values: unknown };
    if (typeof by !== 'string' || !before.includes(`{${by}}`)) throw badRequest(`{${name}}: "by" names a segment that comes before it`);
    if (typeof values !== 'object' || values === null || Array.isArray(values)) throw badRequest(`{${name}}: values is an object from each {${by}} to its names`);
    const out: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(values)) out[k] = list(v, `{${name}} for ${by} "${k}"`);
    return { by, values: out };
  }
  throw badRequest(`{${name}}: give a list of names, {"by": …, "values": …} or {"regex": …}`);
}

/**
 * Why an item of `kind` may not lie at `path` (names from the top of the space) under this
 * layout, in words that say which segment is wrong and what is allowed; null when it may.
 */
export function layoutProblem(parsed: ParsedLayout, path: readonly string[], kind: 'file' | 'folder'): string | null {
  const { segments, end } = parsed;
  const where = (depth: number) => '/' + segments.slice(0, depth).map((s) => `{${s.name}}`).join('/');
  for (let i = 0; i < Math.min(path.length, segments.length); i++) {
    const seg = segments[i]!;
    const value = path[i]!;
    // The last name of a file is its file name, whatever the segment at that depth says: that is checked below.
    if (kind === 'file' && i === path.length - 1) break;
    const allowed = allowedValues(seg, path.slice(0, i), segments);
    if (allowed && !allowed.includes(value)) {
      return `"${value}" is not allowed as {${seg.name}} at ${where(i + 1)}; ${allowed.length > 0 ? `allowed: ${allowed.join(', ')}` : 'nothing is allowed there'}`;
    }
    if (seg.regex && !seg.regex.test(value)) {
      return `"${value}" is not a valid {${seg.name}} at ${where(i + 1)}: it must match ${seg.regex.source}`;
    }
  }
  if (kind === 'file') {
    if (path.length <= segments.length) return `Files go at /${parsed.layout.pattern}, not directly in /${path.slice(0, -1).join('/')}`;
    if (end === 'file' && path.length > segments.length + 1) return `Files go at /${parsed.layout.pattern}: nothing lies deeper than {${segments.at(-1)?.name ?? 'file'}}`;
  } else if (end === 'file' && path.length > segments.length) {
    return `Folders go no deeper than ${where(segments.length)} here: below it lie files only (/${parsed.layout.pattern})`;
  }
  return null;
}

function allowedValues(seg: ParsedSegment, before: readonly string[], segments: readonly ParsedSegment[]): string[] | undefined {
  const rule = seg.rule;
  if (!rule || 'regex' in rule) return undefined;
  if (Array.isArray(rule)) return rule;
  const at = segments.findIndex((s) => s.name === rule.by);
  const key = before[at];
  return key === undefined ? undefined : (rule.values[key] ?? []);
}
