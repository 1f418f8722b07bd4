import { sql } from 'kysely';
import type { Conn } from '../context.ts';

/**
 * The number of tickets not deleted: all tickets minus the soft-deleted ones. Written this way
 * because SQLite counts a table without a WHERE clause from its b-tree pages alone, and the
 * deleted ones come from their own small partial index (tickets_deleted), where counting
 * `deleted_at is null` directly steps through an entry per live ticket. PostgreSQL scans
 * either way.
 */
export async function countLiveTickets(db: Conn): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`
    select (select count(*) from tickets)
      - (select count(*) from tickets where deleted_at is not null) as n`.execute(db);
  return Number(rows[0].n);
}
