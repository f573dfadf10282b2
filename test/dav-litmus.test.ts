import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientSuite, run, tempDir } from './helpers/clients.js';
import { DavUser } from './helpers/dav.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// The litmus WebDAV compliance suite (notroj/litmus, /usr/bin/litmus) against a started server,
// with its default suites, as a user signing in with an app password.

const SUITES = ['basic', 'copymove', 'props', 'locks', 'http'];

interface Summary {
  suite: string;
  run: number;
  passed: number;
  failed: number;
  percent: string;
}

/** `<- summary for `basic': of 16 tests run: 16 passed, 0 failed. 100.0%` */
function summaries(output: string): Summary[] {
  const out: Summary[] = [];
  for (const m of output.matchAll(/^<- summary for `(\w+)': of (\d+) tests run: (\d+) passed, (\d+) failed\. ([\d.]+)%/gm)) {
    out.push({ suite: m[1]!, run: Number(m[2]), passed: Number(m[3]), failed: Number(m[4]), percent: m[5]! });
  }
  return out;
}

/** Lines that report anything but a clean pass: failures, warnings, skipped tests, aborted suites. */
function problemLines(output: string): string[] {
  return output.split('\n').filter((l) => /WARNING|warning|FAIL|SKIPPED|skipped|aborted|not run/.test(l));
}

describe.skipIf(clientSuite('litmus').skip)('litmus', () => {
  let server: TestServer;
  let user: DavUser;
  const dirs: string[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    user = await DavUser.create(server.url, 'litmus-user');
  });
  afterAll(async () => {
    await server?.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('passes every default suite at 100% without a warning', async () => {
    const cwd = tempDir('litmus');
    dirs.push(cwd);
    // --keep-going: run every suite even if one fails, so the message lists all problems.
    const r = await run('litmus', ['--keep-going', `${server.url}/dav/`, user.username, user.appPassword], {
      cwd,
      env: { TESTS: SUITES.join(' ') },
      timeoutMs: 150_000,
    });
    const found = summaries(r.output);
    const problems = problemLines(r.output);
    const report = `litmus exited ${r.code} after ${r.ms} ms\nproblems:\n${problems.join('\n') || '(none)'}\nsummaries:\n${found.map((s) => `${s.suite}: ${s.passed}/${s.run} ${s.percent}%`).join('\n')}`;

    expect(found.map((s) => s.suite), report).toEqual(SUITES);
    for (const s of found) {
      expect(s.run, `${s.suite} ran no tests\n${report}`).toBeGreaterThan(0);
      expect({ suite: s.suite, failed: s.failed, percent: s.percent }, report).toEqual({ suite: s.suite, failed: 0, percent: '100.0' });
    }
    expect(problems, report).toEqual([]);
    expect(r.code, report).toBe(0);
    // litmus really talked to the server: its suites left what they create cleaned up, and the
    // debug log it writes in its working directory records the requests.
    expect(fs.readFileSync(`${cwd}/debug.log`, 'utf8')).toContain('PROPFIND /dav/litmus/');
    const root = await user.request('PROPFIND', '/', { headers: { depth: '1' } });
    expect(root.status).toBe(207);
    expect(root.body).toContain('<d:href>/dav/litmus/</d:href>');
  }, 180_000);
});
