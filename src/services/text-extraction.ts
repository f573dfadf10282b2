import { PassThrough, type Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { SaxesParser, type SaxesTagNS } from 'saxes';
import yauzl from 'yauzl';
import type { ByteRange } from '../blobs/blob-store.js';
import type { Extractable } from '../repositories/search.repository.js';

/**
 * Reading the words out of stored files for content search: plain text and Markdown as they
 * are; PDF through pdf.js (the `unpdf` package's build for servers, no canvas, no downloads);
 * Office Open XML (docx, xlsx, pptx) and OpenDocument (odt, ods, odp) by reading the XML parts
 * they are zip archives of, with `yauzl` over ranged reads of the blob (the central directory
 * and the wanted parts only, never the whole file) and `saxes` (namespace-aware, no DOCTYPE, so
 * no entities). Every format is read within limits of bytes, characters and time.
 */

export type TextFormat = 'text' | 'pdf' | 'docx' | 'xlsx' | 'pptx' | 'odf';

export interface ExtractionLimits {
  /** Characters of text kept (and indexed) per file; the rest is dropped, and the row says so. */
  maxChars: number;
  /** Bytes read of a plain text file. */
  maxTextBytes: number;
  /** A PDF is read whole into memory (pdf.js needs its cross-reference table at the end): larger ones are refused. */
  maxPdfBytes: number;
  maxPdfPages: number;
  /** Bytes of XML inflated from an office document, all parts together (zip bombs stop here). */
  maxXmlBytes: number;
  /** Parts of a zip looked at; an archive of millions of entries is not a document. */
  maxZipEntries: number;
  timeoutMs: number;
}

export const DEFAULT_EXTRACTION_LIMITS: ExtractionLimits = {
  maxChars: 256 * 1024,
  maxTextBytes: 1 << 20,
  maxPdfBytes: 32 << 20,
  maxPdfPages: 500,
  maxXmlBytes: 32 << 20,
  maxZipEntries: 10_000,
  timeoutMs: 30_000,
};

/** Why a file's text could not be read, in words for the person who owns it. */
export class ExtractionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExtractionError';
  }
}

export interface ExtractedText {
  text: string;
  /** More text (or bytes) than the limits allow: what was read is kept. */
  truncated: boolean;
}

/** The bytes of one stored version, read by range. */
export interface TextSource {
  size: number;
  read(range?: ByteRange): Promise<Readable>;
}

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const PPTX = 'application/vnd.openxmlformats-officedocument.presentationml.presentation';
const ODF_TYPES: Record<string, true> = {
  'application/vnd.oasis.opendocument.text': true,
  'application/vnd.oasis.opendocument.spreadsheet': true,
  'application/vnd.oasis.opendocument.presentation': true,
};
const TEXT_TYPES: Record<string, true> = {
  'application/json': true,
  'application/xml': true,
  'application/x-yaml': true,
  'application/yaml': true,
  'application/x-sh': true,
  'application/javascript': true,
  'application/sql': true,
};
const BY_EXTENSION: Record<string, TextFormat> = {
  txt: 'text',
  md: 'text',
  markdown: 'text',
  csv: 'text',
  tsv: 'text',
  log: 'text',
  json: 'text',
  xml: 'text',
  yaml: 'text',
  yml: 'text',
  html: 'text',
  htm: 'text',
  rst: 'text',
  tex: 'text',
  pdf: 'pdf',
  docx: 'docx',
  xlsx: 'xlsx',
  pptx: 'pptx',
  odt: 'odf',
  ods: 'odf',
  odp: 'odf',
};

/** What the catch-up query looks for: the types and name endings formatOf reads. */
export const EXTRACTABLE: Extractable = {
  mimes: [DOCX, XLSX, PPTX, 'application/pdf', ...Object.keys(ODF_TYPES), ...Object.keys(TEXT_TYPES)],
  mimePrefixes: ['text/'],
  extensions: Object.keys(BY_EXTENSION),
};

