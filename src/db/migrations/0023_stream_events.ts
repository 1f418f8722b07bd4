import type { Kysely } from 'kysely';
import { idColumn, isPostgres } from '../dialect.ts';

/**
 * The realtime stream's durable log (issue 15): every event the agent workspace is told of,
 * written inside the write's transaction, so that its id is the commit order's and a client
 * reconnecting with Last-Event-ID is replayed exactly what it missed. Pruned after a retention
 * window; `created_at` is what the prune looks at (ids only grow, so the oldest rows go first).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const id = idColumn(isPostgres(db));
  await db.schema
    .createTable('stream_events')
    .addColumn('id', id.type, id.build)
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('ticket_id', 'integer')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('stream_events_created_at')
    .on('stream_events')
    .column('created_at')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('stream_events').execute();
}
