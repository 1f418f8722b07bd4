import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { isPostgres } from '../dialect.ts';

/**
 * tickets.version: goes up with every change to what the API shows of a ticket, so that a
 * ticket rendered once can be served again while its version holds (the rendered-ticket cache
 * of list pages). Parley's own writes raise it in the statement that changes the row; the
 * triggers raise it for every other write (a merge, a script, a future writer that forgets),
 * and raise a ticket's version when a follow-up starts or stops pointing at it, because its
 * `followup_ids` change although its row does not.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('tickets')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  if (isPostgres(db)) {
    await sql`
      create function tickets_version_bump() returns trigger language plpgsql as $$
      begin
        new.version := old.version + 1;
        return new;
      end $$`.execute(db);
    await sql`
      create trigger tickets_version_on_update before update on tickets for each row
      when (new.version = old.version) execute function tickets_version_bump()`.execute(db);
    await sql`
      create function tickets_version_followup() returns trigger language plpgsql as $$
      begin
        update tickets set version = version + 1
        where id in (new.followup_source_id, case when tg_op = 'UPDATE' then old.followup_source_id end);
        return null;
      end $$`.execute(db);
    await sql`
      create trigger tickets_version_on_followup_insert after insert on tickets for each row
      when (new.followup_source_id is not null) execute function tickets_version_followup()`.execute(
      db,
    );
    await sql`
      create trigger tickets_version_on_followup_update after update of followup_source_id
      on tickets for each row
      when (new.followup_source_id is distinct from old.followup_source_id)
      execute function tickets_version_followup()`.execute(db);
    return;
  }
  // SQLite cannot assign to NEW: the row is written a second time, only by writers that did
  // not raise the version themselves.
  await sql`
    create trigger tickets_version_on_update after update on tickets for each row
    when new.version = old.version
    begin
      update tickets set version = old.version + 1 where id = new.id;
    end`.execute(db);
  await sql`
    create trigger tickets_version_on_followup_insert after insert on tickets for each row
    when new.followup_source_id is not null
    begin
      update tickets set version = version + 1 where id = new.followup_source_id;
    end`.execute(db);
  await sql`
    create trigger tickets_version_on_followup_update after update of followup_source_id
    on tickets for each row
    when new.followup_source_id is not old.followup_source_id
    begin
      update tickets set version = version + 1
      where id in (new.followup_source_id, old.followup_source_id);
    end`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'tickets_version_on_update',
    'tickets_version_on_followup_insert',
    'tickets_version_on_followup_update',
  ]) {
    await sql`drop trigger if exists ${sql.raw(t)}${sql.raw(isPostgres(db) ? ' on tickets' : '')}`.execute(
      db,
    );
  }
  if (isPostgres(db)) {
    await sql`drop function if exists tickets_version_bump()`.execute(db);
    await sql`drop function if exists tickets_version_followup()`.execute(db);
  }
  await db.schema.alterTable('tickets').dropColumn('version').execute();
}
