import type { Kysely } from 'kysely';
import { idColumn, isPostgres } from '../dialect.ts';

/**
 * Automations (Zendesk's time-based business rules) and what they did to each ticket. Conditions
 * and actions are stored as the JSON the rules model parsed (src/rules), so reading them back
 * never fails. `system_key` marks the standard automations Parley itself relies on
 * ('close_solved' may be edited but never deleted or deactivated, as in Zendesk).
 *
 * automation_firings: per automation and ticket, how often it changed the ticket and when
 * last, for Zendesk's "a ticket is updated by automations at most 100 times" and so that an
 * `is N` hour condition fires once in its hour even when the run is more frequent than hourly.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const id = idColumn(isPostgres(db));
  await db.schema
    .createTable('automations')
    .addColumn('id', id.type, id.build)
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('raw_title', 'text', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('system_key', 'text')
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('conditions', 'text', (c) => c.notNull())
    .addColumn('actions', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('automations_position')
    .on('automations')
    .columns(['position', 'id'])
    .execute();

  await db.schema
    .createTable('automation_firings')
    .addColumn('automation_id', 'integer', (c) =>
      c.notNull().references('automations.id').onDelete('cascade'),
    )
    .addColumn('ticket_id', 'integer', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('last_fired_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('automation_firings_pk', ['ticket_id', 'automation_id'])
    .execute();

  const now = new Date().toISOString();
  const defaults = [
    {
      title: 'Close ticket 4 days after status is set to solved',
      active: 1,
      system_key: 'close_solved',
      conditions: { all: [{ field: 'SOLVED', operator: 'greater_than', value: '96' }], any: [] },
      actions: [{ field: 'status', value: 'closed' }],
    },
    {
      title: 'Pending notification 24 hours',
      active: 0,
      system_key: null,
      conditions: { all: [{ field: 'PENDING', operator: 'is', value: '24' }], any: [] },
      actions: [
        {
          field: 'notification_user',
          value: [
            'requester_id',
            '{{ticket.title}}',
            'This is an email to remind you that your request ({{ticket.id}}) is pending and awaits your feedback.\n\n{{ticket.comments_formatted}}',
          ],
        },
      ],
    },
  ];
  for (const [i, d] of defaults.entries()) {
    const conditions = JSON.stringify(d.conditions);
    const actions = JSON.stringify(d.actions);
    await db
      .insertInto('automations')
      .values({
        title: d.title,
        raw_title: d.title,
        active: d.active,
        is_default: 1,
        system_key: d.system_key,
        position: i + 1,
        conditions,
        actions,
        created_at: now,
        updated_at: now,
      })
      .execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('automation_firings').execute();
  await db.schema.dropTable('automations').execute();
}
