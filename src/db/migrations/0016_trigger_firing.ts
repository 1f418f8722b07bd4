import type { Kysely } from 'kysely';

/**
 * Triggers fire (issue 14):
 *  - `audit_events.via`: the via of an event a rule made (`{channel: "rule", source: {rel:
 *    "trigger", from: {id, title}}}`), shown per event as Zendesk does; null for the audit's own.
 *  - `tickets.reopens` / `tickets.agent_replies`: the counters the `reopens` and `replies`
 *    conditions read, kept by the write path (tickets written before this start at 0).
 *  - `rule_versions`: raised by every change of the triggers, so that each node keeps the parsed
 *    active triggers and re-reads them only when the stored version moved (nodes share the db).
 *  - Zendesk's default notifications for a new help desk, in a "Notifications" category:
 *    editable and deletable like any trigger.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('audit_events').addColumn('via', 'text').execute();
  await db.schema
    .alterTable('tickets')
    .addColumn('reopens', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('tickets')
    .addColumn('agent_replies', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('rule_versions')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  await db.insertInto('rule_versions').values({ name: 'triggers', version: 1 }).execute();
  await insertDefaultTriggers(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('triggers').where('is_default', '=', 1).execute();
  await db.schema.dropTable('rule_versions').execute();
  await db.schema.alterTable('tickets').dropColumn('agent_replies').execute();
  await db.schema.alterTable('tickets').dropColumn('reopens').execute();
  await db.schema.alterTable('audit_events').dropColumn('via').execute();
}

type Json = Record<string, unknown>;

/** The default triggers: conditions and actions in Zendesk's JSON, as the API would store them. */
export const DEFAULT_TRIGGERS: {
  title: string;
  description: string;
  conditions: Json;
  actions: Json[];
}[] = [
  {
    title: 'Acknowledge a new Slack conversation',
    description: 'Tells the person who wrote to the help desk in Slack that their request arrived.',
    conditions: {
      all: [
        { field: 'update_type', operator: 'is', value: 'Create' },
        { field: 'via_id', operator: 'is', value: 91 },
        // The person wrote first: not a conversation an agent opened with them.
        { field: 'role', operator: 'is', value: 'end_user' },
      ],
      any: [],
    },
    actions: [
      {
        field: 'notification_user',
        value: [
          'requester_id',
          // A Slack ticket's title is "Conversation with …": the number says more to the person.
          'Request #{{ticket.id}} received',
          'Thanks for reaching out, {{ticket.requester.first_name}}! Someone from our team ' +
            'will reply right here.',
        ],
      },
    ],
  },
  {
    title: 'Notify assignee of assignment',
    description: "Tells an agent that a ticket was assigned to them (Zendesk's standard trigger).",
    conditions: {
      all: [
        { field: 'assignee_id', operator: 'changed', value: null },
        { field: 'assignee_id', operator: 'is_not', value: 'current_user' },
      ],
      any: [],
    },
    actions: [
      {
        field: 'notification_user',
        value: [
          'assignee_id',
          '[{{ticket.account}}] Assignment: {{ticket.title}}',
          'You have been assigned to this ticket (#{{ticket.id}}).\n\n{{ticket.url}}\n\n' +
            '{{ticket.latest_comment}}',
        ],
      },
    ],
  },
  {
    title: 'Notify group of new unassigned ticket',
    description: 'Tells the agents of a group that a new ticket arrived in it without an assignee.',
    conditions: {
      all: [
        { field: 'update_type', operator: 'is', value: 'Create' },
        { field: 'assignee_id', operator: 'is', value: '' },
        { field: 'group_id', operator: 'is_not', value: '' },
      ],
      any: [],
    },
    actions: [
      {
        field: 'notification_group',
        value: [
          'group_id',
          '[{{ticket.account}}] New ticket in your group: {{ticket.title}}',
          'A new ticket (#{{ticket.id}}) is waiting in your group without an assignee.\n\n' +
            '{{ticket.url}}\n\n{{ticket.latest_comment}}',
        ],
      },
    ],
  },
];

async function insertDefaultTriggers(db: Kysely<any>): Promise<void> {
  const now = new Date().toISOString();
  const maxCategory = await db
    .selectFrom('trigger_categories')
    .select((eb) => eb.fn.max('position').as('max'))
    .executeTakeFirst();
  const category = await db
    .insertInto('trigger_categories')
    .values({
      name: 'Notifications',
      position: Number(maxCategory?.max ?? 0) + 1,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const maxTrigger = await db
    .selectFrom('triggers')
    .select((eb) => eb.fn.max('position').as('max'))
    .executeTakeFirst();
  const start = Number(maxTrigger?.max ?? 0);
  await db
    .insertInto('triggers')
    .values(
      DEFAULT_TRIGGERS.map((t, i) => ({
        title: t.title,
        raw_title: t.title,
        description: t.description,
        active: 1,
        is_default: 1,
        position: start + i + 1,
        category_id: category.id,
        conditions: JSON.stringify(t.conditions),
        actions: JSON.stringify(t.actions),
        created_at: now,
        updated_at: now,
      })),
    )
    .execute();
}
