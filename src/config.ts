import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * Every setting Parley reads, parsed once at start. Defaults run on a laptop with no account
 * anywhere; each one is listed in the README's configuration table.
 */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^(postgres(ql)?:\/\/|sqlite:)/, 'must start with postgres://, postgresql:// or sqlite:')
    .optional(),
  PARLEY_DATA_DIR: z.string().min(1).default('./data'),
  PARLEY_PUBLIC_URL: z.string().url().optional(),
  PARLEY_SECRET_KEY: z
    .string()
    .regex(/^[0-9a-f]{64}$/i, 'must be 64 hex characters (32 bytes)')
    .optional(),
  PARLEY_BLOB_STORE: z.enum(['fs', 'db']).optional(),
  PARLEY_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info'),
  PARLEY_BODY_LIMIT: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  PARLEY_UPLOAD_LIMIT: z.coerce
    .number()
    .int()
    .positive()
    .default(50 * 1024 * 1024),
  PARLEY_DB_POOL_SIZE: z.coerce.number().int().positive().default(10),
  PARLEY_DB_PREPARED_STATEMENTS: z.enum(['on', 'off']).default('on'),
  PARLEY_SQLITE_MMAP_MB: z.coerce.number().int().min(0).default(1024),
  PARLEY_TICKET_CACHE_MB: z.coerce.number().int().min(0).default(64),
  SLACK_CLIENT_ID: z.string().min(1).optional(),
  SLACK_CLIENT_SECRET: z.string().min(1).optional(),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_APP_TOKEN: z
    .string()
    .regex(/^xapp-/, 'must be an app-level token (xapp-…)')
    .optional(),
  PARLEY_SLACK_API_URL: z.string().url().optional(),
  PARLEY_SLACK_AUTHORIZE_URL: z.string().url().optional(),
  PARLEY_SLACK_FILE_HOSTS: z.string().min(1).default('files.slack.com'),
  PARLEY_SLACK_SANDBOX: z.enum(['auto', 'on', 'off']).default('auto'),
  PARLEY_SLACK_SOCKET_MODE: z.enum(['on', 'off']).default('off'),
  PARLEY_SLACK_PACE_INTERVAL_MS: z.coerce.number().int().min(0).max(600_000).default(1000),
  PARLEY_SLACK_PACE_BURST: z.coerce.number().int().min(1).max(100).default(3),
});

export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';

export type DatabaseConfig =
  | {
      kind: 'sqlite';
      file: string;
      /** Reads through a memory map of this many MiB of the file (0: read() calls). */
      mmapMb?: number;
    }
  | {
      kind: 'postgres';
      url: string;
      poolSize: number;
      /** Named prepared statements (off behind a pooler that cannot keep them, see README). */
      preparedStatements?: boolean;
    };

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  publicUrl: string;
  database: DatabaseConfig;
  secretKey: Buffer;
  blobStore: 'fs' | 'db';
  logLevel: string;
  bodyLimit: number;
  uploadLimit: number;
  /** MiB of rendered tickets kept for the next page that shows them (0: none). */
  ticketCacheMb: number;
  slack: SlackConfig;
}

