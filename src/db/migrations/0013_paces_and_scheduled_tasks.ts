import type { Kysely } from 'kysely';

/**
 * - job_paces: how fast work may go out per key (a Slack DM takes about one message a second).
 *   One "theoretical arrival time" per key, moved on by a conditional UPDATE, so several nodes
 *   on one PostgreSQL share each key's pace.
 * - scheduled_tasks: periodic tasks (sweeps, automations) with a lease, so that of several
 *   nodes only one runs a task at a time, and each run is due from the last one wherever it ran.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('job_paces')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('tat', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('job_paces_tat').on('job_paces').column('tat').execute();

  await db.schema
    .createTable('scheduled_tasks')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('next_run_at', 'text', (c) => c.notNull())
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'text')
    .addColumn('last_started_at', 'text')
    .addColumn('last_finished_at', 'text')
    .addColumn('last_error', 'text')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('scheduled_tasks').execute();
  await db.schema.dropTable('job_paces').execute();
}
