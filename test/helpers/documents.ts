import { crc32, deflateRawSync, deflateSync } from 'node:zlib';

// Documents made by the tests themselves, byte by byte, so the text extraction is tested on
// files whose every part is known: a PDF with a text layer, and zip-based office documents.

/** The page of a one-page PDF (3 0 R): Helvetica as /F1, its content 5 0 R. */
const PAGE = '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>';

/** A one-page PDF (1.4, Helvetica) whose text layer holds `lines`, with a correct cross-reference table. */
export function makePdf(lines: string[]): Buffer {
  const escape = (s: string) => s.replace(/[\\()]/g, (c) => `\\${c}`);
  const content = ['BT', '/F1 12 Tf', '14 TL', '72 720 Td', ...lines.map((l) => `(${escape(l)}) Tj T*`), 'ET'].join('\n');
  return pdfOf([PAGE, `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`]);
}

/**
 * A hostile PDF of a few KiB: its page draws a form that draws the next form twice, `depth`
 * deep, the last one a word of text, so reading its text means 2^depth runs of text (depth 40:
 * longer than anyone waits) in one synchronous stretch of pdf.js.
 */
export function makeNestedFormsPdf(depth: number): Buffer {
  const form = (i: number) => 6 + i;
  const objects = [
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /X ${form(0)} 0 R >> >> /Contents 5 0 R >>`,
    '<< /Length 5 >>\nstream\n/X Do\nendstream',
  ];
  for (let i = 0; i < depth; i++) {
    const last = i === depth - 1;
    const body = last ? 'BT /F1 12 Tf 72 720 Td (deep) Tj ET' : '/X Do /X Do';
    const resources = last ? '<< /Font << /F1 4 0 R >> >>' : `<< /XObject << /X ${form(i + 1)} 0 R >> >>`;
    objects.push(`<< /Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources ${resources} /Length ${body.length} >>\nstream\n${body}\nendstream`);
  }
  return pdfOf(objects);
}

/**
 * A PDF of a few KiB whose page's content inflates to one array of `count` numbers: pdf.js
 * holds it whole in its heap: a memory bomb.
 */
export function makeNumberBombPdf(count: number): Buffer {
  const packed = deflateSync(Buffer.from(`BT /F1 12 Tf 72 720 Td [${'1 '.repeat(count)}] TJ ET`, 'latin1'));
  return pdfOf([PAGE, Buffer.concat([Buffer.from(`<< /Length ${packed.length} /Filter /FlateDecode >>\nstream\n`, 'latin1'), packed, Buffer.from('\nendstream', 'latin1')])]);
}

/** A one-page PDF: catalog, pages, Helvetica as 4 0 R, then `rest` (the page as 3 0 R, its content as 5 0 R, …). */
function pdfOf(rest: (string | Buffer)[]): Buffer {
  const objects = ['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [3 0 R] /Count 1 >>', rest[0]!, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>', ...rest.slice(1)];
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let length = parts[0]!.length;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(length);
    const part = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`, 'latin1'), typeof body === 'string' ? Buffer.from(body, 'latin1') : body, Buffer.from('\nendobj\n', 'latin1')]);
    parts.push(part);
    length += part.length;
  });
  let tail = `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) tail += `${String(o).padStart(10, '0')} 00000 n \n`;
  tail += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${length}\n%%EOF\n`;
  parts.push(Buffer.from(tail, 'latin1'));
  return Buffer.concat(parts);
}

/** A zip archive of `entries`, deflated as Word and LibreOffice write them (or stored). */
export function makeZip(entries: { name: string; data: string | Buffer }[], method: 'deflate' | 'store' = 'deflate'): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const data = typeof e.data === 'string' ? Buffer.from(e.data, 'utf8') : e.data;
    const packed = method === 'deflate' ? deflateRawSync(data) : data;
    const name = Buffer.from(e.name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(method === 'deflate' ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, packed);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method === 'deflate' ? 8 : 0, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const xmlEscape = (s: string) => s.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);

/** A minimal DOCX (WordprocessingML) with one paragraph per item, each split in two runs as Word does. */
export function makeDocx(paragraphs: string[]): Buffer {
  const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';
  const body = paragraphs
    .map((p) => {
      const cut = Math.floor(p.length / 2);
      return `<w:p><w:r><w:t xml:space="preserve">${xmlEscape(p.slice(0, cut))}</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">${xmlEscape(p.slice(cut))}</w:t></w:r></w:p>`;
    })
    .join('');
  return makeZip([
    {
      name: '[Content_Types].xml',
      data: '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    },
    { name: 'word/document.xml', data: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="${W}"><w:body>${body}<w:sectPr/></w:body></w:document>` },
  ]);
}

/** A minimal OpenDocument text (ODT): content.xml with one paragraph per item. */
export function makeOdt(paragraphs: string[]): Buffer {
  const body = paragraphs.map((p) => `<text:p>${xmlEscape(p)}</text:p>`).join('');
  return makeZip([
    { name: 'mimetype', data: 'application/vnd.oasis.opendocument.text' },
    {
      name: 'content.xml',
      data: `<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>${body}</office:text></office:body></office:document-content>`,
    },
  ]);
}

/** A minimal XLSX: the shared strings are the cells' text. */
export function makeXlsx(cells: string[]): Buffer {
  const sst = cells.map((c) => `<si><t>${xmlEscape(c)}</t></si>`).join('');
  return makeZip([
    { name: 'xl/sharedStrings.xml', data: `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="${cells.length}">${sst}</sst>` },
    { name: 'xl/worksheets/sheet1.xml', data: '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>' },
  ]);
}

/** A minimal PPTX: one slide per item. */
export function makePptx(slides: string[]): Buffer {
  const A = 'http://schemas.openxmlformats.org/drawingml/2006/main';
  const P = 'http://schemas.openxmlformats.org/presentationml/2006/main';
  return makeZip(
    slides.map((s, i) => ({
      name: `ppt/slides/slide${i + 1}.xml`,
      data: `<?xml version="1.0" encoding="UTF-8"?><p:sld xmlns:p="${P}" xmlns:a="${A}"><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>${xmlEscape(s)}</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>`,
    })),
  );
}
