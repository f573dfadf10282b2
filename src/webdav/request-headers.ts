import type { DavRequest } from './handler.js';
import { DavError } from './errors.js';

/** A request header as one string (repeated headers joined as HTTP allows), or undefined. */
export function header(req: Pick<DavRequest, 'headers'>, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** `X-OC-Mtime` (ownCloud, Nextcloud, rclone): the modification time the client wants kept, in Unix seconds. */
export function ocMtime(req: Pick<DavRequest, 'headers'>): Date | undefined {
  const v = header(req, 'x-oc-mtime');
  if (v === undefined) return undefined;
  if (!/^\d{1,12}(\.\d+)?$/.test(v.trim())) throw new DavError(400, 'X-OC-Mtime must be Unix seconds');
  return new Date(Number(v.trim()) * 1000);
}
