import { badRequest } from '../core/errors.js';
import { UsageError } from './cli-kit.js';

/** Reads all of stdin; the password is its text without the trailing line break. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Prompts on the terminal without echoing what is typed. */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    // No echo from here on; the prompt comes after, so nothing typed ahead of it shows.
    stdin.setRawMode(true);
    process.stderr.write(prompt);
    let value = '';
    const done = (result: Error | string) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (typeof result === 'string') resolve(result);
      else reject(result);
    };
    const onData = (data: Buffer) => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(value);
        if (ch === '\u0003') return done(badRequest('Cancelled; nothing was changed'));
        if (ch === '\u0004') return done(value);
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.resume();
    stdin.on('data', onData);
  });
}

/**
 * The new password for `user create` / `user passwd`: from stdin with --password-stdin, else
 * typed twice at a terminal; with neither there is no safe way to ask, so it says how.
 */
export async function readNewPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) {
    const password = await readStdin();
    if (password === '') throw badRequest('--password-stdin was given but stdin was empty; nothing was changed');
    return password;
  }
  if (!process.stdin.isTTY) {
    throw new UsageError(
      'No password: pipe it in with --password-stdin (for example: printf %s "$PASSWORD" | coffer user create NAME --password-stdin), or run the command in a terminal to be prompted',
    );
  }
  const first = await promptHidden('New password: ');
  const second = await promptHidden('Repeat the password: ');
  if (first !== second) throw badRequest('The two passwords differ; nothing was changed');
  return first;
}
