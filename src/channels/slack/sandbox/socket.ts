/**
 * Socket Mode: Slack's way of handing events to an app that has no public Request URL. The app
 * calls `apps.connections.open` with its app-level (xapp-) token, opens the single-use WebSocket
 * URL it gets back, receives `hello`, and from then on Slack pushes every event as an
 * `events_api` envelope that the app acks by sending back `{"envelope_id": …}`. An envelope not
 * acked within the deadline is sent again with `retry_attempt`/`retry_reason`, on the same
 * schedule as HTTP retries. With several connections open, envelopes are spread among them;
 * with none open, they wait for the next one.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { DeliveryResult, Logger } from './events.ts';

export interface SocketDeliveryAttempt {
  event_id: string | null;
  envelope_id: string;
  /** Inner event type. */
  event_type: string;
  attempt: number;
  retry_num: number;
  retry_reason: 'timeout' | null;
  /** Which connection the envelope went to (1, 2, … in the order they opened). */
  connection: number;
  at: string;
  duration_ms: number;
  outcome: 'acked' | 'timeout';
  /** The app acked, but the sandbox was told to lose the ack (`dropAcks`). */
  ack_dropped: boolean;
}

export interface SocketHubOptions {
  appId: string;
  retrySchedule: number[];
  ackTimeoutMs: number;
  logger: Logger;
  /** Where an envelope goes when Socket Mode was switched off before it could be sent. */
  fallback: (payload: Record<string, unknown>) => Promise<DeliveryResult>;
}

interface Job {
  payload: Record<string, unknown>;
  eventId: string | null;
  eventType: string;
  retryNum: number;
  reason: 'timeout' | null;
  /** Resolves the caller of `send` with the first attempt's outcome. */
  first: ((r: DeliveryResult) => void) | null;
}

interface Connection {
  id: number;
  ws: WebSocket;
}

interface InFlight {
  job: Job;
  conn: Connection;
  started: number;
  timer: NodeJS.Timeout;
  dropped: boolean;
}

const MAX_LOG = 2000;
/** How long a URL from apps.connections.open may wait before it is used. */
const TICKET_LIFETIME_MS = 60_000;

export class SocketHub {
  readonly log: SocketDeliveryAttempt[] = [];
  /** While false, envelopes go to `fallback` (HTTP) instead of waiting for a connection. */
  enabled = false;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  private readonly tickets = new Map<string, number>();
  private readonly connections: Connection[] = [];
  private readonly queue: Job[] = [];
  private readonly inflight = new Map<string, InFlight>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private nextConnectionId = 1;
  private roundRobin = 0;
  private acksToDrop = 0;
  private closed = false;

  constructor(private readonly opts: SocketHubOptions) {}

  /** A single-use ticket for the WebSocket URL `apps.connections.open` answers with. */
  issueTicket(): string {
    const now = Date.now();
    for (const [t, expires] of this.tickets) if (expires < now) this.tickets.delete(t);
    const ticket = randomBytes(16).toString('hex');
    this.tickets.set(ticket, now + TICKET_LIFETIME_MS);
    return ticket;
  }

  /** Takes over an HTTP upgrade for the socket URL: a valid ticket opens a connection. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, ticket: string | null): void {
    const expires = ticket ? this.tickets.get(ticket) : undefined;
    if (this.closed || !ticket || expires === undefined || expires < Date.now()) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.tickets.delete(ticket);
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
  }

  get connectionCount(): number {
    return this.connections.length;
  }

  /** Envelopes waiting for a connection, and sent ones waiting for their ack or retry. */
  get pending(): number {
    return this.queue.length + this.inflight.size + this.timers.size;
  }

  /** The next `n` acks are lost on the way: their envelopes time out and are sent again. */
  dropAcks(n: number): void {
    this.acksToDrop = n;
  }

  /**
   * Sends a payload as an `events_api` envelope. Resolves with the first attempt's outcome, or
   * at once with `queued` when no connection is open (it is sent when one opens).
   */
  send(payload: Record<string, unknown>): Promise<DeliveryResult> {
    const inner = payload.event as { type?: unknown } | undefined;
    return new Promise((resolve) => {
      const job: Job = {
        payload,
        eventId: typeof payload.event_id === 'string' ? payload.event_id : null,
        eventType: String(inner?.type ?? payload.type ?? 'unknown'),
        retryNum: 0,
        reason: null,
        first: resolve,
      };
      if (!this.connections.length && this.enabled && !this.closed) {
        job.first = null;
        resolve({
          status: 'queued',
          transport: 'socket',
          attempts: 0,
          http_status: null,
          reason: null,
          will_retry: true,
        });
      }
      this.dispatch(job);
    });
  }

