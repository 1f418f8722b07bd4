import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { idColumn, isPostgres } from '../dialect.ts';

/**
 * Views (Zendesk's business rules that list tickets, src/rules/views.ts). A view is shared
 * (no owner, no group), personal (`user_id`) or restricted to groups (`view_groups`, Zendesk's
 * `restriction.ids`). Conditions and output are stored as the rules model parsed them.
 *
 * The ticket indexes serve the views' compiled queries (src/rules/view-query.ts) and their
 * counts, the default views first: each is partial on live tickets, which every view query
 * says (`deleted_at is null`), and ends with `from_messaging_channel` (the scope of an agent
 * without chat access) and `deleted_at`, so that SQLite counts from the index alone (a
 * COVERING INDEX search; without them it reads each ticket row to check it).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const id = idColumn(isPostgres(db));

  await db.schema
    .createTable('views')
    .addColumn('id', id.type, id.build)
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('conditions', 'text', (c) => c.notNull())
    .addColumn('output', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('views_position').on('views').columns(['position', 'id']).execute();
  await db.schema.createIndex('views_user').on('views').columns(['user_id', 'position']).execute();

  await db.schema
    .createTable('view_groups')
    .addColumn('view_id', 'integer', (c) => c.notNull().references('views.id').onDelete('cascade'))
    .addColumn('group_id', 'integer', (c) =>
      c.notNull().references('groups.id').onDelete('cascade'),
    )
    .addPrimaryKeyConstraint('view_groups_pk', ['view_id', 'group_id'])
    .execute();
  await db.schema
    .createIndex('view_groups_group')
    .on('view_groups')
    .columns(['group_id', 'view_id'])
    .execute();

  const live = (name: string, columns: string[]) =>
    db.schema
      .createIndex(name)
      .on('tickets')
      .columns(columns)
      .where(sql.ref('deleted_at'), 'is', null)
      .execute();
  // Your unsolved / unassigned tickets: assignee (or none) and a status list.
  await live('tickets_view_assignee_status', [
    'assignee_id',
    'status',
    'from_messaging_channel',
    'deleted_at',
  ]);
  // Group views: a group and a status list.
  await live('tickets_view_group_status', [
    'group_id',
    'status',
    'from_messaging_channel',
    'deleted_at',
  ]);
  // All unsolved, pending, recently solved and recently updated: a status, and how long it has
  // been in it or since the last update.
  await live('tickets_view_status_since', [
    'status',
    'status_updated_at',
    'updated_at',
    'from_messaging_channel',
    'deleted_at',
  ]);
  // Slack conversations: a channel and a status list.
  await live('tickets_view_via_status', [
    'via_channel',
    'status',
    'from_messaging_channel',
    'deleted_at',
  ]);

  await insertDefaultViews(db);
}

const UNSOLVED = { field: 'status', operator: 'less_than', value: 'solved' };
const COLUMNS = ['status', 'description', 'requester', 'created', 'type', 'priority'];

/**
 * The default views of a new help desk (Zendesk's standard set, shared and editable). Parley
 * has no `current_groups` condition, so "Unassigned tickets" lists every unassigned one.
 */
const DEFAULT_VIEWS: { title: string; all: object[]; output?: object }[] = [
  {
    title: 'Your unsolved tickets',
    all: [UNSOLVED, { field: 'assignee_id', operator: 'is', value: 'current_user' }],
  },
  {
    title: 'Unassigned tickets',
    all: [UNSOLVED, { field: 'assignee_id', operator: 'is', value: '' }],
  },
  { title: 'All unsolved tickets', all: [UNSOLVED] },
  {
    title: 'Recently updated tickets',
    all: [
      { field: 'status', operator: 'less_than', value: 'closed' },
      { field: 'updated_at', operator: 'less_than', value: '24' },
    ],
    output: { sort_by: 'updated', sort_order: 'desc' },
  },
  {
    title: 'Recently solved tickets',
    all: [
      { field: 'status', operator: 'is', value: 'solved' },
      { field: 'SOLVED', operator: 'less_than', value: '168' },
    ],
    output: { sort_by: 'solved', sort_order: 'desc' },
  },
  { title: 'Pending tickets', all: [{ field: 'status', operator: 'is', value: 'pending' }] },
  {
    title: 'Slack conversations',
    all: [UNSOLVED, { field: 'via_id', operator: 'is', value: '91' }],
  },
];

async function insertDefaultViews(db: Kysely<any>): Promise<void> {
  const now = new Date().toISOString();
  await db
    .insertInto('views')
    .values(
      DEFAULT_VIEWS.map((v, i) => ({
        title: v.title,
        description: null,
        active: 1,
        is_default: 1,
        position: i + 1,
        user_id: null,
        conditions: JSON.stringify({ all: v.all, any: [] }),
        output: JSON.stringify({
          columns: COLUMNS,
          group_by: null,
          group_order: 'asc',
          sort_by: null,
          sort_order: 'desc',
          ...v.output,
        }),
        created_at: now,
        updated_at: now,
      })),
    )
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of [
    'tickets_view_assignee_status',
    'tickets_view_group_status',
    'tickets_view_status_since',
    'tickets_view_via_status',
  ]) {
    await db.schema.dropIndex(name).execute();
  }
  await db.schema.dropTable('view_groups').execute();
  await db.schema.dropTable('views').execute();
}
