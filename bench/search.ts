/**
 * Search benchmark. For SQLite and PostgreSQL in turn: start Parley in-process, load tickets as
 * the API benchmark does (a share through `createTicket`, the rest copies, which bypass the
 * desk, so their search documents are then rebuilt, and that rebuild is timed: it is what
 * migration 0022 costs an existing install), then time, over real HTTP on 127.0.0.1 as an
 * agent, the first page of `GET /search` and `GET /search/count` for a few typical queries,
 * beside a reference request measured in the same run (`GET /users/me`).
 * The generated text has 30 words, so every word matches a large share of the tickets: the
 * free-word figures are a worst case.
 * JSON goes to stdout (or --json FILE) and bench/results/search-<date>.json; a table to stderr.
 *
 *   npm run bench -- search [--tickets 1000000] [--db sqlite,postgres] [--json out.json]
 *     [--copies 20] [--requests 20]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { loadConfig } from '../src/config.ts';
import { rebuildSearchDocuments } from '../src/db/search-documents.ts';
import { createLogger } from '../src/log.ts';
import { type Parley, startParley } from '../src/server.ts';
import {
  createTestDatabase,
  startEmbeddedPostgres,
  viaUnixSocket,
} from '../test/helpers/postgres.ts';
import { loadTickets, seedPeople } from './api.ts';
import {
  databases,
  type DbKind,
  percentile,
  positiveInt,
  publishReport,
  round,
  type Target,
} from './common.ts';

interface Options {
  tickets: number;
  dbs: DbKind[];
  json: string | null;
  copies: number;
  requests: number;
}

interface Timing {
  n: number;
  p50_ms: number;
  p95_ms: number;
  max_ms: number;
}

interface QueryResult {
  query: string;
  count: number;
  first_page: Timing;
  count_request: Timing;
}

interface DbResult {
  db: DbKind;
  tickets: number;
  load_seconds: number;
  index_rebuild_seconds: number;
  reference_http_me: Timing;
  queries: QueryResult[];
}

/** Typical searches: free words, a phrase, keywords alone and with words, users. */
const QUERIES = [
  'printer',
  'printer vpn laptop',
  '"password login"',
  'type:ticket status<solved priority:urgent refund',
  'tags:vip status:open',
  'type:ticket -tags:hardware payroll created>30days',
  'type:user requester 17',
];

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      tickets: { type: 'string', default: '1000000' },
      db: { type: 'string', default: 'sqlite,postgres' },
      json: { type: 'string' },
      copies: { type: 'string', default: '20' },
      requests: { type: 'string', default: '20' },
    },
    strict: true,
  });
  return {
    tickets: positiveInt('tickets', values.tickets),
    dbs: databases(values.db),
    json: values.json ?? null,
    copies: positiveInt('copies', values.copies),
    requests: positiveInt('requests', values.requests),
  };
}

async function timed(n: number, call: () => Promise<void>): Promise<Timing> {
  await call(); // warm: the first run reads pages from disk and prepares the statement
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const began = performance.now();
    await call();
    ms.push(performance.now() - began);
  }
  ms.sort((a, b) => a - b);
  return {
    n,
    p50_ms: round(percentile(ms, 50)),
    p95_ms: round(percentile(ms, 95)),
    max_ms: round(ms[ms.length - 1] ?? 0),
  };
}

