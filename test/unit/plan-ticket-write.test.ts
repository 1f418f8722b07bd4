import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Ticket, TicketStatus, User } from '../../src/db/types.ts';
import { ValidationError } from '../../src/desk/errors.ts';
import {
  amendPlan,
  changesNothing,
  planTicketWrite,
} from '../../src/desk/tickets/plan-ticket-write.ts';
import type { CommentInput, TicketPatch } from '../../src/desk/tickets/ticket-input.ts';

// Planning reads nothing: these tests run without a database. The native rules are Zendesk's
// (HC "About native system ticket rules"; the shared reference's §1.2–1.3).

const NOW = '2026-01-02T03:04:05.000Z';
const EARLIER = '2026-01-01T00:00:00.000Z';

function user(id: number, role: User['role']): User {
  return {
    id,
    name: `User ${id}`,
    email: `user${id}@example.com`,
    role,
    custom_role_id: null,
    organization_id: null,
    default_group_id: null,
    external_id: null,
    alias: null,
    details: null,
    notes: null,
    phone: null,
    locale: 'en-US',
    time_zone: null,
    photo_url: null,
    signature: null,
    verified: 1,
    suspended: 0,
    active: 1,
    shared: 0,
    tags: '[]',
    user_fields: '{}',
    password_hash: null,
    merged_into_id: null,
    last_login_at: null,
    created_at: EARLIER,
    updated_at: EARLIER,
  };
}

const requester = user(1, 'end-user');
const agent = user(2, 'agent');
const otherAgent = user(3, 'agent');
const admin = user(4, 'admin');

function ticket(fields: Partial<Ticket> = {}): Ticket {
  return {
    id: 10,
    external_id: null,
    type: null,
    subject: 'Printer',
    description: 'It jams',
    status: 'open',
    priority: null,
    requester_id: requester.id,
    submitter_id: requester.id,
    assignee_id: null,
    group_id: null,
    organization_id: null,
    brand_id: 1,
    via_channel: 'api',
    via_source: '{}',
    from_messaging_channel: 0,
    followup_source_id: null,
    is_public: 1,
    description_public: 1,
    recipient: null,
    due_at: null,
    tags: '[]',
    created_at: EARLIER,
    updated_at: EARLIER,
    status_updated_at: EARLIER,
    initially_assigned_at: null,
    assigned_at: null,
    requester_updated_at: null,
    assignee_updated_at: null,
    agent_updated_at: null,
    latest_comment_added_at: null,
    first_solved_at: null,
    solved_at: null,
    closed_at: null,
    deleted_at: null,
    version: 1,
    reopens: 0,
    agent_replies: 0,
    ...fields,
  };
}

function update(
  before: Ticket,
  patch: TicketPatch,
  actor: User,
  comment: CommentInput | null = null,
  author?: User,
) {
  return planTicketWrite(before, patch, comment, actor, { now: NOW, author });
}

function create(patch: TicketPatch, actor: User, comment: CommentInput = { body: 'Help' }) {
  return planTicketWrite(null, { brand_id: 1, ...patch }, comment, actor, { now: NOW });
}

/** Asserts that `fn` throws Zendesk's validation error for `field` with the given error name. */
function refuses(fn: () => unknown, field: string, error: string, description?: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ValidationError, `expected a ValidationError, got ${String(e)}`);
    const detail = e.details[field]?.[0];
    assert.ok(detail, `no error for ${field}: ${JSON.stringify(e.details)}`);
    assert.equal(detail.error, error);
    if (description) assert.match(detail.description, description);
    return true;
  });
}

