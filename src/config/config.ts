import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseByteSize } from '../util/bytes.js';

/** Raised when the environment holds a value Coffer cannot start with; names the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`Invalid configuration: ${variable} ${message}`);
    this.name = 'ConfigError';
  }
}

export interface S3Config {
  endpoint: string | undefined;
  bucket: string;
  region: string;
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
  forcePathStyle: boolean;
  /** Prefix inside the bucket, so one bucket can hold several installations. */
  prefix: string;
  /** COFFER_S3_CREATE_BUCKET: create the bucket at start when it does not exist. */
  createBucket: boolean;
  /** COFFER_S3_REDIRECT_MIN_BYTES: API downloads asking `redirect=true` at least this big go to a presigned URL. */
  redirectMinBytes: number;
}

export interface CofferConfig {
  host: string;
  port: number;
  dataDir: string;
  /** PostgreSQL connection string; undefined means embedded PGlite in `${dataDir}/db`. */
  databaseUrl: string | undefined;
  /** S3 settings; undefined means blobs on local disk in `${dataDir}/blobs`. */
  s3: S3Config | undefined;
  fsync: boolean;
  adminPassword: string | undefined;
  /** HMAC secret for access tokens; when unset a random one is generated and kept in the database. */
  jwtSecret: string | undefined;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  trashRetentionDays: number;
  /** Default quota for new users in bytes; null means unlimited. */
  defaultQuotaBytes: number | null;
  maxUploadBytes: number | null;
  loginRateLimit: { perIpPerMinute: number; perAccountFailuresPer15Min: number };
  logLevel: string;
  trustProxy: boolean;
  /** How long an unreferenced blob may exist before it is treated as garbage (crash leftovers). */
  blobGraceSeconds: number;
  /** How often the maintenance task (trash purge, blob GC) runs; 0 turns it off. */
  maintenanceIntervalSeconds: number;
  /** The built web app (web/dist) served at /; undefined when not built. */
  webDir: string | undefined;
  dav: {
    /** A second listener serving WebDAV at the root of its own host; undefined = none. */
    port: number | undefined;
    /** Active WebDAV devices (app password + client) per user. */
    maxProtocolSessions: number;
  };
}

type Env = Record<string, string | undefined>;

function readInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(name, `must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return n;
}

function readBool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function readSize(env: Env, name: string): number | null {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw.toLowerCase() === 'unlimited') return null;
  const n = parseByteSize(raw);
  if (n === null) throw new ConfigError(name, `must be a size such as 10GB, 500MiB or unlimited, got "${raw}"`);
  return n;
}

function readS3(env: Env): S3Config | undefined {
  const keys = Object.keys(env).filter((k) => k.startsWith('COFFER_S3_') && env[k] !== '');
  if (keys.length === 0) return undefined;
  const bucket = env.COFFER_S3_BUCKET;
  if (!bucket) throw new ConfigError('COFFER_S3_BUCKET', 'is required when any COFFER_S3_* variable is set');
  const endpoint = env.COFFER_S3_ENDPOINT || undefined;
  if (endpoint !== undefined && !z.url({ protocol: /^https?$/ }).safeParse(endpoint).success) {
    throw new ConfigError('COFFER_S3_ENDPOINT', `must be a URL such as https://s3.example.com, got "${endpoint}"`);
  }
  const accessKeyId = env.COFFER_S3_ACCESS_KEY_ID || undefined;
  const secretAccessKey = env.COFFER_S3_SECRET_ACCESS_KEY || undefined;
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new ConfigError(
      accessKeyId === undefined ? 'COFFER_S3_ACCESS_KEY_ID' : 'COFFER_S3_SECRET_ACCESS_KEY',
      'must be set together with its pair (access key id and secret access key)',
    );
  }
  return {
    endpoint,
    bucket,
    region: env.COFFER_S3_REGION || 'us-east-1',
    accessKeyId,
    secretAccessKey,
    forcePathStyle: readBool(env, 'COFFER_S3_FORCE_PATH_STYLE', endpoint !== undefined),
    prefix: (env.COFFER_S3_PREFIX ?? '').replace(/^\/+|\/+$/g, ''),
    createBucket: readBool(env, 'COFFER_S3_CREATE_BUCKET', false),
    redirectMinBytes: readSize(env, 'COFFER_S3_REDIRECT_MIN_BYTES') ?? 1024 * 1024,
  };
}

