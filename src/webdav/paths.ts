import { DavError } from './errors.js';

/**
 * Splits a percent-encoded path below a DAV mount into decoded segments in NFC, so NFD names
 * (macOS) and NFC names reach the same resource. Encoded slashes, NUL, `.` and `..` are refused.
 */
export function decodePath(raw: string): string[] {
  return decodePathAsSent(raw).map((name) => name.normalize('NFC'));
}

/**
 * The request path's segments in the form the client sent them (NFD from macOS, say), for the
 * hrefs of a listing of that path: clients such as ownCloud's compare each href with the URL
 * they asked for byte by byte, and drop a listing whose hrefs do not start with it.
 */
export function decodePathAsSent(raw: string): string[] {
  if (raw.includes('#')) throw new DavError(400, 'A request URI cannot carry a fragment (#)');
  const q = raw.indexOf('?');
  const path = q >= 0 ? raw.slice(0, q) : raw;
  const segments: string[] = [];
  for (const part of path.split('/')) {
    if (part === '') continue;
    let name: string;
    try {
      name = decodeURIComponent(part);
    } catch {
      throw new DavError(400, `The path segment "${part.slice(0, 100)}" is not valid percent-encoded UTF-8`);
    }
    if (name.includes('/')) throw new DavError(400, 'Encoded slashes are not allowed in paths');
    if (name.includes('\u0000')) throw new DavError(400, 'Paths cannot contain NUL');
    if (name === '.' || name === '..') throw new DavError(400, 'Paths cannot contain "." or ".." segments');
    segments.push(name);
  }
  return segments;
}

/** The href of a resource: percent-encoded with uppercase hex, collections ending in "/". */
export function encodeHref(mount: string, path: string[], collection: boolean): string {
  const encoded = path.map(encodeSegment).join('/');
  const base = mount.endsWith('/') ? mount.slice(0, -1) : mount;
  if (path.length === 0) return `${base}/`;
  return `${base}/${encoded}${collection ? '/' : ''}`;
}

const UNRESERVED = /^[A-Za-z0-9._~-]*$/;

function encodeSegment(s: string): string {
  if (UNRESERVED.test(s)) return s;
  // encodeURIComponent leaves !'()* alone; they are legal in a path but some clients choke.
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The path part of a Destination header or tagged If resource, which may be an absolute URI
 * (whose host is ignored: behind a proxy the client names the public host) or an absolute path.
 */
export function uriPath(uri: string): string {
  const trimmed = uri.trim();
  if (trimmed.startsWith('/')) return trimmed;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new DavError(400, `"${trimmed.slice(0, 200)}" is neither an absolute URI nor an absolute path`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DavError(502, `The destination ${url.protocol} URI is on another server`);
  }
  return url.pathname;
}

export function samePath(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

/** True if `inner` is `outer` or beneath it. */
export function isWithin(inner: string[], outer: string[]): boolean {
  return inner.length >= outer.length && outer.every((s, i) => s === inner[i]);
}
