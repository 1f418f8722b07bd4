import { sql } from 'kysely';
import type { WebClient } from '@slack/web-api';
import { WebAPIPlatformError } from '@slack/web-api';
import type {
  SlackConnection,
  SlackConversation,
  SlackInboxRow,
  Ticket,
  User,
} from '../../db/types.ts';
import { isPostgres } from '../../db/dialect.ts';
import { writeAudit, writeAuditEvents } from '../../desk/audits.ts';
import type { Conn } from '../../desk/context.ts';
import { renderMarkdown } from '../../desk/markdown.ts';
import { parseJson } from '../../desk/time.ts';
import { WriteBatch } from '../../desk/tickets/write-batch.ts';
import { writeTicket } from '../../desk/tickets/write-ticket.ts';
import { type Via, via } from '../../desk/via.ts';
import { backoffMs, enqueueJob } from '../../jobs/queue.ts';
import {
  type Classified,
  classify,
  parseEnvelope,
  type SlackEnvelope,
  type SlackFile,
  type SlackMessage,
} from './classify.ts';
import { allowedFileTypes, markDisconnected } from './connections.ts';
import { type SlackContext, connectionClient, connectionToken } from './context.ts';
import { DELIVERY_QUEUE } from './delivery.ts';
import { checkFile, downloadFile, FileFetchError, fileType, resolveFile } from './files.ts';
import { mentionedUserIds, slackToMarkdown } from './format.ts';
import {
  ensureRequester,
  fetchProfile,
  fetchTeamName,
  findSlackUser,
  type SlackProfile,
} from './requesters.ts';
import {
  fetchFailure,
  fileLabel,
  filesOnlyBody,
  type RefusedFile,
  refusalNote,
  refusalNotice,
} from './refused-files.ts';

export const SLACK_VIA = 'business_messaging_slack_connect';
/**
 * How long an event that fails for now (Slack or the network down) is retried, counted from
 * its first try. Every later message of its conversation waits behind it, so this bounds that
 * wait: then a message whose files would not come is applied without them, and any other
 * event is given up (kept for an admin to replay).
 */
export const DEFAULT_RETRY_BOUND_MS = 120_000;
/** The longest a file download may take. */
const DOWNLOAD_TIMEOUT_MS = 30_000;
/** Key of the PostgreSQL advisory locks that keep each conversation's events in order. */
const INGEST_LOCK = 7061626;
/**
 * PostgreSQL: conversations are split over this many lanes; a transaction applies the events
 * of one or more lanes under their locks. Every node must split alike, so the number is fixed;
 * how many transactions run at once depends on the connection pool.
 */
const PG_LANES = 16;
/** PostgreSQL: events worth one transaction (see `pass`). */
const PG_EVENTS_PER_TX = 25;
/** PostgreSQL: events read per pass, enough to give the lanes that run at once some work. */
const PG_BATCH = 400;
/**
 * SQLite: how long one ingest transaction may hold the single connection. better-sqlite3 runs
 * statements synchronously, so the transaction also holds the event loop, and every request
 * that arrives meanwhile waits for it. While events are arriving transactions are kept short,
 * so that acks (and agents' requests) wait little; when quiet, longer transactions spend less
 * on their fixed cost. Commits at NORMAL cost no fsync. Measured (bench/slack.ts, loaded
 * 2-core box): 2 ms slices gave ~1,650 acks/s in a burst but kept up with only ~700-830 of
 * 1,000 events/s; 5 ms slices ~1,200 acks/s and 990-1,000 events/s sustained.
 */
const SQLITE_BUSY_SLICE_MS = 5;
const SQLITE_QUIET_SLICE_MS = 10;
/**
 * A burst: this many requests, on average, shared each recent inbox commit. They queue behind
 * every ingest transaction, so its slice shrinks to SQLITE_BURST_SLICE_MS and acks run ahead
 * while the backlog waits in the inbox. (At 1,000 events/s a commit holds one to four.)
 */
const BURST_BATCH = 8;
const SQLITE_BURST_SLICE_MS = 2;
/**
 * During a burst, ingest rests after each transaction for this many times as long as the
 * transaction took (and PostgreSQL applies one group of lanes at a time), so that acks get about five
 * sixths of the time: an acked event is safe in the inbox, and Slack retries (and people see
 * duplicates) when acks are slow, not when comments appear a second later. Ingest still moves
 * in a burst and runs at full speed as soon as it ends. Measured on the 2-core VM (burst of
 * 20,000, 32 in flight): with no rest, acks topped out near 2,500/s (p99 26-32 ms) on SQLite
 * and 1,500-2,600/s (p99 34-63 ms) on PostgreSQL; PostgreSQL rests of 15/30/50/100 ms gave
 * 3,100/3,600/4,000/5,500 acks/s, and the burst was applied sooner, not later.
 */
const BURST_REST_FACTOR = 5;
const BURST_REST_MAX_MS = 200;
/** Events written to the inbox within this long mean that requests are arriving. */
const BUSY_WINDOW_MS = 100;

interface StoredFile {
  file_name: string;
  content_type: string;
  size: number;
  sha256: string;
  blob_key: string;
}

/** One try at an event, and how much of its retry bound is left. */
interface Attempt {
  startedAt: number;
  /** No retry follows this try: what Slack will not hand over now is done without. */
  final: boolean;
  /** When the event's bound ends; network calls of this try end by then. */
  deadline: number;
}