/** The format to read a file as, from its type and else its name; null for what has no text to read. */
export function formatOf(name: string, mime: string | null): TextFormat | null {
  const type = mime?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/pdf') return 'pdf';
  if (type === DOCX) return 'docx';
  if (type === XLSX) return 'xlsx';
  if (type === PPTX) return 'pptx';
  if (ODF_TYPES[type]) return 'odf';
  if (type.startsWith('text/') || TEXT_TYPES[type]) return 'text';
  const dot = name.lastIndexOf('.');
  return dot > 0 ? (BY_EXTENSION[name.slice(dot + 1).toLowerCase()] ?? null) : null;
}

/** Reads the text of `source` as `format`, within `limits`; ExtractionError for a file that cannot be read. */
export async function extractText(source: TextSource, format: TextFormat, limits: ExtractionLimits = DEFAULT_EXTRACTION_LIMITS): Promise<ExtractedText> {
  const out = new TextCollector(limits.maxChars);
  const deadline = Date.now() + limits.timeoutMs;
  let truncated: boolean;
  switch (format) {
    case 'text':
      truncated = await readPlain(source, out, limits);
      break;
    case 'pdf':
      truncated = await readPdf(source, out, limits, deadline);
      break;
    default:
      truncated = await readOffice(source, format, out, limits, deadline);
  }
  return { text: out.text(), truncated: truncated || out.full };
}

/** Text gathered up to a number of characters, control characters turned into spaces. */
class TextCollector {
  private readonly parts: string[] = [];
  private length = 0;
  full = false;

  constructor(private readonly max: number) {}

  /** Adds text; false once the limit is reached (the caller may stop reading). */
  add(s: string): boolean {
    if (this.full) return false;
    // \u0002 and \u0003 mark matches in snippets: never part of a file's text.
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    const clean = s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, ' ');
    const room = this.max - this.length;
    if (clean.length >= room) {
      this.parts.push(clean.slice(0, room));
      this.length = this.max;
      this.full = true;
      return false;
    }
    this.parts.push(clean);
    this.length += clean.length;
    return true;
  }

  text(): string {
    return this.parts.join('').replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
  }
}

function checkTime(deadline: number): void {
  if (Date.now() > deadline) throw new ExtractionError('Reading the text took too long; the file was left unindexed');
}

// ---- plain text --------------------------------------------------------------------------------

async function readPlain(source: TextSource, out: TextCollector, limits: ExtractionLimits): Promise<boolean> {
  if (source.size === 0) return false;
  const end = Math.min(source.size, limits.maxTextBytes) - 1;
  const stream = await source.read({ start: 0, end });
  let decoder: TextDecoder | null = null;
  try {
    for await (const chunk of stream) {
      const buf = chunk as Buffer;
      // A byte-order mark says UTF-16; anything else is read as UTF-8, bad bytes replaced.
      decoder ??= new TextDecoder(buf[0] === 0xff && buf[1] === 0xfe ? 'utf-16le' : buf[0] === 0xfe && buf[1] === 0xff ? 'utf-16be' : 'utf-8');
      if (!out.add(decoder.decode(buf, { stream: true }))) break;
    }
    if (decoder) out.add(decoder.decode());
  } finally {
    stream.destroy();
  }
  return source.size > limits.maxTextBytes;
}

// ---- PDF ---------------------------------------------------------------------------------------

interface PdfTextItem {
  str?: string;
  hasEOL?: boolean;
}

async function readPdf(source: TextSource, out: TextCollector, limits: ExtractionLimits, deadline: number): Promise<boolean> {
  if (source.size > limits.maxPdfBytes) {
    throw new ExtractionError(`The PDF is larger than ${Math.round(limits.maxPdfBytes / (1 << 20))} MiB; its text is not read`);
  }
  const data = await readAll(source, limits.maxPdfBytes);
  // Loaded on first use: pdf.js is large, and most servers never read a PDF at start-up.
  const { getDocumentProxy } = await import('unpdf');
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    pdf = await getDocumentProxy(data, { isEvalSupported: false, stopAtErrors: false, verbosity: 0 });
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'PasswordException') throw new ExtractionError('The PDF is protected by a password; its text cannot be read');
    throw new ExtractionError(`The PDF could not be read: ${(err as Error).message}`);
  }
  try {
    const pages = Math.min(pdf.numPages, limits.maxPdfPages);
    for (let i = 1; i <= pages; i++) {
      checkTime(deadline);
      const page = await pdf.getPage(i);
      const content = await page.getTextContent();
      let line = '';
      for (const item of content.items as PdfTextItem[]) {
        line += item.str ?? '';
        if (item.hasEOL) line += '\n';
      }
      page.cleanup();
      if (!out.add(line + '\n\n')) return true;
    }
    return pdf.numPages > pages;
  } finally {
    await pdf.destroy();
  }
}

