import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { mkdirPrivateSync, PRIVATE_FILE_MODE } from './private-files.ts';

/** A web session ends 14 days after sign-in however busy it is (the idle limit ends it sooner). */
export const SESSION_MAX_MINUTES = 14 * 24 * 60;

/** Which proxies' X-Forwarded-* headers Parley believes, in the forms Fastify's trustProxy takes. */
export type TrustProxy = boolean | string[];

const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrRange(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const [address = '', bits, ...rest] = entry.split('/'); // split gives one part at least
  const family = net.isIP(address);
  if (!family || rest.length) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/**
 * `off` (the default): X-Forwarded-For, -Proto and -Host are ignored, since any client could
 * send them. `on` believes whoever connects (only when nothing but the proxy can reach
 * Parley); a list believes only proxies at those addresses. No hop count: Fastify 5 trusts no
 * proxy at all for one, as it cannot tell the proxy from a client that sends enough hops.
 */
function parseTrustProxy(value: string): TrustProxy | null {
  const lower = value.toLowerCase();
  if (lower === 'off' || lower === '') return false;
  if (lower === 'on') return true;
  const entries = lower
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  return entries.length > 0 && entries.every(isAddressOrRange) ? entries : null;
}

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
  // Zendesk's locale names for the two languages Parley speaks (en-US, en-GB, it, it-IT…).
  PARLEY_DEFAULT_LOCALE: z
    .string()
    .regex(/^(en|it)(-[A-Za-z]{2})?$/, 'must be an English or Italian locale, e.g. en-US or it')
    .default('en-US'),
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
  PARLEY_TRUST_PROXY: z
    .string()
    .trim()
    .default('off')
    .transform((v, ctx) => {
      const parsed = parseTrustProxy(v);
      if (parsed === null) {
        ctx.addIssue({
          code: 'custom',
          message:
            'must be off, on, or a comma-separated list of proxy addresses or CIDR ranges (loopback, linklocal and uniquelocal name those ranges)',
        });
        return z.NEVER;
      }
      return parsed;
    }),
  PARLEY_SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(5)
    .max(SESSION_MAX_MINUTES)
    .default(8 * 60),
  PARLEY_SLACK_SANDBOX_OPEN: z.enum(['on', 'off']).default('off'),
  PARLEY_SLACK_SANDBOX_SECRET: z
    .string()
    .regex(/^[\w.~-]{16,200}$/, 'must be 16 to 200 letters, digits, or . _ ~ -')
    .optional(),
  PARLEY_SLACK_PACE_INTERVAL_MS: z.coerce.number().int().min(0).max(600_000).default(1000),
  PARLEY_SLACK_PACE_BURST: z.coerce.number().int().min(1).max(100).default(3),
  // Zendesk runs automations hourly; a shorter period only makes them notice sooner.
  PARLEY_AUTOMATION_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(1440).default(60),
  PARLEY_WEBHOOK_ALLOW_PRIVATE: z.enum(['on', 'off']).default('off'),
  PARLEY_SMTP_URL: z
    .string()
    .url()
    .regex(/^smtps?:\/\//i, 'must start with smtp:// or smtps://')
    .optional(),
  PARLEY_SMTP_FROM: z.string().trim().min(3).max(300).default('Parley <parley@localhost>'),
  // Requests per minute: per signed-in user on /api/v2, and per client address on each door
  // anyone may knock at (sign-in, setup, Slack install and OAuth redirect). 0 turns one off.
  PARLEY_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(2500),
  PARLEY_PUBLIC_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(120),
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
  /** The desk's language where no person's is known, e.g. an inbound Slack ticket's subject. */
  defaultLocale: string;
  /** MiB of rendered tickets kept for the next page that shows them (0: none). */
  ticketCacheMb: number;
  /** Proxies whose X-Forwarded-For/-Proto/-Host Parley believes (Fastify's trustProxy). */
  trustProxy: TrustProxy;
  /** A web session unused this long is over (besides its 14-day limit). */
  sessionIdleMinutes: number;
  /** How often the automations run (Zendesk: every hour). */
  automationIntervalMinutes: number;
  slack: SlackConfig;
  webhooks: {
    /**
     * Webhooks may call private, loopback and link-local addresses
     * (PARLEY_WEBHOOK_ALLOW_PRIVATE=on): off by default, since a webhook could otherwise reach
     * this machine, its network or a cloud's metadata service (SSRF).
     */
    allowPrivate: boolean;
  };
  /**
   * Email for rule notifications (PARLEY_SMTP_URL, PARLEY_SMTP_FROM); null sends none. The URL
   * holds the SMTP password: it is handed to the mailer and never logged.
   */
  smtp: { url: string; from: string } | null;
  /**
   * Request rate limits, per minute (0: off). `perUser` caps each signed-in user's /api/v2
   * requests, as Zendesk's API limit does (set far above what people clicking, or an ordinary
   * integration, ever send); `publicPerAddress` caps each client address on each
   * unauthenticated door. `perUser` counts in each node's memory (the limit is per node);
   * `publicPerAddress` counts in the database on PostgreSQL (all nodes together), in memory on
   * SQLite (one node).
   */
  rateLimits: { perUser: number; publicPerAddress: number };
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
  /**
   * The sandbox answers clients other than this machine (PARLEY_SLACK_SANDBOX_OPEN=on). Off by
   * default: it hands out tokens and shows every DM to whoever can reach it.
   */
  sandboxOpen: boolean;
  /**
   * The sandbox control API's secret, for scripts that run Parley as a separate process
   * (PARLEY_SLACK_SANDBOX_SECRET); by default a new random one at each start.
   */
  sandboxSecret: string | null;
  apiUrl: string;
  authorizeUrl: string;
  /**
   * Where file downloads may go: `host[:port]` entries allow every path on that host (Slack's
   * files.slack.com), `host[:port]/path/` entries only URLs under that path (the sandbox's
   * files on Parley's own port).
   */
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
  mkdirPrivateSync(dataDir);
  const key = randomBytes(32);
  // 0600: the key decrypts Slack tokens, so only the owner may read it.
  writeFileSync(file, key.toString('hex') + '\n', { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  chmodSync(file, PRIVATE_FILE_MODE);
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
    defaultLocale: e.PARLEY_DEFAULT_LOCALE,
    ticketCacheMb: e.PARLEY_TICKET_CACHE_MB,
    trustProxy: e.PARLEY_TRUST_PROXY,
    sessionIdleMinutes: e.PARLEY_SESSION_IDLE_MINUTES,
    automationIntervalMinutes: e.PARLEY_AUTOMATION_INTERVAL_MINUTES,
    slack: {
      app: slackApp,
      sandbox,
      socketMode: e.PARLEY_SLACK_SOCKET_MODE === 'on',
      sandboxOpen: e.PARLEY_SLACK_SANDBOX_OPEN === 'on',
      sandboxSecret: e.PARLEY_SLACK_SANDBOX_SECRET ?? null,
      // In sandbox mode these are filled in at start, once the listening port is known.
      apiUrl: e.PARLEY_SLACK_API_URL ?? DEFAULT_SLACK_API_URL,
      authorizeUrl: e.PARLEY_SLACK_AUTHORIZE_URL ?? 'https://slack.com/oauth/v2/authorize',
      fileHosts: e.PARLEY_SLACK_FILE_HOSTS.split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
      pace: { intervalMs: e.PARLEY_SLACK_PACE_INTERVAL_MS, burst: e.PARLEY_SLACK_PACE_BURST },
    },
    webhooks: { allowPrivate: e.PARLEY_WEBHOOK_ALLOW_PRIVATE === 'on' },
    smtp: e.PARLEY_SMTP_URL ? { url: e.PARLEY_SMTP_URL, from: e.PARLEY_SMTP_FROM } : null,
    rateLimits: {
      perUser: e.PARLEY_RATE_LIMIT_PER_MINUTE,
      publicPerAddress: e.PARLEY_PUBLIC_RATE_LIMIT_PER_MINUTE,
    },
  };
}