describe('planTicketWrite: native status rules', () => {
  it('refuses any update of a closed ticket', () => {
    const closed = ticket({ status: 'closed', assignee_id: agent.id });
    refuses(() => update(closed, { subject: 'Again' }, agent), 'status', 'ClosedTicket');
    refuses(() => update(closed, {}, requester, { body: 'Hello?' }), 'status', 'ClosedTicket');
  });

  it('never sets a ticket back to new once it has left new', () => {
    for (const status of ['open', 'pending', 'hold'] as TicketStatus[]) {
      refuses(
        () => update(ticket({ status }), { status: 'new' }, agent),
        'status',
        'InvalidValue',
        /new is not valid/,
      );
    }
    // Still new: setting new again is no change.
    const plan = update(ticket({ status: 'new' }), { status: 'new' }, agent);
    assert.equal(plan.next.status, 'new');
  });

  it('keeps a priority once set: it can change but not be removed', () => {
    const before = ticket({ priority: 'high' });
    refuses(() => update(before, { priority: null }, agent), 'priority', 'InvalidValue');
    assert.equal(update(before, { priority: 'low' }, agent).next.priority, 'low');
    // Without a priority, none may stay none.
    assert.equal(update(ticket(), { priority: null }, agent).next.priority, null);
  });

  for (const status of ['pending', 'hold', 'solved'] as TicketStatus[]) {
    it(`reopens a ${status} ticket when its requester comments`, () => {
      const before = ticket({ status, assignee_id: agent.id });
      const plan = update(before, {}, requester, { body: 'Still broken' });
      assert.equal(plan.next.status, 'open');
      assert.deepEqual(
        plan.changes.find((c) => c.field === 'status'),
        { field: 'status', previous: status, value: 'open' },
      );
    });
  }

  it('leaves new and open tickets as they are when the requester comments', () => {
    assert.equal(
      update(ticket({ status: 'new' }), {}, requester, { body: 'Hi' }).next.status,
      'new',
    );
    assert.equal(update(ticket(), {}, requester, { body: 'Hi' }).next.status, 'open');
  });

  it('does not reopen on an agent comment, public or internal', () => {
    const before = ticket({ status: 'pending', assignee_id: agent.id });
    assert.equal(update(before, {}, agent, { body: 'Any news?' }).next.status, 'pending');
    assert.equal(update(before, {}, agent, { body: 'Note', public: false }).next.status, 'pending');
  });

  it('takes a new ticket into work on an agent public reply, not on an internal note', () => {
    const before = ticket({ status: 'new' });
    assert.equal(update(before, {}, agent, { body: 'On it' }).next.status, 'open');
    assert.equal(update(before, {}, agent, { body: 'Note', public: false }).next.status, 'new');
  });

  it('keeps a ticket new when an agent creates it with a public comment', () => {
    assert.equal(create({ requester_id: requester.id }, agent).next.status, 'new');
  });

  it('lets a status the caller sets win over the comment rules', () => {
    const solved = ticket({ status: 'solved', assignee_id: agent.id });
    const plan = update(solved, { status: 'solved' }, requester, { body: 'Thanks!' });
    assert.equal(plan.next.status, 'solved');
    const fresh = ticket({ status: 'new' });
    assert.equal(update(fresh, { status: 'new' }, agent, { body: 'Later' }).next.status, 'new');
    assert.equal(
      update(fresh, { status: 'pending' }, agent, { body: 'Waiting' }).next.status,
      'pending',
    );
  });

  it('opens a new ticket that gets an assignee, on create and on update', () => {
    assert.equal(create({ assignee_id: agent.id }, agent).next.status, 'open');
    const plan = update(ticket({ status: 'new' }), { assignee_id: agent.id }, agent);
    assert.equal(plan.next.status, 'open');
    assert.equal(plan.timestamps.status_updated_at, NOW);
  });

  for (const status of ['solved', 'closed'] as TicketStatus[]) {
    it(`assigns the agent who sets ${status} on a ticket without an assignee`, () => {
      const plan = update(ticket(), { status }, agent);
      assert.equal(plan.next.status, status);
      assert.equal(plan.next.assignee_id, agent.id);
      assert.equal(plan.timestamps.assigned_at, NOW);
      assert.equal(plan.timestamps.assignee_updated_at, NOW);
    });

    it(`refuses ${status} without an assignee when no agent can take it`, () => {
      refuses(
        () =>
          planTicketWrite(null, { brand_id: 1, status }, { body: 'Done' }, requester, { now: NOW }),
        'assignee_id',
        'BlankValue',
        new RegExp(`required when the status is ${status}`),
      );
    });
  }

  it('keeps the assignee of a solved ticket that has one', () => {
    const plan = update(ticket({ assignee_id: otherAgent.id }), { status: 'solved' }, agent);
    assert.equal(plan.next.assignee_id, otherAgent.id);
    assert.equal(plan.timestamps.assigned_at, undefined);
  });
});

