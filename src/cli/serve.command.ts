import { startServer } from '../server.js';
import type { Command } from './commands.js';

export const serveCommand: Command = {
  summary: 'Start the server (HOST, PORT, DATABASE_URL, COFFER_* configure it)',
  async run(config) {
    const server = await startServer(config);
    const log = server.core.logger;
    log.info({ url: server.url, database: config.databaseUrl ? 'postgresql' : 'pglite', blobs: server.core.blobs.kind }, 'Coffer is running');
    if (server.generatedAdminPassword) {
      // Printed once, to the terminal, not to the JSON log stream.
      process.stderr.write(
        `\n  Created the administrator account.\n  username: admin\n  password: ${server.generatedAdminPassword}\n  (shown only now; change it after signing in)\n\n`,
      );
    }
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down');
      server.close().then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    return -1;
  },
};
