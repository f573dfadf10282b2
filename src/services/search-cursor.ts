import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { badRequest } from '../core/errors.js';

/**
 * Opaque cursors for search pages. A cursor holds the position of the last row a page looked
 * at, which may be a row the caller was not shown (one the access check kept back): so it is
 * sealed (AES-256-GCM under a key of the server's), never only encoded, and tied to the search
 * it came from, so it can neither be read nor used with other words or filters.
 */
export class SearchCursors {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('A search cursor key has 32 bytes');
  }

  /** A fingerprint of a search's words and filters (everything but the cursor and the page size). */
  static fingerprint(search: unknown): string {
    return createHash('sha256').update(JSON.stringify(search)).digest('base64url').slice(0, 16);
  }

  seal<T>(fingerprint: string, position: T): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify({ f: fingerprint, p: position }), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The position sealed in `cursor` for this search; 400 for anything else. */
  open<T>(fingerprint: string, cursor: string, valid: (p: unknown) => p is T): T {
    const raw = /^[A-Za-z0-9_-]{40,2048}$/.test(cursor) ? Buffer.from(cursor, 'base64url') : null;
    let parsed: unknown;
    try {
      if (!raw) throw new Error('shape');
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      parsed = JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8'));
    } catch {
      throw badRequest('The cursor is not one this server gave out; start the search again without it');
    }
    const { f, p } = parsed as { f?: unknown; p?: unknown };
    if (f !== fingerprint) throw badRequest('The cursor belongs to another search (other words or filters); start again without it');
    if (!valid(p)) throw badRequest('The cursor is not one this server gave out; start the search again without it');
    return p;
  }
}
