import { spawn } from 'node:child_process';

export class ToolMissingError extends Error {
  constructor(readonly tool: string, readonly debianPackage: string) {
    super(`${tool} is not installed on this server (Debian package ${debianPackage})`);
    this.name = 'ToolMissingError';
  }
}

/**
 * Runs a command-line tool and collects what it writes to stdout (a rendered frame or page: a few
 * MB at most, capped). Killed when `signal` aborts or it writes more than `maxBytes`.
 */
export function runTool(command: string, args: string[], options: { signal: AbortSignal; maxBytes: number; debianPackage: string }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], signal: options.signal });
    const out: Buffer[] = [];
    let size = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > options.maxBytes) {
        child.kill('SIGKILL');
        return;
      }
      out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4000) stderr += chunk.toString('utf8');
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') reject(new ToolMissingError(command, options.debianPackage));
      else if (err.name === 'AbortError') reject(options.signal.reason instanceof Error ? options.signal.reason : err);
      else reject(err);
    });
    child.on('close', (code) => {
      if (options.signal.aborted) return;
      if (size > options.maxBytes) reject(new Error(`${command} wrote more than ${options.maxBytes} bytes`));
      else if (code !== 0) reject(new Error(`${command} failed: ${stderr.trim().split('\n').slice(-3).join(' ') || `exit code ${code}`}`));
      else resolve(Buffer.concat(out));
    });
  });
}
