import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { isPostgres } from '../dialect.ts';

/**
 * The number of live tickets per status and per `from_messaging_channel`, kept by triggers,
 * so that a view whose conditions name only the status (All unsolved, Pending) counts in a
 * few rows instead of an index entry per ticket: "All unsolved" at a million tickets stepped
 * through 700k entries, 50-80 ms on SQLite, on every count and every page of the view
 * (src/rules/view-count.ts). `from_messaging_channel` keeps the scope of an agent without
 * chat access countable.
 *
 * Every (status, from_messaging_channel) pair has its rows from the start, so the triggers
 * only add and subtract. On PostgreSQL each pair is spread over 16 rows, a transaction adding
 * to the row of its server process, for the reason migration 0006 gives (one row per pair
 * would serialize every transaction that creates or moves a ticket); reading sums them.
 * SQLite has one writer at a time and one row per pair.
 *
 * Rows written with triggers disabled (PostgreSQL's `session_replication_role = replica`, as
 * the benchmark's bulk copy does) are not seen: recountTicketStatuses counts them anew.
 */
const STATUSES = ['new', 'open', 'pending', 'hold', 'solved', 'closed'];
const PG_SHARDS = 16;

export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  await db.schema
    .createTable('ticket_status_counts')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('from_messaging_channel', 'integer', (c) => c.notNull())
    .addColumn('shard', 'integer', (c) => c.notNull())
    .addColumn('live', 'bigint', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('ticket_status_counts_pk', [
      'status',
      'from_messaging_channel',
      'shard',
    ])
    .execute();
  if (pg) await postgresTriggers(db);
  else await sqliteTriggers(db);
  // PostgreSQL: creating the triggers locked writers out of tickets until this migration
  // commits, so the count below misses no ticket and counts none twice. SQLite: one writer.
  const shards = pg ? PG_SHARDS : 1;
  const rows = STATUSES.flatMap((status) =>
    [0, 1].flatMap((fmc) =>
      Array.from({ length: shards }, (_, shard) => ({
        status,
        from_messaging_channel: fmc,
        shard,
        live: 0,
      })),
    ),
  );
  await db.insertInto('ticket_status_counts').values(rows).execute();
  await sql`
    update ticket_status_counts set live = (
      select count(*) from tickets t
      where t.deleted_at is null and t.status = ticket_status_counts.status
        and t.from_messaging_channel = ticket_status_counts.from_messaging_channel)
    where shard = 0`.execute(db);
}

async function sqliteTriggers(db: Kysely<any>): Promise<void> {
  const add = (row: 'new' | 'old', delta: string) => sql`
    update ticket_status_counts set live = live ${sql.raw(delta)}
    where status = ${sql.raw(row)}.status
      and from_messaging_channel = ${sql.raw(row)}.from_messaging_channel`;
  await sql`
    create trigger ticket_status_count_insert after insert on tickets
    when new.deleted_at is null
    begin ${add('new', '+ 1')}; end`.execute(db);
  await sql`
    create trigger ticket_status_count_delete after delete on tickets
    when old.deleted_at is null
    begin ${add('old', '- 1')}; end`.execute(db);
  await sql`
    create trigger ticket_status_count_update
    after update of status, from_messaging_channel, deleted_at on tickets
    when old.status is not new.status
      or old.from_messaging_channel is not new.from_messaging_channel
      or (old.deleted_at is null) <> (new.deleted_at is null)
    begin
      ${add('old', '- 1')} and old.deleted_at is null;
      ${add('new', '+ 1')} and new.deleted_at is null;
    end`.execute(db);
}

async function postgresTriggers(db: Kysely<any>): Promise<void> {
  const shard = sql.raw(`pg_backend_pid() % ${PG_SHARDS}`);
  await sql`
    create function ticket_status_count_add(s text, fmc integer, delta bigint) returns void
    language sql as $$
      update ticket_status_counts set live = live + delta
      where status = s and from_messaging_channel = fmc and shard = ${shard}
    $$`.execute(db);
  // Inserts and deletes per statement (a bulk insert adds its thousands in a few updates).
  const perStatement = (table: string, sign: string) => sql`
    perform ticket_status_count_add(status::text, from_messaging_channel::integer, ${sql.raw(sign)}count(*))
    from ${sql.raw(table)} where deleted_at is null group by status, from_messaging_channel`;
  await sql`
    create function ticket_status_count_on_insert() returns trigger language plpgsql as $$
    begin ${perStatement('inserted', '')}; return null; end $$`.execute(db);
  await sql`
    create function ticket_status_count_on_delete() returns trigger language plpgsql as $$
    begin ${perStatement('removed', '-')}; return null; end $$`.execute(db);
  await sql`
    create function ticket_status_count_on_update() returns trigger language plpgsql as $$
    begin
      if old.deleted_at is null then
        perform ticket_status_count_add(old.status::text, old.from_messaging_channel::integer, -1);
      end if;
      if new.deleted_at is null then
        perform ticket_status_count_add(new.status::text, new.from_messaging_channel::integer, 1);
      end if;
      return null;
    end $$`.execute(db);
  await sql`
    create function ticket_status_count_on_truncate() returns trigger language plpgsql as $$
    begin update ticket_status_counts set live = 0; return null; end $$`.execute(db);
  await sql`
    create trigger ticket_status_count_insert after insert on tickets
    referencing new table as inserted for each statement
    execute function ticket_status_count_on_insert()`.execute(db);
  await sql`
    create trigger ticket_status_count_delete after delete on tickets
    referencing old table as removed for each statement
    execute function ticket_status_count_on_delete()`.execute(db);
  // Per row, and only for rows whose count moves: most ticket updates change neither.
  await sql`
    create trigger ticket_status_count_update
    after update of status, from_messaging_channel, deleted_at on tickets for each row
    when (old.status is distinct from new.status
      or old.from_messaging_channel is distinct from new.from_messaging_channel
      or (old.deleted_at is null) <> (new.deleted_at is null))
    execute function ticket_status_count_on_update()`.execute(db);
  await sql`
    create trigger ticket_status_count_truncate after truncate on tickets
    for each statement execute function ticket_status_count_on_truncate()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['insert', 'delete', 'update', 'truncate']) {
    if (t === 'truncate' && !isPostgres(db)) continue;
    const name = sql.raw(`ticket_status_count_${t}`);
    await sql`drop trigger if exists ${name}${sql.raw(isPostgres(db) ? ' on tickets' : '')}`.execute(
      db,
    );
  }
  if (isPostgres(db)) {
    for (const f of [
      'ticket_status_count_on_insert()',
      'ticket_status_count_on_delete()',
      'ticket_status_count_on_update()',
      'ticket_status_count_on_truncate()',
      'ticket_status_count_add(text, integer, bigint)',
    ]) {
      await sql`drop function if exists ${sql.raw(f)}`.execute(db);
    }
  }
  await db.schema.dropTable('ticket_status_counts').execute();
}
