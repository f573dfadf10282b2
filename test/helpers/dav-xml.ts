import { request as httpRequest, type Agent } from 'node:http';
import { SaxesParser } from 'saxes';
import type { DavResult } from './dav.js';

/** A namespace-resolved element of a response body. */
export interface XEl {
  ns: string;
  local: string;
  attrs: Record<string, string>;
  children: XEl[];
  /** The element's own text nodes, concatenated, untrimmed. */
  text: string;
}

/** Parses a whole XML document (namespace-aware, via saxes); throws if it is not well-formed. */
export function parseXml(xml: string): XEl {
  const parser = new SaxesParser({ xmlns: true });
  const stack: XEl[] = [];
  let root: XEl | null = null;
  let error: Error | null = null;
  parser.on('opentag', (tag) => {
    const attrs: Record<string, string> = {};
    for (const a of Object.values(tag.attributes)) attrs[a.name] = a.value;
    const el: XEl = { ns: tag.uri ?? '', local: tag.local ?? tag.name, attrs, children: [], text: '' };
    const parent = stack.at(-1);
    if (parent) parent.children.push(el);
    else root = el;
    stack.push(el);
  });
  parser.on('closetag', () => void stack.pop());
  parser.on('text', (t) => {
    const el = stack.at(-1);
    if (el) el.text += t;
  });
  parser.on('cdata', (t) => {
    const el = stack.at(-1);
    if (el) el.text += t;
  });
  parser.on('error', (e) => {
    error ??= e;
  });
  parser.write(xml).close();
  if (error) throw error;
  if (!root) throw new Error('no root element');
  return root;
}

export const DAV = 'DAV:';
export const OC = 'http://owncloud.org/ns';
export const MS = 'urn:schemas-microsoft-com:';

export function kids(el: XEl, ns: string, local: string): XEl[] {
  return el.children.filter((c) => c.ns === ns && c.local === local);
}

export function kid(el: XEl, ns: string, local: string): XEl | undefined {
  return kids(el, ns, local)[0];
}

/** Follows a chain of DAV: child names; throws naming the missing step. */
export function path(el: XEl, ...locals: string[]): XEl {
  let cur = el;
  for (const l of locals) {
    const next = kid(cur, DAV, l);
    if (!next) throw new Error(`no DAV:${l} under ${cur.ns}${cur.local}`);
    cur = next;
  }
  return cur;
}

/** The text of an element and all its descendants. */
export function deepText(el: XEl): string {
  return el.text + el.children.map(deepText).join('');
}

export interface PropValue {
  status: number;
  el: XEl;
}

export interface MsResponse {
  href: string;
  /** Status of a `<d:response>` that carries a plain `<d:status>` instead of propstats. */
  status: number | null;
  /** Properties by "namespace local". */
  props: Map<string, PropValue>;
}

function statusOf(text: string): number {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(text.trim());
  if (!m) throw new Error(`bad status line "${text}"`);
  return Number(m[1]);
}

/** Parses a 207 multistatus body into one entry per `<d:response>`. */
export function multistatus(xml: string): MsResponse[] {
  const root = parseXml(xml);
  if (root.ns !== DAV || root.local !== 'multistatus') throw new Error(`root is ${root.ns} ${root.local}, not DAV: multistatus`);
  return kids(root, DAV, 'response').map((r) => {
    const hrefs = kids(r, DAV, 'href');
    if (hrefs.length !== 1) throw new Error(`a response has ${hrefs.length} hrefs`);
    const props = new Map<string, PropValue>();
    for (const ps of kids(r, DAV, 'propstat')) {
      const status = statusOf(path(ps, 'status').text);
      for (const p of path(ps, 'prop').children) props.set(`${p.ns} ${p.local}`, { status, el: p });
    }
    const plain = kid(r, DAV, 'status');
    return { href: hrefs[0]!.text.trim(), status: plain ? statusOf(plain.text) : null, props };
  });
}

/** A property of a multistatus entry, asserting it came back with 200. */
export function prop200(r: MsResponse, ns: string, local: string): XEl {
  const p = r.props.get(`${ns} ${local}`);
  if (!p) throw new Error(`${r.href} has no ${ns} ${local}`);
  if (p.status !== 200) throw new Error(`${r.href} ${ns} ${local} came back with ${p.status}`);
  return p.el;
}

/** The `<s:message>` (or any text) of a `<d:error>` body. */
export function errorMessage(xml: string): string {
  const root = parseXml(xml);
  if (root.ns !== DAV || root.local !== 'error') throw new Error(`root is ${root.ns} ${root.local}, not DAV: error`);
  return deepText(root);
}

export interface SendResult extends DavResult {
  /** True if the request went out on a kept-alive socket used before. */
  reusedSocket: boolean;
}

/**
 * One raw request like DavUser.request, but with an optional agent (for keep-alive checks), and
 * tolerant of the server closing the connection after answering early (a refused large body):
 * the answer counts once it has arrived, even if the rest of the upload then fails to go out.
 */
export function send(
  base: string,
  method: string,
  target: string,
  options: { headers?: Record<string, string>; body?: string | Buffer; agent?: Agent } = {},
): Promise<SendResult> {
  const url = new URL(base);
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'transfer-encoding')) {
    headers['content-length'] = String(Buffer.byteLength(options.body));
  }
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest({ host: url.hostname, port: url.port, method, path: target, headers, ...(options.agent ? { agent: options.agent } : {}) }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), reusedSocket: req.reusedSocket }),
      );
      res.on('error', reject);
    });
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}
