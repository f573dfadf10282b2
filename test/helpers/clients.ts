import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { childEnv } from './cli.js';

// Helpers to drive real WebDAV clients (litmus, rclone, cadaver) as child processes.

export interface RunResult {
  /** Exit code, or null when the process was killed by a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved in arrival order. */
  output: string;
  ms: number;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  input?: string;
  timeoutMs?: number;
}

/** Runs a program with an argument vector (no shell) and collects what it prints. */
export function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: clientEnv(options.env ?? {}), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => ((stdout += d), (output += d)));
    child.stderr.setEncoding('utf8').on('data', (d: string) => ((stderr += d), (output += d)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish in ${timeoutMs} ms\n${tail(output)}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, output, ms: Date.now() - started });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/**
 * A client's environment: this process's without Coffer's settings and without any RCLONE_*
 * variable of the outer shell (which would reconfigure rclone), plus `env`.
 */
export function clientEnv(env: Record<string, string>): Record<string, string> {
  const base = childEnv({});
  for (const k of Object.keys(base)) if (k.startsWith('RCLONE_')) delete base[k];
  return { ...base, ...env };
}

/** The last lines of a client's output, for assertion messages. */
export function tail(text: string, lines = 60): string {
  return text.split('\n').slice(-lines).join('\n');
}

/** A new, empty temporary directory (the caller removes it). */
export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `coffer-${label}-`));
}

export async function sha1File(file: string): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every regular file below `root`, as relative paths with "/" separators, in raw (byte-kept) form. */
export function walkFiles(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string, rel: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) visit(path.join(dir, e.name), r);
      else if (e.isFile()) out.push(r);
    }
  };
  visit(root, '');
  return out.sort();
}

/**
 * An interactive cadaver session: commands go to its stdin one at a time and each call returns
 * what cadaver printed until it showed its prompt again. cadaver reads its credentials from
 * $HOME/.netrc, so `home` must hold one.
 */
export class CadaverSession {
  private buffer = '';
  private exited = false;
  private exitCode: number | null = null;
  private waiter: (() => void) | null = null;
  /** Everything printed so far, for assertion messages. */
  transcript = '';

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    const onData = (d: string) => {
      this.buffer += d;
      this.transcript += d;
      this.waiter?.();
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => {
      this.exited = true;
      this.exitCode = code;
      this.waiter?.();
    });
  }

  static async open(url: string, home: string): Promise<CadaverSession> {
    const child = spawn('cadaver', [url], { cwd: home, env: clientEnv({ HOME: home }), stdio: ['pipe', 'pipe', 'pipe'] });
    const session = new CadaverSession(child);
    const banner = await session.untilPrompt(15_000);
    if (/could not|failed|error/i.test(banner)) throw new Error(`cadaver could not open ${url}:\n${banner}`);
    return session;
  }

  /** Runs one command; returns its output without the echoed command and the next prompt. */
  async command(line: string, timeoutMs = 30_000): Promise<string> {
    if (/[\r\n]/.test(line)) throw new Error('one command per call');
    this.child.stdin.write(`${line}\n`);
    const out = await this.untilPrompt(timeoutMs);
    // cadaver echoes the command line when its input is not a terminal.
    return out.startsWith(line) ? out.slice(line.length).replace(/^\n/, '') : out;
  }

  async quit(): Promise<number | null> {
    if (!this.exited) {
      this.child.stdin.end('quit\n');
      await this.wait(() => this.exited, 15_000, 'exit');
    }
    return this.exitCode;
  }

  /** Ends the process if it is still running (for afterAll after a failed test). */
  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  private async untilPrompt(timeoutMs: number): Promise<string> {
    const prompt = /(?:^|\n)dav:[^\n]*> $/;
    await this.wait(() => prompt.test(this.buffer), timeoutMs, 'its prompt');
    const text = this.buffer.replace(prompt, '');
    this.buffer = '';
    return text;
  }

  private wait(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (done()) {
          clearTimeout(timer);
          this.waiter = null;
          resolve();
        } else if (this.exited) {
          clearTimeout(timer);
          this.waiter = null;
          reject(new Error(`cadaver exited (${this.exitCode}) while waiting for ${what}:\n${tail(this.transcript)}`));
        }
      };
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new Error(`cadaver did not show ${what} within ${timeoutMs} ms:\n${tail(this.transcript)}`));
      }, timeoutMs);
      this.waiter = check;
      check();
    });
  }
}

/**
 * Whether a client program is on the PATH. Without it its suite is skipped, so `npm test` runs
 * on a machine that has only Node; CI sets COFFER_TEST_REQUIRE_CLIENTS=1 (after installing them),
 * and then a missing client fails its suite instead.
 */
export function clientSuite(program: string): { skip: boolean } {
  if (process.env.COFFER_TEST_REQUIRE_CLIENTS === '1') return { skip: false };
  const found = (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && isExecutable(`${dir}/${program}`));
  if (!found) console.warn(`${program} is not installed: its WebDAV client tests are skipped (apt-get install ${program})`);
  return { skip: !found };
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