async function getJson(url: string, auth: string): Promise<any> {
  const res = await fetch(url, {
    headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}` },
  });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function measure(base: string, auth: string, opts: Options) {
  const me = await timed(opts.requests, async () => {
    await getJson(`${base}/api/v2/users/me`, auth);
  });
  const queries: QueryResult[] = [];
  for (const query of QUERIES) {
    const q = encodeURIComponent(query);
    let count = 0;
    const firstPage = await timed(opts.requests, async () => {
      count = (await getJson(`${base}/api/v2/search?query=${q}&per_page=25`, auth)).count;
    });
    const countRequest = await timed(opts.requests, async () => {
      await getJson(`${base}/api/v2/search/count?query=${q}`, auth);
    });
    queries.push({ query, count, first_page: firstPage, count_request: countRequest });
    process.stderr.write(`  ${query}: ${count} results\n`);
  }
  return { reference_http_me: me, queries };
}

async function benchDatabase(kind: DbKind, opts: Options): Promise<DbResult> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-bench-search-'));
  const removeDataDir = () => rmSync(dataDir, { recursive: true, force: true });
  process.once('exit', removeDataDir);
  let pgServer: Awaited<ReturnType<typeof startEmbeddedPostgres>> | null = null;
  let drop: (() => Promise<void>) | null = null;
  let parley: Parley | null = null;
  try {
    let databaseUrl = `sqlite:${path.join(dataDir, 'parley.db')}`;
    if (kind === 'postgres') {
      pgServer = await startEmbeddedPostgres();
      const created = await createTestDatabase(pgServer.url);
      databaseUrl = viaUnixSocket(created.url);
      drop = created.drop;
    }
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      PARLEY_DATA_DIR: dataDir,
      PARLEY_PUBLIC_URL: 'http://127.0.0.1:3000',
      PARLEY_LOG_LEVEL: 'silent',
      // A benchmark is one user at one address sending as fast as it can.
      PARLEY_RATE_LIMIT_PER_MINUTE: '0',
      PARLEY_PUBLIC_RATE_LIMIT_PER_MINUTE: '0',
    });
    parley = await startParley(config, { logger: createLogger('silent', { pretty: false }) });
    const pop = await seedPeople(
      parley,
      Math.max(10, Math.min(2000, Math.ceil(opts.tickets / 50))),
    );
    process.stderr.write(`[${kind}] loading ${opts.tickets} tickets\n`);
    const load = await loadTickets(parley.db, pop, opts.tickets, opts.copies);
    const began = performance.now();
    await rebuildSearchDocuments(parley.db);
    const rebuildSeconds = round((performance.now() - began) / 1000, 1);
    await sql`${sql.raw(kind === 'postgres' ? 'VACUUM ANALYZE' : 'ANALYZE')}`.execute(parley.db);
    const agent = pop.agents[0]!; // the population has agents
    const measured = await measure(parley.url, `${agent.email}/token:${pop.token}`, opts);
    return {
      db: kind,
      tickets: opts.tickets,
      load_seconds: load.seconds,
      index_rebuild_seconds: rebuildSeconds,
      ...measured,
    };
  } finally {
    if (parley) await parley.close();
    if (drop) await drop();
    if (pgServer) await pgServer.stop();
    removeDataDir();
    process.off('exit', removeDataDir);
  }
}

function table(results: DbResult[]): string {
  const rows: string[][] = [
    ['db', 'query', 'results', 'page p50', 'page p95', 'count p50', 'count p95'],
  ];
  for (const r of results) {
    const me = r.reference_http_me;
    rows.push([r.db, 'ref: GET /users/me', '', `${me.p50_ms}`, `${me.p95_ms}`]);
    rows.push([r.db, `index rebuild: ${r.index_rebuild_seconds} s`, String(r.tickets)]);
    for (const q of r.queries) {
      rows.push([
        r.db,
        q.query,
        String(q.count),
        `${q.first_page.p50_ms}`,
        `${q.first_page.p95_ms}`,
        `${q.count_request.p50_ms}`,
        `${q.count_request.p95_ms}`,
      ]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const cells = (r: string[]) => rows[0]!.map((_, i) => (r[i] ?? '').padEnd(widths[i]!));
  return rows.map((r) => cells(r).join('  ')).join('\n');
}

/** Search as you type: a first page within 200 ms at p95 (the view-page budget). */
function targets(results: DbResult[]): Record<string, Target> {
  const out: Record<string, Target> = {};
  for (const r of results) {
    const worst = Math.max(...r.queries.map((q) => q.first_page.p95_ms));
    out[`${r.db}_search_first_page_p95_ms_at_${r.tickets}`] = {
      met: worst <= 200,
      value: worst,
      target: 200,
    };
  }
  return out;
}

export async function main(argv: string[]): Promise<void> {
  const opts = parseOptions(argv);
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  const results: DbResult[] = [];
  for (const kind of opts.dbs) results.push(await benchDatabase(kind, opts));
  publishReport({
    benchmark: 'search',
    startedAt,
    loadBefore,
    options: opts,
    results,
    targets: targets(results),
    table: table(results),
  });
}
