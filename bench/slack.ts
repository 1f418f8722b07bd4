/**
 * Slack channel benchmark. Parley runs as its own process (`node bin/parley.js start`, the
 * built-in Slack sandbox on) on SQLite and on PostgreSQL; this process plays Slack over HTTP on
 * 127.0.0.1 and reads the database to see what became of each event. Three measurements:
 *
 *  1. acks: a burst of signed `message.im` events, a fixed number in flight, spread over many
 *     DMs: acked events/s and ack latency (an ack means the event is committed to disk).
 *  2. end to end: events sent at a fixed, paced rate: send → comment latency, events applied
 *     per second, and whether the inbox backlog stays bounded.
 *  3. replies when idle: one public agent comment at a time through the API, until the
 *     sandbox records the `chat.postMessage` that carries it.
 *
 * JSON goes to stdout (or --json FILE) and bench/results/; a table goes to stderr.
 *
 *   npm run bench -- slack [--db sqlite,postgres] [--events 20000] [--concurrency 32]
 *                          [--rate 1000] [--seconds 10] [--replies 200] [--users 200]
 *                          [--json out.json] [--cpu-prof DIR] [--pg-url postgres://…]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { signSlackRequest } from '../src/channels/slack/verify.ts';
import { type Db, openDatabase } from '../src/db/index.ts';
import { createApiToken } from '../src/desk/api-tokens.ts';
import { createUser } from '../src/desk/users.ts';
import {
  viaUnixSocket,
  createTestDatabase,
  freePort,
  startEmbeddedPostgres,
} from '../test/helpers/postgres.ts';
import { messageEvent, SANDBOX_SECRET, sandboxSigningSecret } from '../test/slack/processes.ts';
import {
  databases,
  type DbKind,
  percentile,
  pgTransport,
  positiveInt,
  runBench,
  round,
} from './common.ts';

interface Options {
  dbs: DbKind[];
  events: number;
  concurrency: number;
  rate: number;
  seconds: number;
  replies: number;
  users: number;
  json: string | null;
  cpuProf: string | null;
  /** A PostgreSQL server to create the database in, instead of an embedded one. */
  pgUrl: string | null;
  /** How Parley reaches the embedded PostgreSQL: its Unix socket (as a local install would) or TCP. */
  pgTransport: 'unix' | 'tcp';
  /** Upper bound on any one wait (a drain, a reply), so a slow build cannot run for hours. */
  phaseSeconds: number;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      db: { type: 'string', default: 'sqlite,postgres' },
      events: { type: 'string', default: '20000' },
      concurrency: { type: 'string', default: '32' },
      rate: { type: 'string', default: '1000' },
      seconds: { type: 'string', default: '10' },
      replies: { type: 'string', default: '200' },
      users: { type: 'string', default: '200' },
      json: { type: 'string' },
      'cpu-prof': { type: 'string' },
      'pg-url': { type: 'string' },
      'pg-transport': { type: 'string', default: 'unix' },
      'phase-seconds': { type: 'string', default: '120' },
    },
    strict: true,
  });
  const int = positiveInt;
  return {
    dbs: databases(values.db),
    events: int('events', values.events),
    concurrency: int('concurrency', values.concurrency),
    rate: int('rate', values.rate),
    seconds: int('seconds', values.seconds),
    replies: int('replies', values.replies),
    users: Math.min(9999, int('users', values.users)),
    json: values.json ?? null,
    cpuProf: values['cpu-prof'] ? path.resolve(values['cpu-prof']) : null,
    pgUrl: values['pg-url'] ?? null,
    phaseSeconds: int('phase-seconds', values['phase-seconds']),
    pgTransport: pgTransport(values['pg-transport']),
  };
}

// ---- small helpers ------------------------------------------------------------------------

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Wall-clock milliseconds with sub-millisecond resolution, comparable with ISO times in rows. */
const wallNow = () => performance.timeOrigin + performance.now();

