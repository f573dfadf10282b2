import { contentDisposition } from './content-disposition.js';

/**
 * How every door (REST content and file links, WebDAV, and later public links and signed URLs)
 * serves bytes a user stored, so that they can never run as Coffer's own page: the one place
 * that decides these headers.
 */

/**
 * Sandboxed: the document gets an opaque origin and runs no script, so it can neither read
 * Coffer's cookies nor call its API. Images and media of the same file still display, and
 * Chromium's PDF viewer works under it (checked by test/content-xss-browser.test.ts), so PDF is
 * not exempt.
 */
export const USER_CONTENT_CSP = "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'";

/** Types a browser executes or renders as a document that can script (HTML, SVG, XML with XSLT, JS…). */
const ACTIVE_TYPES = new Set([
  'text/html',
  'application/xhtml+xml',
  'image/svg+xml',
  'text/xml',
  'application/xml',
  'text/xsl',
  'application/xslt+xml',
  'text/javascript',
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
  'text/ecmascript',
  'application/x-shockwave-flash',
  'multipart/x-mixed-replace',
  'message/rfc822',
  'multipart/related',
  'application/x-mimearchive',
  'text/x-component',
  'application/vnd.mozilla.xul+xml',
  'application/rdf+xml',
]);

const ACTIVE_EXTENSIONS = new Set([
  'html', 'htm', 'shtml', 'xhtml', 'xht', 'mht', 'mhtml', 'svg', 'svgz', 'xml', 'xsl', 'xslt', 'rdf', 'xul',
  'js', 'mjs', 'cjs', 'swf', 'htc', 'hta',
]);

function baseType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

/**
 * Whether a browser could run this file as a page: by the type the server stored OR by the
 * name's extension (browsers and the OS key behaviour off either; neither is trusted alone).
 */
export function isActiveContent(contentType: string, fileName: string | undefined): boolean {
  const type = baseType(contentType);
  if (ACTIVE_TYPES.has(type) || type.endsWith('+xml')) return true;
  const dot = fileName?.lastIndexOf('.') ?? -1;
  return dot >= 0 && ACTIVE_EXTENSIONS.has(fileName!.slice(dot + 1).toLowerCase());
}

export interface UserContentOptions {
  contentType: string;
  /** The stored name, for Content-Disposition and the extension check. */
  fileName?: string | undefined;
  /**
   * What the client asked for: 'inline' (a preview) or 'attachment' (a download). Undefined for
   * doors that cannot ask (WebDAV): then active types are attachments and others get no header.
   */
  disposition?: 'inline' | 'attachment' | undefined;
  /** Served from COFFER_CONTENT_ORIGIN, which the web app embeds from its own, other origin. */
  crossOrigin?: boolean | undefined;
}

/** The response headers for stored bytes; callers add them to every 200/206 (and HEAD) of a file. */
export function userContentHeaders(o: UserContentOptions): Record<string, string> {
  const headers: Record<string, string> = {
    'x-content-type-options': 'nosniff',
    'content-security-policy': USER_CONTENT_CSP,
    // Another site may not embed the bytes (and read them through side channels), except the web
    // app from its own origin when content has an origin of its own.
    'cross-origin-resource-policy': o.crossOrigin ? 'cross-origin' : 'same-origin',
    // Opened in a tab, the file gets no handle on the window that opened it (the web app).
    'cross-origin-opener-policy': 'same-origin',
    // A file link carries its ticket in the query: never pass it on in a Referer.
    'referrer-policy': 'no-referrer',
  };
  if (o.crossOrigin) headers['access-control-allow-origin'] = '*';
  const kind = o.disposition ?? (isActiveContent(o.contentType, o.fileName) ? 'attachment' : undefined);
  if (kind === 'attachment' && o.fileName === undefined) headers['content-disposition'] = 'attachment';
  else if (kind !== undefined && o.fileName !== undefined) headers['content-disposition'] = contentDisposition(kind, o.fileName);
  return headers;
}
