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
 *     [--copies 20] [--requests 20] [--db-file kept.db]
 *
 * The desk is seeded as bench/common.ts's startBenchDesk does (shared with the views and web
 * benchmarks); `--db-file` keeps a seeded SQLite database to reuse in later runs.
 */
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

/** `requests`: timed requests per query and measure. */
type Options = DeskBenchOptions & { requests: number };

interface QueryResult {
  query: string;
  count: number;
  first_page: Timing;
  count_request: Timing;
}

interface DbResult {
  db: DbKind;
  tickets: number;
  /** null: a kept database (--db-file) was reused. */
  load_seconds: number | null;
  index_rebuild_seconds: number | null;
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
  return parseDeskBenchOptions(argv, { db: 'sqlite,postgres', counts: { requests: '20' } });
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
  let desk: BenchDesk | null = null;
  try {
    desk = await startBenchDesk(kind, { name: 'search', ...opts });
    const measured = await measure(desk.parley.url, desk.agentAuth, opts);
    return {
      db: kind,
      tickets: opts.tickets,
      load_seconds: desk.loadSeconds,
      index_rebuild_seconds: desk.indexRebuildSeconds,
      ...measured,
    };
  } finally {
    if (desk) await desk.close();
  }
}

function table(results: DbResult[]): string {
  const rows: string[][] = [
    ['db', 'query', 'results', 'page p50', 'page p95', 'count p50', 'count p95'],
  ];
  for (const r of results) {
    const me = r.reference_http_me;
    rows.push([r.db, 'ref: GET /users/me', '', `${me.p50_ms}`, `${me.p95_ms}`]);
    const rebuilt = r.index_rebuild_seconds === null ? 'reused' : `${r.index_rebuild_seconds} s`;
    rows.push([r.db, `index rebuild: ${rebuilt}`, String(r.tickets)]);
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
  return textTable(rows);
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
  await runBench({
    benchmark: 'search',
    options: opts,
    measure: (kind) => benchDatabase(kind, opts),
    table,
    targets,
  });
}
