/**
 * Ticket API benchmark. For SQLite and PostgreSQL in turn: start Parley in-process, load a
 * realistic ticket set (a fifth through the desk's own `createTicket`, the rest copies of those
 * rows), then measure creates, shows and list pages over real HTTP on 127.0.0.1 from a separate
 * client process with a fixed number of requests in flight. JSON goes to stdout (or --json
 * FILE) and to bench/results/api-<date>.json; a short table goes to stderr.
 *
 *   npm run bench -- api [--tickets 100000] [--db sqlite,postgres] [--json out.json]
 *     [--creates 3000] [--shows 3000] [--lists 1000] [--concurrency 8] [--copies 5]
 *     [--phase-seconds 60] [--rounds 3] [--ticket-cache-mb 64]
 */
import { DeskEvents } from '../src/desk/events.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { isPostgres } from '../src/db/dialect.ts';
import type { Db } from '../src/db/index.ts';
import { createApiToken } from '../src/desk/api-tokens.ts';
import type { User } from '../src/db/types.ts';
import { recountLiveTickets } from '../src/desk/tickets/count-tickets.ts';
import { createTicket, type CreateTicketInput } from '../src/desk/tickets/create-ticket.ts';
import { nowIso } from '../src/desk/time.ts';
import { createUser } from '../src/desk/users.ts';
import { API_VIA } from '../src/desk/via.ts';
import { createLogger } from '../src/log.ts';
import { type Parley, startParley } from '../src/server.ts';
import { type LoadRequest, type LoadResult, runLoad } from './http-load.ts';
import {
  type BenchDatabase,
  benchConfig,
  databases,
  type DbKind,
  openBenchDatabase,
  percentile,
  pgTransport,
  positiveInt,
  runBench,
  round,
} from './common.ts';

interface Options {
  tickets: number;
  dbs: DbKind[];
  json: string | null;
  creates: number;
  shows: number;
  lists: number;
  concurrency: number;
  /** Tickets through `createTicket` are tickets / copies; the rest are copies of their rows. */
  copies: number;
  /** Upper bound on each measured phase, so a slow build cannot run for hours. */
  phaseSeconds: number;
  /** Times each measure is taken; the median round is reported. */
  rounds: number;
  /** How Parley reaches PostgreSQL: its Unix socket (as a local install would) or TCP. */
  pgTransport: 'unix' | 'tcp';
  /** PARLEY_TICKET_CACHE_MB for the measured Parley; null keeps its default. */
  ticketCacheMb: number | null;
}

interface Latency {
  count: number;
  errors: number;
  seconds: number;
  per_second: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
  /**
   * CPU time of the Parley process per request (user + system), a figure that other load on
   * the machine disturbs far less than latency. PostgreSQL's own processes are not in it.
   */
  server_cpu_ms_per_request: number;
  /** CPU time of the load client per request: what measuring took from the same two cores. */
  client_cpu_ms_per_request: number;
  /**
   * Of the tickets the measured requests showed, the share served as rendered earlier (the
   * rendered-ticket cache); null where none were shown.
   */
  rendered_hit_ratio: number | null;
}

interface DbResult {
  db: DbKind;
  load: Awaited<ReturnType<typeof loadTickets>> & { users: number; agents: number };
  create: Latency;
  show: Latency;
  list_first_page: Latency;
  list_cursor_deep: Latency;
  /** Pages from the middle, each once, after the rendered-ticket cache was emptied. */
  list_cursor_cold: Latency;
  list_offset_page_50: Latency;
  cursor_walk: { pages: number; seconds: number; p50_ms: number; p95_ms: number };
  /** Every round's own figures; the fields above are their medians. */
  rounds: Record<PhaseName, Latency[]>;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      tickets: { type: 'string', default: '100000' },
      db: { type: 'string', default: 'sqlite,postgres' },
      json: { type: 'string' },
      creates: { type: 'string', default: '3000' },
      shows: { type: 'string', default: '3000' },
      lists: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '8' },
      copies: { type: 'string', default: '5' },
      'pg-transport': { type: 'string', default: 'unix' },
      'phase-seconds': { type: 'string', default: '60' },
      rounds: { type: 'string', default: '3' },
      'ticket-cache-mb': { type: 'string' },
    },
    strict: true,
  });
  const int = positiveInt;
  return {
    tickets: int('tickets', values.tickets),
    dbs: databases(values.db),
    json: values.json ?? null,
    creates: int('creates', values.creates),
    shows: int('shows', values.shows),
    lists: int('lists', values.lists),
    concurrency: int('concurrency', values.concurrency),
    copies: int('copies', values.copies),
    phaseSeconds: int('phase-seconds', values['phase-seconds']),
    rounds: int('rounds', values.rounds),
    pgTransport: pgTransport(values['pg-transport']),
    ticketCacheMb:
      values['ticket-cache-mb'] === undefined ? null : cacheMb(values['ticket-cache-mb']),
  };
}

