import { badRequest } from './errors.js';
import { parseLayout, type Layout } from './layout.js';
import { normalizeName } from './names.js';

/** A template folder's policy as written in the template; `originals` names a sibling folder. */
export interface TemplatePolicy {
  allowed_extensions?: string[] | undefined;
  allowed_types?: string[] | undefined;
  max_file_bytes?: number | undefined;
  write_once?: boolean | undefined;
  /** Files here are made from originals in this sibling folder, and name them. */
  originals?: string | undefined;
  max_age_hours?: number | undefined;
}

export interface TemplateFolder {
  name: string;
  /** ZIP exports of a selection made in this unit land here. */
  exports?: boolean | undefined;
  policy?: TemplatePolicy | undefined;
}

/**
 * A space template: the shape of the folders ("units") a space is made of, e.g. one folder per
 * device of a backup, each with originals/, derived/, exports/, deleted/ and tmp/. Data, not code:
 * a layout plus folder policies, checked here, stored with each space made from it.
 */
export interface SpaceTemplate {
  name: string;
  title: string;
  description?: string | undefined;
  /** What one unit is called ("device"). */
  unit: string;
  layout?: Layout | undefined;
  folders: TemplateFolder[];
}

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const UNIT = /^[A-Za-z][A-Za-z0-9 _-]{0,39}$/;
const POLICY_KEYS = new Set(['allowed_extensions', 'allowed_types', 'max_file_bytes', 'write_once', 'originals', 'max_age_hours']);
/** Ten years: longer is "never", which is no max_age_hours at all. */
export const MAX_AGE_HOURS = 87_600;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks a template as an admin sends it (or as shipped); a clear 400 naming what is wrong. */
export function parseTemplate(raw: unknown): SpaceTemplate {
  if (!isObject(raw)) throw badRequest('A space template is an object with name, title, unit and folders');
  const { name, title, description, unit, layout, folders } = raw;
  if (typeof name !== 'string' || !NAME.test(name)) throw badRequest('A template name is 1–63 lower-case letters, digits and "-"');
  if (typeof title !== 'string' || title.trim().length === 0 || title.length > 100) throw badRequest('A template needs a title of at most 100 characters');
  if (description !== undefined && (typeof description !== 'string' || description.length > 2000)) throw badRequest('A template description is text of at most 2,000 characters');
  if (typeof unit !== 'string' || !UNIT.test(unit)) throw badRequest('unit says what one folder made from the template is, e.g. "device" (letters, digits, spaces)');
  if (!Array.isArray(folders) || folders.length === 0 || folders.length > 50) throw badRequest('A template lists 1 to 50 folders');
  const parsed = folders.map((f, i) => templateFolder(f, i));
  const names = new Set<string>();
  for (const f of parsed) {
    if (names.has(f.name)) throw badRequest(`The template lists the folder "${f.name}" twice`);
    names.add(f.name);
  }
  for (const f of parsed) {
    const originals = f.policy?.originals;
    if (originals !== undefined && (!names.has(originals) || originals === f.name)) {
      throw badRequest(`The folder "${f.name}" takes its originals from "${originals}", which is not another folder of the template`);
    }
  }
  if (parsed.filter((f) => f.exports).length > 1) throw badRequest('At most one folder of a template receives exports');
  return {
    name,
    title: title.trim(),
    description: description as string | undefined,
    unit,
    layout: layout === undefined || layout === null ? undefined : parseLayout(layout).layout,
    folders: parsed,
  };
}

function templateFolder(raw: unknown, i: number): TemplateFolder {
  if (!isObject(raw)) throw badRequest(`Folder ${i + 1} of the template is an object with a name`);
  if (typeof raw.name !== 'string') throw badRequest(`Folder ${i + 1} of the template needs a name`);
  const name = normalizeName(raw.name);
  if (raw.exports !== undefined && typeof raw.exports !== 'boolean') throw badRequest(`"${name}": exports is true or false`);
  const policy = raw.policy === undefined ? undefined : templatePolicy(name, raw.policy);
  return { name, exports: raw.exports === true ? true : undefined, policy };
}

function templatePolicy(folder: string, raw: unknown): TemplatePolicy {
  if (!isObject(raw)) throw badRequest(`The policy of "${folder}" is an object`);
  for (const key of Object.keys(raw)) if (!POLICY_KEYS.has(key)) throw badRequest(`The policy of "${folder}" has "${key}", which is not one of ${[...POLICY_KEYS].join(', ')}`);
  const strings = (v: unknown, what: string): string[] | undefined => {
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw badRequest(`"${folder}": ${what} is a list of strings`);
    return v as string[];
  };
  const { max_file_bytes: max, write_once: once, originals, max_age_hours: age } = raw;
  if (max !== undefined && (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 0)) throw badRequest(`"${folder}": max_file_bytes is a whole number of bytes`);
  if (once !== undefined && typeof once !== 'boolean') throw badRequest(`"${folder}": write_once is true or false`);
  if (originals !== undefined && typeof originals !== 'string') throw badRequest(`"${folder}": originals names another folder of the template`);
  if (age !== undefined && !validAge(age)) throw badRequest(`"${folder}": max_age_hours is a whole number of hours from 1 to ${MAX_AGE_HOURS}`);
  return {
    allowed_extensions: strings(raw.allowed_extensions, 'allowed_extensions'),
    allowed_types: strings(raw.allowed_types, 'allowed_types'),
    max_file_bytes: max as number | undefined,
    write_once: once as boolean | undefined,
    originals: originals as string | undefined,
    max_age_hours: age as number | undefined,
  };
}

export function validAge(age: unknown): age is number {
  return typeof age === 'number' && Number.isInteger(age) && age >= 1 && age <= MAX_AGE_HOURS;
}
