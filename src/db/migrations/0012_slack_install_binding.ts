import type { Kysely } from 'kysely';

/**
 * A Slack install's OAuth state is bound to who started it: the admin (`user_id`), how they
 * were signed in (`bound_to`: a browser session, an API credential, or Parley itself at start
 * for the sandbox), a hash of that session or API token (`credential_hash`), and whether it
 * may re-authorize an active connection (`reauthorize`). States from before were made by the
 * old, never-expiring install links, bound to nobody: they are dropped, and an admin starts
 * such an install again from the connection.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('slack_oauth_states').execute();
  await db.schema.alterTable('slack_oauth_states').addColumn('user_id', 'integer').execute();
  await db.schema.alterTable('slack_oauth_states').addColumn('bound_to', 'text').execute();
  await db.schema.alterTable('slack_oauth_states').addColumn('credential_hash', 'text').execute();
  await db.schema
    .alterTable('slack_oauth_states')
    .addColumn('reauthorize', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex('slack_oauth_states_expires_at')
    .on('slack_oauth_states')
    .column('expires_at')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('slack_oauth_states_expires_at').execute();
  for (const column of ['reauthorize', 'credential_hash', 'bound_to', 'user_id']) {
    await db.schema.alterTable('slack_oauth_states').dropColumn(column).execute();
  }
}