/** Files Slack did not hand over for now; the event is retried while its bound allows. */
class FilesUnavailable extends Error {
  constructor(failures: { name: string; err: FileFetchError }[]) {
    super(
      `files not fetched yet: ${failures.map((f) => `${f.name} (${f.err.message})`).join(', ')}`,
    );
  }
}

/** An inbox event with its network work done: the transaction that applies it does no I/O. */
interface Prepared {
  row: SlackInboxRow;
  attempt: Attempt;
  connections: SlackConnection[];
  classified: Classified;
  profile?: SlackProfile;
  teamName?: string | null;
  names: Map<string, string>;
  files: StoredFile[];
  refused: RefusedFile[];
}

function teamOf(env: SlackEnvelope): string | null {
  return env.authorizations?.[0]?.team_id ?? env.team_id ?? null;
}

/** What one pass reads once for all its events instead of once per event. */
interface PassLookups {
  /** Connections by `team app`, read at most once per pass. */
  connections: Map<string, Promise<SlackConnection[]>>;
  /** Slack users that already are Parley users (no users.info needed). */
  knownUsers: Set<string>;
}

/** Which of our connections an event is for: the app that signed it, the team, our identity. */
async function connectionsFor(
  db: Conn,
  lookups: PassLookups,
  row: SlackInboxRow,
  env: SlackEnvelope,
): Promise<SlackConnection[]> {
  const auth = env.authorizations?.[0];
  const teamId = teamOf(env);
  if (!teamId) return [];
  const key = `${teamId} ${row.app_id}`;
  let read = lookups.connections.get(key);
  if (!read) {
    let q = db.selectFrom('slack_connections').selectAll().where('team_id', '=', teamId);
    if (row.app_id !== null) q = q.where('app_id', '=', row.app_id);
    read = q.orderBy('id').execute();
    lookups.connections.set(key, read);
  }
  const all = await read;
  if (['app_uninstalled', 'tokens_revoked'].includes(env.event.type)) return all;
  const active = all.filter((c) => c.status === 'active');
  const exact = active.filter((c) => auth?.user_id && c.identity_user_id === auth.user_id);
  return exact.length > 0 ? exact : active.length === 1 ? active : [];
}

function slackVia(
  connection: SlackConnection,
  m: { user?: string; channel: string },
  name: string,
  extra: Partial<Via['source']> = {},
): Via {
  return via(SLACK_VIA, {
    from: { slack_user_id: m.user, name, ...(extra.from ?? {}) },
    to: { slack_connection_id: connection.id, name: connection.name, channel_id: m.channel },
    rel: extra.rel ?? 'slack_dm',
  });
}

/**
 * Rows one apply transaction reads up front for all its events (one query each instead of one
 * per event) and keeps current as its events change them.
 */
interface ApplyState {
  /** Parley users by Slack user id. */
  requesters: Map<string, User>;
  /** Conversations by `connection channel`. */
  conversations: Map<string, SlackConversation>;
  /** Messages already applied, by `conversation ts`. */
  seen: Set<string>;
  /** The conversations' current tickets (locked FOR UPDATE on PostgreSQL). */
  tickets: Map<number, Ticket>;
  /**
   * PostgreSQL: comments on existing tickets are collected here and written in a few
   * statements (see write-batch.ts), flushed before anything reads them back.
   */
  batch?: WriteBatch;
  /** Incoming messages recorded, written in one statement before anything reads them. */
  messages: {
    conversation_id: number;
    ts: string;
    comment_id: number | null;
    created_at: string;
  }[];
}

/** The message an event brings, for the events that apply one. */
function messageOf(p: Prepared): SlackMessage | null {
  const c = p.classified;
  return c.kind === 'message' || c.kind === 'thread_reply' || c.kind === 'edit' ? c.message : null;
}

