import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from './helpers/api.js';
import { runCli, type CliResult } from './helpers/cli.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const LAYOUT = {
  pattern: '{system}/{objectType}/{objectId}/{file}',
  values: {
    system: ['accounting', 'workspace'],
    objectType: { by: 'system', values: { accounting: ['receipt', 'invoice'], workspace: ['document'] } },
    objectId: { regex: '^[A-Za-z0-9-]{1,64}$' },
  },
};
const BOOK_SCHEMA = {
  type: 'object',
  properties: { name: { type: 'string' }, language: { type: 'string', enum: ['en', 'de'] }, version: { type: 'integer', minimum: 1 } },
  required: ['name', 'language'],
};
/** Each CLI run opens the database afresh (seconds on a busy machine), and these tests run a dozen. */
const SLOW = 480_000;
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

/**
 * `coffer org`, `space`, `service-account`, `policy` and `record-type` run as real child
 * processes against the database of a test server; what they set up is then proved through
 * the HTTP API of a server started over the same data (PGlite is one process's at a time, so
 * the server is down while the CLI runs).
 */
describe('coffer org / space / service-account CLI', () => {
  let first: TestServer;
  let env: Record<string, string>;
  let dir: string;

  async function withServer<T>(fn: (url: string) => Promise<T>): Promise<T> {
    const server = await startTestServer({ ...env }, { keepData: true });
    try {
      return await fn(server.url);
    } finally {
      await server.close();
    }
  }

  /** A CLI run, given time for a busy machine (each one starts Node and opens the database). */
  const cli = (args: string[]) => runCli(args, env, { timeoutMs: 90_000 });

  /** Runs the CLI and expects it to succeed, showing its stderr when it does not. */
  async function ok(args: string[]): Promise<CliResult> {
    const res = await cli(args);
    expect({ code: res.code, stderr: res.stderr }, `coffer ${args.join(' ')}`).toEqual({ code: 0, stderr: '' });
    return res;
  }

  beforeAll(async () => {
    first = await startTestServer({}, { keepData: true });
    env = first.env;
    dir = first.dataDir;
    const admin = await Api.admin(first.url);
    await admin.createUser('olga', 'olga-password-1');
    await admin.createUser('bob', 'bob-password-12');
    await first.close();
    fs.writeFileSync(path.join(dir, 'layout.json'), JSON.stringify(LAYOUT));
    fs.writeFileSync(path.join(dir, 'book.json'), JSON.stringify(BOOK_SCHEMA));
  });
  afterAll(async () => first?.removeData());

  it('has help for each command and refuses bad input with a message and a non-zero exit', async () => {
    // Usage errors are found before the database is opened; still one at a time, as each is a
    // Node process and the machine may be busy.
    const help = await cli(['org', '--help']);
    const createHelp = await cli(['org', 'create', '--help']);
    const scopeHelp = await cli(['service-account', 'create', '-h']);
    const badRole = await cli(['org', 'member', 'add', 'acme', 'bob', '--role', 'boss']);
    const badSize = await cli(['space', 'create', 'acme', 'Records', '--quota', '10 parsecs']);
    const badScope = await cli(['service-account', 'create', 'acme', 'App', '--scope', 'Records']);
    const missingOwner = await cli(['org', 'create', 'acme', '--name', 'Acme Ltd']);
    const badSpaceRole = await cli(['space', 'member', 'add', 'acme/Records', 'bob']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/suspend\s+Suspend an organisation/);
    expect(help.stdout).toMatch(/member\s+Manage the members/);
    expect(createHelp.code).toBe(0);
    expect(createHelp.stdout).toContain('Usage: coffer org create SLUG --name TEXT --owner USER');
    expect(scopeHelp.code).toBe(0);
    expect(scopeHelp.stdout).toContain('--scope SCOPE');
    expect(badRole).toMatchObject({ code: 2, stdout: '' });
    expect(badRole.stderr).toContain('--role must be one of owner, admin, member, guest, got "boss"');
    expect(badSize.code).toBe(2);
    expect(badSize.stderr).toContain('--quota must be a size such as 10GB, 500MiB or unlimited, got "10 parsecs"');
    expect(badScope.code).toBe(2);
    expect(badScope.stderr).toContain('--scope is SPACE[:/FOLDER]:PERMISSIONS');
    expect(missingOwner.code).toBe(2);
    expect(missingOwner.stderr).toContain('--owner');
    expect(badSpaceRole.code).toBe(2);
    expect(badSpaceRole.stderr).toContain('--role');

    // These reach the database: one at a time.
    const unknownUser = await cli(['org', 'create', 'acme', '--name', 'Acme Ltd', '--owner', 'nobody']);
    expect(unknownUser.code).toBe(1);
    expect(unknownUser.stderr).toContain('No user "nobody"');
    const unknownOrg = await cli(['space', 'list', 'nope']);
    expect(unknownOrg.code).toBe(1);
    expect(unknownOrg.stderr).toContain('No organisation "nope"');
    const list = await ok(['org', 'list', '--json']);
    expect(JSON.parse(list.stdout)).toEqual([]);
  }, SLOW);

  it('sets up an "accounting receipts" app whose printed key stores files over REST, within its layout, policy and scope', async () => {
    await ok(['org', 'create', 'acme', '--name', 'Acme Ltd', '--owner', 'olga']);
    const space = JSON.parse(
      (await ok(['space', 'create', 'acme', 'Records', '--quota', '10G', '--trash-days', '7', '--layout-file', path.join(dir, 'layout.json'), '--json'])).stdout,
    ) as { id: string; quota_bytes: number; trash_retention_days: number; layout: unknown };
    expect(space).toMatchObject({ quota_bytes: 10_000_000_000, trash_retention_days: 7, layout: LAYOUT });
    const duplicate = await cli(['space', 'create', 'acme', 'Records']);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('Acme Ltd has a space named "Records" already');

    expect((await ok(['org', 'member', 'add', 'acme', 'bob'])).stdout).toContain('bob is a member of acme');
    expect((await ok(['space', 'member', 'add', space.id, 'bob', '--role', 'viewer'])).stdout).toContain('bob is viewer of the space "Records"');
    await ok(['policy', 'set', 'acme/Records', '/accounting/receipt', '--extensions', 'pdf', '--max-size', '1K', '--write-once']);
    const created = await ok(['service-account', 'create', 'acme', 'Receipts app', '--scope', 'Records:/accounting:read,list,create,write', '--key-name', 'prod', '--json']);
    const { account, key } = JSON.parse(created.stdout) as { account: { id: string; scopes: unknown[] }; key: { id: string; key: string } };
    expect(key.key).toMatch(/^cof_sk_/);
    expect(account.scopes).toEqual([{ space_id: space.id, space_name: 'Records', path_prefix: '/accounting', permissions: ['read', 'list', 'create', 'write'] }]);

    const table = await ok(['service-account', 'list', 'acme']);
    expect(table.stdout).toMatch(/^NAME\s+ID\s+STATUS\s+SCOPES\s+LIVE KEYS$/m);
    expect(table.stdout).toContain(`Records:/accounting:read,list,create,write  ${key.id} (…${key.key.slice(-4)}, prod)`);
    expect(table.stdout).not.toContain(key.key);
    const spaces = await ok(['space', 'list', 'acme']);
    expect(spaces.stdout).toMatch(new RegExp(`^${space.id}\\s+Records\\s+0 B / 10\\.0 GB\\s+7\\s+\\{system\\}/`, 'm'));

    await withServer(async (url) => {
      const put = (p: string, body: Buffer, bearer = key.key) =>
        fetch(`${url}/api/v1/spaces/${space.id}/content/${p}`, { method: 'PUT', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/pdf' }, body });
      const stored = await put('accounting/receipt/inv-789/r-789.pdf', PDF);
      expect(stored.status).toBe(201);
      const back = await fetch(`${url}/api/v1/spaces/${space.id}/content/accounting/receipt/inv-789/r-789.pdf`, { headers: { authorization: `Bearer ${key.key}` } });
      expect(back.status).toBe(200);
      expect(Buffer.from(await back.arrayBuffer()).equals(PDF)).toBe(true);
      // The layout, the policy and the scope each refuse through the same key.
      expect((await put('accounting/ledger/inv-789/r.pdf', PDF)).status).toBe(403);
      expect((await put('accounting/receipt/inv-789/r.txt', PDF)).status).toBe(415);
      expect((await put('accounting/receipt/inv-789/big.pdf', Buffer.concat([PDF, Buffer.alloc(2000)]))).status).toBe(413);
      expect((await put('accounting/receipt/inv-789/r-789.pdf', PDF)).status).toBe(403); // write-once
      expect((await put('workspace/document/d-1/d.pdf', PDF)).status).toBe(404); // outside /accounting

      // The owner given on the command line runs the organisation; bob holds the role given him.
      const olga = await Api.login(url, 'olga', 'olga-password-1');
      const org = await olga.json<{ my_role: string; member_count: number; space_count: number }>('/orgs/acme');
      expect(org.body).toMatchObject({ my_role: 'owner', member_count: 2, space_count: 1 });
      const bob = await Api.login(url, 'bob', 'bob-password-12');
      const bobSpaces = await bob.json<{ items: { id: string; my_role: string | null }[] }>('/spaces');
      expect(bobSpaces.body.items.find((s) => s.id === space.id)?.my_role).toBe('viewer');

      // Every change the CLI made is in the organisation's audit trail, by the CLI.
      const audit = await olga.json<{ items: { action: string; actor_name: string | null; user_agent: string | null }[] }>('/orgs/acme/audit?limit=100');
      const byCli = new Set(audit.body.items.filter((e) => e.actor_name === 'cli' && e.user_agent === 'coffer-cli').map((e) => e.action));
      for (const action of ['org.create', 'space.create', 'org.member.add', 'space.member.set', 'policy.set', 'org.service_account.create', 'org.api_key.create']) {
        expect(byCli, action).toContain(action);
      }
    });
  }, SLOW);

  it('suspends and reactivates the organisation, and revokes keys, with effect on the next request', async () => {
    const spaceId = (JSON.parse((await ok(['space', 'list', 'acme', '--json'])).stdout) as { id: string }[])[0]!.id;
    const second = JSON.parse((await ok(['service-account', 'key', 'acme', 'receipts app', '--json'])).stdout) as { id: string; key: string };
    const get = (url: string, bearer: string) => fetch(`${url}/api/v1/spaces/${spaceId}/content/accounting/receipt/inv-789/r-789.pdf`, { headers: { authorization: `Bearer ${bearer}` } });

    expect((await ok(['org', 'suspend', 'acme'])).stdout).toContain('Suspended organisation acme');
    expect(JSON.parse((await ok(['org', 'list', '--json'])).stdout)).toMatchObject([{ slug: 'acme', status: 'suspended', member_count: 2, space_count: 1 }]);
    await withServer(async (url) => {
      const refused = await get(url, second.key);
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain('suspended');
      const bob = await Api.login(url, 'bob', 'bob-password-12');
      expect((await bob.fetch(`/spaces/${spaceId}/content/accounting/receipt/inv-789/r-789.pdf`)).status).toBe(404);
    });

    await ok(['org', 'reactivate', 'acme']);
    // By the key's last four characters, as the list shows them; after "--", as they may start with "-".
    const revoked = await ok(['service-account', 'revoke', 'acme', 'Receipts app', '--', second.key.slice(-4)]);
    expect(revoked.stdout).toContain('Revoked 1 key of "Receipts app"');
    const unknownKey = await cli(['service-account', 'revoke', 'acme', 'Receipts app', 'zzzz']);
    expect(unknownKey.code).toBe(1);
    expect(unknownKey.stderr).toContain('has no live key "zzzz"');
    // Members: the last owner stays; a removed member reaches nothing from the next request on.
    const lastOwner = await cli(['org', 'member', 'remove', 'acme', 'olga']);
    expect(lastOwner.code).toBe(1);
    expect(lastOwner.stderr).toContain('olga is the last owner of Acme Ltd');
    await ok(['org', 'member', 'remove', 'acme', 'bob']);
    const members = JSON.parse((await ok(['org', 'member', 'list', 'acme', '--json'])).stdout) as { username: string; role: string }[];
    expect(members.map((m) => `${m.username}:${m.role}`)).toEqual(['olga:owner']);
    await withServer(async (url) => {
      expect((await get(url, second.key)).status).toBe(401);
      const olga = await Api.login(url, 'olga', 'olga-password-1');
      expect((await get(url, olga.token)).status).toBe(200);
      const bob = await Api.login(url, 'bob', 'bob-password-12');
      expect((await get(url, bob.token)).status).toBe(404);
    });
  }, SLOW);

  it('makes a tenant whose files stay out of the command line’s reach: it sets up spaces, its owner gives access', async () => {
    await ok(['org', 'create', 'tenant-7', '--name', 'Customer 7', '--owner', 'olga', '--tenant']);
    const space = JSON.parse((await ok(['space', 'create', 'tenant-7', 'Backups', '--template', 'backup-device', '--json'])).stdout) as { id: string; layout: { pattern: string } };
    expect(space.layout.pattern).toBe('{device}/{area}/**');
    const policy = await cli(['policy', 'set', 'tenant-7/Backups', '/', '--write-once']);
    expect(policy.code).toBe(1);
    const account = await cli(['service-account', 'create', 'tenant-7', 'peek', '--scope', 'Backups:/:read']);
    expect(account.code).toBe(1);
    expect(account.stderr).toContain('only its owners');
    // Members are the admins' to run (the command line stands as one), space roles the owners'.
    await ok(['org', 'member', 'add', 'tenant-7', 'bob', '--role', 'member']);
    const role = await cli(['space', 'member', 'add', space.id, 'bob', '--role', 'viewer']);
    expect(role.code).toBe(1);
  }, SLOW);

  it('sets up a publisher catalogue: a space, a record type from a schema file, records kept to it over REST', async () => {
    const space = JSON.parse((await ok(['space', 'create', 'acme', 'Catalogue', '--json'])).stdout) as { id: string; root_folder_id: string };
    expect((await ok(['record-type', 'create', 'acme/Catalogue', 'book', '--schema-file', path.join(dir, 'book.json'), '--title', 'Book'])).stdout).toContain(
      'Record type "book" of "Catalogue" saved',
    );
    const badSchema = await cli(['record-type', 'create', 'acme/Catalogue', 'film', '--schema-file', path.join(dir, 'missing.json')]);
    expect(badSchema.code).toBe(2);
    expect(badSchema.stderr).toContain('cannot read');
    await withServer(async (url) => {
      const olga = await Api.login(url, 'olga', 'olga-password-1');
      const folder = await olga.json<{ id: string }>('/folders', { method: 'POST', json: { parent_id: space.root_folder_id, path: 'moby-dick' } });
      expect(folder.status).toBe(201);
      const good = await olga.json('/records', { method: 'POST', json: { folder_id: folder.body.id, type: 'book', data: { name: 'Moby-Dick', language: 'en', version: 3 } } });
      expect(good.status).toBe(201);
      const bad = await olga.json('/records', { method: 'POST', json: { folder_id: folder.body.id, type: 'book', data: { name: 'Moby-Dick', language: 'la' } } });
      expect(bad.status).toBe(400);
      const listed = await olga.json<{ items: { data: { name: string } }[]; total: number }>(`/spaces/${space.id}/records?type=book&field.language=en`);
      expect(listed.body.total).toBe(1);
      expect(listed.body.items[0]!.data.name).toBe('Moby-Dick');
    });

    // Deleting needs the handle repeated, then takes every space with it.
    const unconfirmed = await cli(['org', 'delete', 'acme', '--confirm', 'acm']);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toContain('confirm with its handle "acme"');
    expect((await ok(['org', 'delete', 'acme', '--confirm', 'acme'])).stdout).toContain('Deleted organisation acme and its 2 spaces');
    expect((JSON.parse((await ok(['org', 'list', '--json'])).stdout) as { slug: string }[]).map((o) => o.slug)).toEqual(['tenant-7']);
    expect((await ok(['audit', 'verify'])).stdout).toContain('every chain is intact');
  }, SLOW);
});
