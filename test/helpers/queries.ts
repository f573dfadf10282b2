import pg from 'pg';
import { PGliteThread } from '../../src/db/pglite-thread.js';

/**
 * Records the statements sent to the database by anything in this process (the test server runs
 * in-process): node-postgres clients and the embedded PGlite alike.
 */
export function recordQueries(): { readonly texts: readonly string[]; restore: () => void } {
  const texts: string[] = [];
  const undo: (() => void)[] = [];
  const targets: [Record<string, unknown>, string[]][] = [
    [pg.Client.prototype as unknown as Record<string, unknown>, ['query']],
    [PGliteThread.prototype as unknown as Record<string, unknown>, ['query', 'exec']],
  ];
  for (const [proto, names] of targets) {
    for (const name of names) {
      const original = proto[name] as (...args: unknown[]) => unknown;
      proto[name] = function (this: unknown, ...args: unknown[]) {
        const [first] = args;
        texts.push(typeof first === 'string' ? first : typeof (first as { text?: unknown } | null)?.text === 'string' ? (first as { text: string }).text : '');
        return original.apply(this, args);
      };
      undo.push(() => {
        proto[name] = original;
      });
    }
  }
  return { texts, restore: () => undo.forEach((u) => u()) };
}
