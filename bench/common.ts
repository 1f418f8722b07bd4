/**
 * What the benchmarks share: option parsing, the seeded desk they measure, the statistics they
 * report, and the report.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { loadConfig } from '../src/config.ts';
import { rebuildSearchDocuments } from '../src/db/search-documents.ts';
import type { User } from '../src/db/types.ts';
import { createLogger } from '../src/log.ts';
import { recountTicketStatuses } from '../src/rules/view-count.ts';
import { recountTags } from '../src/desk/tags.ts';
import { type Parley, startParley } from '../src/server.ts';
import {
  createTestDatabase,
  startEmbeddedPostgres,
  viaUnixSocket,
} from '../test/helpers/postgres.ts';
import { loadTickets, seedPeople } from './api.ts';

export type DbKind = 'sqlite' | 'postgres';

/** A command-line option that must be a positive integer. */
export function positiveInt(name: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
  return n;
}

/** `--db sqlite,postgres`. */
export function databases(v: string | undefined): DbKind[] {
  const dbs = String(v)
    .split(',')
    .map((s) => s.trim());
  for (const d of dbs) {
    if (d !== 'sqlite' && d !== 'postgres') throw new Error(`--db: unknown database "${d}"`);
  }
  return dbs as DbKind[];
}

/** `--pg-transport`: how Parley reaches the embedded PostgreSQL. */
export function pgTransport(v: string | undefined): 'unix' | 'tcp' {
  if (v !== 'unix' && v !== 'tcp') throw new Error('--pg-transport must be unix or tcp');
  return v;
}

/** The p-th percentile of an ascending list (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, idx)]!; // 0 <= idx < sorted.length
}

export const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

export interface Target {
  met: boolean;
  value: unknown;
  target: unknown;
}

/**
 * Writes a run's report the way every benchmark does: the JSON (with the machine and its load
 * before and after, so a figure can be read beside the VM's speed of the moment) to
 * bench/results and to stdout or `json`, then the table and each target's verdict to stderr.
 */
