/**
 * Views benchmark. For SQLite and PostgreSQL in turn: start Parley in-process, load tickets as
 * the API benchmark does (a share through `createTicket`, the rest copies; a tenth then turned
 * into Slack tickets), then time, over real HTTP on 127.0.0.1 as an agent, `GET
 * /views/{id}/count` and the first page of `GET /views/{id}/execute` for each default view,
 * beside a raw reference query measured in the same run (`SELECT count(*) FROM tickets`).
 * JSON goes to stdout (or --json FILE) and bench/results/views-<date>.json; a table to stderr.
 *
 *   npm run bench -- views [--tickets 1000000] [--db sqlite,postgres] [--json out.json]
 *     [--copies 20] [--requests 30] [--db-file kept.db]
 *
 * The desk is seeded as bench/common.ts's startBenchDesk does (shared with the search and web
 * benchmarks: it rebuilds the search documents too); `--db-file` keeps a seeded SQLite
 * database to reuse in later runs.
 */
import { renderViewTitle } from '../src/rules/view-titles.ts';
import { sql } from 'kysely';
import type { User } from '../src/db/types.ts';
import type { Parley } from '../src/server.ts';
import { API_VIA } from '../src/desk/via.ts';
import { countView } from '../src/rules/view-run.ts';
import { storedConditions } from '../src/rules/views.ts';
import {
  type BenchDesk,
  type DeskBenchOptions,
  type DbKind,
  getJson,
  parseDeskBenchOptions,
  runBench,
  startBenchDesk,
  type Target,
  textTable,
  timed,
  type Timing,
} from './common.ts';

/** `requests`: timed requests per view and measure. */
type Options = DeskBenchOptions & { requests: number };

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
  /** null: a kept database (--db-file) was reused. */
  load_seconds: number | null;
  reference_count_all: Timing;
  /** `GET /api/v2/users/me`: what any request costs (HTTP, authentication) before its work. */
  reference_http_me: Timing;
  views: ViewResult[];
}

function parseOptions(argv: string[]): Options {
  return parseDeskBenchOptions(argv, { db: 'sqlite,postgres', counts: { requests: '30' } });
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
      view: renderViewTitle(v.title, 'en'),
      value,
      count_query: countQuery,
      count,
      execute_first_page: executeFirstPage,
    });
    process.stderr.write(`  ${renderViewTitle(v.title, 'en')}: ${value} tickets\n`);
  }
  return { reference_count_all: reference, reference_http_me: me, views };
}

async function benchDatabase(kind: DbKind, opts: Options): Promise<DbResult> {
  let desk: BenchDesk | null = null;
  try {
    desk = await startBenchDesk(kind, { name: 'views', ...opts });
    const measured = await measure(desk.parley, desk.parley.url, desk.agent, desk.agentAuth, opts);
    return { db: kind, tickets: opts.tickets, load_seconds: desk.loadSeconds, ...measured };
  } finally {
    if (desk) await desk.close();
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
  return textTable(rows);
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
  await runBench({
    benchmark: 'views',
    options: opts,
    measure: (kind) => benchDatabase(kind, opts),
    table,
    targets,
  });
}
