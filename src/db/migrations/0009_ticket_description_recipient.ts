import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * Two ticket columns:
 *
 * - `description_public`: whether the first comment (the one `description` repeats) is public.
 *   `is_public` says whether *any* comment is, so once an agent answers a ticket that began
 *   with an internal note, only this flag keeps that note's text from its requester. Stored,
 *   not looked up, because every ticket read renders the description.
 * - `recipient`: the address a ticket was sent to, as Zendesk's writable `recipient`.
 *
 * Existing tickets get the flag from their first comment.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('tickets')
    .addColumn('description_public', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.alterTable('tickets').addColumn('recipient', 'text').execute();
  await sql`
    update tickets set description_public = 0
    where exists (
      select 1 from comments as c
      where c.ticket_id = tickets.id and c.public = 0
        and c.id = (select min(f.id) from comments as f where f.ticket_id = tickets.id)
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tickets').dropColumn('recipient').execute();
  await db.schema.alterTable('tickets').dropColumn('description_public').execute();
}
