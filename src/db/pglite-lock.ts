import fs from 'node:fs';
import path from 'node:path';

/** Directories this process has open, so a second open in the same process is refused too. */
const openHere = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite is PostgreSQL in one process with no lock of its own: two processes opening the same
 * data directory (a server and `coffer user create`, say) would each replay and write the files
 * and corrupt them. This takes `<dir>.lock` holding our pid; a lock whose process is gone (a
 * crash, SIGKILL) is taken over. Returns the release function.
 */
export function lockPgliteDir(dir: string): () => void {
  const resolved = path.resolve(dir);
  const lockFile = `${resolved}.lock`;
  if (openHere.has(resolved)) {
    throw new Error(`The embedded database in ${resolved} is already open in this process`);
  }
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(lockFile, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (attempt > 0) throw new Error(`The embedded database in ${resolved} is being opened by another process`, { cause: err });
      const pid = Number.parseInt(fs.readFileSync(lockFile, 'utf8'), 10);
      // Our own pid in the file is a previous life of this pid (a container restarted as pid 1).
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new Error(
          `The embedded database in ${resolved} is in use by process ${pid} (a running Coffer server?). ` +
            'PGlite allows one process at a time: stop that process first, or run Coffer on PostgreSQL (DATABASE_URL) to use the CLI beside a running server.',
          { cause: err },
        );
      }
      fs.rmSync(lockFile, { force: true });
    }
  }
  openHere.add(resolved);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    openHere.delete(resolved);
    fs.rmSync(lockFile, { force: true });
  };
}