/** The whole of a (small enough) blob, as pdf.js wants it. */
async function readAll(source: TextSource, max: number): Promise<Uint8Array> {
  const data = new Uint8Array(source.size);
  let at = 0;
  const stream = await source.read();
  for await (const chunk of stream) {
    const buf = chunk as Buffer;
    if (at + buf.length > max || at + buf.length > data.length) {
      stream.destroy();
      throw new ExtractionError('The file is larger than its recorded size');
    }
    data.set(buf, at);
    at += buf.length;
  }
  return data;
}

// ---- Office Open XML and OpenDocument ----------------------------------------------------------

/**
 * yauzl's view of a blob: small reads (the central directory, local headers) come from a window
 * fetched once, so a document on S3 costs a few requests; an entry's data streams by range.
 */
class BlobZipReader extends yauzl.RandomAccessReader {
  private window: { start: number; data: Buffer } | null = null;

  constructor(private readonly source: TextSource) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const out = new PassThrough();
    // yauzl's end is exclusive, the blob store's inclusive.
    this.source.read({ start, end: end - 1 }).then(
      (stream) => {
        stream.on('error', (err) => out.destroy(err));
        out.on('close', () => stream.destroy());
        stream.pipe(out);
      },
      (err: unknown) => out.destroy(err as Error),
    );
    return out;
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null) => void): void {
    const w = this.window;
    if (w && position >= w.start && position + length <= w.start + w.data.length) {
      w.data.copy(buffer, offset, position - w.start, position - w.start + length);
      setImmediate(() => callback(null));
      return;
    }
    // The central directory is at the end: a read there takes the rest of the file, up to 1 MiB.
    const start = position;
    const end = Math.min(this.source.size, Math.max(position + length, Math.min(this.source.size, position + (1 << 20))));
    this.fill(start, end).then(
      (data) => {
        this.window = { start, data };
        if (data.length < length) return callback(new Error('The archive ends early'));
        data.copy(buffer, offset, 0, length);
        callback(null);
      },
      (err: unknown) => callback(err as Error),
    );
  }

  private async fill(start: number, end: number): Promise<Buffer> {
    const chunks: Buffer[] = [];
    const stream = await this.source.read({ start, end: end - 1 });
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
}

const OFFICE_NAMES: Record<Exclude<TextFormat, 'text' | 'pdf'>, string> = { docx: 'DOCX', xlsx: 'XLSX', pptx: 'PPTX', odf: 'OpenDocument' };

/** The parts of an archive that hold a document's text, in reading order. */
function partsOf(format: Exclude<TextFormat, 'text' | 'pdf'>, names: string[]): string[] {
  const numbered = (re: RegExp) =>
    names
      .map((n) => ({ n, m: re.exec(n) }))
      .filter((x): x is { n: string; m: RegExpExecArray } => x.m !== null)
      .sort((a, b) => Number(a.m[1]) - Number(b.m[1]))
      .map((x) => x.n);
  switch (format) {
    case 'docx':
      return ['word/document.xml', 'word/footnotes.xml', 'word/endnotes.xml'].filter((n) => names.includes(n));
    case 'xlsx':
      return [...(names.includes('xl/sharedStrings.xml') ? ['xl/sharedStrings.xml'] : []), ...numbered(/^xl\/worksheets\/sheet(\d+)\.xml$/)];
    case 'pptx':
      return numbered(/^ppt\/slides\/slide(\d+)\.xml$/);
    case 'odf':
      return names.includes('content.xml') ? ['content.xml'] : [];
  }
}

