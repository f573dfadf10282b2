import type { Logger } from 'pino';
import type { Db, NodeRepository } from '../repositories/node.repository.js';
import type { PolicyRepository } from '../repositories/policy.repository.js';
import { spacePath } from './access.service.js';
import type { TrashService } from './trash.service.js';

/** Items checked per query in one expiring folder. */
const BATCH = 200;

/**
 * Empties folders whose policy sets a maximum age (a backup's tmp/ and deleted/): what has lain
 * there unchanged for longer is deleted for good, one item at a time, each re-checked under its
 * space lock, so several servers running it at once do each deletion once.
 */
export class FolderExpiryService {
  constructor(private readonly d: { db: Db; policies: PolicyRepository; nodes: NodeRepository; trash: TrashService; logger: Logger }) {}

  async run(now = new Date()): Promise<number> {
    let expired = 0;
    for (const folder of await this.d.policies.expiring(this.d.db)) {
      const cutoff = new Date(now.getTime() - folder.max_age_hours * 3_600_000);
      // The folder's path (for the audit trail) only where something is old enough: most ticks find nothing.
      let path: string | undefined;
      for (;;) {
        const batch = await this.d.nodes.childrenUnchangedSince(this.d.db, folder.node_id, cutoff, BATCH);
        if (batch.length === 0) break;
        if (path === undefined) {
          const located = await this.d.nodes.locate(this.d.db, folder.node_id);
          if (!located) break;
          path = spacePath(located.chain);
        }
        let progressed = false;
        for (const item of batch) {
          if (await this.d.trash.expire(item, cutoff, path, folder.max_age_hours)) {
            expired++;
            progressed = true;
          }
        }
        // What another server took meanwhile comes back no more; stop rather than spin on it.
        if (batch.length < BATCH || !progressed) break;
      }
    }
    return expired;
  }
}
