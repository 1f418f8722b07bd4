import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { isPostgres } from '../dialect.ts';

/**
 * PostgreSQL: the number of live (not soft-deleted) tickets, kept by triggers, because every
 * offset page of an agent's ticket list shows it and PostgreSQL keeps no row count: counting
 * scanned an index of every ticket (5 ms at 100k tickets, 50 at a million), and with 8 pages
 * in flight on the 2-core machine those scans held offset pages at 60-100 ms p95.
 *
 * One counter row would serialize every transaction that creates a ticket on its row lock.
 * The count is spread over 16 rows instead, each transaction adding to the row of its server
 * process (`pg_backend_pid() % 16`): always the same row within one transaction, so count rows
 * alone never make two transactions wait for each other in opposite orders, and connections of
 * a pool rarely share one. Where a shared row meets a ticket's row lock in the opposite order,
 * PostgreSQL aborts one transaction and writeTransaction runs it again. Reading the count sums
 * the 16 rows.
 *
 * Inserts and deletes are counted per statement (a bulk copy adds its thousands in one
 * update), a soft delete or restore per row; TRUNCATE empties the count. SQLite needs none of
 * this: it counts a table from its b-tree pages (see countLiveTickets).
 */
const SHARDS = 16;

export async function up(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`
    create table ticket_count_shards (
      shard smallint primary key,
      live bigint not null default 0
    )`.execute(db);
  await sql`
    create function ticket_count_add(delta bigint) returns void language sql as $$
      update ticket_count_shards set live = live + delta where shard = pg_backend_pid() % ${sql.lit(SHARDS)}
    $$`.execute(db);
  await sql`
    create function ticket_count_on_insert() returns trigger language plpgsql as $$
    declare n bigint;
    begin
      select count(*) into n from inserted where deleted_at is null;
      if n <> 0 then perform ticket_count_add(n); end if;
      return null;
    end $$`.execute(db);
  await sql`
    create function ticket_count_on_delete() returns trigger language plpgsql as $$
    declare n bigint;
    begin
      select count(*) into n from removed where deleted_at is null;
      if n <> 0 then perform ticket_count_add(-n); end if;
      return null;
    end $$`.execute(db);
  await sql`
    create function ticket_count_on_soft_delete() returns trigger language plpgsql as $$
    begin
      perform ticket_count_add(case when new.deleted_at is null then 1 else -1 end);
      return null;
    end $$`.execute(db);
  await sql`
    create function ticket_count_on_truncate() returns trigger language plpgsql as $$
    begin
      update ticket_count_shards set live = 0;
      return null;
    end $$`.execute(db);
  // Creating a trigger locks out writers to tickets until this migration commits, so the
  // count taken below misses no ticket and counts none twice.
  await sql`
    create trigger ticket_count_insert after insert on tickets
    referencing new table as inserted for each statement
    execute function ticket_count_on_insert()`.execute(db);
  await sql`
    create trigger ticket_count_delete after delete on tickets
    referencing old table as removed for each statement
    execute function ticket_count_on_delete()`.execute(db);
  await sql`
    create trigger ticket_count_soft_delete after update of deleted_at on tickets for each row
    when ((old.deleted_at is null) <> (new.deleted_at is null))
    execute function ticket_count_on_soft_delete()`.execute(db);
  await sql`
    create trigger ticket_count_truncate after truncate on tickets
    for each statement execute function ticket_count_on_truncate()`.execute(db);
  await sql`
    insert into ticket_count_shards (shard, live)
    select s, case when s = 0 then (select count(*) from tickets where deleted_at is null) else 0 end
    from generate_series(0, ${sql.lit(SHARDS - 1)}) as s`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  for (const t of [
    'ticket_count_insert',
    'ticket_count_delete',
    'ticket_count_soft_delete',
    'ticket_count_truncate',
  ]) {
    await sql`drop trigger if exists ${sql.raw(t)} on tickets`.execute(db);
  }
  for (const f of [
    'ticket_count_on_insert()',
    'ticket_count_on_delete()',
    'ticket_count_on_soft_delete()',
    'ticket_count_on_truncate()',
    'ticket_count_add(bigint)',
  ]) {
    await sql`drop function if exists ${sql.raw(f)}`.execute(db);
  }
  await sql`drop table if exists ticket_count_shards`.execute(db);
}