export function publishReport(args: {
  benchmark: string;
  startedAt: Date;
  loadBefore: number[];
  /** Machine facts a benchmark adds (the auth bench: libuv's thread pool). */
  machine?: Record<string, unknown>;
  options: { json?: string | null };
  results: unknown[];
  targets: Record<string, Target>;
  table: string;
}): void {
  const report = {
    benchmark: args.benchmark,
    date: args.startedAt.toISOString(),
    node: process.version,
    machine: {
      hostname: os.hostname(),
      platform: `${os.platform()} ${os.release()}`,
      cpu_model: os.cpus()[0]?.model ?? 'unknown',
      cpus: os.availableParallelism(),
      ...args.machine,
      memory_gb: round(os.totalmem() / 1024 ** 3, 1),
      loadavg_before: args.loadBefore.map((n) => round(n)),
      loadavg_after: os.loadavg().map((n) => round(n)),
    },
    options: args.options,
    results: args.results,
    targets: args.targets,
  };
  const json = JSON.stringify(report, null, 2);
  const resultsDir = path.join(import.meta.dirname, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const stamp = args.startedAt.toISOString().replace(/[:.]/g, '-');
  writeFileSync(path.join(resultsDir, `${args.benchmark}-${stamp}.json`), json + '\n');
  if (args.options.json) writeFileSync(args.options.json, json + '\n');
  else process.stdout.write(json + '\n');
  process.stderr.write(`\n${args.table}\n\n`);
  for (const [name, t] of Object.entries(args.targets)) {
    process.stderr.write(
      `${t.met ? 'MET   ' : 'MISSED'} ${name}: ${String(t.value)} (target ${String(t.target)})\n`,
    );
  }
}

/** Where a benchmark's Parley keeps its data; `close()` once Parley has closed. */
export interface BenchDatabase {
  url: string;
  close(): Promise<void>;
}

/**
 * The SQLite file `sqliteFile`, or a new database in an embedded PostgreSQL reached over
 * `transport` (its Unix socket, as a local install would, or TCP); closing it drops the
 * database and stops that server.
 */
export async function openBenchDatabase(
  kind: DbKind,
  sqliteFile: string,
  transport: 'unix' | 'tcp' = 'unix',
): Promise<BenchDatabase> {
  if (kind === 'sqlite') return { url: `sqlite:${sqliteFile}`, close: async () => {} };
  const server = await startEmbeddedPostgres();
  try {
    const created = await createTestDatabase(server.url);
    return {
      url: transport === 'unix' ? viaUnixSocket(created.url) : created.url,
      close: async () => {
        await created.drop();
        await server.stop();
      },
    };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

/**
 * Parley's configuration in a benchmark: 127.0.0.1 on a free port, silent, and without rate
 * limits (a benchmark is one user at one address sending as fast as it can); `env` adds to it.
 */
export function benchConfig(
  databaseUrl: string,
  dataDir: string,
  env: Record<string, string> = {},
) {
  return loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    PARLEY_DATA_DIR: dataDir,
    PARLEY_PUBLIC_URL: 'http://127.0.0.1:3000',
    PARLEY_LOG_LEVEL: 'silent',
    PARLEY_RATE_LIMIT_PER_MINUTE: '0',
    PARLEY_PUBLIC_RATE_LIMIT_PER_MINUTE: '0',
    ...env,
  });
}

/**
 * A benchmark's run, as every one makes it: its options parsed by the caller, each database in
 * `options.dbs` measured in turn, then the report (publishReport) with the machine's load
 * before and after.
 */
export async function runBench<R>(bench: {
  benchmark: string;
  options: { dbs: DbKind[]; json?: string | null };
  /** Machine facts the benchmark adds to the report. */
  machine?: Record<string, unknown>;
  /** Measures one database. */
  measure: (kind: DbKind) => Promise<R>;
  /** Called once all databases are measured, or one failed (the Slack bench's shared server). */
  cleanUp?: () => Promise<void>;
  table: (results: R[]) => string;
  targets: (results: R[]) => Record<string, Target>;
}): Promise<void> {
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  const results: R[] = [];
  try {
    for (const kind of bench.options.dbs) results.push(await bench.measure(kind));
  } finally {
    await bench.cleanUp?.();
  }
  publishReport({
    benchmark: bench.benchmark,
    startedAt,
    loadBefore,
    ...(bench.machine ? { machine: bench.machine } : {}),
    options: bench.options,
    results,
    targets: bench.targets(results),
    table: bench.table(results),
  });
}

/** The options of a benchmark on startBenchDesk's seeded desk. */
export interface DeskBenchOptions {
  tickets: number;
  dbs: DbKind[];
  json: string | null;
  copies: number;
  dbFile: string | null;
}

/**
 * Parses `[--tickets 1000000] [--db …] [--json out.json] [--copies 20] [--db-file kept.db]`
 * and the benchmark's own counts (`counts`: each option's default; a positive integer).
 */
export function parseDeskBenchOptions<C extends string>(
  argv: string[],
  defaults: { db: string; counts: Record<C, string> },
): DeskBenchOptions & Record<C, number> {
  const counts = Object.entries<string>(defaults.counts);
  const { values } = parseArgs({
    args: argv,
    options: {
      tickets: { type: 'string', default: '1000000' },
      db: { type: 'string', default: defaults.db },
      json: { type: 'string' },
      copies: { type: 'string', default: '20' },
      'db-file': { type: 'string' },
      ...Object.fromEntries(counts.map(([name, d]) => [name, { type: 'string', default: d }])),
    },
    strict: true,
  });
  const value = (name: string) => (values as Record<string, string | undefined>)[name];
  return {
    tickets: positiveInt('tickets', value('tickets')),
    dbs: databases(value('db')),
    json: value('json') ?? null,
    copies: positiveInt('copies', value('copies')),
    ...(Object.fromEntries(
      counts.map(([name]) => [name, positiveInt(name, value(name))]),
    ) as Record<C, number>),
    dbFile: value('db-file') ?? null,
  };
}

/**
 * A desk for a benchmark: Parley started in-process on SQLite or the embedded PostgreSQL, with
 * `tickets` tickets as the API benchmark loads them (a share through `createTicket`, the rest
 * copies), one in ten of them then a Slack ticket, the per-status counts recounted and the
 * search documents rebuilt (copies bypass the desk), then ANALYZEd. Every benchmark that needs
 * tickets starts from the same data.
 *
 * `dbFile` (SQLite only) keeps the seeded database: the first run seeds it and writes
 * `<dbFile>.seed.json` beside it (and a `<dbFile>.data` data directory, whose secret key the
 * API token depends on); later runs with the same `tickets` reuse it instead of seeding again
 * (a 1M-ticket seed takes 20 minutes or more on the 2-core VM). Runs measure reads only, apart
 * from the web bench's sign-in sessions, so a kept database stays comparable.
 */
export interface BenchDesk {
  kind: DbKind;
  parley: Parley;
  /** The first bench agent (every benchmark measures as an agent, not as the admin). */
  agent: User;
  /** `email/token:TOKEN` for Basic authentication as `agent`. */
  agentAuth: string;
  tickets: number;
  /** Seconds to load the tickets and to rebuild the search index; null when reused. */
  loadSeconds: number | null;
  indexRebuildSeconds: number | null;
  close(): Promise<void>;
}

interface SeedRecord {
  tickets: number;
  agentEmail: string;
  token: string;
  loadSeconds: number;
  indexRebuildSeconds: number;
}

export async function startBenchDesk(
  kind: DbKind,
  opts: { name: string; tickets: number; copies: number; dbFile?: string | null },
): Promise<BenchDesk> {
  if (opts.dbFile && kind !== 'sqlite') throw new Error('--db-file keeps SQLite databases only');
  const kept = opts.dbFile ? path.resolve(opts.dbFile) : null;
  const dataDir = kept
    ? `${kept}.data`
    : mkdtempSync(path.join(os.tmpdir(), `parley-bench-${opts.name}-`));
  const removeDataDir = () => rmSync(dataDir, { recursive: true, force: true });
  if (!kept) process.once('exit', removeDataDir);
  let database: BenchDatabase | null = null;
  let parley: Parley | null = null;
  const close = async () => {
    if (parley) await parley.close();
    if (database) await database.close();
    if (!kept) {
      removeDataDir();
      process.off('exit', removeDataDir);
    }
  };
  try {
    mkdirSync(dataDir, { recursive: true });
    database = await openBenchDatabase(kind, kept ?? path.join(dataDir, 'parley.db'));
    const config = benchConfig(database.url, dataDir);
    const recordFile = kept ? `${kept}.seed.json` : null;
    const record = recordFile && existsSync(recordFile) ? readSeedRecord(recordFile) : null;
    if (record && record.tickets !== opts.tickets) {
      throw new Error(`${opts.dbFile} holds ${record.tickets} tickets, not ${opts.tickets}`);
    }
    if (kept && !record && existsSync(kept)) {
      throw new Error(`${opts.dbFile} exists but was not seeded to the end: remove it`);
    }
    parley = await startParley(config, { logger: createLogger('silent', { pretty: false }) });
    const seeded = record
      ? { ...record, reused: true }
      : { ...(await seed(parley, kind, opts)), reused: false };
    if (recordFile && !record) {
      const { reused: _, ...toKeep } = seeded;
      writeFileSync(recordFile, JSON.stringify(toKeep, null, 2) + '\n');
    }
    if (seeded.reused) process.stderr.write(`[${kind}] reusing ${opts.dbFile}\n`);
    const agent = await parley.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', seeded.agentEmail)
      .executeTakeFirstOrThrow();
    return {
      kind,
      parley,
      agent,
      agentAuth: `${agent.email}/token:${seeded.token}`,
      tickets: opts.tickets,
      loadSeconds: seeded.reused ? null : seeded.loadSeconds,
      indexRebuildSeconds: seeded.reused ? null : seeded.indexRebuildSeconds,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

function readSeedRecord(file: string): SeedRecord {
  return JSON.parse(readFileSync(file, 'utf8')) as SeedRecord;
}

async function seed(
  parley: Parley,
  kind: DbKind,
  opts: { tickets: number; copies: number },
): Promise<SeedRecord> {
  const db = parley.db;
  const pop = await seedPeople(parley, Math.max(10, Math.min(2000, Math.ceil(opts.tickets / 50))));
  process.stderr.write(`[${kind}] loading ${opts.tickets} tickets\n`);
  const load = await loadTickets(db, pop, opts.tickets, opts.copies);
  // A tenth of the tickets came through Slack, for the "Slack conversations" view.
  await sql`update tickets set via_channel = 'business_messaging_slack_connect',
    from_messaging_channel = 1 where id % 10 = 0`.execute(db);
  // The bulk copies wrote past the triggers that keep the per-status counts, and past the
  // desk that keeps the search documents.
  await recountTicketStatuses(db);
  await recountTags(db);
  process.stderr.write(`[${kind}] rebuilding the search index\n`);
  const began = performance.now();
  await rebuildSearchDocuments(db);
  const indexRebuildSeconds = round((performance.now() - began) / 1000, 1);
  await sql`${sql.raw(kind === 'postgres' ? 'VACUUM ANALYZE' : 'ANALYZE')}`.execute(db);
  const agent = pop.agents[0]!; // the population has agents
  return {
    tickets: opts.tickets,
    agentEmail: agent.email!,
    token: pop.token,
    loadSeconds: load.seconds,
    indexRebuildSeconds,
  };
}

/** `n` timed calls after one warm-up call (which reads pages from disk, prepares statements). */
export async function timed(n: number, call: () => Promise<void>): Promise<Timing> {
  await call();
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const began = performance.now();
    await call();
    ms.push(performance.now() - began);
  }
  return timing(ms);
}

export interface Timing {
  n: number;
  p50_ms: number;
  p95_ms: number;
  max_ms: number;
}

/** Percentiles of a list of durations in ms. */
export function timing(durations: number[]): Timing {
  const ms = [...durations].sort((a, b) => a - b);
  return {
    n: ms.length,
    p50_ms: round(percentile(ms, 50)),
    p95_ms: round(percentile(ms, 95)),
    max_ms: round(ms[ms.length - 1] ?? 0),
  };
}

/** A GET as Basic `auth` (`email/token:TOKEN`), its JSON; a non-2xx answer throws. */
export async function getJson(url: string, auth: string): Promise<any> {
  const res = await fetch(url, {
    headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}` },
  });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** A text table, columns padded to their widest cell. */
export function textTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const cells = (r: string[]) => rows[0]!.map((_, i) => (r[i] ?? '').padEnd(widths[i]!));
  return rows.map((r) => cells(r).join('  ')).join('\n');
}
