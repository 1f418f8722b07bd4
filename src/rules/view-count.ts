import { type ExpressionBuilder, sql } from 'kysely';
import { isPostgres } from '../db/dialect.ts';
import type { Db } from '../db/index.ts';
import type { DB } from '../db/types.ts';
import type { Conn } from '../desk/context.ts';
import type { Conditions } from './conditions.ts';
import { type ViewRun, viewTickets, viewWhere } from './view-query.ts';

/**
 * A view's count. A view whose conditions name only the status (All unsolved, Pending) is
 * counted from the live tickets per status that triggers keep (migration 0024): a few rows
 * instead of an index entry per matching ticket. Any other view is counted by its compiled
 * query. Both are exact, so the count stays `fresh`.
 */
export async function countViewTickets(
  db: Conn,
  conditions: Conditions,
  run: ViewRun,
): Promise<number> {
  if (statusOnly(conditions) && run.scope.kind !== 'requested') {
    return countByStatus(db, conditions, run);
  }
  const row = await viewTickets(db, conditions, run)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

function statusOnly(conditions: Conditions): boolean {
  const all = [...conditions.all, ...conditions.any];
  return all.length > 0 && all.every((c) => c.field === 'status');
}

/**
 * The kept counts whose status the view's conditions select. The counts table names its
 * columns as `tickets` does and is read under that name, so the very WHERE the view compiles
 * for tickets (status terms only, as statusOnly checked) picks its rows: the two answers
 * cannot disagree on which statuses match. An agent without chat access counts only tickets
 * not from a messaging channel, as their ticket scope says.
 */
async function countByStatus(db: Conn, conditions: Conditions, run: ViewRun): Promise<number> {
  let q = db
    .selectFrom('ticket_status_counts as tickets' as 'tickets')
    .select(sql<number | string>`coalesce(sum(live), 0)`.as('n'))
    .where((eb: ExpressionBuilder<DB, 'tickets'>) => viewWhere(eb, conditions, run));
  if (run.scope.kind === 'not-messaging') q = q.where('tickets.from_messaging_channel', '=', 0);
  const row = await q.executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * Counts the live tickets per status anew into the kept counts. Only for rows written with
 * triggers disabled (PostgreSQL's `session_replication_role = replica`, as the benchmark's
 * bulk copy does), which the kept counts cannot see. Writers wait for it.
 */
export async function recountTicketStatuses(db: Db): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (isPostgres(trx)) await sql`lock table tickets in share mode`.execute(trx);
    await sql`
      update ticket_status_counts set live = case when shard = 0 then (
        select count(*) from tickets t
        where t.deleted_at is null and t.status = ticket_status_counts.status
          and t.from_messaging_channel = ticket_status_counts.from_messaging_channel)
        else 0 end`.execute(trx);
  });
}