async function readOffice(source: TextSource, format: Exclude<TextFormat, 'text' | 'pdf'>, out: TextCollector, limits: ExtractionLimits, deadline: number): Promise<boolean> {
  const label = OFFICE_NAMES[format];
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromRandomAccessReaderPromise(new BlobZipReader(source), source.size, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false });
  } catch (err) {
    throw new ExtractionError(`Not a valid ${label} file (${(err as Error).message})`);
  }
  try {
    const entries = new Map<string, yauzl.Entry>();
    let count = 0;
    for await (const entry of zip.eachEntry()) {
      if (++count > limits.maxZipEntries) throw new ExtractionError(`The ${label} file has more than ${limits.maxZipEntries} parts; its text is not read`);
      entries.set(entry.fileName, entry);
    }
    const parts = partsOf(format, [...entries.keys()]);
    if (parts.length === 0) throw new ExtractionError(`Not a valid ${label} file: it has none of the parts that hold a document's text`);
    const budget = { bytes: limits.maxXmlBytes };
    for (const name of parts) {
      checkTime(deadline);
      const entry = entries.get(name)!;
      if (entry.isEncrypted()) throw new ExtractionError(`The ${label} file is encrypted; its text cannot be read`);
      const stream = await zip.openReadStreamPromise(entry);
      const more = await xmlText(stream, format === 'odf' ? 'odf' : 'ooxml', out, budget, deadline);
      if (!more) return true;
    }
    return false;
  } catch (err) {
    if (err instanceof ExtractionError) throw err;
    throw new ExtractionError(`The ${label} file could not be read (${(err as Error).message})`);
  } finally {
    zip.close();
  }
}

const ODF_OFFICE = 'urn:oasis:names:tc:opendocument:xmlns:office:1.0';
const ODF_TEXT = 'urn:oasis:names:tc:opendocument:xmlns:text:1.0';

/**
 * The text of one XML part, streamed: in Office Open XML the runs of text are `t` elements
 * (w:t, a:t, sharedStrings' t); in OpenDocument every text inside office:body. Paragraphs end
 * lines. False when the text or byte limit was reached (stop reading further parts).
 */
async function xmlText(stream: Readable, dialect: 'ooxml' | 'odf', out: TextCollector, budget: { bytes: number }, deadline: number): Promise<boolean> {
  const parser = new SaxesParser({ xmlns: true, position: false });
  let capture = 0;
  let room = true;
  let failure: Error | null = null;
  const add = (s: string) => {
    if (room && !out.add(s)) room = false;
  };
  parser.on('doctype', () => {
    failure ??= new ExtractionError('The document declares a DOCTYPE, which Coffer does not read');
  });
  parser.on('opentag', (tag: SaxesTagNS) => {
    const local = tag.local;
    if (dialect === 'ooxml') {
      if (local === 't') capture++;
      else if (local === 'tab') add('\t');
      else if (local === 'br' || local === 'cr') add('\n');
      return;
    }
    if (tag.uri === ODF_OFFICE && local === 'body') capture++;
    else if (capture > 0 && tag.uri === ODF_TEXT) {
      if (local === 's') add(' '.repeat(Math.min(100, Number(tag.attributes.c?.value ?? '1') || 1)));
      else if (local === 'tab') add('\t');
      else if (local === 'line-break') add('\n');
    }
  });
  parser.on('closetag', (tag: SaxesTagNS) => {
    const local = tag.local;
    if (dialect === 'ooxml') {
      if (local === 't') capture = Math.max(0, capture - 1);
      else if (local === 'p' || local === 'si' || local === 'row') add('\n');
      else if (local === 'c') add('\t');
      return;
    }
    if (tag.uri === ODF_OFFICE && local === 'body') capture = Math.max(0, capture - 1);
    else if (capture > 0 && tag.uri === ODF_TEXT && (local === 'p' || local === 'h')) add('\n');
  });
  const onText = (text: string) => {
    if (capture > 0) add(text);
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('error', (err) => {
    failure ??= new ExtractionError(`The document's XML is damaged: ${err.message.split('\n')[0]}`);
  });
  const decoder = new TextDecoder('utf-8');
  try {
    for await (const chunk of stream) {
      const buf = chunk as Buffer;
      budget.bytes -= buf.length;
      if (budget.bytes < 0) return false;
      checkTime(deadline);
      parser.write(decoder.decode(buf, { stream: true }));
      if (failure) throw failure;
      if (!room) return false;
    }
    parser.write(decoder.decode());
    parser.close();
    if (failure) throw failure;
    return room;
  } catch (err) {
    // saxes throws from write() after reporting through 'error' as well: keep the first reason.
    throw failure ?? err;
  } finally {
    stream.destroy();
  }
}
