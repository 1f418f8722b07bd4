import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * Slack events that could not be applied:
 *  - retry_until: set at an event's first failure; a failing event is retried until then and
 *    no longer, so that the later messages of its conversation are never held back long.
 *  - failed_at: the event was given up (it stays in the inbox, and an admin can list it and
 *    replay it). The partial index keeps that list cheap however many events were applied.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('slack_inbox').addColumn('retry_until', 'text').execute();
  await db.schema.alterTable('slack_inbox').addColumn('failed_at', 'text').execute();
  await db.schema
    .createIndex('slack_inbox_failed')
    .on('slack_inbox')
    .column('id')
    .where(sql.ref('failed_at'), 'is not', null)
    .execute();
  // Events given up before this migration (outcome "failed: …") join the list.
  await db
    .updateTable('slack_inbox')
    .set({ failed_at: sql.ref('processed_at') })
    .where('outcome', 'like', 'failed:%')
    .where('processed_at', 'is not', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('slack_inbox_failed').execute();
  await db.schema.alterTable('slack_inbox').dropColumn('failed_at').execute();
  await db.schema.alterTable('slack_inbox').dropColumn('retry_until').execute();
}
