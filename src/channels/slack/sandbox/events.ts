/**
 * Delivers Events API requests the way Slack does: JSON body signed with the signing secret
 * (`v0:` + timestamp + raw body, HMAC-SHA256), a 3-second ack deadline, and up to three
 * retries marked with X-Slack-Retry-Num / X-Slack-Retry-Reason (slack.md §1.2–1.3).
 */
import { createHmac } from 'node:crypto';

export type RetryReason = 'http_timeout' | 'http_error' | 'connection_failed';

export interface DeliveryAttempt {
  event_id: string | null;
  /** Inner event type (or the top-level `type` for unwrapped payloads). */
  event_type: string;
  attempt: number;
  retry_num: number;
  retry_reason: RetryReason | null;
  at: string;
  duration_ms: number;
  outcome: 'acked' | RetryReason;
  http_status: number | null;
  no_retry: boolean;
}

export interface DeliveryResult {
  /** `queued`: Socket Mode is on and no connection is open; it is sent when one opens. */
  status: 'acked' | 'failed' | 'queued';
  /** HTTP to the Request URL, or an envelope over a Socket Mode connection. */
  transport: 'http' | 'socket';
  attempts: number;
  http_status: number | null;
  /** `timeout`: a Socket Mode envelope not acked in time. */
  reason: RetryReason | 'timeout' | null;
  /** Whether Slack would try again (the retries run in the background). */
  will_retry: boolean;
}

export interface Logger {
  debug(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

export interface EventSenderOptions {
  eventsUrl: () => string;
  signingSecret: string;
  retrySchedule: number[];
  ackTimeoutMs: number;
  logger: Logger;
}

const MAX_LOG = 2000;
const MAX_RESPONSE_BYTES = 64 * 1024;

export function signSlackRequest(secret: string, timestamp: number, body: string): string {
  return 'v0=' + createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
}

export class EventSender {
  readonly log: DeliveryAttempt[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inflight = new Set<AbortController>();
  private readonly pending = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly opts: EventSenderOptions) {}

  /**
   * Sends a payload; resolves with the first attempt's outcome while retries, if any, go on
   * in the background.
   */
  send(payload: Record<string, unknown>): Promise<DeliveryResult> {
    // One body for every attempt: a retry is the same request, re-signed.
    const body = JSON.stringify(payload);
    const eventId = typeof payload.event_id === 'string' ? payload.event_id : null;
    const inner = payload.event as { type?: unknown } | undefined;
    const eventType = String(inner?.type ?? payload.type ?? 'unknown');
    return new Promise((resolve) => {
      let attempts = 0;
      const run = async (retryNum: number, reason: RetryReason | null) => {
        if (this.closed) return;
        attempts++;
        const rec = await this.attempt(body, eventId, eventType, retryNum, reason);
        const more =
          rec.outcome !== 'acked' && !rec.no_retry && retryNum < this.opts.retrySchedule.length;
        if (retryNum === 0) {
          resolve({
            status: rec.outcome === 'acked' ? 'acked' : 'failed',
            transport: 'http',
            attempts,
            http_status: rec.http_status,
            reason: rec.outcome === 'acked' ? null : rec.outcome,
            will_retry: more,
          });
        }
        if (!more || this.closed) return;
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.track(run(retryNum + 1, rec.outcome as RetryReason));
        }, this.opts.retrySchedule[retryNum]);
        this.timers.add(timer);
      };
      this.track(run(0, null));
    });
  }

  private track(p: Promise<unknown>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private async attempt(
    body: string,
    eventId: string | null,
    eventType: string,
    retryNum: number,
    reason: RetryReason | null,
  ): Promise<DeliveryAttempt> {
    const started = Date.now();
    const timestamp = Math.floor(started / 1000);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signSlackRequest(this.opts.signingSecret, timestamp, body),
    };
    if (retryNum > 0) {
      headers['x-slack-retry-num'] = String(retryNum);
      headers['x-slack-retry-reason'] = reason ?? 'unknown_error';
    }
    const abort = new AbortController();
    this.inflight.add(abort);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, this.opts.ackTimeoutMs);
    let outcome: DeliveryAttempt['outcome'];
    let status: number | null = null;
    let noRetry = false;
    try {
      const res = await fetch(this.opts.eventsUrl(), {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: abort.signal,
      });
      status = res.status;
      noRetry = res.headers.get('x-slack-no-retry') === '1';
      await drain(res);
      outcome = res.status >= 200 && res.status < 300 ? 'acked' : 'http_error';
    } catch (err) {
      // The ack deadline counts from the request: headers that did not arrive in time are a
      // timeout; a body cut short after the status arrived still counts as that status.
      if (status !== null) outcome = status >= 200 && status < 300 ? 'acked' : 'http_error';
      else outcome = timedOut ? 'http_timeout' : 'connection_failed';
      if (!timedOut) this.opts.logger.debug({ err, eventId }, 'sandbox event delivery failed');
    } finally {
      clearTimeout(timer);
      this.inflight.delete(abort);
    }
    if (outcome === 'http_timeout') noRetry = false;
    const rec: DeliveryAttempt = {
      event_id: eventId,
      event_type: eventType,
      attempt: retryNum + 1,
      retry_num: retryNum,
      retry_reason: reason,
      at: new Date(started).toISOString(),
      duration_ms: Date.now() - started,
      outcome,
      http_status: status,
      no_retry: noRetry,
    };
    this.log.push(rec);
    if (this.log.length > MAX_LOG) this.log.splice(0, this.log.length - MAX_LOG);
    return rec;
  }

  /** Retries waiting for their turn. */
  get pendingRetries(): number {
    return this.timers.size;
  }

  /** Stops retries and aborts deliveries in flight. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const a of this.inflight) a.abort();
    await Promise.allSettled([...this.pending]);
  }
}

async function drain(res: Response): Promise<void> {
  if (!res.body) return;
  const reader = res.body.getReader();
  let read = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    read += value.length;
    if (read > MAX_RESPONSE_BYTES) {
      await reader.cancel();
      return;
    }
  }
}
