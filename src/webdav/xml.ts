import type { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { SaxesParser } from 'saxes';
import { DavError } from './errors.js';

export const DAV_NS = 'DAV:';

/** A namespace-resolved XML element: what request bodies are turned into. */
export interface XmlElement {
  ns: string;
  local: string;
  attrs: XmlAttribute[];
  children: XmlNode[];
}
export interface XmlAttribute {
  ns: string;
  local: string;
  value: string;
}
export type XmlNode = XmlElement | string;

export interface XmlLimits {
  /** Request bodies longer than this get 413 before the rest is read. */
  maxBytes: number;
  maxElements: number;
  maxDepth: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxBytes: 1 << 20, maxElements: 20_000, maxDepth: 64 };

/**
 * Reads an XML request body into an element tree, or returns null for an empty body.
 * Namespace-aware; a DOCTYPE is refused outright, so neither external entities nor entity
 * expansion can happen; size, element count and depth are bounded while streaming.
 */
export async function readXmlBody(body: Readable, limits: XmlLimits = DEFAULT_XML_LIMITS): Promise<XmlElement | null> {
  const parser = new SaxesParser({ xmlns: true, position: false });
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  let elements = 0;
  let failure: DavError | null = null;
  let sawContent = false;

  // Handlers throw on the first failure so the parser stops at once: parsing on would cost time
  // for nothing, and quadratic time past the depth limit (namespaces resolve up the tag stack).
  const stop = (err: DavError): never => {
    failure ??= err;
    throw failure;
  };
  parser.on('doctype', () => {
    stop(new DavError(400, 'XML bodies with a DOCTYPE are not accepted'));
  });
  parser.on('opentag', (tag) => {
    if (failure) return;
    if (++elements > limits.maxElements) stop(new DavError(413, `The XML body has more than ${limits.maxElements} elements`));
    if (stack.length >= limits.maxDepth) stop(new DavError(400, `The XML body is nested deeper than ${limits.maxDepth} levels`));
    const attrs: XmlAttribute[] = [];
    for (const a of Object.values(tag.attributes)) {
      // Namespace declarations are resolved by the parser and not kept as attributes.
      if (a.prefix === 'xmlns' || a.name === 'xmlns') continue;
      attrs.push({ ns: a.uri, local: a.local, value: a.value });
    }
    const el: XmlElement = { ns: tag.uri ?? '', local: tag.local ?? tag.name, attrs, children: [] };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else root = el;
    stack.push(el);
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  const onText = (text: string) => {
    const parent = stack[stack.length - 1];
    if (parent && !failure) parent.children.push(text);
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('error', (err) => {
    stop(new DavError(400, `The XML body is not well-formed: ${err.message.split('\n')[0]}`));
  });

  let bytes = 0;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const chunk of body) {
      const buf = chunk as Buffer;
      bytes += buf.length;
      if (bytes > limits.maxBytes) throw new DavError(413, `XML bodies can be at most ${limits.maxBytes} bytes`);
      const text = decodeChunk(decoder, buf);
      if (!sawContent && text.trim().length > 0) sawContent = true;
      if (sawContent) parser.write(text);
      if (failure) throw failure;
    }
    const tail = decodeChunk(decoder, undefined);
    if (tail) parser.write(tail);
    if (!sawContent) return null;
    parser.close();
  } catch (err) {
    body.resume();
    if (err instanceof DavError) throw err;
    throw failure ?? new DavError(400, `The XML body could not be read: ${(err as Error).message.split('\n')[0]}`);
  }
  if (failure) throw failure;
  if (!root) throw new DavError(400, 'The XML body has no root element');
  return root;
}

function decodeChunk(decoder: TextDecoder, buf: Buffer | undefined): string {
  try {
    return buf ? decoder.decode(buf, { stream: true }) : decoder.decode();
  } catch {
    throw new DavError(400, 'The XML body is not valid UTF-8');
  }
}

export function isElement(n: XmlNode): n is XmlElement {
  return typeof n !== 'string';
}

export function childElements(el: XmlElement): XmlElement[] {
  return el.children.filter(isElement);
}

export function findChild(el: XmlElement, ns: string, local: string): XmlElement | undefined {
  return childElements(el).find((c) => c.ns === ns && c.local === local);
}

export function textOf(el: XmlElement): string {
  return el.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

const NEEDS_ESCAPE = /[&<>"']/;

export function escapeXml(s: string): string {
  // Most names, ETags and types have nothing to escape; testing first skips replace's callbacks.
  return NEEDS_ESCAPE.test(s) ? s.replace(/[&<>"']/g, (c) => ESCAPES[c]!) : s;
}

/**
 * Serialises element children so they can be stored and later inlined anywhere: each element
 * declares its own default namespace, and namespaced attributes get a local prefix.
 */
export function serializeChildren(nodes: XmlNode[]): string {
  return nodes.map(serializeNode).join('');
}

function serializeNode(n: XmlNode): string {
  if (typeof n === 'string') return escapeXml(n);
  let attrs = ` xmlns="${escapeXml(n.ns)}"`;
  let i = 0;
  for (const a of n.attrs) {
    if (a.ns === '') attrs += ` ${a.local}="${escapeXml(a.value)}"`;
    else if (a.ns === 'http://www.w3.org/XML/1998/namespace') attrs += ` xml:${a.local}="${escapeXml(a.value)}"`;
    else {
      const p = `a${i++}`;
      attrs += ` xmlns:${p}="${escapeXml(a.ns)}" ${p}:${a.local}="${escapeXml(a.value)}"`;
    }
  }
  if (n.children.length === 0) return `<${n.local}${attrs}/>`;
  return `<${n.local}${attrs}>${serializeChildren(n.children)}</${n.local}>`;
}

/**
 * Writes elements of arbitrary namespaces with prefixes declared on the multistatus root for
 * the common ones and inline for the rest.
 */
export class NamespacePrefixes {
  private readonly prefixes = new Map<string, string>([
    [DAV_NS, 'd'],
    ['http://owncloud.org/ns', 'oc'],
    ['http://nextcloud.org/ns', 'nc'],
  ]);

  rootDeclarations(): string {
    return [...this.prefixes].map(([ns, p]) => ` xmlns:${p}="${escapeXml(ns)}"`).join('');
  }

  /** Opening and closing tag names for an element; `decl` is added to the opening tag. */
  tag(ns: string, local: string): { open: string; close: string; selfClosing: string } {
    const known = this.prefixes.get(ns);
    if (known) {
      const name = `${known}:${local}`;
      return { open: `<${name}>`, close: `</${name}>`, selfClosing: `<${name}/>` };
    }
    const decl = ns === '' ? ' xmlns=""' : ` xmlns:x="${escapeXml(ns)}"`;
    const name = ns === '' ? local : `x:${local}`;
    return { open: `<${name}${decl}>`, close: `</${name}>`, selfClosing: `<${name}${decl}/>` };
  }
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n';