interface Dist {
  count: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
}

function dist(values: number[]): Dist {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50_ms: round(percentile(sorted, 50)),
    p95_ms: round(percentile(sorted, 95)),
    p99_ms: round(percentile(sorted, 99)),
    max_ms: round(sorted[sorted.length - 1] ?? NaN),
  };
}

/** CPU seconds (user + system) a process has used, from /proc (Linux). */
function cpuSeconds(pid: number | string | undefined): number {
  if (!pid) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesized command name; utime and stime are fields 14 and 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / 100;
  } catch {
    return NaN;
  }
}

/**
 * CPU seconds used by the PostgreSQL backends serving one database (their command line names
 * it). The pool closes idle connections, so backends come and go: each one's CPU is sampled
 * every 200 ms and its last sample still counts after it exits.
 */
class PostgresCpu {
  private readonly last = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  constructor(private readonly database: string) {
    this.sample();
    this.timer = setInterval(() => this.sample(), 200);
    this.timer.unref();
  }
  private sample(): void {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        if (!cmd.startsWith('postgres:') || !cmd.includes(` ${this.database} `)) continue;
        const cpu = cpuSeconds(pid);
        if (!Number.isNaN(cpu)) this.last.set(pid, cpu);
      } catch {
        /* the process ended meanwhile */
      }
    }
  }
  seconds(): number {
    this.sample();
    let total = 0;
    for (const v of this.last.values()) total += v;
    return total;
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

interface CpuUse {
  /** CPU seconds of the Parley process during the phase. */
  parley_seconds: number;
  /** CPU seconds of its PostgreSQL backends (0 on SQLite). */
  postgres_seconds: number;
  /** Both, per event (or reply) of the phase, in milliseconds. */
  parley_ms_per_item: number;
  postgres_ms_per_item: number;
}

/** Starts measuring CPU use; the returned function ends the measure for `items` items. */
function cpuMeter(t: Target): (items: number) => CpuUse {
  const p0 = cpuSeconds(t.child.pid);
  const g0 = t.pgCpu?.seconds() ?? 0;
  return (items) => {
    const parley = cpuSeconds(t.child.pid) - p0;
    const pg = (t.pgCpu?.seconds() ?? 0) - g0;
    return {
      parley_seconds: round(parley),
      postgres_seconds: round(pg),
      parley_ms_per_item: round((parley * 1000) / items, 3),
      postgres_ms_per_item: round((pg * 1000) / items, 3),
    };
  };
}

function post(
  agent: http.Agent,
  port: number,
  reqPath: string,
  body: string,
  headers: Record<string, string>,
  method = 'POST',
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const r = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method,
        path: reqPath,
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(body);
  });
}

/** The headers every call to the sandbox's control API carries. */
const CONTROL = { 'content-type': 'application/json', 'x-sandbox-secret': SANDBOX_SECRET };

function get(agent: http.Agent, port: number, reqPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: 'GET',
        path: reqPath,
        headers: { 'x-sandbox-secret': SANDBOX_SECRET },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200)
            reject(new Error(`GET ${reqPath} → ${res.statusCode} ${text}`));
          else resolve(text);
        });
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end();
  });
}

// ---- the Parley under test ------------------------------------------------------------------

interface Target {
  kind: DbKind;
  port: number;
  child: ChildProcess;
  db: Db;
  secret: string;
  agent: http.Agent;
  /** CPU of the PostgreSQL backends; null on SQLite. */
  pgCpu: PostgresCpu | null;
}

