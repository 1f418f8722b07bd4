import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { isPostgres } from '../dialect.ts';

/**
 * tag_counts: how many tickets carry each tag, split by `from_messaging_channel`, kept by
 * triggers on ticket_tags, so that tag suggestions (GET /autocomplete/tags) and the tag list
 * (GET /tags) read a few rows per distinct tag instead of an index entry per tagged ticket
 * (a million tickets carry millions of tags). The split lets an agent who may not see Slack
 * tickets be answered from the other tickets' tags only (src/desk/tags.ts).
 *
 * On PostgreSQL each (tag, from_messaging_channel) is spread over 16 shards, a transaction
 * adding to the row of its server process, as migration 0024 does for the status counts: one
 * row per tag would serialize every transaction tagging tickets "vpn". SQLite keeps shard 0.
 * The `tag` column is compared byte-wise on both (PostgreSQL: collate "C"), so a prefix is a
 * range of the primary key whatever the database's collation.
 *
 * Tickets are only soft-deleted, so their tags stay counted (as Zendesk's tag list counts
 * them until the ticket is purged). Rows written with triggers disabled (the benchmark's bulk
 * copy) are not seen: recountTags (src/desk/tags.ts) counts them anew.
 */
const PG_SHARDS = 16;

export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  await db.schema
    .createTable('tag_counts')
    .addColumn('tag', pg ? sql`text collate "C"` : 'text', (c) => c.notNull())
    .addColumn('from_messaging_channel', 'integer', (c) => c.notNull())
    .addColumn('shard', 'integer', (c) => c.notNull())
    .addColumn('tickets', 'bigint', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('tag_counts_pk', ['tag', 'from_messaging_channel', 'shard'])
    .execute();
  if (pg) await postgresTriggers(db);
  else await sqliteTriggers(db);
  // PostgreSQL: creating the triggers locked writers out of ticket_tags until this migration
  // commits, so the count below misses no tag and counts none twice. SQLite: one writer.
  await sql`
    insert into tag_counts (tag, from_messaging_channel, shard, tickets)
    select tt.tag, t.from_messaging_channel, 0, count(*)
    from ticket_tags tt join tickets t on t.id = tt.ticket_id
    group by tt.tag, t.from_messaging_channel`.execute(db);
}

/** The ticket's `from_messaging_channel` (0 if the ticket row is already gone). */
const messagingOf = (row: 'new' | 'old') =>
  sql.raw(`coalesce((select from_messaging_channel from tickets where id = ${row}.ticket_id), 0)`);

async function sqliteTriggers(db: Kysely<any>): Promise<void> {
  await sql`
    create trigger tag_count_insert after insert on ticket_tags
    begin
      insert into tag_counts (tag, from_messaging_channel, shard, tickets)
      values (new.tag, ${messagingOf('new')}, 0, 1)
      on conflict (tag, from_messaging_channel, shard) do update set tickets = tickets + 1;
    end`.execute(db);
  // A tag no ticket carries any longer leaves the table (SQLite has one row per pair).
  await sql`
    create trigger tag_count_delete after delete on ticket_tags
    begin
      update tag_counts set tickets = tickets - 1
      where tag = old.tag and from_messaging_channel = ${messagingOf('old')} and shard = 0;
      delete from tag_counts where tag = old.tag and tickets <= 0;
    end`.execute(db);
}

async function postgresTriggers(db: Kysely<any>): Promise<void> {
  const shard = sql.raw(`pg_backend_pid() % ${PG_SHARDS}`);
  await sql`
    create function tag_count_add(t text, fmc integer, delta bigint) returns void
    language sql as $$
      insert into tag_counts (tag, from_messaging_channel, shard, tickets)
      values (t, fmc, ${shard}, delta)
      on conflict (tag, from_messaging_channel, shard)
      do update set tickets = tag_counts.tickets + excluded.tickets
    $$`.execute(db);
  // Per statement, in tag order (two transactions sharing a shard lock their rows in the
  // same order, so they wait for each other rather than deadlock).
  const perStatement = (table: string, sign: string) => sql`
    declare r record;
    begin
      for r in
        select c.tag, coalesce(t.from_messaging_channel, 0)::integer as fmc, count(*) as n
        from ${sql.raw(table)} c left join tickets t on t.id = c.ticket_id
        group by c.tag, t.from_messaging_channel
        order by c.tag, 2
      loop
        perform tag_count_add(r.tag, r.fmc, ${sql.raw(sign)}r.n);
      end loop;
      return null;
    end`;
  await sql`
    create function tag_count_on_insert() returns trigger language plpgsql as $$
    ${perStatement('inserted', '')} $$`.execute(db);
  await sql`
    create function tag_count_on_delete() returns trigger language plpgsql as $$
    ${perStatement('removed', '-')} $$`.execute(db);
  await sql`
    create function tag_count_on_truncate() returns trigger language plpgsql as $$
    begin delete from tag_counts; return null; end $$`.execute(db);
  await sql`
    create trigger tag_count_insert after insert on ticket_tags
    referencing new table as inserted for each statement
    execute function tag_count_on_insert()`.execute(db);
  await sql`
    create trigger tag_count_delete after delete on ticket_tags
    referencing old table as removed for each statement
    execute function tag_count_on_delete()`.execute(db);
  await sql`
    create trigger tag_count_truncate after truncate on ticket_tags
    for each statement execute function tag_count_on_truncate()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  for (const t of ['insert', 'delete', 'truncate']) {
    if (t === 'truncate' && !pg) continue;
    const name = sql.raw(`tag_count_${t}`);
    await sql`drop trigger if exists ${name}${sql.raw(pg ? ' on ticket_tags' : '')}`.execute(db);
  }
  if (pg) {
    for (const f of [
      'tag_count_on_insert()',
      'tag_count_on_delete()',
      'tag_count_on_truncate()',
      'tag_count_add(text, integer, bigint)',
    ]) {
      await sql`drop function if exists ${sql.raw(f)}`.execute(db);
    }
  }
  await db.schema.dropTable('tag_counts').execute();
}
