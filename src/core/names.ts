import { CofferError, invalidName } from './errors.js';

const MAX_NAME_BYTES = 255;
// C0 and C1 control characters and DEL; they break terminals, XML and most file systems.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Returns the stored form of a file or folder name (NFC) or throws a 400 that says why the
 * name cannot be used. NFD (macOS) and NFC (everyone else) forms are therefore the same name.
 */
export function normalizeName(raw: string): string {
  const name = raw.normalize('NFC');
  if (name.length === 0) throw invalidName('A name cannot be empty');
  if (name === '.' || name === '..') throw invalidName(`"${name}" is reserved and cannot be used as a name`);
  if (name.includes('/')) throw invalidName('A name cannot contain "/"');
  if (name.includes('\u0000')) throw invalidName('A name cannot contain the NUL character');
  if (CONTROL.test(name)) throw invalidName('A name cannot contain control characters');
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) {
    throw invalidName(`A name can be at most ${MAX_NAME_BYTES} bytes in UTF-8 (this one is ${Buffer.byteLength(name, 'utf8')})`);
  }
  return name;
}

/** Splits "/a/b/c" (or "a/b/c/") into validated, normalised segments; "" and "/" are the root. */
export function parsePath(raw: string): string[] {
  return raw
    .split('/')
    .filter((s) => s.length > 0)
    .map(normalizeName);
}

/** How many levels below the space root a path lies: "/" is 0, "/a/b.txt" is 2. */
export function pathDepth(path: string): number {
  let depth = 0;
  for (const segment of path.split('/')) if (segment.length > 0) depth++;
  return depth;
}

/**
 * The 400 for a change that would put something deeper than the server allows. `depth`, when
 * known exactly, is quoted; a subtree measured only up to the limit is "more than" it.
 */
export function pathTooDeep(limit: number, depth?: number): CofferError {
  const actual = depth !== undefined ? ` (this one would be ${depth} levels deep)` : '';
  return new CofferError(
    400,
    'path-too-deep',
    `Paths can be at most ${limit} levels deep on this server (a/b/c.txt is 3)${actual}; use a shallower path. ` +
      'Administrators set the limit with COFFER_MAX_PATH_DEPTH.',
    { limit, ...(depth !== undefined ? { depth } : {}) },
  );
}

/** "report.pdf" → "report (1).pdf"; "archive.tar.gz" → "archive (1).tar.gz"; folders have no extension. */
export function numberedName(name: string, n: number, isFolder: boolean): string {
  const m = isFolder ? null : /^(.+?)((?:\.tar)?\.[^.\s]{1,10})$/.exec(name);
  const suffix = ` (${n})${m ? m[2]! : ''}`;
  let stem = m ? m[1]! : name;
  // The result must be a valid name too: shorten the stem (never the extension) to fit.
  const room = MAX_NAME_BYTES - Buffer.byteLength(suffix, 'utf8');
  let bytes = Buffer.byteLength(stem, 'utf8');
  if (bytes > room) {
    const chars = [...stem];
    while (chars.length > 1 && bytes > room) bytes -= Buffer.byteLength(chars.pop()!, 'utf8');
    stem = chars.join('');
  }
  return `${stem}${suffix}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `s` is a UUID as ids are written: checked before a lookup, so a bad id is a plain 404. */
export function isUuid(s: string): boolean {
  return UUID.test(s);
}
