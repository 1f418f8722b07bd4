/**
 * Views benchmark. For SQLite and PostgreSQL in turn: start Parley in-process, load tickets as
 * the API benchmark does (a share through `createTicket`, the rest copies; a tenth then turned
 * into Slack tickets), then time, over real HTTP on 127.0.0.1 as an agent, `GET
 * /views/{id}/count` and the first page of `GET /views/{id}/execute` for each default view,
 * beside a raw reference query measured in the same run (`SELECT count(*) FROM tickets`).
 * JSON goes to stdout (or --json FILE) and bench/results/views-<date>.json; a table to stderr.
 *
 *   npm run bench -- views [--tickets 1000000] [--db sqlite,postgres] [--json out.json]
 *     [--copies 20] [--requests 30]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { type Parley, startParley } from '../src/server.ts';
import {
  createTestDatabase,
  startEmbeddedPostgres,
  viaUnixSocket,
} from '../test/helpers/postgres.ts';
import type { User } from '../src/db/types.ts';
import { API_VIA } from '../src/desk/via.ts';
import { recountTicketStatuses } from '../src/rules/view-count.ts';
import { countView } from '../src/rules/view-run.ts';
import { storedConditions } from '../src/rules/views.ts';
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
  /** Timed requests per view and measure. */
  requests: number;
}

interface Timing {
  n: number;
  p50_ms: number;
  p95_ms: number;
  max_ms: number;
}

interface ViewResult {
  view: string;
  value: number;
  /** The count's query alone, called in-process (no HTTP, no authentication). */
  count_query: Timing;
  count: Timing;
  execute_first_page: Timing;
}

interface DbResult {
  db: DbKind;
  tickets: number;
  load_seconds: number;
  reference_count_all: Timing;
  /** `GET /api/v2/users/me`: what any request costs (HTTP, authentication) before its work. */
  reference_http_me: Timing;
  views: ViewResult[];
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      tickets: { type: 'string', default: '1000000' },
      db: { type: 'string', default: 'sqlite,postgres' },
      json: { type: 'string' },
      copies: { type: 'string', default: '20' },
      requests: { type: 'string', default: '30' },
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

async function measure(parley: Parley, base: string, agent: User, auth: string, opts: Options) {
  const db = parley.db;
  const reference = await timed(opts.requests, async () => {
    await sql`select count(*) from tickets`.execute(db);
  });
  const me = await timed(opts.requests, async () => {
    await getJson(`${base}/api/v2/users/me`, auth);
  });
  const actor = { user: agent, via: API_VIA };
  const defaults = await db
    .selectFrom('views')
    .selectAll()
    .where('is_default', '=', 1)
    .orderBy('position')
    .execute();
  const views: ViewResult[] = [];
  for (const v of defaults) {
    let value = 0;
    const conditions = storedConditions(v);
    const countQuery = await timed(opts.requests, async () => {
      await countView(db, actor, conditions, new Date());
    });
    const count = await timed(opts.requests, async () => {
      value = (await getJson(`${base}/api/v2/views/${v.id}/count`, auth)).view_count.value;
    });
    const executeFirstPage = await timed(opts.requests, async () => {
      await getJson(`${base}/api/v2/views/${v.id}/execute?per_page=30`, auth);
    });
    views.push({
      view: v.title,
      value,
      count_query: countQuery,
      count,
      execute_first_page: executeFirstPage,
    });
    process.stderr.write(`  ${v.title}: ${value} tickets\n`);
  }
  return { reference_count_all: reference, reference_http_me: me, views };
}

async function benchDatabase(kind: DbKind, opts: Options): Promise<DbResult> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-bench-views-'));
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
    // A tenth of the tickets came through Slack, for the "Slack conversations" view.
    await sql`update tickets set via_channel = 'business_messaging_slack_connect',
      from_messaging_channel = 1 where id % 10 = 0`.execute(parley.db);
    // PostgreSQL's bulk copy wrote past the triggers that keep the per-status counts.
    await recountTicketStatuses(parley.db);
    await sql`${sql.raw(kind === 'postgres' ? 'VACUUM ANALYZE' : 'ANALYZE')}`.execute(parley.db);
    const base = parley.url;
    const agent = pop.agents[0]!; // the population has agents
    const auth = `${agent.email}/token:${pop.token}`;
    const measured = await measure(parley, base, agent, auth, opts);
    return { db: kind, tickets: opts.tickets, load_seconds: load.seconds, ...measured };
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
    [
      'db',
      'view',
      'tickets',
      'query p50',
      'query p95',
      'count p50',
      'count p95',
      'execute p50',
      'execute p95',
    ],
  ];
  for (const r of results) {
    const ref = r.reference_count_all;
    const me = r.reference_http_me;
    rows.push([r.db, 'ref: count(*) tickets', String(r.tickets), `${ref.p50_ms}`, `${ref.p95_ms}`]);
    rows.push([r.db, 'ref: GET /users/me', '', '', '', `${me.p50_ms}`, `${me.p95_ms}`]);
    for (const v of r.views) {
      rows.push([
        r.db,
        v.view,
        String(v.value),
        `${v.count_query.p50_ms}`,
        `${v.count_query.p95_ms}`,
        `${v.count.p50_ms}`,
        `${v.count.p95_ms}`,
        `${v.execute_first_page.p50_ms}`,
        `${v.execute_first_page.p95_ms}`,
      ]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const cells = (r: string[]) => rows[0]!.map((_, i) => (r[i] ?? '').padEnd(widths[i]!));
  return rows.map((r) => cells(r).join('  ')).join('\n');
}

/** The targets (SQLite, 1M tickets): view page and count p95 ≤ 50 ms. */
function targets(results: DbResult[]): Record<string, Target> {
  const out: Record<string, Target> = {};
  for (const r of results) {
    const worstCount = Math.max(...r.views.map((v) => v.count.p95_ms));
    const worstPage = Math.max(...r.views.map((v) => v.execute_first_page.p95_ms));
    out[`${r.db}_view_count_p95_ms_at_${r.tickets}`] = {
      met: worstCount <= 50,
      value: worstCount,
      target: 50,
    };
    out[`${r.db}_view_execute_p95_ms_at_${r.tickets}`] = {
      met: worstPage <= 50,
      value: worstPage,
      target: 50,
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
    benchmark: 'views',
    startedAt,
    loadBefore,
    options: opts,
    results,
    targets: targets(results),
    table: table(results),
  });
}
