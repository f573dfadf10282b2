import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/db/database.js';
import { Api } from './helpers/api.js';
import { childEnv, cliCommand, REPO_ROOT, runCli } from './helpers/cli.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** Opens the test server's database directly, to damage it the way a bug or an intruder would. */
async function withDatabase<T>(env: Record<string, string>, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase({ url: env.DATABASE_URL, pgliteDir: path.join(env.COFFER_DATA_DIR!, 'db') });
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

/** Every blob file in the fs store (root/ab/cd/<uuid>). */
function blobFiles(dataDir: string): string[] {
  const root = path.join(dataDir, 'blobs');
  const out: string[] = [];
  for (const a of fs.readdirSync(root)) {
    if (!/^[0-9a-f]{2}$/.test(a)) continue;
    for (const b of fs.readdirSync(path.join(root, a))) {
      for (const f of fs.readdirSync(path.join(root, a, b))) out.push(path.join(root, a, b, f));
    }
  }
  return out;
}

function blobFileWith(dataDir: string, content: Buffer): string {
  const found = blobFiles(dataDir).filter((f) => fs.readFileSync(f).equals(content));
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe('coffer CLI', () => {
  let first: TestServer;
  let env: Record<string, string>;
  const files = { a: randomBytes(3000), b: randomBytes(5000), c: randomBytes(7000) };

  /** Starts a server over the same data, runs fn against it, and stops it again (PGlite is one process's at a time). */
  async function withServer<T>(fn: (url: string) => Promise<T>): Promise<T> {
    const server = await startTestServer({ ...env }, { keepData: true });
    try {
      return await fn(server.url);
    } finally {
      await server.close();
    }
  }

  beforeAll(async () => {
    first = await startTestServer({}, { keepData: true });
    env = first.env;
    const admin = await Api.admin(first.url);
    expect((await admin.upload('a.bin', files.a)).status).toBe(201);
    expect((await admin.upload('docs/b.bin', files.b)).status).toBe(201);
    const c = await admin.upload('c.bin', files.c);
    expect(c.status).toBe(201);
    expect((await admin.json(`/files/${c.body.id}`, { method: 'DELETE' })).status).toBeLessThan(300);
    await first.close();
  });
  afterAll(async () => first?.removeData());

  it('prints help and rejects unknown commands with a usage exit code', async () => {
    const [help, unknown] = await Promise.all([runCli(['user', 'create', '--help'], env), runCli(['user', 'frobnicate'], env)]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: coffer user create NAME');
    expect(help.stdout).toContain('--quota SIZE');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "user frobnicate"');
    expect(unknown.stderr).toContain('create     Create a user');
  });

  it('creates users, lists them, changes a password; the users sign in over REST with their quota', async () => {
    const created = await runCli(['user', 'create', 'carol', '--email', 'carol@example.org', '--quota', '2GB', '--password-stdin'], env, {
      input: 'carol-password-1\n',
    });
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/Created user carol \(id [0-9a-f-]{36}\), quota 2\.00 GB/);
    const admin = await runCli(['user', 'create', 'dave', '--admin', '--quota', 'unlimited', '--password-stdin'], env, { input: 'dave-password-1' });
    expect(admin.code).toBe(0);
    expect(admin.stdout).toContain('Created administrator dave');

    const table = await runCli(['user', 'list'], env);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^USERNAME\s+EMAIL\s+ROLE\s+STATUS\s+USED \/ QUOTA\s+CREATED$/);
    const carolLine = lines.find((l) => l.startsWith('carol '));
    expect(carolLine).toMatch(/^carol\s+carol@example\.org\s+user\s+active\s+0 B \/ 2\.00 GB\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    expect(lines.find((l) => l.startsWith('dave '))).toMatch(/^dave\s+-\s+admin\s+active\s+0 B \/ unlimited\s/);
    // The admin's uploads (a, docs/b, and c in the trash) count against its space.
    expect(lines.find((l) => l.startsWith('admin '))).toMatch(/\s15\.0 kB \/ unlimited\s/);

    const json = await runCli(['user', 'list', '--json'], env);
    expect(json.code).toBe(0);
    const users = JSON.parse(json.stdout) as { username: string; email: string | null; role: string; status: string; quota_bytes: number | null; used_bytes: number }[];
    expect(users.map((u) => u.username)).toEqual(['admin', 'carol', 'dave']);
    expect(users[1]).toMatchObject({ username: 'carol', email: 'carol@example.org', role: 'user', status: 'active', quota_bytes: 2_000_000_000, used_bytes: 0 });
    expect(users[2]).toMatchObject({ role: 'admin', quota_bytes: null });
    expect(users[0]!.used_bytes).toBe(15_000);

    const passwd = await runCli(['user', 'passwd', 'dave', '--password-stdin'], env, { input: 'dave-password-2\n' });
    expect(passwd.code).toBe(0);
    expect(passwd.stdout).toContain('Changed the password of dave');

    await withServer(async (url) => {
      const carol = await Api.login(url, 'carol', 'carol-password-1');
      const quota = await carol.json<{ quota: number; used: number }>('/account/quota');
      expect(quota.status).toBe(200);
      expect(quota.body).toMatchObject({ quota: 2_000_000_000, used: 0 });
      const login = (username: string, password: string) =>
        fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
      expect((await login('dave', 'dave-password-1')).status).toBe(401);
      const dave = await Api.login(url, 'dave', 'dave-password-2');
      expect((await dave.json('/admin/users')).status).toBe(200);
      // The CLI's changes are audited with actor "cli".
      const audit = await dave.json<{ items: { action: string; actor_name: string | null; user_agent: string | null; detail: { username?: string } | null }[] }>(
        '/admin/audit?limit=100',
      );
      const byCli = audit.body.items.filter((e) => e.actor_name === 'cli' && e.user_agent === 'coffer-cli').map((e) => `${e.action} ${e.detail?.username}`);
      expect(byCli.sort()).toEqual(['admin.user.create carol', 'admin.user.create dave', 'admin.user.password dave']);
    });
  });

  it('prompts twice for the password on a terminal, without echoing it', async () => {
    // util-linux `script` runs the CLI on a pseudo-terminal and relays our pipe to it.
    const { command, args } = cliCommand(['user', 'passwd', 'carol']);
    const line = [command, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const child = spawn('script', ['-q', '-e', '-c', line, '/dev/null'], { cwd: REPO_ROOT, env: childEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    const waitFor = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${text}" in: ${output}`)), 30_000);
        const check = () => {
          if (!output.includes(text)) return;
          clearTimeout(timer);
          child.stdout.off('data', check);
          resolve();
        };
        child.stdout.on('data', check);
        check();
      });
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await waitFor('New password: ');
    child.stdin.write('carol-typed-pw\r');
    await waitFor('Repeat the password: ');
    child.stdin.write('carol-typed-pw\r');
    await waitFor('Changed the password of carol');
    child.stdin.end();
    expect(await exited).toBe(0);
    expect(output).not.toContain('carol-typed-pw');
  });

  it('refuses a duplicate user, a bad quota, a missing password and an unknown user', async () => {
    // These two fail before opening the database, so they can run beside the others.
    const early = Promise.all([
      runCli(['user', 'create', 'erin', '--quota', '12 parsecs', '--password-stdin'], env, { input: 'erin-password-1\n' }),
      runCli(['user', 'create', 'gina'], env),
    ]);
    // PGlite is one process's at a time: these open the database one after the other.
    const duplicate = await runCli(['user', 'create', 'carol', '--password-stdin'], env, { input: 'another-password\n' });
    const unknownUser = await runCli(['user', 'passwd', 'nobody', '--password-stdin'], env, { input: 'whatever-password\n' });
    const [badQuota, noPassword] = await early;
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('The username "carol" is taken');
    expect(badQuota.code).toBe(2);
    expect(badQuota.stderr).toContain('--quota must be a size such as 10GB, 500MiB or unlimited, got "12 parsecs"');
    expect(noPassword.code).toBe(2);
    expect(noPassword.stderr).toContain('--password-stdin');
    expect(unknownUser.code).toBe(1);
    expect(unknownUser.stderr).toContain('No user named "nobody"');
    // None of them created anything: the next test counts exactly 3 spaces.
  });

  it('fsck: a clean store exits 0', async () => {
    const res = await runCli(['fsck', '--grace-seconds', '0'], env);
    expect(res.stdout).toMatch(/Checked 3 blobs and 3 spaces: no problems found\./);
    expect(res.code).toBe(0);
  });

  it('fsck: usage drift, stray bytes and partial uploads are reported, then repaired with --repair', async () => {
    await withDatabase(env, async (db) => {
      await sql`update spaces set used_bytes = used_bytes + 12345 where name = 'admin'`.execute(db);
    });
    const strayKey = randomUUID();
    const strayDir = path.join(env.COFFER_DATA_DIR!, 'blobs', strayKey.slice(0, 2), strayKey.slice(2, 4));
    fs.mkdirSync(strayDir, { recursive: true });
    const stray = path.join(strayDir, strayKey);
    fs.writeFileSync(stray, 'bytes of an upload whose commit never happened');
    const partial = path.join(env.COFFER_DATA_DIR!, 'blobs', 'tmp', `${randomUUID()}.part`);
    fs.writeFileSync(partial, 'half an upload');
    const hourAgo = new Date(Date.now() - 2 * 3600_000);
    fs.utimesSync(stray, hourAgo, hourAgo);
    fs.utimesSync(partial, hourAgo, hourAgo);

    const found = await runCli(['fsck'], env);
    expect(found.code).toBe(1);
    expect(found.stdout).toMatch(/usage-drift\s+space [0-9a-f-]{36}: space records 27345 bytes used, its versions and properties add up to 15000/);
    expect(found.stdout).toMatch(new RegExp(`unreferenced-blob\\s+${strayKey}: 46 bytes that no file references`));
    expect(found.stdout).toMatch(new RegExp(`partial-upload\\s+${path.basename(partial)}`));
    expect(found.stdout).toContain('3 problems, run with --repair to fix the repairable ones.');
    expect(fs.existsSync(stray)).toBe(true);

    const repaired = await runCli(['fsck', '--repair'], env);
    expect(repaired.stdout).toContain('3 problems, 3 repaired.');
    expect(repaired.stdout.match(/ — repaired/g)).toHaveLength(3);
    expect(repaired.code).toBe(0);
    expect(fs.existsSync(stray)).toBe(false);
    expect(fs.existsSync(partial)).toBe(false);

    // The usage counter itself is checked over REST after the trash purge below.
  });

  it('fsck: a corrupted blob is a hash mismatch and a deleted one is missing; neither can be repaired', async () => {
    const corrupted = blobFileWith(env.COFFER_DATA_DIR!, files.a);
    fs.writeFileSync(corrupted, randomBytes(files.a.length));
    const deleted = blobFileWith(env.COFFER_DATA_DIR!, files.b);
    fs.rmSync(deleted);

    const [full, quick] = [await runCli(['fsck'], env), await runCli(['fsck', '--quick'], env)];
    expect(full.code).toBe(1);
    expect(full.stdout).toMatch(new RegExp(`hash-mismatch\\s+${path.basename(corrupted)}: SHA-256 is [0-9a-f]{64}, recorded [0-9a-f]{64}`));
    expect(full.stdout).toContain('used by admin:/a.bin');
    expect(full.stdout).toMatch(new RegExp(`missing-blob\\s+${path.basename(deleted)}: blob [0-9a-f-]{36} \\(5000 bytes\\) is not in the store`));
    expect(full.stdout).toContain('used by admin:/docs/b.bin');
    expect(full.stdout).toContain('2 problems, 2 cannot be repaired by fsck.');
    expect(full.stdout.match(/cannot be repaired by fsck: restore the blob from a backup/g)).toHaveLength(2);
    // --quick compares sizes only: it sees the missing blob, not the corrupted one.
    expect(quick.code).toBe(1);
    expect(quick.stdout).toContain('missing-blob');
    expect(quick.stdout).not.toContain('hash-mismatch');

    const repair = await runCli(['fsck', '--repair', '--json'], env);
    expect(repair.code).toBe(1);
    const report = JSON.parse(repair.stdout) as { clean: boolean; problems: { kind: string; repaired: boolean; repairable: boolean }[] };
    expect(report.clean).toBe(false);
    expect(report.problems.map((p) => [p.kind, p.repaired, p.repairable]).sort()).toEqual([
      ['hash-mismatch', false, false],
      ['missing-blob', false, false],
    ]);
  });

  it('trash purge honours the configured retention and --older-than-days 0 purges everything', async () => {
    const cBlob = blobFileWith(env.COFFER_DATA_DIR!, files.c);
    const [kept, bad] = await Promise.all([
      runCli(['trash', 'purge'], { ...env, COFFER_TRASH_RETENTION_DAYS: '7' }),
      runCli(['trash', 'purge', '--older-than-days', 'soon'], env),
    ]);
    expect(kept.code).toBe(0);
    expect(kept.stdout).toContain("Purged 0 items from the trash (past each space's retention; 7 days where a space sets none)");
    expect(fs.existsSync(cBlob)).toBe(true);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--older-than-days must be a whole number');

    const purged = await runCli(['trash', 'purge', '--older-than-days', '0'], env);
    expect(purged.code).toBe(0);
    expect(purged.stdout).toContain('Purged 1 item from the trash (deleted more than 0 days ago, in every space)');
    expect(fs.existsSync(cBlob)).toBe(false);

    await withServer(async (url) => {
      const admin = await Api.admin(url);
      const trash = await admin.json<{ items: unknown[] }>('/trash');
      expect(trash.body.items).toHaveLength(0);
      // 15,000 bytes after fsck --repair fixed the drift, minus the 7,000 purged.
      expect((await admin.json<{ used: number }>('/account/quota')).body.used).toBe(8_000);
      const purges = await admin.json<{ items: { actor_name: string | null; path: string | null; detail: unknown }[] }>('/admin/audit?action=node.purge');
      expect(purges.body.items).toHaveLength(1);
      expect(purges.body.items[0]).toMatchObject({ actor_name: 'cli', path: '/c.bin', detail: { reason: 'retention' } });
      const repairs = await admin.json<{ items: { actor_name: string | null; detail: unknown }[] }>('/admin/audit?action=fsck.repair.usage');
      expect(repairs.body.items).toEqual([expect.objectContaining({ actor_name: 'cli', detail: expect.objectContaining({ recorded: 27_345, actual: 15_000 }) })]);
    });
  });

  it('audit verify passes on an intact trail, and names a truncated chain and a rewritten event, exiting 1', async () => {
    const ok = await runCli(['audit', 'verify'], env);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const checked = Number(/Checked (\d+) audit events in \d+ chains: every chain is intact\./.exec(ok.stdout)?.[1]);
    expect(checked).toBeGreaterThan(10);

    // The newest rows of the account and admin chain deleted straight in the database.
    const saved = await withDatabase(env, async (db) => {
      const rows = await db.selectFrom('audit_events').selectAll().where('chain', '=', 'account').orderBy('seq').execute();
      await db.deleteFrom('audit_events').where('id', 'in', rows.slice(-2).map((r) => r.id)).execute();
      return rows;
    });
    const truncated = await runCli(['audit', 'verify'], env);
    expect(truncated.code).toBe(1);
    expect(truncated.stdout).toContain('1 chain is damaged');
    expect(truncated.stdout).toContain(
      `The account and admin chain is truncated: its head records ${saved.length} events ending in hash ${saved.at(-1)!.hash!.slice(0, 16)}…, ` +
        `but the table holds ${saved.length - 2} ending in hash ${saved.at(-3)!.hash!.slice(0, 16)}…`,
    );

    // Put back; then an event edited and every later hash recomputed with plain SHA-256 (no key).
    const victim = await withDatabase(env, async (db) => {
      await db.insertInto('audit_events').values(saved.slice(-2)).execute();
      const { hashAuditRow } = await import('../src/repositories/audit.repository.js');
      const row = saved.find((r) => r.action === 'admin.user.create')!;
      let prev: string | null = null;
      for (const r of saved.filter((e) => Number(e.seq) >= Number(row.seq))) {
        const { id, hash: _h, chain: _c, ...fields } = r;
        const next = { ...fields, prev_hash: prev ?? fields.prev_hash!, path: Number(id) === Number(row.id) ? '/nothing-to-see-here' : fields.path };
        prev = hashAuditRow(next);
        await db.updateTable('audit_events').set({ path: next.path, prev_hash: next.prev_hash, hash: prev }).where('id', '=', id).execute();
      }
      await db.updateTable('audit_heads').set({ hash: prev! }).where('chain', '=', 'account').execute();
      return Number(row.id);
    });
    const rewritten = await runCli(['audit', 'verify'], env);
    expect(rewritten.code).toBe(1);
    expect(rewritten.stdout).toContain(`In the account and admin chain, event ${victim} was altered or rewritten`);
  });
});
