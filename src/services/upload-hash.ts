import { createHash, randomUUID, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { createSHA256, type IHasher } from 'hash-wasm';

/** What an append leaves in the session row about the SHA-256 of the staged bytes. */
export interface HashRecord {
  /** hash-wasm's saved state after the staged bytes (base64), when that is what counts. */
  hashState: string | null;
  /** The token of a live hash in this server's memory that covers them, when that is what counts. */
  hashChain: string | null;
}

/** The session columns the hash is resumed from. */
export interface HashedSession {
  id: string;
  received: number;
  hash_state: string | null;
  hash_chain: string | null;
}

/** The SHA-256 of one append in progress, resumed from where the session's hash stood. */
export interface AppendHash {
  update(buf: Buffer): void;
  /**
   * What to record with the append once its bytes are staged (`received`: the new offset). A live
   * hash is registered in memory under a new token before the row names it, so the next append
   * cannot arrive before it is there.
   */
  seal(received: number): HashRecord;
  /** After the row took `seal`'s record: the hash it replaced is forgotten. */
  recorded(): void;
  /** The append was not recorded: the row still names the hash it started from, which is kept. */
  dropped(): void;
}

interface LiveEntry {
  session: string;
  offset: number;
  hash: Hash;
}

/** Sessions whose live hash a server keeps at most; the oldest go first (they are rebuilt if they come back). */
const MAX_LIVE = 4096;

/**
 * SHA-256 of resumable uploads across appends. The fast way is Node's own hash (OpenSSL, SHA-NI:
 * ~1.2 GB/s here) kept in memory between appends on the server that took the last one, under a
 * token the session row names; OpenSSL's state cannot be saved, so another server, or this one
 * after a restart, finds no hash under the token and rebuilds one from the staged bytes. That
 * rebuild uses hash-wasm, whose state is saved in the row after every later append of the
 * session (~0.25 GB/s): a session whose requests keep landing on different servers costs one
 * read of its staged bytes, then what every append cost before, never a read per append. Stores
 * that cannot read staged bytes back (S3's parts) always save the state.
 *
 * The memory is only a cache that the row validates (token and offset), so it holds no state
 * the cluster depends on; an append that fails leaves the entry it started from untouched (it
 * hashes a copy), so a cut-off or refused append cannot put bytes into the hash that the session
 * did not record.
 */
export class UploadHashes {
  /** By token; Map order is insertion order, so the first entry is the least recently used. */
  private readonly live = new Map<string, LiveEntry>();

  /**
   * The hash to continue `session` with. `readStaged` reads the staged bytes [0, end) back, where
   * the store can; without it the saved state is used (and kept).
   */
  async resume(session: HashedSession, readStaged: ((end: number) => Promise<Readable>) | undefined): Promise<AppendHash> {
    if (session.hash_chain !== null) {
      const entry = this.find(session);
      if (entry) return this.liveAppend(session.id, entry.hash.copy(), session.hash_chain);
      if (!readStaged) throw new Error(`Upload ${session.id} has a live hash but its store cannot read staged bytes back`);
      // Another server took the last append, or this one restarted: from the bytes, and saved from now on.
      const hasher = await createSHA256();
      hasher.init();
      for await (const chunk of await readStaged(session.received)) hasher.update(chunk as Buffer);
      return savedAppend(hasher);
    }
    if (session.hash_state !== null) return savedAppend(await resumeSaved(session.hash_state));
    if (session.received !== 0) throw new Error(`Upload ${session.id} holds ${session.received} bytes but no hash of them`);
    if (readStaged) return this.liveAppend(session.id, createHash('sha256'), null);
    const hasher = await createSHA256();
    hasher.init();
    return savedAppend(hasher);
  }

  /** The SHA-256 (hex) of all `session.received` staged bytes, for completion. */
  async digest(session: HashedSession, readStaged: ((end: number) => Promise<Readable>) | undefined): Promise<string> {
    if (session.hash_chain !== null) {
      const entry = this.find(session);
      if (entry) return entry.hash.copy().digest('hex');
      if (!readStaged) throw new Error(`Upload ${session.id} has a live hash but its store cannot read staged bytes back`);
      // Nothing follows: Node's hash, whose state need not be saved.
      const hash = createHash('sha256');
      for await (const chunk of await readStaged(session.received)) hash.update(chunk as Buffer);
      return hash.digest('hex');
    }
    if (session.hash_state === null) {
      if (session.received !== 0) throw new Error(`Upload ${session.id} holds ${session.received} bytes but no hash of them`);
      return createHash('sha256').digest('hex');
    }
    return (await resumeSaved(session.hash_state)).digest('hex');
  }

  /** The session is finished or gone: its live hash, if this server holds it, is of no more use. */
  forget(session: Pick<HashedSession, 'hash_chain'>): void {
    if (session.hash_chain !== null) this.live.delete(session.hash_chain);
  }

  private find(session: HashedSession): LiveEntry | undefined {
    const entry = this.live.get(session.hash_chain!);
    return entry && entry.session === session.id && entry.offset === session.received ? entry : undefined;
  }

  private liveAppend(session: string, hash: Hash, from: string | null): AppendHash {
    let token: string | null = null;
    return {
      update: (buf) => hash.update(buf),
      seal: (received) => {
        token = randomUUID();
        this.live.set(token, { session, offset: received, hash });
        if (this.live.size > MAX_LIVE) this.live.delete(this.live.keys().next().value!);
        return { hashState: null, hashChain: token };
      },
      recorded: () => {
        if (from !== null) this.live.delete(from);
      },
      dropped: () => {
        if (token !== null) this.live.delete(token);
      },
    };
  }
}

function savedAppend(hasher: IHasher): AppendHash {
  return {
    update: (buf) => hasher.update(buf),
    seal: () => ({ hashState: Buffer.from(hasher.save()).toString('base64'), hashChain: null }),
    recorded: () => undefined,
    dropped: () => undefined,
  };
}

async function resumeSaved(saved: string): Promise<IHasher> {
  const hasher = await createSHA256();
  hasher.load(Buffer.from(saved, 'base64'));
  return hasher;
}
