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
});

export type DatabaseConfig =
  { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; poolSize: number };

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
    database = { kind: 'postgres', url: e.DATABASE_URL, poolSize: e.PARLEY_DB_POOL_SIZE };
  } else {
    const file = e.DATABASE_URL?.slice('sqlite:'.length) || path.join(dataDir, 'parley.db');
    database = { kind: 'sqlite', file: file === ':memory:' ? file : path.resolve(file) };
  }
  const port = e.PORT;
  return {
    port,
    host: e.HOST,
    dataDir,
    publicUrl: (e.PARLEY_PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    database,
    secretKey: e.PARLEY_SECRET_KEY
      ? Buffer.from(e.PARLEY_SECRET_KEY, 'hex')
      : secretKeyFromDataDir(dataDir),
    // Several nodes cannot share a local disk, so PostgreSQL installs keep blobs in the database.
    blobStore: e.PARLEY_BLOB_STORE ?? (database.kind === 'postgres' ? 'db' : 'fs'),
    logLevel: e.PARLEY_LOG_LEVEL,
    bodyLimit: e.PARLEY_BODY_LIMIT,
    uploadLimit: e.PARLEY_UPLOAD_LIMIT,
  };
}