describe('planTicketWrite: timestamps', () => {
  it('stamps solving, first solving and closing', () => {
    const first = update(ticket({ assignee_id: agent.id }), { status: 'solved' }, agent);
    assert.equal(first.timestamps.solved_at, NOW);
    assert.equal(first.timestamps.first_solved_at, NOW);
    assert.equal(first.timestamps.closed_at, undefined);

    const again = update(
      ticket({ assignee_id: agent.id, status: 'open', first_solved_at: EARLIER }),
      { status: 'solved' },
      agent,
    );
    assert.equal(again.timestamps.solved_at, NOW);
    assert.equal(again.timestamps.first_solved_at, undefined);

    // Closing a solved ticket keeps when it was solved.
    const solved = ticket({
      assignee_id: agent.id,
      status: 'solved',
      solved_at: EARLIER,
      first_solved_at: EARLIER,
    });
    const closed = update(solved, { status: 'closed' }, agent);
    assert.equal(closed.timestamps.closed_at, NOW);
    assert.equal(closed.timestamps.solved_at, undefined);
    assert.equal(closed.timestamps.first_solved_at, undefined);

    // Closed straight from open: it counts as solved now.
    const direct = update(ticket({ assignee_id: agent.id }), { status: 'closed' }, agent);
    assert.deepEqual(
      [direct.timestamps.closed_at, direct.timestamps.solved_at, direct.timestamps.first_solved_at],
      [NOW, NOW, NOW],
    );
  });

  it('stamps the first assignment once and every assignment after', () => {
    const first = update(ticket(), { assignee_id: agent.id }, agent);
    assert.equal(first.timestamps.initially_assigned_at, NOW);
    assert.equal(first.timestamps.assigned_at, NOW);
    const second = update(
      ticket({ assignee_id: agent.id, initially_assigned_at: EARLIER }),
      { assignee_id: otherAgent.id },
      agent,
    );
    assert.equal(second.timestamps.initially_assigned_at, undefined);
    assert.equal(second.timestamps.assigned_at, NOW);
    assert.equal(
      update(ticket({ assignee_id: agent.id }), { assignee_id: null }, agent).timestamps
        .assigned_at,
      undefined,
    );
  });

  it('stamps who updated and the latest comment', () => {
    const byRequester = update(ticket(), {}, requester, { body: 'Hello' });
    assert.deepEqual(byRequester.timestamps, {
      updated_at: NOW,
      requester_updated_at: NOW,
      latest_comment_added_at: NOW,
    });
    const byAgent = update(ticket({ assignee_id: agent.id }), { priority: 'low' }, agent);
    assert.deepEqual(byAgent.timestamps, {
      updated_at: NOW,
      assignee_updated_at: NOW,
      agent_updated_at: NOW,
    });
    const created = create({}, requester);
    assert.equal(created.timestamps.status_updated_at, NOW);
    assert.equal(created.timestamps.requester_updated_at, NOW);
    assert.equal(created.timestamps.latest_comment_added_at, NOW);
  });
});

