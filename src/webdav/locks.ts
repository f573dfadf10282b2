import type { DavLock, LockScope } from './backend.js';
import { DavError } from './errors.js';
import { isWithin } from './paths.js';

export const LOCK_TOKEN_PREFIX = 'opaquelocktoken:';
const DEFAULT_TIMEOUT_SECONDS = 3600;
const MAX_TIMEOUT_SECONDS = 7 * 24 * 3600;

/** Seconds from a Timeout header ("Second-600, Infinite"); the first understood value wins. */
export function parseTimeout(header: string | undefined): number {
  if (!header) return DEFAULT_TIMEOUT_SECONDS;
  for (const part of header.split(',')) {
    const v = part.trim();
    if (/^infinite$/i.test(v)) return MAX_TIMEOUT_SECONDS;
    const m = /^second-(\d{1,12})$/i.exec(v);
    if (m) return Math.min(Math.max(Number(m[1]), 1), MAX_TIMEOUT_SECONDS);
  }
  return DEFAULT_TIMEOUT_SECONDS;
}

/** Whether a lock applies to `path`: on it, or on an ancestor with depth infinity. */
export function lockCovers(lock: DavLock, path: string[]): boolean {
  if (!isWithin(path, lock.root)) return false;
  return lock.root.length === path.length || lock.depth === 'infinity';
}

/** The error a new lock meets from existing ones, or null if it can be granted. */
export function lockConflict(wanted: { root: string[]; depth: DavLock['depth']; scope: LockScope }, existing: DavLock[]): DavError | null {
  for (const l of existing) {
    const overlaps =
      lockCovers(l, wanted.root) || (wanted.depth === 'infinity' && isWithin(l.root, wanted.root));
    if (!overlaps) continue;
    if (l.scope === 'exclusive' || wanted.scope === 'exclusive') {
      return new DavError(423, 'The resource is already locked', { name: 'no-conflicting-lock' });
    }
  }
  return null;
}

/**
 * A write needs the token of every lock it touches, submitted by that lock's owner; otherwise
 * 423 naming the locked roots.
 */
export function assertTokensSubmitted(
  locks: DavLock[],
  submitted: Set<string>,
  principal: string,
  hrefOf: (lock: DavLock) => string,
): void {
  const missing = locks.filter((l) => !(submitted.has(l.token) && l.principal === principal));
  if (missing.length > 0) {
    throw new DavError(423, 'The resource is locked; submit the lock token in an If header', {
      name: 'lock-token-submitted',
      hrefs: [...new Set(missing.map(hrefOf))],
    });
  }
}
