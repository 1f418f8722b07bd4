import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { DatabaseConfig } from '../config.ts';
import { isPostgres } from '../db/dialect.ts';
import type { Db } from '../db/index.ts';
import type { Actor } from '../desk/context.ts';
import type { DeskEvents } from '../desk/events.ts';
import { ticketScope } from '../desk/policies/tickets.ts';
import { API_VIA } from '../desk/via.ts';
import { StreamConnection, type StreamSink } from './connection.ts';
import { listenPostgres, type PgListener } from './pg-listener.ts';
import { type PresenceChange, PresenceBoard, type PresenceState } from './presence.ts';
import {
  latestStreamEventId,
  prunedSince,
  readStreamEvents,
  STREAM_CHANNEL,
  streamLogProcessor,
} from './stream-log.ts';

const PRESENCE_CHANNEL = 'parley_presence';
const PAGE = 500;

export interface StreamOptions {
  heartbeatMs?: number;
  presenceTtlMs?: number;
  countsThrottleMs?: number;
  maxConnectionsPerUser?: number;
}

export class TooManyStreams extends Error {}

/**
 * A node's realtime hub: reads the stream log after the last id it has seen whenever a write
 * commits (here, or on another node through NOTIFY) and hands each row to every open
 * connection, which filters it for its agent. Presence lives here too.
 */
