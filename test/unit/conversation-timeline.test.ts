import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildTimeline,
  changesOf,
  editsOf,
  tagList,
} from '../../web/src/ticket/conversation/timeline.ts';
import type { AuditJson, CommentJson } from '../../web/src/ticket/conversation/types.ts';

const via = { channel: 'api', source: {} };

function comment(id: number, ticketId: number, auditId: number, at: string): CommentJson {
  return {
    id,
    ticket_id: ticketId,
    author_id: 1,
    body: `c${id}`,
    html_body: `<p>c${id}</p>`,
    public: true,
    audit_id: auditId,
    attachments: [],
    via,
    created_at: at,
  };
}

function audit(id: number, ticketId: number, at: string, events: AuditJson['events']): AuditJson {
  return { id, ticket_id: ticketId, created_at: at, author_id: 1, via, events };
}

const T = (s: number) => `2026-03-03T10:00:${String(s).padStart(2, '0')}Z`;

describe('the conversation timeline', () => {
  it('keeps the shown field changes, naming the trigger that made one', () => {
    const changes = changesOf([
      audit(1, 7, T(0), [
        { id: 1, type: 'Create', field_name: 'status', value: 'new' },
        {
          id: 2,
          type: 'Change',
          field_name: 'group_id',
          value: '3',
          previous_value: null,
          via: {
            channel: 'rule',
            source: { from: { id: 4, title: 'Route payroll' }, rel: 'trigger' },
          },
        },
        { id: 3, type: 'Change', field_name: 'subject', value: 'x', previous_value: 'y' },
      ]),
    ]);
    assert.equal(changes.length, 1);
    assert.deepEqual(changes[0]!.change, {
      field: 'group_id',
      value: '3',
      previous: null,
      rule: { kind: 'trigger', title: 'Route payroll' },
    });
  });

  it('finds messages edited in Slack with their first text', () => {
    const edits = editsOf([
      audit(5, 7, T(9), [
        {
          id: 9,
          type: 'Info',
          action: 'comment_edited_in_slack',
          comment_id: 2,
          previous_body: 'first',
        },
      ]),
      audit(6, 7, T(10), [
        {
          id: 10,
          type: 'Info',
          action: 'comment_edited_in_slack',
          comment_id: 2,
          previous_body: 'second',
        },
      ]),
    ]);
    assert.deepEqual([...edits], [[2, 'first']]);
  });

  it('orders ticket by ticket, then by time, then by audit, with one divider per ticket', () => {
    const tickets = [
      { id: 7, status: 'closed', subject: 'a', created_at: T(0) },
      { id: 8, status: 'open', subject: 'b', created_at: T(5) },
    ];
    // The earlier ticket closed in the same second the follow-up's first message came in.
    const comments = [comment(10, 8, 20, T(5)), comment(1, 7, 1, T(0)), comment(2, 7, 2, T(1))];
    const changes = changesOf([
      audit(2, 7, T(1), [
        { id: 4, type: 'Change', field_name: 'status', value: 'solved', previous_value: 'new' },
      ]),
      audit(3, 7, T(5), [
        { id: 5, type: 'Change', field_name: 'status', value: 'closed', previous_value: 'solved' },
      ]),
    ]);
    const keys = buildTimeline(8, comments, changes, tickets).map((e) => e.key);
    assert.deepEqual(keys, [
      'ticket-7',
      'comment-1',
      'comment-2',
      'event-4',
      'event-5',
      'ticket-8',
      'comment-10',
    ]);
    const current = buildTimeline(8, comments, changes, tickets).filter((e) => e.kind === 'ticket');
    assert.deepEqual(
      current.map((e) => e.kind === 'ticket' && e.current),
      [false, true],
    );
  });

  it('shows no divider for a ticket alone, and reads tags in either form', () => {
    const entries = buildTimeline(7, [comment(1, 7, 1, T(0))], [], null);
    assert.deepEqual(
      entries.map((e) => e.kind),
      ['comment'],
    );
    assert.deepEqual(tagList('vpn  urgent'), ['vpn', 'urgent']);
    assert.deepEqual(tagList(['a', 'b']), ['a', 'b']);
    assert.deepEqual(tagList(null), []);
  });
});
