import { fork, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ExtractionError, type ExtractedText, type ExtractionLimits, type TextFormat, type TextSource } from './text-extraction.js';

/**
 * Text extraction off the server's event loop and out of its process. pdf.js parses a PDF
 * synchronously for as long as the file makes it (a few KiB of nested forms take hours), and the
 * office readers are JavaScript too: on the server's thread one hostile file would stall every
 * request, and no timer could stop it.
 *
 * A child process rather than a worker thread: a thread's resourceLimits end the thread when its
 * heap grows past the limit step by step, but one allocation larger than the headroom V8 leaves
 * (a PDF whose content inflates to an array of ten million numbers, 10 KiB on disk) aborts the
 * whole process instead, server and embedded database with it. In a process of its own,
 * `--max-old-space-size` ends only that process, and the time limit is a SIGKILL.
 *
 * One process reads one file at a time (more wait their turn, outside their time limit); it
 * starts on first use, stays for the next file (starting it and loading pdf.js costs more than
 * reading a typical document) and leaves after a minute idle, so a server that reads no
 * documents runs none.
 */

export interface TextExtractorOptions {
  limits: ExtractionLimits;
  /** Heap of the extraction process (V8's old generation), MiB: beyond it the process ends. */
  memoryMiB: number;
}

const IDLE_MS = 60_000;
/** How long the process may take to start (load pdf.js) before an extraction gives up on it. */
const START_MS = 60_000;

/** The extraction process could not be started: nothing is known about the file, so it is to be tried again later. */
export class ExtractorUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExtractorUnavailableError';
  }
}
/** What the process wrote last on stderr: enough to tell V8's out-of-memory report. */
const STDERR_TAIL = 4096;

type Request = { req: number; op: 'open'; stream: number; range?: { start: number; end: number } } | { req: number; op: 'pull'; stream: number } | { op: 'close'; stream: number };
type Answer = ExtractedText | { failure: string } | { error: string };
type ChildMessage = Request | { ready: true } | { answer: Answer };

/** One running extraction process and the task it works on. */
class ExtractionProcess {
  readonly ready: Promise<void>;
  /** Set while a task runs: where its messages and the end of the process go. */
  onMessage: ((m: Request | { answer: Answer }) => void) | null = null;
  onExit: ((outOfMemory: boolean, how: string) => void) | null = null;
  private stderr = '';

  constructor(
    readonly proc: ChildProcess,
    onGone: () => void,
  ) {
    proc.stderr?.setEncoding('utf8').on('data', (d: string) => (this.stderr = (this.stderr + d).slice(-STDERR_TAIL)));
    proc.on('error', () => undefined);
    this.ready = new Promise<void>((resolve, reject) => {
      proc.on('message', (m: ChildMessage) => {
        if ('ready' in m) resolve();
        else this.onMessage?.(m);
      });
      // 'close' comes after stderr is read to its end, so the reason is in it.
      proc.on('close', (code, signal) => {
        onGone();
        const how = signal ? `signal ${signal}` : `exit code ${code}`;
        reject(new ExtractorUnavailableError(`The text extraction process did not start (${how}): ${this.stderr.trim().split('\n').slice(-3).join(' ')}`));
        this.onExit?.(/heap out of memory|reached heap limit/i.test(this.stderr), how);
      });
    });
    this.ready.catch(() => undefined);
  }

  send(message: unknown): void {
    if (this.proc.connected) this.proc.send(message as object, () => undefined);
  }

  /** Keeps the server's process alive while a task runs, and not a moment longer. */
  hold(held: boolean): void {
    if (held) {
      this.proc.ref();
      this.proc.channel?.ref();
    } else {
      this.proc.unref();
      this.proc.channel?.unref();
    }
  }
}

