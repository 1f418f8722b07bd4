import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Ticket } from '../../src/db/types.ts';
import {
  AUDITED_FIELDS,
  type FieldDescription,
  fieldColumns,
  fieldNames,
  fieldsOf,
  INTEGER_FIELD_COLUMNS,
  integerColumns,
  newTicketFields,
  STORED_FIELD_COLUMNS,
  TICKET_FIELDS,
  type TicketFields,
  WRITABLE_FIELDS,
} from '../../src/desk/tickets/ticket-fields.ts';
import { ticketShape } from '../../src/http/shared/read-model/ticket-json.ts';

// The ticket fields are described once (src/desk/tickets/ticket-fields.ts); these tests hold
// the lists derived from the description to what they were when each was written by hand, and
// show that a field added to the description is what puts it in the audit and the JSON.

const AUDITED = [
  'subject',
  'status',
  'priority',
  'type',
  'requester_id',
  'submitter_id',
  'assignee_id',
  'group_id',
  'organization_id',
  'brand_id',
  'tags',
  'external_id',
  'due_at',
  'recipient',
];

const JSON_KEYS = [
  'url',
  'id',
  'external_id',
  'via',
  'via_id',
  'created_at',
  'updated_at',
  'generated_timestamp',
  'type',
  'subject',
  'raw_subject',
  'description',
  'priority',
  'status',
  'recipient',
  'requester_id',
  'submitter_id',
  'assignee_id',
  'organization_id',
  'group_id',
  'brand_id',
  'collaborator_ids',
  'follower_ids',
  'email_cc_ids',
  'forum_topic_id',
  'problem_id',
  'has_incidents',
  'is_public',
  'due_at',
  'tags',
  'custom_fields',
  'fields',
  'satisfaction_rating',
  'sharing_agreement_ids',
  'followup_ids',
  'followup_source_id',
  'from_messaging_channel',
  'allow_channelback',
  'allow_attachments',
];

/** The description with one field more, as a custom field would be added. */
const WITH_SEVERITY = {
  ...TICKET_FIELDS,
  severity_id: {
    kind: 'id',
    column: 'severity_id' as keyof Ticket,
    nullable: true,
    audited: true,
    writable: true,
    json: 'severity_id',
    start: 'null',
  } satisfies FieldDescription,
};

describe('ticket fields: the lists derived from the description', () => {
  it('audits the stored fields in Zendesk order', () => {
    assert.deepEqual(AUDITED_FIELDS, AUDITED);
    assert.deepEqual(STORED_FIELD_COLUMNS, AUDITED);
  });

  it('accepts the stored fields and the write-only ones in the ticket body', () => {
    assert.deepEqual(WRITABLE_FIELDS, [
      ...AUDITED.slice(0, 11),
      'additional_tags',
      'remove_tags',
      ...AUDITED.slice(11),
      'assignee_email',
    ]);
  });

  it('types the id columns as integers', () => {
    assert.deepEqual(INTEGER_FIELD_COLUMNS, [
      'requester_id',
      'submitter_id',
      'assignee_id',
      'group_id',
      'organization_id',
      'brand_id',
    ]);
  });

  it("shows the ticket JSON's keys in Zendesk's order", () => {
    assert.deepEqual(
      ticketShape(TICKET_FIELDS).map(([key]) => key),
      JSON_KEYS,
    );
  });

  it('puts a field added to the description in the audit, the JSON and the integer columns', () => {
    assert.deepEqual(
      fieldNames(WITH_SEVERITY, (f) => f.audited),
      [...AUDITED, 'severity_id'],
    );
    assert.deepEqual(
      ticketShape(WITH_SEVERITY).map(([key]) => key),
      [...JSON_KEYS, 'severity_id'],
    );
    assert.deepEqual(ticketShape(WITH_SEVERITY).at(-1)?.[1], {
      kind: 'column',
      column: 'severity_id',
    });
    assert.deepEqual(integerColumns(WITH_SEVERITY), [...INTEGER_FIELD_COLUMNS, 'severity_id']);
  });
});

describe('ticket fields: the values derived from the description', () => {
  const row = {
    id: 7,
    subject: 'Printer',
    status: 'open',
    priority: null,
    type: 'incident',
    requester_id: 1,
    submitter_id: 2,
    assignee_id: 3,
    group_id: 4,
    organization_id: null,
    brand_id: 5,
    tags: '["a","b"]',
    external_id: null,
    due_at: null,
    recipient: null,
  } as unknown as Ticket;
  const fields: TicketFields = {
    subject: 'Printer',
    status: 'open',
    priority: null,
    type: 'incident',
    requester_id: 1,
    submitter_id: 2,
    assignee_id: 3,
    group_id: 4,
    organization_id: null,
    brand_id: 5,
    tags: ['a', 'b'],
    external_id: null,
    due_at: null,
    recipient: null,
  };

  it('reads the fields of a row, tags parsed', () => {
    assert.deepEqual(fieldsOf(row), fields);
    assert.deepEqual(fieldsOf({ ...row, tags: 'not json' }).tags, []);
  });

  it('writes the columns of the fields; a create leaves a null recipient out', () => {
    const columns = { ...fields, tags: '["a","b"]' };
    assert.deepEqual(fieldColumns(fields, false), columns);
    const { recipient: _, ...created } = columns;
    assert.deepEqual(fieldColumns(fields, true), created);
    assert.equal(
      fieldColumns({ ...fields, recipient: 'it@example.com' }, true).recipient,
      'it@example.com',
    );
  });

  it("starts a new ticket from the defaults, the actor's id and the patch's brand", () => {
    assert.deepEqual(newTicketFields({ brand_id: 9 }, 3), {
      subject: null,
      status: 'new',
      priority: null,
      type: null,
      requester_id: 3,
      submitter_id: 3,
      assignee_id: null,
      group_id: null,
      organization_id: null,
      brand_id: 9,
      tags: [],
      external_id: null,
      due_at: null,
      recipient: null,
    });
    assert.notEqual(
      newTicketFields({ brand_id: 9 }, 3).tags,
      newTicketFields({ brand_id: 9 }, 3).tags,
    );
    assert.throws(() => newTicketFields({}, 3), /brand_id is required to create a ticket/);
  });
});