function laneOf(row: SlackInboxRow): number {
  const key = row.conversation_key ?? `event:${row.event_id}`;
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (Math.imul(h, 31) + key.charCodeAt(i)) | 0;
  return Math.abs(h) % PG_LANES;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class IngestWorker {
  private stopped = false;
  /** SQLite: recent cost of applying one event, to size transactions to a time slice. */
  private msPerEvent = 1;
  /** When the inbox last told of new events. */
  private lastKick = 0;
  /** Recent number of events per inbox commit (a moving average). */
  private eventsPerWrite = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private readonly nameCache = new Map<string, string>();

  constructor(
    private readonly ctx: SlackContext,
    private readonly opts: {
      batchSize?: number;
      idlePollMs?: number;
      /** See DEFAULT_RETRY_BOUND_MS (tests shorten it). */
      retryBoundMs?: number;
    } = {},
  ) {}

  private get boundMs(): number {
    return this.opts.retryBoundMs ?? DEFAULT_RETRY_BOUND_MS;
  }

  /** The last retry starts this long before the bound ends, so that it ends within it. */
  private get finalTryMs(): number {
    return Math.min(15_000, this.boundMs / 4);
  }

  /**
   * A try at `row` starting now. An event's first failure sets `retry_until`, the start of its
   * last try: the bound, counted from the first try, less the last try's own time.
   */
  private attemptAt(row: SlackInboxRow, now: number): Attempt {
    const until = row.retry_until ? Date.parse(row.retry_until) : null;
    return {
      startedAt: now,
      final: until !== null && now >= until,
      deadline: until === null ? now + this.boundMs : until + this.finalTryMs,
    };
  }

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** New rows are in the inbox (`events` of them, when the inbox tells): look now. */
  kick(events?: number): void {
    this.lastKick = performance.now();
    if (events !== undefined) this.eventsPerWrite = 0.8 * this.eventsPerWrite + 0.2 * events;
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.pass()
        .catch((err) => this.ctx.logger.error({ err }, 'slack ingest pass failed'))
        .finally(() => {
          this.running = null;
          const more = this.again;
          this.again = false;
          this.schedule(more || this.lastPassFull ? 0 : (this.opts.idlePollMs ?? 500));
        });
    }, ms);
  }

  private lastPassFull = false;

  /** Resolves once every inbox row is processed (tests and benchmarks). */
  async drained(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const row = await this.ctx.db
        .selectFrom('slack_inbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('processed_at', 'is', null)
        .executeTakeFirstOrThrow();
      if (Number(row.n) === 0) return;
      if (Date.now() > deadline) throw new Error('slack inbox not drained');
      this.kick();
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** One pass: read pending events in order, prepare them, then apply them (see applyLane). */
  private async pass(): Promise<void> {
    const { db } = this.ctx;
    const batchSize = this.opts.batchSize ?? (isPostgres(db) ? PG_BATCH : 100);
    const now = new Date().toISOString();
    const rows = await db
      .selectFrom('slack_inbox')
      .selectAll()
      .where('processed_at', 'is', null)
      .orderBy('id')
      .limit(batchSize)
      .execute();
    this.lastPassFull = rows.length === batchSize;
    if (rows.length === 0) return;
    // An event waiting for a retry holds back the later events of its conversation.
    const blocked = new Set<string>();
    const ready: SlackInboxRow[] = [];
    for (const row of rows) {
      const key = row.conversation_key ?? `event:${row.event_id}`;
      if (blocked.has(key)) continue;
      if (row.next_attempt_at && row.next_attempt_at > now) {
        blocked.add(key);
        continue;
      }
      ready.push(row);
    }
    if (ready.length === 0) {
      this.lastPassFull = false;
      return;
    }
    const envs = new Map(ready.map((r) => [r.id, parseEnvelope(parseJson(r.payload, null))]));
    const lookups = await this.passLookups([...envs.values()]);
    const prepared: Prepared[] = [];
    let slice = performance.now();
    for (const row of ready) {
      // Preparing is mostly CPU when no Slack call is needed: let requests in now and then.
      if (performance.now() - slice > this.sliceMs()) {
        await yieldToEventLoop();
        slice = performance.now();
      }
      const attempt = this.attemptAt(row, Date.now());
      try {
        prepared.push(await this.prepare(row, attempt, envs.get(row.id) ?? null, lookups));
      } catch (err) {
        await this.deferOrFail(row, attempt, err);
        // Later events of this conversation must wait for this one.
        const key = row.conversation_key;
        if (key) {
          for (let i = prepared.length - 1; i >= 0; i--) {
            if (prepared[i].row.conversation_key === key) prepared.splice(i, 1);
          }
          blocked.add(key);
        }
      }
    }
    const applicable = prepared.filter((p) => !blocked.has(p.row.conversation_key ?? ''));
    if (applicable.length === 0) return;
    if (!isPostgres(this.ctx.db)) {
      await this.applyLane(applicable, [], blocked);
      return;
    }
    // Conversations are independent: PostgreSQL applies several groups of lanes at once, which
    // hides the round trips each statement costs. Order within a conversation is kept because
    // all of its events are in one lane, applied in order under that lane's lock.
    const lanes = new Map<number, Prepared[]>();
    for (const p of applicable) {
      const lane = laneOf(p.row);
      const list = lanes.get(lane);
      if (list) list.push(p);
      else lanes.set(lane, [p]);
    }
    // A transaction's fixed statements (locks, lookups, the batch's inserts) are worth paying
    // for PG_EVENTS_PER_TX events or so: a quiet pass puts every lane in one transaction, a
    // big one spreads them over several. Lanes go to the group with the fewest events so far.
    const groupCount = Math.max(
      1,
      Math.min(lanes.size, Math.ceil(applicable.length / PG_EVENTS_PER_TX)),
    );
    const groups = Array.from({ length: groupCount }, () => ({
      lanes: [] as number[],
      events: [] as Prepared[],
    }));
    for (const [lane, events] of [...lanes].sort((a, b) => b[1].length - a[1].length)) {
      const g = groups.reduce((min, x) => (x.events.length < min.events.length ? x : min));
      g.lanes.push(lane);
      g.events.push(...events);
    }
    // Two connections stay free for the requests (acks) and the delivery worker.
    const { database } = this.ctx.config;
    const poolSize = database.kind === 'postgres' ? database.poolSize : 1;
    const parallel = this.inBurst() ? 1 : Math.max(1, Math.min(8, poolSize - 2, groups.length));
    const runner = async () => {
      for (let next = groups.shift(); next; next = groups.shift()) {
        await this.applyLane(next.events, next.lanes, blocked);
        if (parallel === 1 && groups.length > 0) await this.rest();
      }
    };
    await Promise.all(Array.from({ length: parallel }, runner));
  }

  private sliceMs(): number {
    if (!this.busy()) return SQLITE_QUIET_SLICE_MS;
    return this.inBurst() ? SQLITE_BURST_SLICE_MS : SQLITE_BUSY_SLICE_MS;
  }

  /** Events are arriving. */
  private busy(): boolean {
    return performance.now() - this.lastKick < BUSY_WINDOW_MS;
  }

  /** Requests are arriving many to an inbox commit: acks come first. */
  private inBurst(): boolean {
    return this.busy() && this.eventsPerWrite >= BURST_BATCH;
  }

  /** Wall time of the last ingest transaction. */
  private lastApplyMs = 1;

  /** Between two ingest transactions: let requests in, and in a burst leave them the loop. */
  private rest(): Promise<void> {
    if (this.stopped || !this.inBurst()) return yieldToEventLoop();
    const ms = Math.min(BURST_REST_MAX_MS, BURST_REST_FACTOR * this.lastApplyMs);
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** Slack users of these events who are Parley users already, and a connection cache. */
  private async passLookups(envs: (SlackEnvelope | null)[]): Promise<PassLookups> {
    const users = new Set<string>();
    for (const env of envs) {
      const ev = env?.event as { user?: unknown; message?: { user?: unknown } } | undefined;
      for (const u of [ev?.user, ev?.message?.user]) if (typeof u === 'string') users.add(u);
    }
    const known =
      users.size === 0
        ? []
        : await this.ctx.db
            .selectFrom('user_identities')
            .innerJoin('users', 'users.id', 'user_identities.user_id')
            .select('user_identities.value')
            .where('user_identities.type', '=', 'slack')
            .where('user_identities.value', 'in', [...users])
            .execute();
    return { connections: new Map(), knownUsers: new Set(known.map((k) => k.value)) };
  }

  /**
   * Applies events in order in as few transactions as fit: on PostgreSQL all in one, on SQLite
   * in transactions sized to a time slice with the event loop let in between.
   */
  private async applyLane(list: Prepared[], lanes: number[], blocked: Set<string>): Promise<void> {
    const pg = isPostgres(this.ctx.db);
    let rest = list;
    while (rest.length > 0) {
      const size = pg
        ? rest.length
        : Math.max(1, Math.min(rest.length, Math.floor(this.sliceMs() / this.msPerEvent)));
      const chunk = rest.slice(0, size);
      const started = performance.now();
      try {
        await this.applyAll(chunk, lanes);
        this.lastApplyMs = performance.now() - started;
      } catch (err) {
        // One bad event must not hold back the others: apply them one by one to find it.
        this.ctx.logger.warn({ err }, 'slack ingest batch failed; applying events one by one');
        for (const p of rest) {
          if (p.row.conversation_key && blocked.has(p.row.conversation_key)) continue;
          try {
            await this.applyAll([p], lanes);
          } catch (one) {
            await this.deferOrFail(p.row, p.attempt, one);
            if (p.row.conversation_key) blocked.add(p.row.conversation_key);
          }
        }
        return;
      }
      if (!pg) {
        const perEvent = (performance.now() - started) / chunk.length;
        this.msPerEvent = 0.7 * this.msPerEvent + 0.3 * perEvent;
      }
      rest = rest.slice(size);
      if (rest.length > 0) await this.rest();
    }
  }

  /**
   * A try failed: retry with backoff until the event's `retry_until`, and give up after the
   * try made then. A given-up event is processed (its conversation goes on) and marked
   * failed, for an admin to replay.
   */
  private async deferOrFail(row: SlackInboxRow, attempt: Attempt, err: unknown): Promise<void> {
    const message =
      err instanceof WebAPIPlatformError ? err.data.error : String((err as Error)?.message ?? err);
    const attempts = row.attempts + 1;
    const final = attempt.final;
    const now = Date.now();
    const until =
      row.retry_until ?? new Date(attempt.startedAt + this.boundMs - this.finalTryMs).toISOString();
    const log = { err, eventId: row.event_id, attempts, final };
    if (final) this.ctx.logger.error(log, 'slack event could not be applied; giving up');
    else this.ctx.logger.warn(log, 'slack event could not be applied; will retry');
    const nowIso = new Date(now).toISOString();
    await this.ctx.db
      .updateTable('slack_inbox')
      .set({
        attempts,
        last_error: message.slice(0, 1000),
        retry_until: until,
        next_attempt_at: final
          ? null
          : new Date(Math.min(now + backoffMs(row.attempts), Date.parse(until))).toISOString(),
        ...(final
          ? { processed_at: nowIso, failed_at: nowIso, outcome: `failed: ${message.slice(0, 200)}` }
          : {}),
      })
      .where('id', '=', row.id)
      .where('processed_at', 'is', null)
      .execute();
  }

  private async applyAll(batch: Prepared[], lanes: number[]): Promise<void> {
    const { db } = this.ctx;
    await db.transaction().execute(async (trx) => {
      const pg = isPostgres(trx);
      if (pg) {
        // One applier per lane across nodes keeps each conversation in order. The locks are
        // taken in one statement, in lane order, so that two nodes sharing lanes do not
        // deadlock (and if PostgreSQL ever detected one, the failed batch is simply retried).
        const sorted = [...lanes].sort((a, b) => a - b);
        await sql`SELECT pg_advisory_xact_lock(${INGEST_LOCK}, l)
          FROM (SELECT unnest(${sorted}::int[]) AS l ORDER BY 1) AS ordered`.execute(trx);
      }
      const ids = batch.map((p) => p.row.id);
      const still = new Set(
        (
          await trx
            .selectFrom('slack_inbox')
            .select('id')
            .where('id', 'in', ids)
            .where('processed_at', 'is', null)
            .execute()
        ).map((r) => r.id),
      );
      const todo = batch.filter((p) => still.has(p.row.id));
      if (todo.length === 0) return;
      const state = await this.loadState(trx, todo, pg);
      if (pg) state.batch = new WriteBatch(trx, todo.length);
      const outcomes: { id: number; outcome: string }[] = [];
      for (const p of todo)
        outcomes.push({ id: p.row.id, outcome: await this.apply(trx, p, state) });
      await this.writeMessages(trx, state);
      await trx
        .updateTable('slack_inbox')
        .set({
          processed_at: new Date().toISOString(),
          last_error: null,
          outcome: sql<string>`case ${sql.ref('id')} ${sql.join(
            outcomes.map((o) => sql`when ${o.id} then ${o.outcome}`),
            sql` `,
          )} end`,
        })
        .where('id', 'in', ids)
        .where('processed_at', 'is', null)
        .execute();
    });
  }

  /** Reads, in one query each, the rows the events of one transaction look up. */
  private async loadState(trx: Conn, batch: Prepared[], pg: boolean): Promise<ApplyState> {
    const state: ApplyState = {
      requesters: new Map(),
      conversations: new Map(),
      seen: new Set(),
      tickets: new Map(),
      messages: [],
    };
    const users = new Set<string>();
    const channels = new Set<string>();
    for (const p of batch) {
      const m = messageOf(p);
      if (!m || !p.connections[0]) continue;
      if (m.user) users.add(m.user);
      channels.add(m.channel);
    }
    if (users.size > 0) {
      const rows = await trx
        .selectFrom('user_identities')
        .innerJoin('users', 'users.id', 'user_identities.user_id')
        .selectAll('users')
        .select('user_identities.value as slack_identity')
        .where('user_identities.type', '=', 'slack')
        .where('user_identities.value', 'in', [...users])
        .execute();
      for (const { slack_identity, ...user } of rows) state.requesters.set(slack_identity, user);
    }
    if (channels.size === 0) return state;
    const conversations = await trx
      .selectFrom('slack_conversations')
      .selectAll()
      .where('channel_id', 'in', [...channels])
      .execute();
    for (const c of conversations) state.conversations.set(`${c.connection_id} ${c.channel_id}`, c);
    const convIds = conversations.map((c) => c.id);
    const tss = [...new Set(batch.map((p) => messageOf(p)?.ts).filter((t) => t !== undefined))];
    if (convIds.length > 0 && tss.length > 0) {
      const seen = await trx
        .selectFrom('slack_messages')
        .select(['conversation_id', 'ts'])
        .where('conversation_id', 'in', convIds)
        .where('ts', 'in', tss)
        .execute();
      for (const m of seen) state.seen.add(`${m.conversation_id} ${m.ts}`);
    }
    const ticketIds = conversations
      .map((c) => c.current_ticket_id)
      .filter((id): id is number => id !== null);
    if (ticketIds.length > 0) {
      let q = trx.selectFrom('tickets').selectAll().where('id', 'in', ticketIds);
      // Each ticket is written from the row read here: lock it so that a concurrent agent's
      // update is not overwritten with what was read before it.
      if (pg) q = q.forUpdate();
      for (const t of await q.orderBy('id').execute()) state.tickets.set(t.id, t);
    }
    return state;
  }

  /** Records the incoming messages applied so far (an edit or delete may look them up next). */
  private async writeMessages(trx: Conn, state: ApplyState): Promise<void> {
    // The messages point at comments that may still be in the batch.
    await state.batch?.flush();
    if (state.messages.length === 0) return;
    const rows = state.messages.map((m) => ({
      ...m,
      direction: 'in' as const,
      thread_ts: null,
    }));
    state.messages = [];
    await trx.insertInto('slack_messages').values(rows).execute();
  }

  // ---- preparation: all network I/O happens here, outside any transaction ----

  private async prepare(
    row: SlackInboxRow,
    attempt: Attempt,
    env: SlackEnvelope | null,
    lookups: PassLookups,
  ): Promise<Prepared> {
    const base: Prepared = {
      row,
      attempt,
      connections: [],
      classified: { kind: 'ignore', reason: 'not an event_callback' },
      names: new Map(),
      files: [],
      refused: [],
    };
    if (!env) return base;
    const connections = await connectionsFor(this.ctx.db, lookups, row, env);
    base.connections = connections;
    const connection = connections[0];
    if (!connection) {
      base.classified = {
        kind: 'ignore',
        reason: 'no active connection for this team and identity',
      };
      if (['app_uninstalled', 'tokens_revoked'].includes(env.event.type)) {
        base.classified = classify(env, { identityUserId: null, botId: null });
      }
      return base;
    }
    base.classified = classify(env, {
      identityUserId: connection.identity_user_id,
      botId: connection.bot_id,
    });
    const c = base.classified;
    if (c.kind !== 'message' && c.kind !== 'thread_reply' && c.kind !== 'edit') return base;
    if (connection.status !== 'active') return base;
    // A Web API client is built only for the events that call Slack.
    let built: WebClient | null = null;
    const client = () => (built ??= connectionClient(this.ctx, connection));
    const message = c.message;
    if (message.user && !lookups.knownUsers.has(message.user)) {
      base.profile = await fetchProfile(client(), message.user);
      if (base.profile.teamId && base.profile.teamId !== connection.team_id) {
        base.teamName = await fetchTeamName(client(), base.profile.teamId);
      }
    }
    if (c.kind === 'thread_reply') return base;
    base.names = await this.resolveNames(client, mentionedUserIds(message));
    if (c.kind === 'message' && message.files?.length) {
      await this.prepareFiles(base, connection, client(), message.files);
    }
    return base;
  }

  private async resolveNames(client: () => WebClient, ids: string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    for (const id of ids) {
      const cached = this.nameCache.get(id);
      if (cached) {
        names.set(id, cached);
        continue;
      }
      const local = await findSlackUser(this.ctx.db, id);
      let name = local?.name;
      if (!name) {
        try {
          name = (await fetchProfile(client(), id)).name;
        } catch {
          // A mention we cannot resolve stays readable as its id.
          continue;
        }
      }
      this.nameCache.set(id, name);
      names.set(id, name);
    }
    return names;
  }

  /**
   * Fetches and checks the message's files. A file Slack will not hand over is noted and left
   * out at once when waiting cannot help (deleted, too large, refused); when it might (an
   * outage) the event is retried within its bound, and left out on its last try.
   */
  private async prepareFiles(
    p: Prepared,
    connection: SlackConnection,
    client: WebClient,
    files: SlackFile[],
  ) {
    if (connection.attachments_enabled !== 1) {
      for (const f of files)
        p.refused.push({
          name: fileLabel(f),
          reason: 'attachments are turned off for this channel',
          problem: 'policy',
        });
      return;
    }
    const allowed = allowedFileTypes(connection);
    const token = connectionToken(this.ctx, connection)!;
    const uploadLimit = this.ctx.config.uploadLimit;
    const later: { name: string; err: FileFetchError }[] = [];
    for (const stub of files) {
      let name = fileLabel(stub);
      try {
        const file = await resolveFile(client, stub);
        name = fileLabel(file);
        const type = fileType(name);
        if (!type || !allowed.includes(type)) {
          p.refused.push({
            name,
            reason: type
              ? `.${type} files are not accepted`
              : 'files without an extension are not accepted',
            problem: 'policy',
          });
          continue;
        }
        const url = file.url_private_download ?? file.url_private;
        if (!url) throw new FileFetchError('refused', 'Slack did not share the file');
        // Slack says how big the file is: no need to fetch what could not be kept.
        if (typeof file.size === 'number' && file.size > uploadLimit)
          throw new FileFetchError('too_large', `the file is larger than ${uploadLimit} bytes`);
        const data = await downloadFile(url, token, {
          allowedHosts: this.ctx.config.slack.fileHosts,
          maxBytes: uploadLimit,
          timeoutMs: Math.max(1000, Math.min(DOWNLOAD_TIMEOUT_MS, p.attempt.deadline - Date.now())),
        });
        const check = checkFile(name, data, allowed);
        if (!check.ok) {
          p.refused.push({ name, reason: check.reason, problem: 'policy' });
          continue;
        }
        let stored;
        try {
          stored = await this.ctx.blobs.put(data);
        } catch (err) {
          throw new FileFetchError(
            'unavailable',
            `could not be stored: ${String((err as Error)?.message ?? err)}`,
          );
        }
        p.files.push({
          file_name: name,
          content_type: check.contentType,
          size: data.length,
          sha256: stored.sha256,
          blob_key: stored.key,
        });
      } catch (err) {
        if (!(err instanceof FileFetchError)) throw err;
        if (err.transient && !p.attempt.final) {
          later.push({ name, err });
          continue;
        }
        p.refused.push(
          fetchFailure(name, err, {
            uploadLimit,
            // The bound is counted from the first try.
            ...(err.transient
              ? { gaveUpAfterMs: Date.now() - (p.attempt.deadline - this.boundMs) }
              : {}),
          }),
        );
      }
    }
    if (later.length > 0) throw new FilesUnavailable(later);
  }

  // ---- application: inside the batch transaction, no network ----

  private async apply(trx: Conn, p: Prepared, state: ApplyState): Promise<string> {
    const c = p.classified;
    const now = new Date().toISOString();
    switch (c.kind) {
      case 'ignore':
        return `ignored: ${c.reason}`;
      case 'uninstalled':
        for (const conn of p.connections)
          await markDisconnected(trx, conn.id, 'app_uninstalled', now);
        return `disconnected ${p.connections.length} connection(s): app uninstalled`;
      case 'tokens_revoked': {
        const hit = p.connections.filter(
          (conn) => conn.identity_user_id && c.userIds.includes(conn.identity_user_id),
        );
        for (const conn of hit) await markDisconnected(trx, conn.id, 'tokens_revoked', now);
        return `disconnected ${hit.length} connection(s): tokens revoked`;
      }
      default:
        break;
    }
    const connection = p.connections[0];
    if (!connection || connection.status !== 'active') return 'ignored: connection is not active';
    const message = c.kind === 'delete' ? null : c.message;

    if (c.kind === 'delete' || c.kind === 'edit') {
      // The message may have come in earlier in this transaction.
      await this.writeMessages(trx, state);
      const conv = await trx
        .selectFrom('slack_conversations')
        .selectAll()
        .where('connection_id', '=', connection.id)
        .where('channel_id', '=', c.channel)
        .executeTakeFirst();
      if (!conv) return 'ignored: unknown conversation';
      const known = await trx
        .selectFrom('slack_messages')
        .innerJoin('comments', 'comments.id', 'slack_messages.comment_id')
        .select([
          'comments.id as comment_id',
          'comments.ticket_id',
          'comments.body',
          'comments.author_id',
          'comments.deleted_at',
        ])
        .where('slack_messages.conversation_id', '=', conv.id)
        .where('slack_messages.ts', '=', c.ts)
        .executeTakeFirst();
      if (!known) return 'ignored: message not known';
      const auditVia = slackVia(connection, { user: conv.slack_user_id, channel: c.channel }, '');
      const auditId = await writeAudit(trx, {
        ticketId: known.ticket_id,
        authorId: known.author_id,
        via: auditVia,
        now,
      });
      if (c.kind === 'delete') {
        await trx
          .updateTable('comments')
          .set({ deleted_at: now })
          .where('id', '=', known.comment_id)
          .execute();
        await writeAuditEvents(trx, auditId, known.ticket_id, [
          {
            type: 'Info',
            data: {
              action: 'comment_deleted_in_slack',
              comment_id: known.comment_id,
              slack_ts: c.ts,
            },
          },
        ]);
        return `comment ${known.comment_id} marked deleted`;
      }
      const body = slackToMarkdown(c.message, { userName: (id) => p.names.get(id) });
      const rendered = renderMarkdown(body);
      await trx
        .updateTable('comments')
        .set({
          body: rendered.body,
          html_body: rendered.html_body,
          plain_body: rendered.plain_body,
        })
        .where('id', '=', known.comment_id)
        .execute();
      // The audit keeps what was first written.
      await writeAuditEvents(trx, auditId, known.ticket_id, [
        {
          type: 'Info',
          data: {
            action: 'comment_edited_in_slack',
            comment_id: known.comment_id,
            slack_ts: c.ts,
            previous_body: known.body,
            body: rendered.body,
          },
        },
      ]);
      return `comment ${known.comment_id} edited`;
    }

    const m = message!;
    const requester = await this.requester(trx, connection, m, p, state, now);
    const conv = await this.conversation(
      trx,
      state,
      connection,
      m.channel,
      m.user!,
      requester.id,
      now,
    );

    if (c.kind === 'thread_reply') {
      // Thread replies are not forwarded; once per thread the person is told where to write.
      const hint = await trx
        .insertInto('slack_messages')
        .values({
          conversation_id: conv.id,
          ts: `hint:${m.thread_ts}`,
          direction: 'hint',
          thread_ts: m.thread_ts ?? null,
          created_at: now,
        })
        .onConflict((oc) => oc.columns(['conversation_id', 'ts']).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (hint) {
        await enqueueJob(trx, {
          queue: DELIVERY_QUEUE,
          orderKey: `conv:${conv.id}`,
          payload: {
            kind: 'notice',
            conversation_id: conv.id,
            thread_ts: m.thread_ts,
            text: 'Replies in threads do not reach the help desk. Please write in the main conversation.',
          },
        });
      }
      return hint ? 'ignored: thread reply (hint sent)' : 'ignored: thread reply';
    }

    if (state.seen.has(`${conv.id} ${m.ts}`)) return 'ignored: message already applied';

    let body = slackToMarkdown(m, { userName: (id) => p.names.get(id) });
    if (p.refused.length > 0 && !body.trim() && p.files.length === 0)
      body = filesOnlyBody(p.refused);
    const requesterVia = slackVia(connection, m, requester.name);
    const comment = {
      body,
      public: true,
      files: p.files,
      metadata: { slack: { channel: m.channel, ts: m.ts, client_msg_id: m.client_msg_id ?? null } },
    };
    const ticket = await this.ticketFor(trx, state, conv.current_ticket_id);
    let result;
    if (!ticket || ticket.status === 'closed') {
      const viaSource = ticket
        ? slackVia(connection, m, requester.name, {
            rel: 'follow_up',
            from: { slack_user_id: m.user, name: requester.name, ticket_id: ticket.id },
          })
        : requesterVia;
      result = await writeTicket(trx, {
        before: null,
        patch: {
          subject: `Conversation with ${requester.name}`,
          requester_id: requester.id,
          submitter_id: requester.id,
          brand_id: connection.brand_id,
        },
        comment,
        actor: requester,
        via: requesterVia,
        now,
        create: { fromMessagingChannel: true, followupSourceId: ticket?.id ?? null, viaSource },
        batch: state.batch,
      });
      await trx
        .insertInto('slack_conversation_tickets')
        .values({ ticket_id: result.ticket.id, conversation_id: conv.id })
        .execute();
      await trx
        .updateTable('slack_conversations')
        .set({ current_ticket_id: result.ticket.id, updated_at: now })
        .where('id', '=', conv.id)
        .execute();
      conv.current_ticket_id = result.ticket.id;
      conv.updated_at = now;
    } else {
      // Solved, pending or on-hold tickets reopen by the desk's native rules.
      result = await writeTicket(trx, {
        before: ticket,
        patch: {},
        comment,
        actor: requester,
        via: requesterVia,
        now,
        batch: state.batch,
      });
    }
    state.tickets.set(result.ticket.id, result.ticket);
    state.seen.add(`${conv.id} ${m.ts}`);
    state.messages.push({
      conversation_id: conv.id,
      ts: m.ts,
      comment_id: result.commentId,
      created_at: now,
    });
    if (p.refused.length > 0) {
      // The note reads the ticket as written so far.
      await state.batch?.flush();
      await this.refuseFiles(trx, connection, conv.id, result.ticket.id, requester, p.refused, now);
      // The note changed the ticket: a later event of this transaction reads it afresh.
      state.tickets.delete(result.ticket.id);
    }
    const notFetched = p.refused.filter((f) => f.problem !== 'policy').length;
    return (
      `${ticket && ticket.status !== 'closed' ? 'comment on' : 'created'} ticket ${result.ticket.id}` +
      (notFetched > 0 ? `; ${notFetched} file(s) not fetched from Slack` : '')
    );
  }

  private async requester(
    trx: Conn,
    connection: SlackConnection,
    m: SlackMessage,
    p: Prepared,
    state: ApplyState,
    now: string,
  ): Promise<User> {
    const known = state.requesters.get(m.user!);
    if (known) return known;
    if (!p.profile) throw new Error(`no profile fetched for Slack user ${m.user}`);
    const user = await ensureRequester(trx, {
      connection,
      profile: p.profile,
      teamName: p.teamName ?? null,
      now,
    });
    state.requesters.set(m.user!, user);
    return user;
  }

  /** The DM's conversation row, kept in `state` (its current ticket changes as events apply). */
  private async conversation(
    trx: Conn,
    state: ApplyState,
    connection: SlackConnection,
    channel: string,
    slackUser: string,
    userId: number,
    now: string,
  ): Promise<SlackConversation> {
    const key = `${connection.id} ${channel}`;
    const existing = state.conversations.get(key);
    if (existing && existing.user_id !== userId) {
      // The profile behind this DM was deleted and the person came back as a new user: their
      // old tickets stay with the old profile, and the conversation starts afresh.
      const moved = { user_id: userId, current_ticket_id: null, updated_at: now };
      await trx
        .updateTable('slack_conversations')
        .set(moved)
        .where('id', '=', existing.id)
        .execute();
      Object.assign(existing, moved);
      return existing;
    }
    if (existing) return existing;
    const created = await trx
      .insertInto('slack_conversations')
      .values({
        connection_id: connection.id,
        channel_id: channel,
        slack_user_id: slackUser,
        user_id: userId,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    state.conversations.set(key, created);
    return created;
  }

  private async ticketFor(trx: Conn, state: ApplyState, id: number | null): Promise<Ticket | null> {
    if (id === null) return null;
    const t =
      state.tickets.get(id) ??
      (await trx.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirst());
    // A deleted ticket ends the conversation like a closed one, without a follow-up link.
    if (!t || t.deleted_at) return null;
    return t;
  }

  /** Refused files: an internal note for agents, and a DM telling the person what is accepted. */
  private async refuseFiles(
    trx: Conn,
    connection: SlackConnection,
    conversationId: number,
    ticketId: number,
    requester: User,
    refused: RefusedFile[],
    now: string,
  ) {
    const ticket = await trx
      .selectFrom('tickets')
      .selectAll()
      .where('id', '=', ticketId)
      .executeTakeFirstOrThrow();
    const system = await systemUser(trx, now);
    await writeTicket(trx, {
      before: ticket,
      patch: {},
      comment: { body: refusalNote(requester.name, refused), public: false },
      actor: system,
      via: via('rule', { rel: 'slack_file_policy', from: { slack_connection_id: connection.id } }),
      now,
    });
    const text = refusalNotice(refused, {
      acceptedTypes: connection.attachments_enabled === 1 ? allowedFileTypes(connection) : null,
      uploadLimit: this.ctx.config.uploadLimit,
    });
    if (!text) return;
    await enqueueJob(trx, {
      queue: DELIVERY_QUEUE,
      orderKey: `conv:${conversationId}`,
      payload: { kind: 'notice', conversation_id: conversationId, text },
    });
  }
}

/** The author of notes Parley writes itself (refused files): an inactive-login agent. */
async function systemUser(trx: Conn, now: string): Promise<User> {
  const email = 'system@parley.invalid';
  const existing = await trx
    .selectFrom('users')
    .selectAll()
    .where('email', '=', email)
    .executeTakeFirst();
  if (existing) return existing;
  return trx
    .insertInto('users')
    .values({ name: 'Parley', email, role: 'agent', verified: 1, created_at: now, updated_at: now })
    .returningAll()
    .executeTakeFirstOrThrow();
}