  /** Asks every connection to reconnect, as Slack does before recycling a server. */
  requestReconnect(reason = 'refresh_requested'): number {
    const n = this.connections.length;
    for (const c of this.connections) {
      c.ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'sandbox' } }));
    }
    return n;
  }

  /** Hands envelopes still waiting for a connection to `fallback` (Socket Mode switched off). */
  flushToFallback(): void {
    for (const job of this.queue.splice(0)) this.toFallback(job);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const f of this.inflight.values()) clearTimeout(f.timer);
    this.inflight.clear();
    this.queue.length = 0;
    for (const c of this.connections.splice(0)) c.ws.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
  }

  // ---- internals ------------------------------------------------------------------------------

  private onConnection(ws: WebSocket): void {
    const conn: Connection = { id: this.nextConnectionId++, ws };
    this.connections.push(conn);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let msg: unknown;
      try {
        msg = JSON.parse(data.toString());
      } catch {
        return;
      }
      const envelopeId = (msg as { envelope_id?: unknown } | null)?.envelope_id;
      if (typeof envelopeId === 'string') this.onAck(envelopeId, conn);
    });
    ws.on('close', () => {
      const i = this.connections.indexOf(conn);
      if (i >= 0) this.connections.splice(i, 1);
      // Envelopes sent on this connection and never acked time out and are sent again.
    });
    ws.on('error', (err) => this.opts.logger.debug({ err }, 'sandbox socket error'));
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.connections.length,
        debug_info: { host: 'sandbox', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.opts.appId },
      }),
    );
    for (const job of this.queue.splice(0)) this.dispatch(job);
  }

  private dispatch(job: Job): void {
    if (this.closed) return;
    if (!this.enabled) {
      this.toFallback(job);
      return;
    }
    const open = this.connections.filter((c) => c.ws.readyState === c.ws.OPEN);
    if (!open.length) {
      this.queue.push(job);
      return;
    }
    const conn = open[this.roundRobin++ % open.length]!; // open is not empty
    const envelopeId = randomUUID();
    const timer = setTimeout(() => this.onTimeout(envelopeId), this.opts.ackTimeoutMs);
    this.inflight.set(envelopeId, { job, conn, started: Date.now(), timer, dropped: false });
    conn.ws.send(
      JSON.stringify({
        envelope_id: envelopeId,
        payload: job.payload,
        type: 'events_api',
        accepts_response_payload: false,
        retry_attempt: job.retryNum,
        retry_reason: job.reason ?? '',
      }),
    );
  }

  private onAck(envelopeId: string, conn: Connection): void {
    const f = this.inflight.get(envelopeId);
    // Slack only takes the ack on the connection the envelope went out on.
    if (!f || f.conn !== conn || f.dropped) return;
    if (this.acksToDrop > 0) {
      this.acksToDrop--;
      f.dropped = true;
      return;
    }
    clearTimeout(f.timer);
    this.inflight.delete(envelopeId);
    this.record(f, envelopeId, 'acked');
    f.job.first?.({
      status: 'acked',
      transport: 'socket',
      attempts: f.job.retryNum + 1,
      http_status: null,
      reason: null,
      will_retry: false,
    });
  }

  private onTimeout(envelopeId: string): void {
    const f = this.inflight.get(envelopeId);
    if (!f) return;
    this.inflight.delete(envelopeId);
    this.record(f, envelopeId, 'timeout');
    const { job } = f;
    const more = job.retryNum < this.opts.retrySchedule.length && !this.closed;
    job.first?.({
      status: 'failed',
      transport: 'socket',
      attempts: job.retryNum + 1,
      http_status: null,
      reason: 'timeout',
      will_retry: more,
    });
    if (!more) return;
    const next: Job = { ...job, retryNum: job.retryNum + 1, reason: 'timeout', first: null };
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.dispatch(next);
    }, this.opts.retrySchedule[job.retryNum]);
    this.timers.add(timer);
  }

  private toFallback(job: Job): void {
    const first = job.first;
    void this.opts
      .fallback(job.payload)
      .then((r) => first?.(r))
      .catch((err: unknown) => this.opts.logger.warn({ err }, 'sandbox event delivery failed'));
  }

  private record(f: InFlight, envelopeId: string, outcome: 'acked' | 'timeout'): void {
    this.log.push({
      event_id: f.job.eventId,
      envelope_id: envelopeId,
      event_type: f.job.eventType,
      attempt: f.job.retryNum + 1,
      retry_num: f.job.retryNum,
      retry_reason: f.job.reason,
      connection: f.conn.id,
      at: new Date(f.started).toISOString(),
      duration_ms: Date.now() - f.started,
      outcome,
      ack_dropped: f.dropped,
    });
    if (this.log.length > MAX_LOG) this.log.splice(0, this.log.length - MAX_LOG);
  }
}