export interface SlackConfig {
  /** The default Slack app, from SLACK_* variables; more apps can be added through the API. */
  app: {
    clientId: string;
    clientSecret: string;
    signingSecret: string;
    appToken: string | null;
  } | null;
  /** Run the built-in Slack sandbox and point the Slack client at it. */
  sandbox: boolean;
  /**
   * Sandbox mode only: the sandbox delivers events over Socket Mode and its app gets an
   * app-level token. With real Slack, an app's token (SLACK_APP_TOKEN, or `app_token` through
   * the API) is what turns Socket Mode on for that app.
   */
  socketMode: boolean;
  apiUrl: string;
  authorizeUrl: string;
  fileHosts: string[];
  /**
   * How fast Parley posts into one DM: Slack allows about one chat.postMessage a second per
   * channel (short bursts allowed) and answers 429 beyond. An interval of 0 turns pacing off.
   */
  pace: { intervalMs: number; burst: number };
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Reads or creates the secret key kept in the data directory when PARLEY_SECRET_KEY is unset. */
function secretKeyFromDataDir(dataDir: string): Buffer {
  const file = path.join(dataDir, 'secret.key');
  if (existsSync(file)) {
    const hex = readFileSync(file, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/i.test(hex)) throw new ConfigError([`${file} does not hold a 64-hex key`]);
    return Buffer.from(hex, 'hex');
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  // 0600: the key decrypts Slack tokens, so only the owner may read it.
  writeFileSync(file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  return key;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`),
    );
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.PARLEY_DATA_DIR);
  let database: DatabaseConfig;
  if (e.DATABASE_URL && !e.DATABASE_URL.startsWith('sqlite:')) {
    database = {
      kind: 'postgres',
      url: e.DATABASE_URL,
      poolSize: e.PARLEY_DB_POOL_SIZE,
      preparedStatements: e.PARLEY_DB_PREPARED_STATEMENTS === 'on',
    };
  } else {
    const file = e.DATABASE_URL?.slice('sqlite:'.length) || path.join(dataDir, 'parley.db');
    database = {
      kind: 'sqlite',
      file: file === ':memory:' ? file : path.resolve(file),
      mmapMb: e.PARLEY_SQLITE_MMAP_MB,
    };
  }
  const port = e.PORT;
  const slackVars = [e.SLACK_CLIENT_ID, e.SLACK_CLIENT_SECRET, e.SLACK_SIGNING_SECRET];
  if (slackVars.some(Boolean) && !slackVars.every(Boolean)) {
    throw new ConfigError([
      'SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET must be set together',
    ]);
  }
  const slackApp = e.SLACK_CLIENT_ID
    ? {
        clientId: e.SLACK_CLIENT_ID,
        clientSecret: e.SLACK_CLIENT_SECRET!,
        signingSecret: e.SLACK_SIGNING_SECRET!,
        appToken: e.SLACK_APP_TOKEN ?? null,
      }
    : null;
  // Without Slack credentials Parley talks to its own sandbox, so a laptop needs no account.
  const sandbox =
    e.PARLEY_SLACK_SANDBOX === 'on' || (e.PARLEY_SLACK_SANDBOX === 'auto' && !slackApp);
  const publicUrl = (e.PARLEY_PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  return {
    port,
    host: e.HOST,
    dataDir,
    publicUrl,
    database,
    secretKey: e.PARLEY_SECRET_KEY
      ? Buffer.from(e.PARLEY_SECRET_KEY, 'hex')
      : secretKeyFromDataDir(dataDir),
    // Several nodes cannot share a local disk, so PostgreSQL installs keep blobs in the database.
    blobStore: e.PARLEY_BLOB_STORE ?? (database.kind === 'postgres' ? 'db' : 'fs'),
    logLevel: e.PARLEY_LOG_LEVEL,
    bodyLimit: e.PARLEY_BODY_LIMIT,
    uploadLimit: e.PARLEY_UPLOAD_LIMIT,
    ticketCacheMb: e.PARLEY_TICKET_CACHE_MB,
    slack: {
      app: slackApp,
      sandbox,
      socketMode: e.PARLEY_SLACK_SOCKET_MODE === 'on',
      // In sandbox mode these are filled in at start, once the listening port is known.
      apiUrl: e.PARLEY_SLACK_API_URL ?? DEFAULT_SLACK_API_URL,
      authorizeUrl: e.PARLEY_SLACK_AUTHORIZE_URL ?? 'https://slack.com/oauth/v2/authorize',
      fileHosts: e.PARLEY_SLACK_FILE_HOSTS.split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
      pace: { intervalMs: e.PARLEY_SLACK_PACE_INTERVAL_MS, burst: e.PARLEY_SLACK_PACE_BURST },
    },
  };
}
