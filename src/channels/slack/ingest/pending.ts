import type { SlackInboxRow } from '../../../db/types.ts';
import { isPostgres } from '../../../db/dialect.ts';
import type { Conn } from '../../../desk/context.ts';

/** PostgreSQL: events read per pass, enough to give the lanes that run at once some work. */
const PG_BATCH = 400;

/** The oldest unprocessed inbox rows, in order; `full` when there may be more behind them. */
export async function readPending(
  db: Conn,
  batchSize?: number,
): Promise<{ rows: SlackInboxRow[]; full: boolean }> {
  const limit = batchSize ?? (isPostgres(db) ? PG_BATCH : 100);
  const rows = await db
    .selectFrom('slack_inbox')
    .selectAll()
    .where('processed_at', 'is', null)
    .orderBy('id')
    .limit(limit)
    .execute();
  return { rows, full: rows.length === limit };
}

/**
 * The rows that may be tried now. An event waiting for a retry holds back the later events of
 * its conversation: their keys are added to `blocked`.
 */
export function readyRows(rows: SlackInboxRow[], now: string, blocked: Set<string>) {
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
  return ready;
}

/** Resolves once every inbox row is processed (tests and benchmarks); `kick` wakes the worker. */
export async function waitUntilDrained(
  db: Conn,
  kick: () => void,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await db
      .selectFrom('slack_inbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('processed_at', 'is', null)
      .executeTakeFirstOrThrow();
    if (Number(row.n) === 0) return;
    if (Date.now() > deadline) throw new Error('slack inbox not drained');
    kick();
    await new Promise((r) => setTimeout(r, 20));
  }
}
