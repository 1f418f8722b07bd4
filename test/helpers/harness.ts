import { chmodSync, constants, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { createApiToken } from '../../src/desk/api-tokens.ts';
import { hashPassword } from '../../src/desk/passwords.ts';
import type { SignInLimits } from '../../src/desk/sign-in-throttle.ts';
import { nowIso } from '../../src/desk/time.ts';
import { createUser } from '../../src/desk/users.ts';
import { createLogger } from '../../src/log.ts';
import { type Parley, startParley } from '../../src/server.ts';
import { createTestDatabase, freePort, startEmbeddedPostgres } from './postgres.ts';
import { postgresTemplate, sqliteTemplate } from './templates.ts';

export type DbKind = 'sqlite' | 'postgres';
export const DB_KINDS: DbKind[] = ['sqlite', 'postgres'];

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  /** Basic credentials `email/token:TOKEN` or `email:password`; null sends none. */
  auth?: string | null;
  headers?: Record<string, string>;
  /** A raw body sent as is (uploads, malformed JSON). */
  raw?: string | Buffer;
}

/** A running Parley on a real database, with an admin and an API token ready. */
export interface TestDesk {
  kind: DbKind;
  parley: Parley;
  url: string;
  adminEmail: string;
  adminId: number;
  token: string;
  /** `${adminEmail}/token:${token}`, the Zendesk form. */
  auth: string;
  api<T = any>(
    method: string,
    path: string,
    body?: unknown,
    opts?: RequestOptions,
  ): Promise<ApiResponse<T>>;
  /** An agent (role agent) and its Basic credentials with the shared token. */
  createAgent(
    name?: string,
    extra?: { role?: 'agent' | 'admin' },
  ): Promise<{ id: number; email: string; auth: string }>;
  createEndUser(name?: string): Promise<{ id: number; email: string; auth: string }>;
}

let sharedPg: Promise<{ url: string; stop(): Promise<void> }> | null = null;

/** The server PostgreSQL: the one `npm test` started, or one of our own when run alone. */
export async function postgresServerUrl(): Promise<string> {
  if (process.env.PARLEY_TEST_PG_URL) return process.env.PARLEY_TEST_PG_URL;
  if (!sharedPg) {
    sharedPg = startEmbeddedPostgres({ forTests: true });
    const pg = await sharedPg;
    process.once('beforeExit', () => void pg.stop());
  }
  return (await sharedPg).url;
}

let counter = 0;

let testPasswordHash: Promise<string> | null = null;

/**
 * The argon2id hash of 'correct horse' that the test desks' admins and users sign in with:
 * made once per process by Parley's hashPassword (its production cost, 20-250 ms of CPU each),
 * not once per user. Only the salt is shared; sign-in checks these hashes as any other.
 */
function correctHorseHash(): Promise<string> {
  testPasswordHash ??= hashPassword('correct horse');
  return testPasswordHash;
}

export interface TestDeskOptions {
  env?: Record<string, string>;
  sandboxRetrySchedule?: number[];
  /** How long a failing Slack event is retried (Parley's default is 2 minutes). */
  slackRetryBoundMs?: number;
  signInLimits?: SignInLimits;
}

export async function startTestDesk(
  kind: DbKind,
  opts: TestDeskOptions = {},
): Promise<TestDesk & { stop(): Promise<void> }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-test-'));
  let dropDb: (() => Promise<void>) | null = null;
  let databaseUrl: string;
  if (kind === 'postgres') {
    const server = await postgresServerUrl();
    const created = await createTestDatabase(server, { template: await postgresTemplate(server) });
    databaseUrl = created.url;
    dropDb = created.drop;
  } else {
    const file = path.join(dataDir, 'parley.db');
    copyFileSync(await sqliteTemplate(), file, constants.COPYFILE_EXCL);
    // Owner-only, as Parley makes its database file (src/private-files.ts).
    chmodSync(file, 0o600);
    databaseUrl = `sqlite:${file}`;
  }
  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    PARLEY_DATA_DIR: dataDir,
    PARLEY_PUBLIC_URL: `http://127.0.0.1:${port}`,
    // Tests send far more requests a minute, from one address and one user, than people do.
    PARLEY_RATE_LIMIT_PER_MINUTE: '0',
    PARLEY_PUBLIC_RATE_LIMIT_PER_MINUTE: '0',
    ...(opts.env ?? {}),
    PARLEY_LOG_LEVEL: process.env.PARLEY_TEST_LOG_LEVEL ?? 'silent',
  });
  const parley = await startParley(config, {
    logger: createLogger(config.logLevel, { pretty: false }),
    sandboxRetrySchedule: opts.sandboxRetrySchedule ?? [50, 200, 500],
    ...(opts.slackRetryBoundMs === undefined ? {} : { slackRetryBoundMs: opts.slackRetryBoundMs }),
    signInLimits: opts.signInLimits,
  });
  const now = nowIso();
  const adminEmail = `admin${++counter}@example.com`;
  const admin = await createUser(
    parley.db,
    {
      name: 'Ada Admin',
      email: adminEmail,
      role: 'admin',
      verified: 1,
      password_hash: await correctHorseHash(),
    },
    now,
  );
  const { token } = await createApiToken(parley.db, {
    description: 'tests',
    createdById: admin.id,
    now,
  });
  const auth = `${adminEmail}/token:${token}`;

  async function api(method: string, p: string, body?: unknown, opts: RequestOptions = {}) {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const credentials = opts.auth === undefined ? auth : opts.auth;
    // The sandbox's control API wants its per-run secret; tests reach it as the page does.
    if (parley.sandbox && p.startsWith('/sandbox/')) {
      headers['x-sandbox-secret'] ??= parley.sandbox.controlSecret;
    }
    if (credentials) headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
    let payload: string | Buffer | undefined;
    if (opts.raw !== undefined) payload = opts.raw;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${parley.url}${p}`, { method, headers, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: res.status, body: parsed as any, headers: res.headers };
  }

  async function makeUser(role: 'agent' | 'admin' | 'end-user', name: string) {
    const email = `${name.toLowerCase().replace(/\W+/g, '.')}.${++counter}@example.com`;
    const user = await createUser(
      parley.db,
      { name, email, role, verified: 1, password_hash: await correctHorseHash() },
      nowIso(),
    );
    return {
      id: user.id,
      email,
      auth: role === 'end-user' ? `${email}:correct horse` : `${email}/token:${token}`,
    };
  }

  return {
    kind,
    parley,
    url: parley.url,
    adminEmail,
    adminId: admin.id,
    token,
    auth,
    api,
    createAgent: (name = 'Alan Agent', extra = {}) => makeUser(extra.role ?? 'agent', name),
    createEndUser: (name = 'Erin Enduser') => makeUser('end-user', name),
    async stop() {
      await parley.close();
      if (dropDb) await dropDb();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs a suite once on SQLite and once on PostgreSQL. The suite receives a holder whose
 * `desk` is set before its tests run.
 */
export function forEachDatabase(
  name: string,
  suite: (ctx: { desk: TestDesk }) => void,
  opts: TestDeskOptions = {},
): void {
  for (const kind of DB_KINDS) {
    describe(`${name} [${kind}]`, () => {
      const ctx = {} as { desk: TestDesk };
      let stop: (() => Promise<void>) | null = null;
      before(async () => {
        const desk = await startTestDesk(kind, opts);
        stop = desk.stop;
        ctx.desk = desk;
      });
      after(async () => {
        if (stop) await stop();
      });
      suite(ctx);
    });
  }
}