function cacheMb(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error('--ticket-cache-mb must be 0 or more');
  return n;
}

/** A seeded PRNG (mulberry32): every run draws the same ticket inputs and the same requests. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    // Callers pick from non-empty lists.
    pick: <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!,
  };
}
type Rng = ReturnType<typeof rng>;

/** A shuffled copy (Fisher-Yates). */
function shuffle<T>(r: Rng, list: readonly T[]): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!]; // 0 <= j <= i < out.length
  }
  return out;
}

const WORDS =
  'printer vpn laptop email password login screen keyboard invoice refund order shipping account badge wifi monitor license install update crash slow error access calendar meeting phone headset payroll expense travel contract'.split(
    ' ',
  );
const TAGS = WORDS.slice(0, 24).concat(['urgent', 'vip', 'hardware', 'software', 'billing', 'hr']);
const PRIORITIES = [null, 'low', 'normal', 'normal', 'high', 'urgent'] as const;
const TYPES = [null, 'question', 'incident', 'problem', 'task'] as const;

function sentence(r: Rng, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(r.pick(WORDS));
  const s = out.join(' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** A first comment as people write them: a few Markdown paragraphs, sometimes a list or link. */
function commentBody(r: Rng): string {
  const parts = [`Hi, ${sentence(r, 8 + r.int(10))}.`, `${sentence(r, 10 + r.int(20))}.`];
  if (r.next() < 0.3)
    parts.push(`- ${sentence(r, 4)}\n- ${sentence(r, 5)}\n- **${sentence(r, 3)}**`);
  if (r.next() < 0.2) parts.push(`See https://intranet.example.com/kb/${r.int(5000)} for details.`);
  parts.push('Thanks');
  return parts.join('\n\n');
}

function tags(r: Rng): string[] {
  const n = r.int(4);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(r.pick(TAGS));
  return out;
}

interface Population {
  admin: User;
  agents: User[];
  endUsers: User[];
  token: string;
  auth: string;
}

/** Organizations (with email domains), groups, agents in groups, end users on those domains. */
export async function seedPeople(parley: Parley, endUserCount: number): Promise<Population> {
  const db = parley.db;
  const now = nowIso();
  const admin = await createUser(
    db,
    { name: 'Bench Admin', email: 'admin@bench.example', role: 'admin', verified: 1 },
    now,
  );
  const { token } = await createApiToken(db, { description: 'bench', createdById: admin.id, now });
  const groups: number[] = [];
  for (const name of ['Tier 1', 'Tier 2', 'Billing', 'Hardware']) {
    const g = await db
      .insertInto('groups')
      .values({ name, created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    groups.push(g.id);
  }
  for (let o = 0; o < 10; o++) {
    const org = await db
      .insertInto('organizations')
      .values({
        name: `Customer ${o}`,
        name_key: `customer ${o}`,
        domain_names: JSON.stringify([`customer${o}.example`]),
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('organization_domains')
      .values({ domain: `customer${o}.example`, organization_id: org.id })
      .execute();
  }
  const agents: User[] = [];
  for (let i = 0; i < 20; i++) {
    const agent = await createUser(
      db,
      { name: `Agent ${i}`, email: `agent${i}@bench.example`, role: 'agent', verified: 1 },
      now,
    );
    await db
      .insertInto('group_memberships')
      .values({
        user_id: agent.id,
        group_id: groups[i % groups.length]!, // the population has groups
        is_default: 1,
        created_at: now,
        updated_at: now,
      })
      .execute();
    agents.push(agent);
  }
  const endUsers: User[] = [];
  for (let i = 0; i < endUserCount; i++) {
    // Most requesters belong to a customer organization through their email domain.
    const domain = i % 5 === 0 ? 'gmail.example' : `customer${i % 10}.example`;
    endUsers.push(
      await createUser(db, { name: `Requester ${i}`, email: `user${i}@${domain}` }, now),
    );
  }
  return { admin, agents, endUsers, token, auth: `admin@bench.example/token:${token}` };
}

/** A ticket as agents file them: a status mix that includes solved and closed, some follow-ups. */
function ticketInput(r: Rng, pop: Population, closed: number[]): CreateTicketInput {
  const roll = r.next();
  const status =
    roll < 0.25
      ? 'new'
      : roll < 0.5
        ? 'open'
        : roll < 0.65
          ? 'pending'
          : roll < 0.7
            ? 'hold'
            : roll < 0.85
              ? 'solved'
              : 'closed';
  const input: CreateTicketInput = {
    subject: sentence(r, 3 + r.int(6)),
    comment: { body: commentBody(r) },
    requester_id: r.pick(pop.endUsers).id,
    priority: r.pick(PRIORITIES),
    type: r.pick(TYPES),
    tags: tags(r),
  };
  if (status !== 'new') {
    input.status = status;
    input.assignee_id = r.pick(pop.agents).id;
  }
  if (closed.length > 0 && r.next() < 0.02) input.via_followup_source_id = r.pick(closed);
  return input;
}

const YEAR_MS = 365 * 86400_000;

/**
 * Creates tickets through `createTicket`, the code path every real create takes, so each has its
 * first comment, audit, audit events and tag rows. Several creates are in flight at once:
 * PostgreSQL runs them on its pool; SQLite's single connection takes them one transaction at a
 * time, as it does in production. Ticket i is created at `start + i * step`.
 */
async function createTickets(db: Db, pop: Population, count: number, start: number, step: number) {
  const r = rng(42);
  const closed: number[] = [];
  let next = 0;
  let done = 0;
  let lastReport = Date.now();
  const began = performance.now();
  async function lane() {
    while (next < count) {
      const i = next++;
      const actor = {
        user: i % 3 === 0 ? pop.admin : pop.agents[i % pop.agents.length]!, // it has agents
        via: API_VIA,
      };
      const input = ticketInput(r, pop, closed);
      const now = new Date(start + i * step).toISOString();
      const { ticket } = await createTicket(db, actor, input, now, { events: new DeskEvents() });
      if (ticket.status === 'closed') closed.push(ticket.id);
      done++;
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        const rate = done / ((performance.now() - began) / 1000);
        process.stderr.write(`  created ${done}/${count} (${Math.round(rate)}/s)\n`);
      }
    }
  }
  await Promise.all(Array.from({ length: 8 }, lane));
  return (performance.now() - began) / 1000;
}

type Sequenced = 'tickets' | 'audits' | 'comments' | 'audit_events';

/** The rows one create writes, and which of their columns hold ids that a copy must shift. */
const TICKET_ROWS: {
  table: Sequenced | 'ticket_tags';
  ticketColumn: string;
  ids: Record<string, Sequenced>;
}[] = [
  { table: 'tickets', ticketColumn: 'id', ids: { id: 'tickets', followup_source_id: 'tickets' } },
  { table: 'audits', ticketColumn: 'ticket_id', ids: { id: 'audits', ticket_id: 'tickets' } },
  {
    table: 'comments',
    ticketColumn: 'ticket_id',
    ids: { id: 'comments', ticket_id: 'tickets', audit_id: 'audits' },
  },
  {
    table: 'audit_events',
    ticketColumn: 'ticket_id',
    ids: { id: 'audit_events', ticket_id: 'tickets', audit_id: 'audits', comment_id: 'comments' },
  },
  { table: 'ticket_tags', ticketColumn: 'ticket_id', ids: { ticket_id: 'tickets' } },
];

/**
 * Copies the rows of the first `template` tickets until `total` exist: copy k shifts every id
 * by k times the template's largest id and every `*_at` time by k * template * step, so the
 * copies continue the template's timeline. Rows go in multi-row inserts, one transaction per
 * copy. They are the rows `createTicket` wrote, byte for byte apart from ids and times.
 */
async function copyTickets(db: Db, template: number, total: number, step: number) {
  const began = performance.now();
  const maxIds = {} as Record<Sequenced, number>;
  for (const t of ['tickets', 'audits', 'comments', 'audit_events'] as const) {
    const row = await db
      .selectFrom(t)
      .select((eb) => [eb.fn.max('id').as('max'), eb.fn.countAll().as('n')])
      .executeTakeFirstOrThrow();
    // Shifting ids is only sound when the template's ids run from 1 without gaps.
    if (Number(row.max) !== Number(row.n)) throw new Error(`${t}: ids are not 1..${row.n}`);
    maxIds[t] = Number(row.max);
  }
  if (maxIds.tickets !== template) throw new Error(`expected ${template} template tickets`);
  const rows = new Map<string, Record<string, unknown>[]>();
  for (const spec of TICKET_ROWS) {
    rows.set(spec.table, (await db.selectFrom(spec.table).selectAll().execute()) as never);
  }
  for (let k = 1; k * template < total; k++) {
    const limit = Math.min(template, total - k * template);
    const shiftMs = k * template * step;
    const shiftTime = (v: string) => new Date(Date.parse(v) + shiftMs).toISOString();
    await db.transaction().execute(async (trx) => {
      if (isPostgres(trx)) {
        // The copies reference rows that exist (template users, their own ticket, audit and
        // comment); checking each of a million foreign keys one trigger at a time is what made
        // copying slow, so this transaction skips the checks (superuser only, as the bench is).
        await sql`set local session_replication_role = replica`.execute(trx);
      }
      for (const spec of TICKET_ROWS) {
        const copies = rows
          .get(spec.table)!
          .filter((row) => (row[spec.ticketColumn] as number) <= limit)
          .map((row) => {
            const copy: Record<string, unknown> = { ...row };
            for (const [col, seq] of Object.entries(spec.ids)) {
              if (copy[col] !== null) copy[col] = (copy[col] as number) + k * maxIds[seq];
            }
            for (const [col, v] of Object.entries(copy)) {
              if (col.endsWith('_at') && typeof v === 'string') copy[col] = shiftTime(v);
            }
            // A follow-up names its source ticket in its via as well.
            if (spec.table === 'tickets' && copy.followup_source_id !== null) {
              const via = JSON.parse(copy.via_source as string);
              via.from.ticket_id = copy.followup_source_id;
              copy.via_source = JSON.stringify(via);
            }
            return copy;
          });
        if (copies.length === 0) continue;
        // Both databases bound the parameters of one statement (SQLite at 32,766).
        const chunk = Math.floor(30_000 / Object.keys(copies[0]!).length);
        for (let i = 0; i < copies.length; i += chunk) {
          await trx
            .insertInto(spec.table)
            .values(copies.slice(i, i + chunk) as never)
            .execute();
        }
      }
    });
    process.stderr.write(`  copied ${k * template + limit}/${total}\n`);
  }
  if (isPostgres(db)) {
    // Explicit ids do not move PostgreSQL's sequences; the creates measured next need them to.
    for (const t of ['tickets', 'audits', 'comments', 'audit_events'] as const) {
      await sql`select setval(pg_get_serial_sequence(${t}, 'id'), (select max(id) from ${sql.table(t)}))`.execute(
        db,
      );
    }
    // The copies skipped the triggers that keep the live-ticket count as well.
    await recountLiveTickets(db);
  }
  return (performance.now() - began) / 1000;
}

/**
 * Loads `total` tickets over the last year: `total / copies` through `createTicket`, the rest
 * copied from those (see copyTickets). `--copies 1` sends every ticket through `createTicket`.
 */
export async function loadTickets(db: Db, pop: Population, total: number, copies: number) {
  const template = Math.ceil(total / copies);
  const step = YEAR_MS / total;
  const createSeconds = await createTickets(db, pop, template, Date.now() - YEAR_MS, step);
  const copySeconds = template < total ? await copyTickets(db, template, total, step) : 0;
  return {
    tickets: total,
    created: template,
    copied: total - template,
    seconds: round(createSeconds + copySeconds, 1),
    create_seconds: round(createSeconds, 1),
    creates_per_second: round(template / createSeconds, 0),
    copy_seconds: round(copySeconds, 1),
  };
}

function summarize(
  r: LoadResult & { cpu: NodeJS.CpuUsage; rendered: { hits: number; misses: number } },
): Latency {
  const sorted = [...r.latencies].sort((a, b) => a - b);
  const seconds = r.elapsedMs / 1000;
  const shown = r.rendered.hits + r.rendered.misses;
  return {
    count: r.completed,
    errors: r.errors,
    seconds: round(seconds),
    per_second: round(r.completed / seconds, 1),
    p50_ms: round(percentile(sorted, 50)),
    p95_ms: round(percentile(sorted, 95)),
    p99_ms: round(percentile(sorted, 99)),
    max_ms: round(sorted[sorted.length - 1] ?? NaN),
    server_cpu_ms_per_request: round((r.cpu.user + r.cpu.system) / 1000 / r.completed, 3),
    client_cpu_ms_per_request: round(r.clientCpuMsPerRequest, 3),
    rendered_hit_ratio: shown ? round(r.rendered.hits / shown, 3) : null,
  };
}

function check<T extends LoadResult>(name: string, r: T): T {
  if (r.errors > 0) {
    throw new Error(
      `${name}: ${r.errors} of ${r.completed} requests failed; first: ${r.firstError}`,
    );
  }
  return r;
}

async function measure(parley: Parley, pop: Population, opts: Options, kind: DbKind) {
  const r = rng(7);
  const base = { baseUrl: parley.url, auth: `Basic ${Buffer.from(pop.auth).toString('base64')}` };
  const maxMs = opts.phaseSeconds * 1000;
  const cache = parley.renderedTickets;
  const fixed = async (requests: LoadRequest[], expectStatus = 200) => {
    const before = process.cpuUsage();
    const { hits, misses } = cache;
    const result = await runLoad({
      kind: 'fixed',
      ...base,
      concurrency: opts.concurrency,
      maxMs,
      expectStatus,
      requests,
    });
    const rendered = { hits: cache.hits - hits, misses: cache.misses - misses };
    return { ...result, cpu: process.cpuUsage(before), rendered };
  };
  const maxId = (
    await parley.db
      .selectFrom('tickets')
      .select((eb) => eb.fn.max('id').as('id'))
      .executeTakeFirstOrThrow()
  ).id as number;

  const createBody = () =>
    JSON.stringify({
      ticket: {
        subject: sentence(r, 3 + r.int(6)),
        comment: { body: commentBody(r) },
        requester_id: r.pick(pop.endUsers).id,
        priority: r.pick(PRIORITIES),
        tags: tags(r),
      },
    });
  const creates = (n: number): LoadRequest[] =>
    Array.from({ length: n }, () => ({
      method: 'POST',
      path: '/api/v2/tickets',
      body: createBody(),
    }));
  const shows = (n: number): LoadRequest[] =>
    Array.from({ length: n }, () => ({
      method: 'GET',
      path: `/api/v2/tickets/${1 + r.int(maxId)}`,
    }));
  const repeat = (n: number, p: string): LoadRequest[] =>
    Array.from({ length: n }, () => ({ method: 'GET', path: p }));

  // An offset page's count must be every live ticket loaded: a load that skipped the triggers
  // keeping PostgreSQL's count would otherwise be measured with a wrong one.
  const shown = (await (
    await fetch(`${parley.url}/api/v2/tickets.json?per_page=1`, {
      headers: { authorization: base.auth },
    })
  ).json()) as { count: number };
  const live = await parley.db
    .selectFrom('tickets')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  if (shown.count !== Number(live.n)) {
    throw new Error(`offset pages count ${shown.count} tickets, the table holds ${live.n}`);
  }

  process.stderr.write(`[${kind}] warming up\n`);
  check('warm-up creates', await fixed(creates(300), 201));
  check('warm-up shows', await fixed(shows(300)));
  check('warm-up lists', await fixed(repeat(100, '/api/v2/tickets?page[size]=100')));
  check('warm-up offset', await fixed(repeat(100, '/api/v2/tickets?per_page=100&page=50')));

  // Real cursors, not forged ones: walk every page once (itself a measure of a full export),
  // then ask again for pages from the middle half of the set.
  process.stderr.write(`[${kind}] cursor walk\n`);
  const walk = check(
    'cursor walk',
    await runLoad({ kind: 'walk', ...base, maxMs, path: '/api/v2/tickets?page[size]=100' }),
  );
  const walkSorted = [...walk.latencies].sort((a, b) => a - b);
  const middle = walk.cursors.slice(
    Math.floor(walk.cursors.length / 4),
    Math.max(Math.floor(walk.cursors.length / 4) + 1, Math.floor((walk.cursors.length * 3) / 4)),
  );

  // The VM's speed drifts by a fifth from one minute to the next: every measure is taken in
  // several rounds, interleaved, and reported as the median round.
  const rounds: Record<PhaseName, Latency[]> = {
    create: [],
    show: [],
    list_first_page: [],
    list_cursor_deep: [],
    list_cursor_cold: [],
    list_offset_page_50: [],
  };
  for (let round = 1; round <= opts.rounds; round++) {
    process.stderr.write(`[${kind}] round ${round}/${opts.rounds}\n`);
    rounds.create.push(summarize(check('creates', await fixed(creates(opts.creates), 201))));
    rounds.show.push(summarize(check('shows', await fixed(shows(opts.shows)))));
    rounds.list_first_page.push(
      summarize(
        check('first pages', await fixed(repeat(opts.lists, '/api/v2/tickets?page[size]=100'))),
      ),
    );
    const deepPages = Array.from({ length: opts.lists }, () => ({
      method: 'GET' as const,
      path: `/api/v2/tickets?page[size]=100&page[after]=${r.pick(middle)}`,
    }));
    rounds.list_cursor_deep.push(summarize(check('deep cursor pages', await fixed(deepPages))));
    // Pages as a first reader meets them: every ticket rendered by the database.
    cache.clear();
    const coldPages = shuffle(r, middle)
      .slice(0, opts.lists)
      .map((cursor) => ({
        method: 'GET' as const,
        path: `/api/v2/tickets?page[size]=100&page[after]=${cursor}`,
      }));
    rounds.list_cursor_cold.push(summarize(check('cold cursor pages', await fixed(coldPages))));
    rounds.list_offset_page_50.push(
      summarize(
        check(
          'offset pages',
          await fixed(repeat(opts.lists, '/api/v2/tickets?per_page=100&page=50')),
        ),
      ),
    );
  }
  return {
    create: medianRound(rounds.create),
    show: medianRound(rounds.show),
    list_first_page: medianRound(rounds.list_first_page),
    list_cursor_deep: medianRound(rounds.list_cursor_deep),
    list_cursor_cold: medianRound(rounds.list_cursor_cold),
    list_offset_page_50: medianRound(rounds.list_offset_page_50),
    cursor_walk: {
      pages: walk.completed,
      seconds: round(walk.elapsedMs / 1000),
      p50_ms: round(percentile(walkSorted, 50)),
      p95_ms: round(percentile(walkSorted, 95)),
    },
    rounds,
  };
}

type PhaseName =
  | 'create'
  | 'show'
  | 'list_first_page'
  | 'list_cursor_deep'
  | 'list_cursor_cold'
  | 'list_offset_page_50';

/** Each figure is the median of the rounds' figures; counts and errors are summed. */
function medianRound(rounds: Latency[]): Latency {
  const median = (pick: (l: Latency) => number) => {
    // There is at least one round, so `mid` (and `mid - 1` for an even count) is in range.
    const sorted = rounds.map(pick).sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid]! : round((sorted[mid - 1]! + sorted[mid]!) / 2, 3);
  };
  return {
    count: rounds.reduce((n, l) => n + l.count, 0),
    errors: rounds.reduce((n, l) => n + l.errors, 0),
    seconds: round(rounds.reduce((n, l) => n + l.seconds, 0)),
    per_second: median((l) => l.per_second),
    p50_ms: median((l) => l.p50_ms),
    p95_ms: median((l) => l.p95_ms),
    p99_ms: median((l) => l.p99_ms),
    max_ms: Math.max(...rounds.map((l) => l.max_ms)),
    server_cpu_ms_per_request: median((l) => l.server_cpu_ms_per_request),
    client_cpu_ms_per_request: median((l) => l.client_cpu_ms_per_request),
    rendered_hit_ratio:
      rounds[0]!.rendered_hit_ratio === null ? null : median((l) => l.rendered_hit_ratio ?? 0),
  };
}

async function benchDatabase(kind: DbKind, opts: Options): Promise<DbResult> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-bench-'));
  // Ctrl-C skips `finally`; the database file can be hundreds of megabytes.
  const removeDataDir = () => rmSync(dataDir, { recursive: true, force: true });
  process.once('exit', removeDataDir);
  let database: BenchDatabase | null = null;
  let parley: Parley | null = null;
  try {
    database = await openBenchDatabase(kind, path.join(dataDir, 'parley.db'), opts.pgTransport);
    const config = benchConfig(
      database.url,
      dataDir,
      opts.ticketCacheMb === null ? {} : { PARLEY_TICKET_CACHE_MB: String(opts.ticketCacheMb) },
    );
    parley = await startParley(config, { logger: createLogger('silent', { pretty: false }) });
    const endUserCount = Math.max(10, Math.min(2000, Math.ceil(opts.tickets / 50)));
    const pop = await seedPeople(parley, endUserCount);
    process.stderr.write(`[${kind}] loading ${opts.tickets} tickets\n`);
    const load = await loadTickets(parley.db, pop, opts.tickets, opts.copies);
    if (kind === 'postgres') {
      // Autovacuum analyzes a table soon after a bulk change; do it now rather than measure
      // the minute in which the planner has no statistics.
      await sql`VACUUM ANALYZE`.execute(parley.db);
    }
    const measured = await measure(parley, pop, opts, kind);
    return {
      db: kind,
      load: { ...load, users: pop.endUsers.length, agents: pop.agents.length },
      ...measured,
    };
  } finally {
    if (parley) await parley.close();
    if (database) await database.close();
    removeDataDir();
    process.off('exit', removeDataDir);
  }
}

function table(results: DbResult[]): string {
  const rows: string[][] = [
    [
      'db',
      'metric',
      'n',
      'per s',
      'seconds',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'cpu ms/req',
      'client',
      'kept',
    ],
  ];
  const line = (db: string, metric: string, ...cells: (number | string)[]) => {
    const row = [db, metric, ...cells.map(String)];
    rows.push([...row, ...Array<string>(rows[0]!.length - row.length).fill('')]); // the header
  };
  for (const res of results) {
    const { load } = res;
    line(
      res.db,
      'load: createTicket',
      load.created,
      load.creates_per_second,
      load.create_seconds,
      '',
      '',
      '',
    );
    line(res.db, 'load: row copies', load.copied, '', load.copy_seconds, '', '', '');
    const lat: [string, Latency][] = [
      ['POST /tickets', res.create],
      ['GET /tickets/{id}', res.show],
      ['list first page', res.list_first_page],
      ['list deep cursor', res.list_cursor_deep],
      ['list cold cursor', res.list_cursor_cold],
      ['list offset page 50', res.list_offset_page_50],
    ];
    for (const [name, l] of lat) {
      line(
        res.db,
        name,
        l.count,
        l.per_second,
        l.seconds,
        l.p50_ms,
        l.p95_ms,
        l.p99_ms,
        l.server_cpu_ms_per_request,
        l.client_cpu_ms_per_request,
        l.rendered_hit_ratio === null ? '' : `${Math.round(l.rendered_hit_ratio * 100)}%`,
      );
    }
    const walk = res.cursor_walk;
    line(
      res.db,
      'cursor walk, 1 in flight',
      walk.pages,
      round(walk.pages / walk.seconds, 1),
      walk.seconds,
      walk.p50_ms,
      walk.p95_ms,
      '',
    );
  }
  // rows[0] is the header; a cell past its columns gets no padding, as padEnd(undefined).
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c < 2 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
        .join('  '),
    )
    .join('\n');
}

/**
 * The targets, set for SQLite and reported for both: show and list p95 under 20 ms,
 * creates above 1,000/s.
 */
function targets(results: DbResult[]) {
  const out: Record<string, { met: boolean; value: number; target: string }> = {};
  for (const res of results) {
    const readP95 = Math.max(
      res.show.p95_ms,
      res.list_first_page.p95_ms,
      res.list_cursor_deep.p95_ms,
      res.list_cursor_cold.p95_ms,
      res.list_offset_page_50.p95_ms,
    );
    // The issue sets the bar for SQLite; PostgreSQL is held to it for comparison only.
    const scope = res.db === 'sqlite' ? '' : ', set for SQLite; reported only';
    out[`${res.db}_read_p95_under_20ms`] = {
      met: readP95 < 20,
      value: readP95,
      target: `< 20 ms${scope}`,
    };
    out[`${res.db}_creates_over_1000_per_s`] = {
      met: res.create.per_second > 1000,
      value: res.create.per_second,
      target: `> 1000/s${scope}`,
    };
  }
  return out;
}

export async function main(argv: string[]): Promise<void> {
  const opts = parseOptions(argv);
  await runBench({
    benchmark: 'api',
    options: opts,
    measure: (kind) => benchDatabase(kind, opts),
    table,
    targets,
  });
}