function startChild(env: Record<string, string>, cpuProf: string | null): ChildProcess {
  const execArgv = cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`] : [];
  return spawn(process.execPath, [...execArgv, 'bin/parley.js', 'start'], {
    cwd: path.join(import.meta.dirname, '..'),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function waitHealthy(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`parley exited with ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error('parley did not become healthy within 60 s');
    await sleep(100);
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

// ---- Slack events -------------------------------------------------------------------------

const benchUser = (u: number) => `U0BENCH${String(u).padStart(4, '0')}`;
const benchChannel = (u: number) => `D0BENCH${String(u).padStart(4, '0')}`;

/** A `message.im` event_callback as Slack sends it, from bench person `user`. */
function eventPayload(run: string, seq: number, user: number, text: string): string {
  return JSON.stringify(
    messageEvent(seq, benchChannel(user), benchUser(user), { idPrefix: `Ev0${run}`, text }),
  );
}

function signed(secret: string, body: string): Record<string, string> {
  const ts = Math.floor(Date.now() / 1000);
  return {
    'content-type': 'application/json',
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': signSlackRequest(secret, ts, body),
  };
}

/** Events of one run get distinct ids and Slack ts values; `seq` numbers them across phases. */
class EventSource {
  private seq = 0;
  constructor(
    readonly run: string,
    private readonly users: number,
  ) {}
  next(text: (seq: number) => string): { seq: number; body: string } {
    const seq = this.seq++;
    return { seq, body: eventPayload(this.run, seq, seq % this.users, text(seq)) };
  }
}

async function unprocessed(db: Db): Promise<number> {
  const row = await db
    .selectFrom('slack_inbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('processed_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function waitDrained(db: Db, timeoutMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    const n = await unprocessed(db);
    if (n === 0) return performance.now() - started;
    if (performance.now() - started > timeoutMs) {
      throw new Error(`slack inbox not drained after ${timeoutMs} ms (${n} left)`);
    }
    await sleep(20);
  }
}

async function assertNoFailures(db: Db): Promise<void> {
  const bad = await db
    .selectFrom('slack_inbox')
    .select(['event_id', 'outcome', 'last_error'])
    .where((eb) => eb.or([eb('outcome', 'not like', '%ticket%'), eb('last_error', 'is not', null)]))
    .limit(5)
    .execute();
  if (bad.length > 0) throw new Error(`events not applied as comments: ${JSON.stringify(bad)}`);
}

// ---- 1. acks ------------------------------------------------------------------------------

interface AckResult {
  events: number;
  concurrency: number;
  errors: number;
  seconds: number;
  acked_per_second: number;
  latency: Dist;
  /** Time from the first send until the ingest had applied every event of the burst. */
  applied_seconds: number;
  applied_per_second: number;
  cpu: CpuUse;
}

async function measureAcks(t: Target, src: EventSource, opts: Options): Promise<AckResult> {
  const bodies = Array.from({ length: opts.events }, () =>
    src.next((seq) => `ack ${src.run} ${seq}`),
  );
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  let next = 0;
  const cpu = cpuMeter(t);
  const started = performance.now();
  const deadline = started + opts.phaseSeconds * 1000;
  const lane = async () => {
    while (next < bodies.length && performance.now() < deadline) {
      const { body } = bodies[next++]!; // next < bodies.length
      const headers = signed(t.secret, body);
      const t0 = performance.now();
      try {
        const res = await post(t.agent, t.port, '/slack/events', body, headers);
        latencies.push(performance.now() - t0);
        if (res.status !== 200) {
          errors++;
          firstError ??= `${res.status} ${res.text.slice(0, 200)}`;
        }
      } catch (err) {
        errors++;
        firstError ??= String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, lane));
  const elapsed = performance.now() - started;
  if (errors > 0) throw new Error(`acks: ${errors} requests failed; first: ${firstError}`);
  await waitDrained(t.db, opts.phaseSeconds * 1000);
  const applied = performance.now() - started;
  await assertNoFailures(t.db);
  return {
    events: latencies.length,
    concurrency: opts.concurrency,
    errors,
    seconds: round(elapsed / 1000),
    acked_per_second: round(latencies.length / (elapsed / 1000), 0),
    latency: dist(latencies),
    applied_seconds: round(applied / 1000),
    applied_per_second: round(latencies.length / (applied / 1000), 0),
    cpu: cpu(latencies.length),
  };
}

// ---- 2. end to end at a fixed rate --------------------------------------------------------

interface EndToEndResult {
  target_rate: number;
  seconds: number;
  sent: number;
  sent_per_second: number;
  ack: Dist;
  /** Send → the comment's `created_at` (stamped inside the ingest transaction). */
  to_created_at: Dist;
  /** Send → the comment seen committed by this process's poll (25 ms poll interval). */
  to_visible: Dist;
  /** Comments that appeared while events were being sent, per second of sending. */
  applied_per_second_while_sending: number;
  backlog_max: number;
  backlog_at_end_of_sending: number;
  drain_after_sending_ms: number;
  cpu: CpuUse;
}

/**
 * Finds comments as they commit. On PostgreSQL transactions that run side by side commit out of
 * id order, so a plain `id > last seen` cursor would skip the late ones: the cursor is instead
 * the highest id below which every id has been seen, and ids past it that were already seen are
 * skipped. An id missing for two seconds belonged to a rolled-back insert and is passed over.
 */
class CommentFeed {
  private floor: number;
  private readonly seen = new Set<number>();
  private gapSince: number | null = null;
  constructor(afterId: number) {
    this.floor = afterId;
  }
  async next(db: Db) {
    // Ids first (the primary key alone), then the rows not seen yet: ids past the floor that
    // were seen are read again at every poll, so that read is kept small.
    const ids = await db
      .selectFrom('comments')
      .select('id')
      .where('id', '>', this.floor)
      .orderBy('id')
      .limit(5000)
      .execute();
    const wanted = ids.map((r) => r.id).filter((id) => !this.seen.has(id));
    const fresh =
      wanted.length === 0
        ? []
        : await db
            .selectFrom('comments')
            .select(['id', 'plain_body', 'created_at'])
            .where('id', 'in', wanted)
            .orderBy('id')
            .execute();
    for (const r of fresh) this.seen.add(r.id);
    const before = this.floor;
    while (this.seen.delete(this.floor + 1)) this.floor++;
    if (this.seen.size === 0 || this.floor !== before) this.gapSince = null;
    else if (this.gapSince === null) this.gapSince = Date.now();
    else if (Date.now() - this.gapSince > 2000) {
      this.floor++;
      this.gapSince = null;
    }
    return { rows: fresh, full: ids.length === 5000 };
  }
}

async function lastCommentId(db: Db): Promise<number> {
  const row = await db
    .selectFrom('comments')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirstOrThrow();
  return Number(row.id ?? 0);
}

async function measureEndToEnd(
  t: Target,
  src: EventSource,
  opts: Options,
): Promise<EndToEndResult> {
  const total = opts.rate * opts.seconds;
  const marker = `e2e ${src.run} `;
  const events = Array.from({ length: total }, () => src.next((seq) => `${marker}${seq}`));
  const sentAt = new Map<number, number>();
  const ackLatencies: number[] = [];
  const toCreated: number[] = [];
  const toVisible: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  let inFlight = 0;
  const maxInFlight = 512;
  let seen = 0;
  let seenWhileSending = 0;
  let backlogMax = 0;
  let sending = true;
  const feed = new CommentFeed(await lastCommentId(t.db));
  const markerRe = new RegExp(`^${marker}(\\d+)$`);

  const poll = async () => {
    const { rows, full } = await feed.next(t.db);
    const now = wallNow();
    for (const r of rows) {
      const m = markerRe.exec(r.plain_body);
      if (!m) continue;
      const at = sentAt.get(Number(m[1]));
      if (at === undefined) continue;
      seen++;
      if (sending) seenWhileSending++;
      toCreated.push(Date.parse(r.created_at) - at);
      toVisible.push(now - at);
    }
    return full;
  };
  let polling = true;
  let pollError: unknown = null;
  const poller = (async () => {
    while (polling) {
      const full = await poll();
      backlogMax = Math.max(backlogMax, sentAt.size - seen);
      if (!full) await sleep(25);
    }
  })().catch((err) => {
    pollError = err;
  });

  const cpu = cpuMeter(t);
  const agent = new http.Agent({ keepAlive: true, maxSockets: maxInFlight });
  try {
    const started = performance.now();
    let i = 0;
    let sendEnd = started;
    while (i < total) {
      const due = Math.min(
        total,
        Math.floor(((performance.now() - started) * opts.rate) / 1000) + 1,
      );
      while (i < due && inFlight < maxInFlight) {
        const { seq, body } = events[i++]!; // i < due <= total = events.length
        const headers = signed(t.secret, body);
        inFlight++;
        const t0 = performance.now();
        sentAt.set(seq, wallNow());
        post(agent, t.port, '/slack/events', body, headers)
          .then((res) => {
            ackLatencies.push(performance.now() - t0);
            if (res.status !== 200) {
              errors++;
              firstError ??= `${res.status} ${res.text.slice(0, 200)}`;
            }
          })
          .catch((err) => {
            errors++;
            firstError ??= String(err);
          })
          .finally(() => inFlight--);
      }
      if (performance.now() - started > opts.phaseSeconds * 1000) break;
      await sleep(1);
    }
    while (inFlight > 0) await sleep(1);
    sendEnd = performance.now();
    sending = false;
    const backlogAtEnd = sentAt.size - seen;
    const sendSeconds = (sendEnd - started) / 1000;
    if (errors > 0) throw new Error(`end to end: ${errors} sends failed; first: ${firstError}`);
    const drainStart = performance.now();
    while (seen < sentAt.size) {
      if (pollError) throw pollError;
      if (performance.now() - drainStart > opts.phaseSeconds * 1000) {
        await assertNoFailures(t.db);
        throw new Error(`end to end: only ${seen} of ${sentAt.size} events became comments`);
      }
      await sleep(10);
    }
    const drainMs = performance.now() - drainStart;
    polling = false;
    await poller;
    await waitDrained(t.db, opts.phaseSeconds * 1000);
    await assertNoFailures(t.db);
    return {
      target_rate: opts.rate,
      seconds: round(sendSeconds),
      sent: sentAt.size,
      sent_per_second: round(sentAt.size / sendSeconds, 0),
      ack: dist(ackLatencies),
      to_created_at: dist(toCreated),
      to_visible: dist(toVisible),
      applied_per_second_while_sending: round(seenWhileSending / sendSeconds, 0),
      backlog_max: backlogMax,
      backlog_at_end_of_sending: backlogAtEnd,
      drain_after_sending_ms: round(drainMs, 0),
      cpu: cpu(sentAt.size),
    };
  } finally {
    polling = false;
    await poller;
    agent.destroy();
  }
}

// ---- 3. replies when idle -----------------------------------------------------------------

interface ReplyResult {
  replies: number;
  /** Agent's PUT sent → `chat.postMessage` recorded by the sandbox. */
  to_slack: Dist;
  /** The PUT's own response time. */
  put: Dist;
  cpu: CpuUse;
}

interface SandboxCall {
  method: string;
  args: { text?: string };
  at: string;
}

async function measureReplies(t: Target, run: string, opts: Options): Promise<ReplyResult> {
  const now = new Date().toISOString();
  const admin = await createUser(
    t.db,
    {
      name: 'Bench Admin',
      email: `admin-${run.toLowerCase()}@bench.example`,
      role: 'admin',
      verified: 1,
    },
    now,
  );
  const { token } = await createApiToken(t.db, {
    description: 'slack bench',
    createdById: admin.id,
    now,
  });
  const auth = `Basic ${Buffer.from(`${admin.email}/token:${token}`).toString('base64')}`;
  // A real DM in the sandbox, so that chat.postMessage has a channel to post into.
  const sent = JSON.parse(
    (
      await post(
        t.agent,
        t.port,
        '/sandbox/control/messages',
        JSON.stringify({ user: 'U0ALICE', text: `reply bench ${run}` }),
        CONTROL,
      )
    ).text,
  ) as { channel: string };
  let ticketId: number | null = null;
  const deadline = Date.now() + 30_000;
  while (ticketId === null) {
    const conv = await t.db
      .selectFrom('slack_conversations')
      .select('current_ticket_id')
      .where('channel_id', '=', sent.channel)
      .executeTakeFirst();
    ticketId = conv?.current_ticket_id ?? null;
    if (ticketId === null) {
      if (Date.now() > deadline) throw new Error('the sandbox DM did not become a ticket');
      await sleep(20);
    }
  }
  await waitDrained(t.db, opts.phaseSeconds * 1000);
  await post(t.agent, t.port, '/sandbox/control/calls/clear', '{}', CONTROL);

  const toSlack: number[] = [];
  const put: number[] = [];
  const cpu = cpuMeter(t);
  for (let r = 0; r < opts.replies; r++) {
    // Idle: the echo of the previous post (a bot message event) is in and applied.
    await sleep(30);
    const text = `reply ${run} ${r}`;
    const body = JSON.stringify({ ticket: { comment: { body: text, public: true } } });
    const t0 = wallNow();
    const p0 = performance.now();
    const res = await post(
      t.agent,
      t.port,
      `/api/v2/tickets/${ticketId}`,
      body,
      { 'content-type': 'application/json', authorization: auth },
      'PUT',
    );
    put.push(performance.now() - p0);
    if (res.status !== 200) throw new Error(`PUT reply → ${res.status} ${res.text.slice(0, 300)}`);
    const until = Date.now() + opts.phaseSeconds * 1000;
    for (;;) {
      const calls = JSON.parse(
        await get(t.agent, t.port, '/sandbox/control/calls?method=chat.postMessage'),
      ) as SandboxCall[];
      const hit = calls.find((c) => c.args.text === text);
      if (hit) {
        toSlack.push(Date.parse(hit.at) - t0);
        break;
      }
      if (Date.now() > until) throw new Error(`reply ${r} never reached the sandbox`);
      await sleep(5);
    }
    await post(t.agent, t.port, '/sandbox/control/calls/clear', '{}', CONTROL);
  }
  return {
    replies: toSlack.length,
    to_slack: dist(toSlack),
    put: dist(put),
    cpu: cpu(toSlack.length),
  };
}

// ---- one database -------------------------------------------------------------------------

interface DbResult {
  db: DbKind;
  /** 1-minute load average when this database's run began and ended (others' work included). */
  loadavg: { start: number; end: number };
  users: number;
  warm_up: { events: number; seconds: number };
  acks: AckResult;
  end_to_end: EndToEndResult;
  replies: ReplyResult;
}

/** The database name of a `postgres://` URL, also of one without a host (a Unix socket). */
function pgDatabaseName(url: string): string {
  return new URL(url.replace('@/', '@localhost/')).pathname.slice(1);
}

async function benchDatabase(
  kind: DbKind,
  opts: Options,
  pgUrl: () => Promise<string>,
): Promise<DbResult> {
  const loadStart = os.loadavg()[0]!; // always three averages
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-slack-bench-'));
  let drop: (() => Promise<void>) | null = null;
  let child: ChildProcess | null = null;
  let db: Db | null = null;
  let pgCpu: PostgresCpu | null = null;
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  try {
    let databaseUrl = `sqlite:${path.join(dataDir, 'parley.db')}`;
    if (kind === 'postgres') {
      const created = await createTestDatabase(await pgUrl());
      // An external server (--pg-url) is reached as given.
      databaseUrl =
        opts.pgTransport === 'unix' && !opts.pgUrl ? viaUnixSocket(created.url) : created.url;
      drop = created.drop;
    }
    const port = await freePort();
    const secretKey = randomBytes(32).toString('hex');
    child = startChild(
      {
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: databaseUrl,
        PARLEY_DATA_DIR: dataDir,
        PARLEY_PUBLIC_URL: `http://127.0.0.1:${port}`,
        PARLEY_SECRET_KEY: secretKey,
        PARLEY_LOG_LEVEL: 'silent',
        PARLEY_SLACK_SANDBOX: 'on',
        PARLEY_SLACK_SANDBOX_SECRET: SANDBOX_SECRET,
        // One user sending as fast as it can: not what the API's rate limits are for.
        PARLEY_RATE_LIMIT_PER_MINUTE: '0',
        PARLEY_PUBLIC_RATE_LIMIT_PER_MINUTE: '0',
        // The replies phase times Parley's own path to Slack with 200 replies into one DM:
        // unpaced, and with the sandbox's per-channel limit off, or it would time the pace.
        PARLEY_SLACK_PACE_INTERVAL_MS: '0',
      },
      opts.cpuProf,
    );
    await waitHealthy(port, child);
    const unlimited = await post(
      agent,
      port,
      '/sandbox/control/rate-limit',
      JSON.stringify({ off: true }),
      CONTROL,
    );
    if (unlimited.status !== 200) {
      throw new Error(`could not turn the sandbox's rate limit off: ${unlimited.text}`);
    }
    db = openDatabase(
      kind === 'postgres'
        ? { kind, url: databaseUrl, poolSize: 2 }
        : { kind, file: databaseUrl.slice('sqlite:'.length) },
    );
    const secret = await sandboxSigningSecret(db, secretKey);
    pgCpu = kind === 'postgres' ? new PostgresCpu(pgDatabaseName(databaseUrl)) : null;
    const t: Target = { kind, port, child, db, secret, agent, pgCpu };

    // People the sandbox knows, so that users.info answers for each DM's sender.
    for (let u = 0; u < opts.users; u++) {
      const res = await post(
        agent,
        port,
        '/sandbox/control/users',
        JSON.stringify({
          id: benchUser(u),
          name: `Bench Person ${u}`,
          email: `person${u}@bench.example`,
        }),
        CONTROL,
      );
      if (res.status !== 200) throw new Error(`adding a sandbox user → ${res.status} ${res.text}`);
    }
    const run = randomBytes(3).toString('hex').toUpperCase();
    const src = new EventSource(run, opts.users);

    // Warm-up: every DM gets its requester and ticket, and the JIT sees the hot paths.
    process.stderr.write(`[${kind}] warm-up\n`);
    const warmStarted = performance.now();
    const warm = Math.max(opts.users, Math.min(2000, opts.events));
    await measureAcks(t, src, { ...opts, events: warm });
    const warmSeconds = (performance.now() - warmStarted) / 1000;

    process.stderr.write(`[${kind}] acks: ${opts.events} events, ${opts.concurrency} in flight\n`);
    const acks = await measureAcks(t, src, opts);
    process.stderr.write(`[${kind}] end to end: ${opts.rate}/s for ${opts.seconds} s\n`);
    const endToEnd = await measureEndToEnd(t, src, opts);
    process.stderr.write(`[${kind}] replies: ${opts.replies}\n`);
    const replies = await measureReplies(t, run, opts);
    return {
      db: kind,
      loadavg: { start: round(loadStart), end: round(os.loadavg()[0]!) },
      users: opts.users,
      warm_up: { events: warm, seconds: round(warmSeconds) },
      acks,
      end_to_end: endToEnd,
      replies,
    };
  } finally {
    agent.destroy();
    pgCpu?.stop();
    if (child) await stopChild(child);
    if (db) await db.destroy();
    if (drop) await drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---- report -------------------------------------------------------------------------------

function table(results: DbResult[]): string {
  const rows: string[][] = [
    ['db', 'measure', 'n', 'per s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'cpu ms/event'],
  ];
  const cpuCell = (c: CpuUse) =>
    c.postgres_seconds > 0
      ? `${c.parley_ms_per_item} + pg ${c.postgres_ms_per_item}`
      : String(c.parley_ms_per_item);
  const line = (
    db: string,
    name: string,
    n: number,
    perS: number | string,
    d: Dist | null,
    cpu = '',
  ) =>
    rows.push([
      db,
      name,
      String(n),
      String(perS),
      ...(d ? [d.p50_ms, d.p95_ms, d.p99_ms, d.max_ms].map(String) : ['', '', '', '']),
      cpu,
    ]);
  for (const r of results) {
    line(r.db, 'burst acks', r.acks.events, r.acks.acked_per_second, r.acks.latency);
    line(
      r.db,
      'burst applied',
      r.acks.events,
      r.acks.applied_per_second,
      null,
      cpuCell(r.acks.cpu),
    );
    const e = r.end_to_end;
    line(r.db, `paced acks @${e.target_rate}/s`, e.sent, e.sent_per_second, e.ack);
    line(
      r.db,
      'event → comment created_at',
      e.sent,
      e.applied_per_second_while_sending,
      e.to_created_at,
      cpuCell(e.cpu),
    );
    line(r.db, 'event → comment visible', e.sent, '', e.to_visible);
    line(
      r.db,
      'reply → chat.postMessage',
      r.replies.replies,
      '',
      r.replies.to_slack,
      cpuCell(r.replies.cpu),
    );
  }
  // rows[0] is the header; a cell past its columns gets no padding, as padEnd(undefined).
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, c) => (c < 2 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
        .join('  '),
    )
    .join('\n');
}

function targets(results: DbResult[], opts: Options) {
  const out: Record<string, { met: boolean; value: number | string; target: string }> = {};
  for (const r of results) {
    out[`${r.db}_acks_per_s`] = {
      met: r.acks.acked_per_second >= 3000,
      value: r.acks.acked_per_second,
      target: '>= 3000/s',
    };
    out[`${r.db}_ack_p99`] = {
      met: r.acks.latency.p99_ms <= 25,
      value: r.acks.latency.p99_ms,
      target: '<= 25 ms',
    };
    const e = r.end_to_end;
    // Sustained means the ingest kept pace while sending: nearly every event applied within
    // the window, and never more than one second's worth waiting.
    const kept =
      e.sent_per_second >= 0.98 * opts.rate &&
      e.applied_per_second_while_sending >= 0.95 * opts.rate &&
      e.backlog_max <= opts.rate;
    out[`${r.db}_sustained_${opts.rate}_per_s`] = {
      met: kept && opts.rate >= 1000,
      value: `${e.applied_per_second_while_sending}/s applied, backlog max ${e.backlog_max}`,
      target: '>= 1000/s applied, backlog <= 1 s of events',
    };
    out[`${r.db}_reply_p95`] = {
      met: r.replies.to_slack.p95_ms <= 100,
      value: r.replies.to_slack.p95_ms,
      target: '<= 100 ms',
    };
  }
  return out;
}

export async function main(argv: string[]): Promise<void> {
  const opts = parseOptions(argv);
  if (opts.cpuProf) mkdirSync(opts.cpuProf, { recursive: true });
  let pgServer: Awaited<ReturnType<typeof startEmbeddedPostgres>> | null = null;
  const pgUrl = async () => opts.pgUrl ?? (pgServer ??= await startEmbeddedPostgres()).url;
  await runBench({
    benchmark: 'slack',
    options: opts,
    measure: async (kind) => {
      const result = await benchDatabase(kind, opts, pgUrl);
      process.stderr.write(`${table([result])}
`);
      return result;
    },
    cleanUp: async () => {
      if (pgServer) await (pgServer as { stop(): Promise<void> }).stop();
    },
    table,
    targets: (results) => targets(results, opts),
  });
}
