import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/cli.js';

const run = promisify(execFile);

// bin/coffer is what `npm start`, `npx coffer` and the benches run. A stand-in for node prints
// what it was started with, so the launcher is checked without a build.
describe('bin/coffer', () => {
  let dir: string;
  let fakeNode: string;
  let linked: string;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-launcher-'));
    fakeNode = path.join(dir, 'fake-node');
    fs.writeFileSync(fakeNode, '#!/bin/sh\necho "mmap=$MALLOC_MMAP_THRESHOLD_ trim=$MALLOC_TRIM_THRESHOLD_"\nfor a in "$@"; do echo "arg=$a"; done\n', { mode: 0o755 });
    // npm installs the command as a symbolic link in node_modules/.bin.
    linked = path.join(dir, 'coffer');
    fs.symlinkSync(path.join(REPO_ROOT, 'bin/coffer'), linked);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const env = (extra: Record<string, string> = {}) => {
    const base: NodeJS.ProcessEnv = { ...process.env, NODE: fakeNode, ...extra };
    if (!('MALLOC_MMAP_THRESHOLD_' in extra)) delete base.MALLOC_MMAP_THRESHOLD_;
    if (!('MALLOC_TRIM_THRESHOLD_' in extra)) delete base.MALLOC_TRIM_THRESHOLD_;
    if (!('COFFER_NODE_FLAGS' in extra)) delete base.COFFER_NODE_FLAGS;
    return base;
  };

  const argsOf = (stdout: string) =>
    stdout
      .split('\n')
      .filter((l) => l.startsWith('arg='))
      .map((l) => l.slice(4))
      .map((a) => (a.endsWith('main.js') ? path.resolve(a) : a));
  const main = path.join(REPO_ROOT, 'dist/cli/main.js');

  it('runs the built CLI through a symbolic link, passing every argument unchanged', async () => {
    const { stdout } = await run(linked, ['user', 'add', 'name with spaces'], { env: env() });
    expect(argsOf(stdout)).toEqual([main, 'user', 'add', 'name with spaces']);
  });

  it('gives Node the flags of COFFER_NODE_FLAGS, each as its own argument', async () => {
    const own = await run(linked, ['serve'], { env: env({ COFFER_NODE_FLAGS: '--max-old-space-size=512 --stack-size=2000' }) });
    expect(argsOf(own.stdout)).toEqual(['--max-old-space-size=512', '--stack-size=2000', main, 'serve']);
  });

  it('keeps freed memory for reuse unless the environment says otherwise', async () => {
    const plain = await run(linked, ['serve'], { env: env() });
    expect(plain.stdout).toContain('mmap=4194304 trim=33554432');
    const own = await run(linked, ['serve'], { env: env({ MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_TRIM_THRESHOLD_: '0' }) });
    expect(own.stdout).toContain('mmap=131072 trim=0');
  });
});