export class TextExtractor {
  private child: ExtractionProcess | null = null;
  private turn: Promise<unknown> = Promise.resolve();
  private idle: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly o: TextExtractorOptions) {}

  get limits(): ExtractionLimits {
    return this.o.limits;
  }

  /**
   * Reads the text of `source` in the extraction process. ExtractionError for a file that
   * cannot be read, took longer than the limit or needed more memory; ExtractorUnavailableError
   * when the process could not be started; `signal` (the job's) ends the process too and
   * rejects with its reason.
   */
  extract(source: TextSource, format: TextFormat, signal?: AbortSignal): Promise<ExtractedText> {
    const mine = this.turn.then(() => this.run(source, format, signal));
    this.turn = mine.catch(() => undefined);
    return mine;
  }

  /** Ends the extraction process (a reading still under way fails). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idle);
    const child = this.child;
    this.child = null;
    if (!child) return;
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
    const gone = new Promise((resolve) => child.proc.once('close', resolve));
    // Waited for, so a server that closes leaves no process behind.
    child.hold(true);
    child.proc.kill('SIGKILL');
    await gone;
  }

  private start(): ExtractionProcess {
    const entry = fileURLToPath(new URL('./text-extraction-child.mjs', import.meta.url));
    const proc = fork(entry, [], {
      // Not the server's own flags (an inspector, a loader): only the heap limit.
      execArgv: [`--max-old-space-size=${this.o.memoryMiB}`],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const child = new ExtractionProcess(proc, () => {
      if (this.child === child) this.child = null;
    });
    return child;
  }

  private async run(source: TextSource, format: TextFormat, signal: AbortSignal | undefined): Promise<ExtractedText> {
    signal?.throwIfAborted();
    if (this.closed) throw new Error('The server is stopping; the text was not read');
    clearTimeout(this.idle);
    const child = (this.child ??= this.start());
    child.hold(true);
    const reads = new BlobReads(source, (m) => child.send(m));
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const end = () => {
      if (this.child === child) this.child = null;
      child.proc.kill('SIGKILL');
    };
    try {
      return await new Promise<ExtractedText>((resolve, reject) => {
        // Until the process is ready, only its start is timed: a cold start on a busy machine is
        // no fault of the file. Then the file's own time limit runs.
        let started = false;
        timer = setTimeout(() => {
          end();
          reject(new ExtractorUnavailableError(`The text extraction process did not start within ${START_MS / 1000} s`));
        }, START_MS);
        onAbort = () => {
          end();
          reject(signal!.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        child.onExit = (outOfMemory, how) => {
          // Before it was ready, the rejected `ready` says why.
          if (!started) return;
          if (outOfMemory) reject(new ExtractionError(`Reading the text needed more than ${this.o.memoryMiB} MiB of memory (COFFER_TEXT_EXTRACTION_MEMORY_MB); the file was left unindexed`));
          else reject(new Error(`The text extraction process stopped (${how})`));
        };
        child.onMessage = (m) => {
          if (!('answer' in m)) return void reads.answer(m);
          const a = m.answer;
          if ('failure' in a) reject(new ExtractionError(a.failure));
          else if ('error' in a) reject(new Error(a.error));
          else resolve(a);
        };
        child.ready.then(
          () => {
            started = true;
            clearTimeout(timer);
            timer = setTimeout(() => {
              end();
              reject(new ExtractionError(`Reading the text took longer than ${Math.round(this.o.limits.timeoutMs / 1000)} s (COFFER_TEXT_EXTRACTION_TIMEOUT_SECONDS); the file was left unindexed`));
            }, this.o.limits.timeoutMs);
            child.send({ task: { format, limits: this.o.limits, size: source.size } });
          },
          (err: unknown) => reject(err),
        );
      });
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      reads.close();
      child.onMessage = null;
      child.onExit = null;
      child.hold(false);
      if (this.child === child) this.idle = setTimeout(() => this.leave(child), IDLE_MS).unref();
    }
  }

  /** An idle process leaves: it exits once its channel closes. */
  private leave(child: ExtractionProcess): void {
    if (this.child !== child) return;
    this.child = null;
    child.proc.disconnect();
  }
}

/** The server's side of a task's reads: opens ranged reads of the blob and hands out their chunks on request. */
class BlobReads {
  private readonly open = new Map<number, { stream: Readable; chunks: AsyncIterator<Buffer> }>();
  private done = false;

  constructor(
    private readonly source: TextSource,
    private readonly send: (message: unknown) => void,
  ) {}

  async answer(m: Request): Promise<void> {
    if (m.op === 'close') {
      this.open.get(m.stream)?.stream.destroy();
      this.open.delete(m.stream);
      return;
    }
    try {
      if (m.op === 'open') {
        const stream = await this.source.read(m.range);
        if (this.done) return void stream.destroy();
        this.open.set(m.stream, { stream, chunks: (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]() });
        this.send({ req: m.req });
        return;
      }
      const reading = this.open.get(m.stream);
      const next = reading ? await reading.chunks.next() : { done: true as const, value: undefined };
      this.send(next.done ? { req: m.req, done: true } : { req: m.req, chunk: next.value });
    } catch (err) {
      const e = err as { message?: string; code?: string };
      this.send({ req: m.req, error: { message: e.message ?? String(err), ...(e.code ? { code: e.code } : {}) } });
    }
  }

  close(): void {
    this.done = true;
    for (const { stream } of this.open.values()) stream.destroy();
    this.open.clear();
  }
}
