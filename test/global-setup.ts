import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { makePgliteTemplate } from '../src/db/pglite-template.js';

/** Every embedded test server starts from a migrated template (as a built server does). */
export default async function setup(project: TestProject) {
  ensureProductionWebApp();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-template-'));
  const file = path.join(dir, 'template.tar.gz');
  fs.writeFileSync(file, await makePgliteTemplate());
  project.provide('pgliteTemplate', file);
  return () => fs.rmSync(dir, { recursive: true, force: true });
}

const root = fileURLToPath(new URL('..', import.meta.url));
const webDist = path.join(root, 'web', 'dist');

/**
 * The server serves web/dist, and the browser tests drive it: build it if a checkout has none, or
 * has one that is not a production build. The test runner sets NODE_ENV=test, which the child
 * would inherit, and Vite then makes a development bundle that never registers the service worker
 * (`import.meta.env.PROD` is false): so the child's NODE_ENV is production, and the result is
 * checked, so a fresh clone's `npm test` tests what `npm start` serves.
 */
function ensureProductionWebApp() {
  const problem = productionBuildProblem();
  if (problem === undefined) return;
  if (fs.existsSync(path.join(webDist, 'index.html'))) console.warn(`web/dist is not usable (${problem}): building it again`);
  execFileSync('npm', ['run', 'build', '-w', 'web'], { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  const still = productionBuildProblem();
  if (still !== undefined) throw new Error(`npm run build -w web did not make a production build of the web app: ${still}`);
}

/** Why web/dist is not a production build of the web app, or undefined when it is one. */
function productionBuildProblem(): string | undefined {
  const index = path.join(webDist, 'index.html');
  if (!fs.existsSync(index)) return 'no index.html';
  const entry = /<script type="module"[^>]*\ssrc="\/(assets\/[^"]+\.js)"/.exec(fs.readFileSync(index, 'utf8'))?.[1];
  if (entry === undefined || !fs.existsSync(path.join(webDist, entry))) return 'index.html names no entry script that exists';
  // Only a production bundle keeps the service worker's registration (main.tsx guards it with import.meta.env.PROD).
  if (!fs.readFileSync(path.join(webDist, entry), 'utf8').includes('serviceWorker.register(')) return 'a development bundle: it never registers the service worker';
  return undefined;
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
  }
}
