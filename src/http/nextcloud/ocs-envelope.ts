import { escapeXml } from '../../webdav/xml.js';

/**
 * The OCS envelope Nextcloud and ownCloud answer their APIs in:
 * `{ocs: {meta: {status, statuscode, message, totalitems, itemsperpage}, data}}`, as JSON or XML.
 * Version 1 and 2 differ only in the codes: v1 says 100 for success and answers HTTP 200 even
 * for errors (except 401 for "not signed in", which clients need to ask for credentials again);
 * v2 says 200 and makes the HTTP status the error's.
 */
export type OcsVersion = 1 | 2;
export type OcsFormat = 'json' | 'xml';

/** Nextcloud's OCS codes beside the HTTP-like ones (400, 403, 409…). */
export const OCS_UNAUTHORISED = 997;
export const OCS_NOT_FOUND = 998;
export const OCS_SERVER_ERROR = 996;

/** A value the envelope can carry, in both formats. */
export type OcsValue = string | number | boolean | null | readonly OcsValue[] | { readonly [key: string]: OcsValue };

/** An OCS error: `code` is an OCS code (997, 998, 996) or an HTTP status (400, 403, 429…). */
export class OcsError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'OcsError';
  }
}

export interface OcsAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** The HTTP status an outcome gets in each version. */
function httpStatus(version: OcsVersion, code: number | 'ok'): number {
  if (code === 'ok') return 200;
  if (code === OCS_UNAUTHORISED) return 401;
  if (version === 1) return 200;
  if (code === OCS_NOT_FOUND) return 404;
  if (code === OCS_SERVER_ERROR) return 500;
  return code >= 400 && code < 600 ? code : 400;
}

/** Renders a success (`data`) or an error in the envelope of the given version and format. */
export function ocsAnswer(version: OcsVersion, format: OcsFormat, outcome: { data: OcsValue } | { error: OcsError }): OcsAnswer {
  const ok = 'data' in outcome;
  const meta = {
    status: ok ? 'ok' : 'failure',
    statuscode: ok ? (version === 1 ? 100 : 200) : outcome.error.code,
    message: ok ? 'OK' : outcome.error.message,
    totalitems: '',
    itemsperpage: '',
  };
  // Nextcloud sends an empty list as the data of an error.
  const data: OcsValue = ok ? outcome.data : [];
  const status = httpStatus(version, ok ? 'ok' : outcome.error.code);
  if (format === 'json') {
    return { status, contentType: 'application/json; charset=utf-8', body: JSON.stringify({ ocs: { meta, data } }) };
  }
  const body = `<?xml version="1.0"?>\n<ocs>${xmlElement('meta', meta)}${xmlElement('data', data)}</ocs>\n`;
  return { status, contentType: 'application/xml; charset=utf-8', body };
}

/**
 * One element as Nextcloud's XML writer makes it: objects as child elements, list items as
 * `<element>`, true as "1", false and null as empty.
 */
function xmlElement(name: string, value: OcsValue): string {
  const tag = /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name) ? name : 'element';
  if (value === null || value === false || value === '') return `<${tag}/>`;
  if (value === true) return `<${tag}>1</${tag}>`;
  if (typeof value === 'string') return `<${tag}>${escapeXml(value)}</${tag}>`;
  if (typeof value === 'number') return `<${tag}>${value}</${tag}>`;
  const inner = isList(value) ? value.map((v) => xmlElement('element', v)).join('') : Object.entries(value).map(([k, v]) => xmlElement(k, v)).join('');
  return inner === '' ? `<${tag}/>` : `<${tag}>${inner}</${tag}>`;
}

function isList(value: OcsValue): value is readonly OcsValue[] {
  return Array.isArray(value);
}

/**
 * JSON when asked for with `format=json` or an Accept header naming application/json (what
 * Nextcloud's clients send), otherwise XML, OCS's default; `format=xml` wins over the header.
 */
export function ocsFormat(query: unknown, accept: string | undefined): OcsFormat {
  const format = typeof query === 'object' && query !== null ? (query as { format?: unknown }).format : undefined;
  if (format === 'json') return 'json';
  if (format === 'xml') return 'xml';
  return accept !== undefined && /\bapplication\/json\b/i.test(accept) ? 'json' : 'xml';
}
