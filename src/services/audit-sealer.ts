import type { Logger } from 'pino';
import type { AuditRepository } from '../repositories/audit.repository.js';
import type { Db } from '../repositories/node.repository.js';

/** Passes over a poked chain before it is dropped: the first may run before the writer commits. */
const TRIES = 3;
/**
 * Delay before each of those passes, in milliseconds. A pass costs a handful of statements
 * however many events it seals, so under load it waits long enough to take many at once.
 */
const DELAYS = [20, 50, 100];
/** Chains whose last sealed event is remembered; past it they start over (a full scan each, once). */
const MAX_REMEMBERED = 100_000;

/**
 * Seals pending audit events into their chains shortly after the writes that recorded them
 * commit. Writers poke the chains they wrote to; a pass seals each poked chain (skipping a chain
 * another server is sealing), and a sweep every `sweepMs` seals whatever is still pending, such
 * as the events of a server that stopped between its commit and its seal.
 */
export class AuditSealer {
  private readonly dirty = new Map<string, number>();
  /** Per chain, the id of the last event this process sealed in it. */
  private readonly sealedUpTo = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private sweeper: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly repo: AuditRepository,
    private readonly logger: Logger,
    private readonly sweepMs: number,
  ) {}

  start(): void {
    if (this.sweepMs <= 0 || this.sweeper) return;
    void this.sweep();
    this.sweeper = setInterval(() => void this.sweep(), this.sweepMs);
    this.sweeper.unref();
  }

  poke(chains: string[]): void {
    if (this.closed) return;
    for (const c of chains) this.dirty.set(c, TRIES);
    this.schedule();
  }

  /** Seals every pending event of every chain, waiting for chains other servers are sealing. */
  async sealAll(): Promise<void> {
    await this.running;
    for (const chain of await this.repo.pendingChains(this.db)) await this.sealChain(chain, true);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.sweeper) clearInterval(this.sweeper);
    this.timer = this.sweeper = null;
    await this.running;
    // What this process wrote is sealed before it stops; anything left is the next sweep's.
    for (const chain of this.dirty.keys()) await this.sealChain(chain, true).catch((err: unknown) => this.warn(err));
    this.dirty.clear();
  }

  private schedule(): void {
    if (this.timer || this.running || this.dirty.size === 0) return;
    const tries = Math.min(...this.dirty.values());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.pass().finally(() => {
        this.running = null;
        if (!this.closed) this.schedule();
      });
    }, DELAYS[TRIES - tries] ?? DELAYS.at(-1));
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    for (const [chain, tries] of [...this.dirty]) {
      try {
        const sealed = await this.sealChain(chain, false, true);
        // Nothing yet: the writer may not have committed, so try again later, a few times.
        // Something: one more pass for events that committed meanwhile; new pokes add more.
        if (sealed > 0) this.dirty.set(chain, 1);
        else if (tries <= 1) this.dirty.delete(chain);
        else this.dirty.set(chain, tries - 1);
      } catch (err) {
        // The sweep retries; the events are committed either way.
        this.dirty.delete(chain);
        this.warn(err);
      }
    }
  }

  private async sweep(): Promise<void> {
    if (this.running || this.closed) return;
    this.running = (async () => {
      for (const chain of await this.repo.pendingChains(this.db)) await this.sealChain(chain, false);
    })()
      .catch((err: unknown) => this.warn(err))
      .finally(() => {
        this.running = null;
        if (!this.closed) this.schedule();
      });
  }

  /**
   * Seals the chain's pending events; `fromLast` looks only past the last event this process
   * sealed in it (see AuditRepository.seal): a poke's pass, whose events are new ones. The sweep
   * looks at them all, so an event that committed out of id order waits for it, a second at most.
   */
  private async sealChain(chain: string, wait: boolean, fromLast = false): Promise<number> {
    let total = 0;
    for (;;) {
      const { sealed, lastId } = await this.repo.seal(this.db, chain, { wait, after: fromLast ? this.sealedUpTo.get(chain) : undefined });
      total += sealed;
      if (lastId !== null && lastId > (this.sealedUpTo.get(chain) ?? 0)) {
        if (this.sealedUpTo.size >= MAX_REMEMBERED && !this.sealedUpTo.has(chain)) this.sealedUpTo.clear();
        this.sealedUpTo.set(chain, lastId);
      }
      if (sealed < 5000) return total;
    }
  }

  private warn(err: unknown): void {
    this.logger.warn({ err }, 'could not seal audit events into their chain; the next sweep will');
  }
}
