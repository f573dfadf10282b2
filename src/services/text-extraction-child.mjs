// Reading files' text in a process of its own (text-extraction-process.ts starts it and is the
// other side), so a PDF that pdf.js parses for minutes, or that makes it allocate without end,
// stalls or kills this process and never the server. Plain JavaScript, run as is: from src in
// the tests and `npm run dev`, from dist in a build (scripts/copy-assets.mjs copies it), as
// pglite-worker.mjs is. The bytes are read by the server, which owns the blob store, and come
// over the IPC channel in chunks this side asks for, so memory stays flat.
import fs from 'node:fs';
import { Readable } from 'node:stream';

// From a build the compiled module is beside this file. From the sources (vitest, tsx) it is
// TypeScript: tsx, a development dependency and so there whenever the sources run, is
// registered here first.
const compiled = new URL('./text-extraction.js', import.meta.url);
let extraction;
if (fs.existsSync(compiled)) {
  extraction = await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  extraction = await import(new URL('./text-extraction.ts', import.meta.url).href);
}
const { extractText, ExtractionError } = extraction;

const waiting = new Map();
let nextRequest = 1;

/** A request to the server, answered by its number. */
function call(message) {
  const req = nextRequest++;
  return new Promise((resolve, reject) => {
    waiting.set(req, { resolve, reject });
    process.send({ ...message, req });
  });
}

/** One ranged read of the blob: each chunk asked for when the reader wants more. */
class RemoteStream extends Readable {
  constructor(stream) {
    super({ highWaterMark: 1 });
    this.stream = stream;
  }

  _read() {
    call({ op: 'pull', stream: this.stream }).then(
      (reply) => this.push(reply.done ? null : Buffer.from(reply.chunk.buffer, reply.chunk.byteOffset, reply.chunk.byteLength)),
      (err) => this.destroy(err),
    );
  }

  _destroy(err, callback) {
    process.send({ op: 'close', stream: this.stream });
    callback(err);
  }
}

let streams = 0;

/** One file: `{ format, limits, size }`; answers `{ text, truncated }`, `{ failure }` (an ExtractionError's words) or `{ error }`. */
async function run({ format, limits, size }) {
  const source = {
    size,
    async read(range) {
      const stream = ++streams;
      await call({ op: 'open', stream, range });
      return new RemoteStream(stream);
    },
  };
  try {
    return await extractText(source, format, limits);
  } catch (err) {
    if (err instanceof ExtractionError) return { failure: err.message };
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

process.on('message', (m) => {
  if (m.task) {
    run(m.task).then((answer) => process.send({ answer }));
    return;
  }
  const w = waiting.get(m.req);
  waiting.delete(m.req);
  if (!w) return;
  if (m.error !== undefined) w.reject(Object.assign(new Error(m.error.message), m.error));
  else w.resolve(m);
});
// The server closed the channel (it stops, or this process sat idle): nothing more to do.
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });
