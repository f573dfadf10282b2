#!/usr/bin/env node
import { ConfigError, loadConfig } from '../config/config.js';
import { commands, usage } from './commands.js';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return name ? 0 : 1;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`coffer: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const config = loadConfig();
  return command.run(config, rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== -1) process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`coffer: ${err.message}\n`);
      process.exit(78);
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`coffer: ${message}\n`);
    process.exit(1);
  },
);
