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
  /**
   * COFFER_S3_PRESIGNED_REDIRECT: a whole-file GET through a signed URL answers 302 to the store's
   * own presigned URL (the bytes then bypass Coffer; off by default, as the store must then be
   * reachable by whoever holds the signed URL).
   */
  presignedRedirect: boolean;
}

export interface PreviewConfig {
  /** COFFER_PREVIEWS: make previews of images, videos and PDFs. */
  enabled: boolean;
  /** Images with more pixels are refused before they are decoded. */
  maxPixels: number;
  timeoutSeconds: number;
  /** On S3, PDFs are copied to a temporary file to render their first page, up to this size. */
  maxPdfBytes: number;
  /** Previews one worker process makes at once. */
  concurrency: number;
}

export interface TextExtractionConfig {
  /** COFFER_TEXT_EXTRACTION_TIMEOUT_SECONDS: the longest one file's text may take to read; then its process is ended. */
  timeoutSeconds: number;
  /** COFFER_TEXT_EXTRACTION_MEMORY_MB: the heap the extraction process may grow to; then it is ended. */
  memoryMiB: number;
}

export interface JobsConfig {
  /** COFFER_WORKERS: whether `coffer serve` also runs jobs (false when `coffer worker` processes do). */
  inServer: boolean;
  pollMs: number;
  leaseSeconds: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** How often orphan blobs are collected and quota counters checked; 0 turns it off. */
  storageCheckIntervalSeconds: number;
  /** How long finished jobs stay visible to admins: done ones, and failed or cancelled ones. */
  keepDoneSeconds: number;
  keepFailedSeconds: number;
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
  /** HMAC key of the audit chains; when unset a random one is generated once and kept in the blob store. */
  auditKey: string | undefined;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  trashRetentionDays: number;
  /** Default quota for new users in bytes; null means unlimited. */
  defaultQuotaBytes: number | null;
  maxUploadBytes: number | null;
  /** COFFER_MAX_PATH_DEPTH: how many levels below a space's root a file or folder may lie. */
  maxPathDepth: number;
  /**
   * Time limits set on every PostgreSQL connection (milliseconds, 0 = none), so no request can
   * hold a space lock or a connection for long. PGlite has no timers inside a statement.
   */
  dbTimeouts: { statementMs: number; lockMs: number; idleInTransactionMs: number; jitOff: boolean };
  /** Sign-in throttling: attempts per IP per minute, and failures before a source must wait (growing delays). */
  loginRateLimit: { perIpPerMinute: number; failuresPerAccountAndIp: number; failuresPerIp: number };
  logLevel: string;
  trustProxy: boolean;
  /** How long an unreferenced blob may exist before it is treated as garbage (crash leftovers). */
  blobGraceSeconds: number;
  /** COFFER_UPLOAD_EXPIRY: seconds an unfinished resumable upload is kept after its last append. */
  uploadExpirySeconds: number;
  /** How often the maintenance jobs (trash purge, folder expiry, expired locks and signed URLs) run; 0 turns them off. */
  maintenanceIntervalSeconds: number;
  /** The job queue's workers. */
  jobs: JobsConfig;
  previews: PreviewConfig;
  /** Reading files' text for content search, in a process of its own. */
  textExtraction: TextExtractionConfig;
  /** How often a server seals audit events still pending (another server's, after a crash); 0 turns the sweep off. */
  auditSealSweepMs: number;
  /** The built web app (web/dist) served at /; undefined when not built. */
  webDir: string | undefined;
  /**
   * COFFER_CONTENT_ORIGIN, e.g. https://usercontent.example.net: a separate origin that serves
   * only file content (file links point there); undefined = content is served on the main origin.
   */
  contentOrigin: URL | undefined;
  dav: {
    /** A second listener serving WebDAV at the root of its own host; undefined = none. */
    port: number | undefined;
    /** Active WebDAV devices (app password + client) per user. */
    maxProtocolSessions: number;
  };
  /** GET /metrics: on the main listener only with a bearer token; or on a listener of its own. */
  metrics: {
    /** COFFER_METRICS_TOKEN; undefined = /metrics is not served on the main listener (404). */
    token: string | undefined;
    /** COFFER_METRICS_PORT: a separate plain listener serving /metrics, /healthz and /readyz; undefined = none. */
    port: number | undefined;
    host: string;
  };
  /** How long a client may take to send a request (slow-client limits), on every listener. */
  requestLimits: {
    /** The request line and headers must arrive within this many ms. */
    headersTimeoutMs: number;
    /** A body that sends nothing for this long is cut (408); 0 = off. */
    bodyIdleTimeoutMs: number;
    /** A body averaging fewer bytes/s than this over bodyRateWindowMs is cut (408); 0 = off. */
    bodyMinBytesPerSecond: number;
    bodyRateWindowMs: number;
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
    presignedRedirect: readBool(env, 'COFFER_S3_PRESIGNED_REDIRECT', false),
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
  const auditKey = env.COFFER_AUDIT_KEY || undefined;
  if (auditKey !== undefined && auditKey.length < 32) {
    throw new ConfigError('COFFER_AUDIT_KEY', 'must be at least 32 characters long');
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
    auditKey,
    accessTokenTtlSeconds: readInt(env, 'COFFER_ACCESS_TOKEN_TTL', 15 * 60, 10, 24 * 3600),
    refreshTokenTtlSeconds: readInt(env, 'COFFER_REFRESH_TOKEN_TTL', 30 * 24 * 3600, 60, 365 * 24 * 3600),
    trashRetentionDays: readInt(env, 'COFFER_TRASH_RETENTION_DAYS', 30, 0, 36500),
    defaultQuotaBytes: readSize(env, 'COFFER_DEFAULT_QUOTA'),
    maxUploadBytes: readSize(env, 'COFFER_MAX_UPLOAD_SIZE'),
    maxPathDepth: readInt(env, 'COFFER_MAX_PATH_DEPTH', 100, 1, 1000),
    dbTimeouts: {
      statementMs: readInt(env, 'COFFER_DB_STATEMENT_TIMEOUT', 30_000, 0, 24 * 3600_000),
      lockMs: readInt(env, 'COFFER_DB_LOCK_TIMEOUT', 10_000, 0, 24 * 3600_000),
      idleInTransactionMs: readInt(env, 'COFFER_DB_IDLE_IN_TRANSACTION_TIMEOUT', 60_000, 0, 24 * 3600_000),
      jitOff: !readBool(env, 'COFFER_DB_JIT', false),
    },
    loginRateLimit: {
      perIpPerMinute: readInt(env, 'COFFER_LOGIN_RATE_PER_IP', 30, 1, 1_000_000),
      failuresPerAccountAndIp: readInt(env, 'COFFER_LOGIN_FAILURES_PER_ACCOUNT', 5, 1, 1_000_000),
      failuresPerIp: readInt(env, 'COFFER_LOGIN_FAILURES_PER_IP', 50, 1, 1_000_000),
    },
    logLevel,
    trustProxy: readBool(env, 'COFFER_TRUST_PROXY', false),
    blobGraceSeconds: readInt(env, 'COFFER_BLOB_GRACE_SECONDS', 3600, 0, 30 * 24 * 3600),
    maintenanceIntervalSeconds: readInt(env, 'COFFER_MAINTENANCE_INTERVAL', 3600, 0, 7 * 24 * 3600),
    uploadExpirySeconds: readInt(env, 'COFFER_UPLOAD_EXPIRY', 86_400, 1, 30 * 24 * 3600),
    jobs: {
      inServer: readBool(env, 'COFFER_WORKERS', true),
      pollMs: readInt(env, 'COFFER_JOBS_POLL_MS', 1000, 10, 600_000),
      leaseSeconds: readInt(env, 'COFFER_JOBS_LEASE_SECONDS', 60, 1, 24 * 3600),
      retryBaseMs: readInt(env, 'COFFER_JOBS_RETRY_BASE_MS', 30_000, 1, 24 * 3600_000),
      retryMaxMs: readInt(env, 'COFFER_JOBS_RETRY_MAX_MS', 3600_000, 1, 7 * 24 * 3600_000),
      storageCheckIntervalSeconds: readInt(env, 'COFFER_STORAGE_CHECK_INTERVAL', 86_400, 0, 30 * 24 * 3600),
      keepDoneSeconds: readInt(env, 'COFFER_JOBS_KEEP_DONE_SECONDS', 86_400, 0, 365 * 24 * 3600),
      keepFailedSeconds: readInt(env, 'COFFER_JOBS_KEEP_FAILED_SECONDS', 14 * 86_400, 0, 365 * 24 * 3600),
    },
    previews: {
      enabled: readBool(env, 'COFFER_PREVIEWS', true),
      maxPixels: readInt(env, 'COFFER_PREVIEW_MAX_PIXELS', 100_000_000, 1, 2_000_000_000),
      timeoutSeconds: readInt(env, 'COFFER_PREVIEW_TIMEOUT_SECONDS', 60, 1, 3600),
      maxPdfBytes: readInt(env, 'COFFER_PREVIEW_MAX_PDF_BYTES', 512 << 20, 0, Number.MAX_SAFE_INTEGER),
      concurrency: readInt(env, 'COFFER_PREVIEW_CONCURRENCY', 2, 1, 64),
    },
    textExtraction: {
      timeoutSeconds: readInt(env, 'COFFER_TEXT_EXTRACTION_TIMEOUT_SECONDS', 30, 1, 3600),
      memoryMiB: readInt(env, 'COFFER_TEXT_EXTRACTION_MEMORY_MB', 256, 16, 65_536),
    },
    auditSealSweepMs: readInt(env, 'COFFER_AUDIT_SEAL_SWEEP_MS', 1000, 0, 3_600_000),
    webDir: readWebDir(env),
    contentOrigin: readContentOrigin(env),
    dav: {
      port: env.COFFER_DAV_PORT ? readInt(env, 'COFFER_DAV_PORT', 0, 0, 65535) : undefined,
      maxProtocolSessions: readInt(env, 'COFFER_MAX_PROTOCOL_SESSIONS', 5, 1, 10_000),
    },
    metrics: readMetrics(env),
    requestLimits: {
      headersTimeoutMs: readInt(env, 'COFFER_HEADERS_TIMEOUT', 60, 1, 3600) * 1000,
      bodyIdleTimeoutMs: readInt(env, 'COFFER_BODY_IDLE_TIMEOUT', 60, 0, 24 * 3600) * 1000,
      bodyMinBytesPerSecond: readInt(env, 'COFFER_BODY_MIN_RATE', 500, 0, 1_000_000_000),
      bodyRateWindowMs: readInt(env, 'COFFER_BODY_RATE_WINDOW', 60, 1, 24 * 3600) * 1000,
    },
  };
}

function readContentOrigin(env: Env): URL | undefined {
  const raw = env.COFFER_CONTENT_ORIGIN || undefined;
  if (raw === undefined) return undefined;
  const explain = `must be an origin such as https://usercontent.example.net (scheme and host, no path), got "${raw}"`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('COFFER_CONTENT_ORIGIN', explain);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || url.search || url.hash || url.pathname !== '/' || raw.replace(/\/$/, '').toLowerCase() !== url.origin) {
    throw new ConfigError('COFFER_CONTENT_ORIGIN', explain);
  }
  return url;
}

function readMetrics(env: Env): CofferConfig['metrics'] {
  const token = env.COFFER_METRICS_TOKEN || undefined;
  if (token !== undefined && token.length < 16) throw new ConfigError('COFFER_METRICS_TOKEN', 'must be at least 16 characters long');
  return {
    token,
    port: env.COFFER_METRICS_PORT ? readInt(env, 'COFFER_METRICS_PORT', 0, 0, 65535) : undefined,
    host: env.COFFER_METRICS_HOST || '127.0.0.1',
  };
}
