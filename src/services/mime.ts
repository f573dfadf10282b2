import path from 'node:path';
import { fileTypeFromBuffer } from 'file-type';
import type { Logger } from 'pino';

const BY_EXTENSION: Record<string, string> = {
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.css': 'text/css',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.svg': 'image/svg+xml',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.tar': 'application/x-tar',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.heic': 'image/heic',
  '.heif': 'image/heif',
  '.avif': 'image/avif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.ogg': 'audio/ogg',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.mov': 'video/quicktime',
  '.m4v': 'video/mp4',
  '.mkv': 'video/x-matroska',
  '.doc': 'application/msword',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.pptx': 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  '.odt': 'application/vnd.oasis.opendocument.text',
};

const MIME_SHAPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i;

export function mimeFromName(name: string): string | undefined {
  return BY_EXTENSION[path.extname(name).toLowerCase()];
}

/**
 * The MIME type to store: the client's claim when it is well-formed, else the extension's.
 * The content's magic bytes are checked against it; a mismatch is logged, never trusted over
 * the name, because browsers and sync clients key behaviour off the extension.
 */
export async function sniffMime(name: string, claimed: string | undefined, head: Buffer, logger: Logger): Promise<string> {
  const clean = claimed?.split(';')[0]?.trim().toLowerCase();
  const fromClient = clean && MIME_SHAPE.test(clean) && clean !== 'application/octet-stream' ? clean : undefined;
  const declared = fromClient ?? mimeFromName(name) ?? 'application/octet-stream';
  if (head.length === 0) return declared;
  const detected = await fileTypeFromBuffer(head).catch(() => undefined);
  if (detected && detected.mime !== declared && !compatible(declared, detected.mime)) {
    logger.warn({ name, declared, detected: detected.mime }, 'content does not match the declared MIME type');
  }
  return declared;
}

function compatible(declared: string, detected: string): boolean {
  // Office documents are zip containers; many formats sniff as their container.
  if (detected === 'application/zip' && /(openxmlformats|opendocument|zip|epub|jar)/.test(declared)) return true;
  if (detected === 'application/x-cfb' && /msword|ms-excel|ms-powerpoint/.test(declared)) return true;
  return declared.split('/')[0] === detected.split('/')[0] && declared === 'application/octet-stream';
}