/** COFFER_WEB_DIR, else the web workspace's build next to this package; undefined if not built. */
function readWebDir(env: Env): string | undefined {
  const configured = env.COFFER_WEB_DIR;
  if (configured) {
    const dir = path.resolve(configured);
    if (!fs.existsSync(path.join(dir, 'index.html'))) throw new ConfigError('COFFER_WEB_DIR', `(${dir}) has no index.html; build the web app with "npm run build"`);
    return dir;
  }
  // Run from src/ (tsx, tests) or from dist/src/ (npm start): the workspace sits at the package root.
  for (const up of ['../../web/dist/', '../../../web/dist/']) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    if (fs.existsSync(path.join(dir, 'index.html'))) return dir;
  }
  return undefined;
}

export function loadConfig(env: Env = process.env): CofferConfig {
  const dataDir = path.resolve(env.COFFER_DATA_DIR || './data');
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'must start with postgres:// or postgresql://');
  }
  const jwtSecret = env.COFFER_JWT_SECRET || undefined;
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    throw new ConfigError('COFFER_JWT_SECRET', 'must be at least 32 characters long');
  }
  const logLevel = env.LOG_LEVEL || 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of fatal, error, warn, info, debug, trace, silent; got "${logLevel}"`);
  }
  const adminPassword = env.COFFER_ADMIN_PASSWORD || undefined;
  if (adminPassword !== undefined && adminPassword.length < 8) {
    throw new ConfigError('COFFER_ADMIN_PASSWORD', 'must be at least 8 characters long');
  }
  return {
    host: env.HOST || '127.0.0.1',
    port: readInt(env, 'PORT', 8080, 0, 65535),
    dataDir,
    databaseUrl,
    s3: readS3(env),
    fsync: readBool(env, 'COFFER_FSYNC', true),
    adminPassword,
    jwtSecret,
    accessTokenTtlSeconds: readInt(env, 'COFFER_ACCESS_TOKEN_TTL', 15 * 60, 10, 24 * 3600),
    refreshTokenTtlSeconds: readInt(env, 'COFFER_REFRESH_TOKEN_TTL', 30 * 24 * 3600, 60, 365 * 24 * 3600),
    trashRetentionDays: readInt(env, 'COFFER_TRASH_RETENTION_DAYS', 30, 0, 36500),
    defaultQuotaBytes: readSize(env, 'COFFER_DEFAULT_QUOTA'),
    maxUploadBytes: readSize(env, 'COFFER_MAX_UPLOAD_SIZE'),
    loginRateLimit: {
      perIpPerMinute: readInt(env, 'COFFER_LOGIN_RATE_PER_IP', 30, 1, 1_000_000),
      perAccountFailuresPer15Min: readInt(env, 'COFFER_LOGIN_FAILURES_PER_ACCOUNT', 10, 1, 1_000_000),
    },
    logLevel,
    trustProxy: readBool(env, 'COFFER_TRUST_PROXY', false),
    blobGraceSeconds: readInt(env, 'COFFER_BLOB_GRACE_SECONDS', 3600, 0, 30 * 24 * 3600),
    maintenanceIntervalSeconds: readInt(env, 'COFFER_MAINTENANCE_INTERVAL', 3600, 0, 7 * 24 * 3600),
    webDir: readWebDir(env),
    dav: {
      port: env.COFFER_DAV_PORT ? readInt(env, 'COFFER_DAV_PORT', 0, 0, 65535) : undefined,
      maxProtocolSessions: readInt(env, 'COFFER_MAX_PROTOCOL_SESSIONS', 5, 1, 10_000),
    },
  };
}
