import { closeCore, openCore } from '../bootstrap.js';
import { startWorkers } from '../jobs/workers.js';
import { CofferError } from '../core/errors.js';
import type { Command } from './commands.js';
import { expectArgs, leaf } from './cli-kit.js';

const HELP = `Usage: coffer worker

Runs background jobs (previews, text extraction, trash purge, storage checks…) without serving
HTTP, against the same database and blob store as the servers (DATABASE_URL, COFFER_S3_*). Start
as many as the work needs, on any machines; each job is taken by exactly one of them. Set
COFFER_WORKERS=false on the servers to leave all jobs to these processes.

Stops on SIGINT or SIGTERM: running jobs get a few seconds to finish, then go back to the queue.
`;

export const workerCommand: Command = leaf(
  'Run background jobs apart from the servers (DATABASE_URL, COFFER_* configure it)',
  HELP,
  {},
  async (config, { positionals }) => {
    expectArgs(positionals, []);
    if (!config.databaseUrl) {
      throw new CofferError(
        400,
        'embedded-database',
        'coffer worker needs PostgreSQL (DATABASE_URL): the embedded database belongs to the one process that opened it, and `coffer serve` runs its jobs itself',
      );
    }
    const core = await openCore(config);
    const worker = await startWorkers(core);
    core.logger.info({ worker: worker.id, database: 'postgresql', blobs: core.blobs.kind }, 'Coffer worker is running');
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      core.logger.info({ signal }, 'worker shutting down');
      worker
        .stop()
        .then(() => closeCore(core))
        .then(
          () => process.exit(0),
          (err: unknown) => {
            core.logger.error({ err }, 'worker shutdown failed');
            process.exit(1);
          },
        );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    return -1;
  },
);
