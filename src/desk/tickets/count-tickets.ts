import { sql } from 'kysely';
import { isPostgres } from '../../db/dialect.ts';
import type { Db } from '../../db/index.ts';
import type { Conn } from '../context.ts';

/**
 * The number of tickets not deleted, from what each database counts cheaply.
 *
 * SQLite: all tickets minus the soft-deleted ones, because SQLite counts a table without a
 * WHERE clause from its b-tree pages alone and the deleted ones come from their own small
 * partial index (tickets_deleted), where counting `deleted_at is null` directly steps through
 * an entry per live ticket.
 *
 * PostgreSQL scans either way, so there triggers keep the count (migration 0006) in rows that
 * this sums.
 */
export async function countLiveTickets(db: Conn): Promise<number> {
  const { rows } = isPostgres(db)
    ? await sql<{ n: number | string }>`
        select coalesce(sum(live), 0) as n from ticket_count_shards`.execute(db)
    : await sql<{ n: number | string }>`
        select (select count(*) from tickets)
          - (select count(*) from tickets where deleted_at is not null) as n`.execute(db);
  return Number(rows[0]!.n); // an aggregate without group by gives one row
}

/**
 * PostgreSQL: counts the live tickets anew into the kept count. Only for rows written with
 * triggers disabled (`session_replication_role = replica`, as the benchmark's bulk copy does),
 * which the kept count cannot see. Writers wait for it, so none is missed or counted twice.
 */
export async function recountLiveTickets(db: Db): Promise<void> {
  if (!isPostgres(db)) return;
  await db.transaction().execute(async (trx) => {
    await sql`lock table tickets in share mode`.execute(trx);
    await sql`
      update ticket_count_shards set live = case when shard = 0
        then (select count(*) from tickets where deleted_at is null) else 0 end`.execute(trx);
  });
}