describe('planTicketWrite: changes', () => {
  it('lists every field a create sets, skipping empty ones, in Zendesk order', () => {
    const plan = create(
      { subject: 'Printer', tags: ['Hardware', 'urgent'], priority: 'high' },
      agent,
    );
    assert.deepEqual(plan.changes, [
      { field: 'subject', previous: null, value: 'Printer' },
      { field: 'status', previous: null, value: 'new' },
      { field: 'priority', previous: null, value: 'high' },
      { field: 'requester_id', previous: null, value: agent.id },
      { field: 'submitter_id', previous: null, value: agent.id },
      { field: 'brand_id', previous: null, value: 1 },
      { field: 'tags', previous: null, value: ['hardware', 'urgent'] },
    ]);
    assert.equal(plan.before, null);
    assert.equal(plan.previous, null);
  });

  it('lists the fields an update changes with their previous values', () => {
    const before = ticket({ tags: '["a","b"]', subject: 'Old' });
    const plan = update(
      before,
      { subject: 'New', additional_tags: ['c'], remove_tags: ['a'] },
      agent,
    );
    assert.deepEqual(plan.changes, [
      { field: 'subject', previous: 'Old', value: 'New' },
      { field: 'tags', previous: ['a', 'b'], value: ['b', 'c'] },
    ]);
    assert.equal(plan.previous?.subject, 'Old');
    assert.equal(plan.next.subject, 'New');
  });

  it('changes nothing when an update sets what is there and adds no comment', () => {
    const before = ticket({ tags: '["b","a"]' });
    const plan = update(before, { subject: 'Printer', tags: ['a', 'b'] }, agent);
    assert.deepEqual(plan.changes, []);
    assert.equal(changesNothing(plan), true);
    assert.equal(changesNothing(update(before, {}, agent, { body: 'Hi' })), false);
  });

  it('is a plain value that an amendment recomputes', () => {
    const plan = update(ticket(), { priority: 'low' }, agent);
    assert.deepEqual(JSON.parse(JSON.stringify(plan)), plan);
    const amended = amendPlan(plan, { group_id: 7, status: 'solved', assignee_id: agent.id });
    assert.deepEqual(
      amended.changes.map((c) => c.field),
      ['status', 'priority', 'assignee_id', 'group_id'],
    );
    assert.equal(amended.timestamps.solved_at, NOW);
    // The plan it came from is left as it was.
    assert.deepEqual(
      plan.changes.map((c) => c.field),
      ['priority'],
    );
  });
});

describe('planTicketWrite: comments', () => {
  it('refuses a create without a description, and drops a blank comment on an update', () => {
    for (const comment of [{ body: '  ' }, { html_body: '' }, {}]) {
      refuses(() => create({}, agent, comment), 'description', 'BlankValue');
    }
    refuses(
      () => planTicketWrite(null, { brand_id: 1 }, null, agent, { now: NOW }),
      'description',
      'BlankValue',
    );
    const plan = update(ticket(), { priority: 'low' }, agent, { body: ' ' });
    assert.equal(plan.comment, null);
    assert.equal(plan.timestamps.latest_comment_added_at, undefined);
  });

  it('keeps a comment that only carries files', () => {
    const plan = update(ticket(), {}, agent, { uploads: ['tok'] });
    assert.equal(plan.comment?.input.uploads?.[0], 'tok');
  });

  it('makes an end user comment public even when asked for an internal note', () => {
    const plan = update(ticket(), {}, requester, { body: 'Secret?', public: false });
    assert.deepEqual(
      { ...plan.comment, input: undefined },
      { input: undefined, authorId: requester.id, authorIsAgent: false, public: true },
    );
    assert.equal(
      update(ticket(), {}, agent, { body: 'Note', public: false }).comment?.public,
      false,
    );
  });

  it('lets agents write as another user, not end users', () => {
    const plan = update(
      ticket(),
      {},
      agent,
      { body: 'Forwarded', author_id: requester.id },
      requester,
    );
    assert.equal(plan.comment?.authorId, requester.id);
    assert.equal(plan.comment?.authorIsAgent, false);
    // Written as the requester on a pending ticket, it reopens it.
    const pending = ticket({ status: 'pending', assignee_id: agent.id });
    const reopened = update(
      pending,
      {},
      admin,
      { body: 'Fwd', author_id: requester.id },
      requester,
    );
    assert.equal(reopened.next.status, 'open');
    refuses(
      () => update(ticket(), {}, requester, { body: 'As agent', author_id: agent.id }, agent),
      'author_id',
      'InvalidValue',
    );
  });

  it('needs the other author read first', () => {
    assert.throws(
      () => update(ticket(), {}, agent, { body: 'x', author_id: requester.id }),
      /read before planning/,
    );
  });
});
