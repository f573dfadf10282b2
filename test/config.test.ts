import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.js';
import { runCli } from './helpers/cli.js';
import { startTestServer } from './helpers/server.js';

/** Runs loadConfig(env) and returns the ConfigError it must throw. */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

function expectRefused(env: Record<string, string>, variable: string) {
  const err = configError(env);
  expect(err.variable).toBe(variable);
  expect(err.message).toContain(variable);
}

describe('configuration from the environment', () => {
  it('has working defaults: 127.0.0.1:8080, ./data, PGlite, local blobs, durable writes', () => {
    const c = loadConfig({});
    expect(c.host).toBe('127.0.0.1');
    expect(c.port).toBe(8080);
    expect(c.dataDir).toBe(path.resolve('./data'));
    expect(c.databaseUrl).toBeUndefined();
    expect(c.s3).toBeUndefined();
    expect(c.fsync).toBe(true);
    expect(c.adminPassword).toBeUndefined();
    expect(c.accessTokenTtlSeconds).toBe(900);
    expect(c.refreshTokenTtlSeconds).toBe(30 * 24 * 3600);
    expect(c.trashRetentionDays).toBe(30);
    expect(c.defaultQuotaBytes).toBeNull();
    expect(c.loginRateLimit.perIpPerMinute).toBeGreaterThan(0);
    expect(c.loginRateLimit).toEqual({ perIpPerMinute: 30, failuresPerAccountAndIp: 5, failuresPerIp: 50 });
    // Empty values count as unset.
    expect(loadConfig({ PORT: '', HOST: '', DATABASE_URL: '', COFFER_FSYNC: '' })).toMatchObject({ port: 8080, host: '127.0.0.1', databaseUrl: undefined, fsync: true });
  });

  it('reads HOST, PORT, COFFER_DATA_DIR, DATABASE_URL, COFFER_FSYNC and the S3 variables', () => {
    const c = loadConfig({
      HOST: '0.0.0.0',
      PORT: '9090',
      COFFER_DATA_DIR: '/srv/coffer',
      DATABASE_URL: 'postgresql://coffer:secret@db:5432/coffer',
      COFFER_FSYNC: 'false',
      COFFER_S3_ENDPOINT: 'http://127.0.0.1:9000',
      COFFER_S3_BUCKET: 'coffer',
      COFFER_S3_REGION: 'eu-west-1',
      COFFER_S3_ACCESS_KEY_ID: 'AKIA',
      COFFER_S3_SECRET_ACCESS_KEY: 'secret',
      COFFER_S3_FORCE_PATH_STYLE: 'no',
      COFFER_DEFAULT_QUOTA: '10GB',
      COFFER_LOGIN_RATE_PER_IP: '5',
      COFFER_LOGIN_FAILURES_PER_ACCOUNT: '3',
      COFFER_LOGIN_FAILURES_PER_IP: '7',
    });
    expect(c).toMatchObject({ host: '0.0.0.0', port: 9090, dataDir: '/srv/coffer', databaseUrl: 'postgresql://coffer:secret@db:5432/coffer', fsync: false });
    expect(c.s3).toMatchObject({ endpoint: 'http://127.0.0.1:9000', bucket: 'coffer', region: 'eu-west-1', accessKeyId: 'AKIA', secretAccessKey: 'secret', forcePathStyle: false });
    expect(c.defaultQuotaBytes).toBeGreaterThanOrEqual(10_000_000_000);
    expect(c.loginRateLimit).toEqual({ perIpPerMinute: 5, failuresPerAccountAndIp: 3, failuresPerIp: 7 });
    // An endpoint turns path-style addressing on unless told otherwise (MinIO, s3rver).
    expect(loadConfig({ COFFER_S3_ENDPOINT: 'https://minio.local', COFFER_S3_BUCKET: 'b' }).s3?.forcePathStyle).toBe(true);
    // Without an endpoint it is AWS, virtual-hosted style, credentials from the SDK's chain.
    expect(loadConfig({ COFFER_S3_BUCKET: 'b' }).s3).toMatchObject({ endpoint: undefined, forcePathStyle: false, accessKeyId: undefined, region: 'us-east-1' });
  });

  it('refuses an invalid PORT, naming it', () => {
    for (const port of ['abc', '70000', '-1', '80.5', 'eighty']) expectRefused({ PORT: port }, 'PORT');
  });

  it('refuses a DATABASE_URL that is not PostgreSQL', () => {
    for (const url of ['mysql://root@localhost/coffer', 'localhost:5432', 'sqlite:///tmp/x.db']) expectRefused({ DATABASE_URL: url }, 'DATABASE_URL');
  });

  it('refuses a COFFER_S3_ENDPOINT that is not an http(s) URL', () => {
    for (const endpoint of ['not a url', 's3.example.com', 'localhost:9000', 'ftp://s3.example.com']) {
      expectRefused({ COFFER_S3_ENDPOINT: endpoint, COFFER_S3_BUCKET: 'coffer' }, 'COFFER_S3_ENDPOINT');
    }
  });

  it('refuses half an S3 key pair, naming the missing half', () => {
    expectRefused({ COFFER_S3_BUCKET: 'b', COFFER_S3_ACCESS_KEY_ID: 'AKIA' }, 'COFFER_S3_SECRET_ACCESS_KEY');
    expectRefused({ COFFER_S3_BUCKET: 'b', COFFER_S3_SECRET_ACCESS_KEY: 'secret' }, 'COFFER_S3_ACCESS_KEY_ID');
  });

  it('refuses S3 settings without a bucket', () => {
    expectRefused({ COFFER_S3_ENDPOINT: 'http://127.0.0.1:9000' }, 'COFFER_S3_BUCKET');
  });

  it('refuses a boolean that is neither true nor false', () => {
    expectRefused({ COFFER_FSYNC: 'maybe' }, 'COFFER_FSYNC');
    expectRefused({ COFFER_S3_BUCKET: 'b', COFFER_S3_FORCE_PATH_STYLE: 'sometimes' }, 'COFFER_S3_FORCE_PATH_STYLE');
    for (const yes of ['true', 'TRUE', '1', 'yes', 'on']) expect(loadConfig({ COFFER_FSYNC: yes }).fsync).toBe(true);
    for (const no of ['false', '0', 'no', 'off']) expect(loadConfig({ COFFER_FSYNC: no }).fsync).toBe(false);
  });

  it('refuses other invalid values, each naming its variable', () => {
    expectRefused({ COFFER_DEFAULT_QUOTA: 'lots' }, 'COFFER_DEFAULT_QUOTA');
    expectRefused({ COFFER_TRASH_RETENTION_DAYS: '-3' }, 'COFFER_TRASH_RETENTION_DAYS');
    expectRefused({ COFFER_LOGIN_RATE_PER_IP: '0' }, 'COFFER_LOGIN_RATE_PER_IP');
    expectRefused({ COFFER_LOGIN_FAILURES_PER_ACCOUNT: 'ten' }, 'COFFER_LOGIN_FAILURES_PER_ACCOUNT');
    expectRefused({ COFFER_LOGIN_FAILURES_PER_IP: '0' }, 'COFFER_LOGIN_FAILURES_PER_IP');
    expectRefused({ LOG_LEVEL: 'loud' }, 'LOG_LEVEL');
    expectRefused({ COFFER_JWT_SECRET: 'too-short' }, 'COFFER_JWT_SECRET');
    expectRefused({ COFFER_ADMIN_PASSWORD: 'short' }, 'COFFER_ADMIN_PASSWORD');
  });

  it('stops `coffer serve` with a message naming the variable', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-config-'));
    try {
      const [port, db] = await Promise.all([
        runCli(['serve'], { PORT: 'abc', COFFER_DATA_DIR: dataDir }),
        runCli(['serve'], { DATABASE_URL: 'mysql://root@localhost/coffer', COFFER_DATA_DIR: dataDir, PORT: '0' }),
      ]);
      expect(port.code).not.toBe(0);
      expect(port.code).not.toBeNull();
      expect(port.stderr).toContain('PORT');
      expect(port.stderr).toContain('abc');
      expect(db.code).not.toBe(0);
      expect(db.code).not.toBeNull();
      expect(db.stderr).toContain('DATABASE_URL');
      // It stopped before touching anything.
      expect(fs.readdirSync(dataDir)).toEqual([]);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('first start', () => {
  it('creates `admin` with a generated password when none is configured, once', async () => {
    const first = await startTestServer({ COFFER_ADMIN_PASSWORD: '' }, { keepData: true });
    let second: Awaited<ReturnType<typeof startTestServer>> | undefined;
    let firstOpen = true;
    try {
      const generated = first.generatedAdminPassword;
      expect(generated).toBeTruthy();
      expect(generated!.length).toBeGreaterThanOrEqual(12);
      const login = async (base: string, password: string) =>
        fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
      const ok = await login(first.url, generated!);
      expect(ok.status).toBe(200);
      const token = ((await ok.json()) as { access_token: string }).access_token;
      const me = await fetch(`${first.url}/api/v1/account`, { headers: { authorization: `Bearer ${token}` } });
      expect(((await me.json()) as { user: { username: string; role: string } }).user).toMatchObject({ username: 'admin', role: 'admin' });
      expect((await login(first.url, 'admin-password-for-tests')).status).toBe(401);
      await first.close();
      firstOpen = false;

      // A second start on the same data creates nothing and prints no password.
      second = await startTestServer({ ...first.env, COFFER_ADMIN_PASSWORD: '' });
      expect(second.generatedAdminPassword).toBeUndefined();
      const again = await login(second.url, generated!);
      expect(again.status).toBe(200);
      const admins = await second.core.db.selectFrom('users').select(['username', 'role']).execute();
      expect(admins).toEqual([{ username: 'admin', role: 'admin' }]);
    } finally {
      if (firstOpen) await first.close();
      await second?.close();
      await first.removeData();
    }
  });

  it('uses COFFER_ADMIN_PASSWORD when it is set and reports no generated password', async () => {
    const server = await startTestServer({ COFFER_ADMIN_PASSWORD: 'configured-admin-pw' });
    try {
      expect(server.generatedAdminPassword).toBeUndefined();
      const res = await fetch(`${server.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: 'configured-admin-pw' }),
      });
      expect(res.status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