export class StreamHub {
  private readonly connections = new Set<StreamConnection>();
  private lastId = 0;
  private reading: Promise<void> | null = null;
  private again = false;
  private listener: PgListener | null = null;
  private timer: NodeJS.Timeout | null = null;
  private unregister: (() => void) | null = null;
  private readonly nodeId = randomUUID();
  readonly board = new PresenceBoard();
  /** The clock presence expires by (tests set their own). */
  now: () => number = Date.now;
  readonly heartbeatMs: number;
  readonly presenceTtlMs: number;
  readonly countsThrottleMs: number;
  maxConnectionsPerUser: number;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    opts: StreamOptions = {},
  ) {
    this.heartbeatMs = opts.heartbeatMs ?? 15_000;
    this.presenceTtlMs = opts.presenceTtlMs ?? 30_000;
    this.countsThrottleMs = opts.countsThrottleMs ?? 1_000;
    this.maxConnectionsPerUser = opts.maxConnectionsPerUser ?? 10;
  }

  /** Starts reading from the newest row, registers the log writer, listens on PostgreSQL. */
  async start(
    events: DeskEvents,
    database: DatabaseConfig,
    /** Whether this node serves streams (a worker or scheduler node only writes the log). */
    serves: boolean,
  ): Promise<void> {
    this.lastId = await latestStreamEventId(this.db);
    this.unregister = events.register(streamLogProcessor(() => this.wake()));
    if (!serves) return;
    if (database.kind === 'postgres') {
      this.listener = await listenPostgres(
        database.url,
        [STREAM_CHANNEL, PRESENCE_CHANNEL],
        (channel, payload) => {
          if (channel === STREAM_CHANNEL) this.wake();
          else this.remotePresence(payload);
        },
        () => this.wake(),
        (err) => this.logger.warn({ err }, 'stream listener connection failed'),
      );
    }
    this.timer = setInterval(() => this.tick(), this.heartbeatMs);
    this.timer.unref();
  }

  /** The newest id this node has read. */
  get latest(): number {
    return this.lastId;
  }

  /**
   * The newest stream event id committed now (0 for none): read before a request reads its data,
   * it is a lower bound of what that data already reflects, so a stream opened from it replays
   * every change the data may have missed. The log's own guarantees make it so: on SQLite one
   * writer at a time, on PostgreSQL the commit-order lock (stream-log.ts), under which no id
   * below a committed one can commit later — the same reason a replay after an id loses none.
   * Read from the table, not `latest`, which lags the commits this node has not read yet.
   */
  position(): Promise<number> {
    return latestStreamEventId(this.db);
  }

  /** Whether `actor` may open one more stream on this node (a per-user limit). */
  admits(actor: Actor): boolean {
    let open = 0;
    for (const c of this.connections) if (c.user.id === actor.user.id) open++;
    return open < this.maxConnectionsPerUser;
  }

  /** Reads new rows (one reader at a time; a wake during a read reads again after it). */
  wake(): void {
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = this.readNew()
      .catch((err: unknown) => this.logger.error({ err }, 'stream read failed'))
      .finally(() => {
        this.reading = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async readNew(): Promise<void> {
    for (;;) {
      const items = await readStreamEvents(this.db, this.lastId, PAGE);
      for (const item of items) {
        this.lastId = item.id;
        for (const c of this.connections) c.live(item);
      }
      if (items.length < PAGE) return;
    }
  }

  /**
   * Opens a stream for `actor`, from `lastEventId` (replaying what it missed) or from now. The
   * connection joins the live set before the replay reads, so a row committed during the replay
   * is either read by it or held until it ends, never missed; the cursor drops the ones both saw.
   */
  async open(
    actor: Actor,
    lastEventId: number | null,
    sink: StreamSink,
  ): Promise<StreamConnection> {
    if (!this.admits(actor)) throw new TooManyStreams();
    const scope = await ticketScope(this.db, actor);
    const from = lastEventId ?? this.lastId;
    const conn = new StreamConnection(actor.user, scope, from, sink, this.countsThrottleMs, (c) =>
      this.connections.delete(c),
    );
    this.connections.add(conn);
    sink.write(`retry: 3000\n\n`);
    try {
      if (lastEventId !== null) await this.replay(conn, lastEventId);
    } finally {
      conn.caughtUp();
    }
    return conn;
  }

  /** Replays rows after `from`, or a reset when they are no longer all there. */
  async replay(conn: StreamConnection, from: number): Promise<void> {
    const latest = Math.max(this.lastId, await latestStreamEventId(this.db));
    if (from > latest || (await prunedSince(this.db, from, latest))) {
      conn.reset(latest);
      return;
    }
    let cursor = from;
    for (;;) {
      const items = await readStreamEvents(this.db, cursor, PAGE);
      for (const item of items) conn.replayed(item);
      if (items.length < PAGE || conn.closed) return;
      cursor = items[items.length - 1]!.id;
    }
  }

  /** Announces `actor` on a ticket, to this node's agents and, on PostgreSQL, every node's. */
  async presence(
    actor: Actor,
    ticket: { id: number; from_messaging_channel: number },
    state: PresenceState,
  ): Promise<PresenceChange> {
    const now = this.now();
    const change: PresenceChange = {
      ticketId: ticket.id,
      messaging: ticket.from_messaging_channel === 1,
      user: { id: actor.user.id, name: actor.user.name },
      state,
      expiresAt: state === 'left' ? now : now + this.presenceTtlMs,
    };
    this.applyPresence(change);
    if (isPostgres(this.db)) {
      const message = JSON.stringify({ node: this.nodeId, change });
      await sql`select pg_notify(${PRESENCE_CHANNEL}, ${message})`.execute(this.db);
    }
    return change;
  }

  /** Who is on the ticket now. */
  presentOn(ticketId: number): PresenceChange[] {
    return this.board.on(ticketId, this.now());
  }

  private applyPresence(change: PresenceChange): void {
    this.board.apply(change);
    for (const c of this.connections) c.presence(change);
  }

  private remotePresence(payload: string): void {
    try {
      const { node, change } = JSON.parse(payload) as { node: string; change: PresenceChange };
      if (node !== this.nodeId) this.applyPresence(change);
    } catch (err) {
      this.logger.warn({ err }, 'unreadable presence notification');
    }
  }

  /**
   * Every heartbeat: a comment on each stream, each agent's ticket scope read again (a role
   * changed meanwhile applies from here on), and expired presence told as `left`.
   */
  tick(): void {
    for (const gone of this.board.sweep(this.now())) {
      for (const c of this.connections) c.presence(gone);
    }
    for (const c of this.connections) {
      c.heartbeat();
      void ticketScope(this.db, { user: c.user, via: API_VIA })
        .then((scope) => {
          c.scope = scope;
        })
        .catch(() => {});
    }
  }

  /** Ends every stream cleanly and stops listening (before the HTTP server closes). */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.unregister?.();
    for (const c of [...this.connections]) c.close();
    await this.listener?.close();
    await this.reading;
  }
}
