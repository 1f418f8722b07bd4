import { WebAPIPlatformError } from '@slack/web-api';
import type { SlackInboxRow } from '../../../db/types.ts';
import { backoffMs } from '../../../jobs/queue.ts';
import type { SlackContext } from '../context.ts';
import type { FileFetchError } from '../files.ts';

/**
 * How long an event that fails for now (Slack or the network down) is retried, counted from
 * its first try. Every later message of its conversation waits behind it, so this bounds that
 * wait: then a message whose files would not come is applied without them, and any other
 * event is given up (kept for an admin to replay).
 */
export const DEFAULT_RETRY_BOUND_MS = 120_000;

/** One try at an event, and how much of its retry bound is left. */
export interface Attempt {
  startedAt: number;
  /** No retry follows this try: what Slack will not hand over now is done without. */
  final: boolean;
  /** When the event's bound ends; network calls of this try end by then. */
  deadline: number;
}

/** Files Slack did not hand over for now; the event is retried while its bound allows. */
export class FilesUnavailable extends Error {
  constructor(failures: { name: string; err: FileFetchError }[]) {
    super(
      `files not fetched yet: ${failures.map((f) => `${f.name} (${f.err.message})`).join(', ')}`,
    );
  }
}

/** The retry bound of one worker (see DEFAULT_RETRY_BOUND_MS) and the tries it allows. */
export class RetryBound {
  constructor(readonly boundMs: number = DEFAULT_RETRY_BOUND_MS) {}

  /** The last retry starts this long before the bound ends, so that it ends within it. */
  get finalTryMs(): number {
    return Math.min(15_000, this.boundMs / 4);
  }

  /**
   * A try at `row` starting now. An event's first failure sets `retry_until`, the start of its
   * last try: the bound, counted from the first try, less the last try's own time.
   */
  attemptAt(row: SlackInboxRow, now: number): Attempt {
    const until = row.retry_until ? Date.parse(row.retry_until) : null;
    return {
      startedAt: now,
      final: until !== null && now >= until,
      deadline: until === null ? now + this.boundMs : until + this.finalTryMs,
    };
  }
}

/**
 * A try failed: retry with backoff until the event's `retry_until`, and give up after the
 * try made then. A given-up event is processed (its conversation goes on) and marked
 * failed, for an admin to replay.
 */
export async function deferOrFail(
  ctx: SlackContext,
  bound: RetryBound,
  row: SlackInboxRow,
  attempt: Attempt,
  err: unknown,
): Promise<void> {
  const message =
    err instanceof WebAPIPlatformError ? err.data.error : String((err as Error)?.message ?? err);
  const attempts = row.attempts + 1;
  const final = attempt.final;
  const now = Date.now();
  const until =
    row.retry_until ?? new Date(attempt.startedAt + bound.boundMs - bound.finalTryMs).toISOString();
  const log = { err, eventId: row.event_id, attempts, final };
  if (final) ctx.logger.error(log, 'slack event could not be applied; giving up');
  else ctx.logger.warn(log, 'slack event could not be applied; will retry');
  const nowIso = new Date(now).toISOString();
  await ctx.db
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
