import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_TRIGGERS } from '../../src/db/migrations/0016_trigger_firing.ts';
import type { FieldChange } from '../../src/desk/tickets/plan-ticket-write.ts';
import type { TicketFields } from '../../src/desk/tickets/ticket-fields.ts';
import { applyActions, parseActions } from '../../src/rules/actions.ts';
import { parseConditions } from '../../src/rules/conditions.ts';
import type { RuleFacts } from '../../src/rules/evaluate.ts';
import {
  type CycleTrigger,
  inFiringOrder,
  runTriggerCycle,
} from '../../src/rules/trigger-cycle.ts';

// The trigger cycle (reference §3.2) over a plain state: a ticket's fields before and now.

const PREVIOUS: TicketFields = {
  subject: 'Printer',
  status: 'open',
  priority: 'normal',
  type: null,
  requester_id: 1,
  submitter_id: 1,
  assignee_id: null,
  group_id: null,
  organization_id: null,
  brand_id: 1,
  tags: [],
  external_id: null,
  due_at: null,
  recipient: null,
};

interface State {
  next: TicketFields;
  log: number[];
}

function changes(next: TicketFields): FieldChange[] {
  return (Object.keys(next) as (keyof TicketFields)[])
    .filter((k) => JSON.stringify(PREVIOUS[k]) !== JSON.stringify(next[k]))
    .map((k) => ({ field: k, previous: PREVIOUS[k], value: next[k] }) as FieldChange);
}

function facts(s: State): RuleFacts {
  return {
    next: s.next,
    previous: PREVIOUS,
    changes: changes(s.next),
    comment: null,
    actor: { id: 1, role: 'end_user' },
    requester: { role: 'end_user', email: null, tags: [], fields: {} },
    organization: null,
    viaId: 5,
    currentViaId: 5,
    slackConnectionId: null,
    counts: { reopens: 0, agentReplies: 0 },
  };
}

const ops = {
  facts,
  fire: (s: State, t: CycleTrigger): State => ({
    next: applyActions(t.actions, s.next, { currentUserId: 1 }).next,
    log: [...s.log, t.id],
  }),
};

function trigger(id: number, position: number, all: unknown[], actions: unknown[]): CycleTrigger {
  return {
    id,
    title: `T${id}`,
    position,
    conditions: parseConditions({ all, any: [] }, { kind: 'trigger' }),
    actions: parseActions(actions, 'trigger'),
  };
}

const start: State = { next: PREVIOUS, log: [] };

describe('trigger cycle', () => {
  it('restarts from the top with the new state', async () => {
    const triggers = [
      trigger(
        1,
        1,
        [{ field: 'current_tags', operator: 'includes', value: 'x' }],
        [{ field: 'priority', value: 'urgent' }],
      ),
      trigger(
        2,
        2,
        [{ field: 'status', operator: 'is', value: 'open' }],
        [{ field: 'current_tags', value: 'x' }],
      ),
    ];
    const r = await runTriggerCycle(triggers, start, ops);
    assert.deepEqual(r.state.log, [2, 1]);
    assert.equal(r.state.next.priority, 'urgent');
    assert.equal(r.passes, 3, 'the third pass fires nothing and ends the cycle');
  });

  it('lets later triggers of a pass see what an earlier one changed', async () => {
    const triggers = [
      trigger(
        1,
        1,
        [{ field: 'status', operator: 'is', value: 'open' }],
        [{ field: 'current_tags', value: 'x' }],
      ),
      trigger(
        2,
        2,
        [{ field: 'current_tags', operator: 'includes', value: 'x' }],
        [{ field: 'priority', value: 'high' }],
      ),
    ];
    const r = await runTriggerCycle(triggers, start, ops);
    assert.deepEqual(r.state.log, [1, 2]);
    assert.equal(r.passes, 2);
  });

  it('fires each trigger at most once per update, though it still matches', async () => {
    const always = trigger(
      1,
      1,
      [{ field: 'status', operator: 'is', value: 'open' }],
      [{ field: 'notification_user', value: ['requester_id', 's', 'b'] }],
    );
    const r = await runTriggerCycle([always], start, ops);
    assert.deepEqual(r.state.log, [1]);
    assert.equal(r.passes, 2);
  });

  it('ends after a pass that fires nothing', async () => {
    const never = trigger(
      1,
      1,
      [{ field: 'status', operator: 'is', value: 'solved' }],
      [{ field: 'priority', value: 'low' }],
    );
    const r = await runTriggerCycle([never], start, ops);
    assert.deepEqual(r.state.log, []);
    assert.equal(r.passes, 1);
    assert.equal(r.state, start);
  });

  it('stops at the loop guard and says so', async () => {
    // Each enables the one before it: one firing per pass.
    const chain = [
      trigger(
        1,
        1,
        [{ field: 'current_tags', operator: 'includes', value: 'b' }],
        [{ field: 'current_tags', value: 'c' }],
      ),
      trigger(
        2,
        2,
        [{ field: 'current_tags', operator: 'includes', value: 'a' }],
        [{ field: 'current_tags', value: 'b' }],
      ),
      trigger(
        3,
        3,
        [{ field: 'status', operator: 'is', value: 'open' }],
        [{ field: 'current_tags', value: 'a' }],
      ),
    ];
    const guarded: number[] = [];
    const r = await runTriggerCycle(chain, start, ops, {
      maxPasses: 2,
      onLoopGuard: (passes) => guarded.push(passes),
    });
    assert.deepEqual(r.state.log, [3, 2]);
    assert.deepEqual(guarded, [2]);
    const free = await runTriggerCycle(chain, start, ops);
    assert.deepEqual(free.state.log, [3, 2, 1]);
  });

  it('fires in position order, then by id', async () => {
    const open = [{ field: 'status', operator: 'is', value: 'open' }];
    const triggers = inFiringOrder([
      trigger(5, 2, open, [{ field: 'priority', value: 'low' }]),
      trigger(9, 1, open, [{ field: 'priority', value: 'high' }]),
      trigger(7, 2, open, [{ field: 'priority', value: 'urgent' }]),
    ]);
    assert.deepEqual(
      triggers.map((t) => t.id),
      [9, 5, 7],
    );
    const r = await runTriggerCycle(triggers, start, ops);
    assert.deepEqual(r.state.log, [9, 5, 7]);
    assert.equal(r.state.next.priority, 'urgent', 'the last to fire wins');
  });

  it("lets change operators see the triggers' changes so far", async () => {
    const triggers = [
      trigger(
        1,
        1,
        [{ field: 'priority', operator: 'value', value: 'high' }],
        [{ field: 'current_tags', value: 'saw_change' }],
      ),
      trigger(
        2,
        2,
        [{ field: 'priority', operator: 'not_changed' }],
        [{ field: 'priority', value: 'high' }],
      ),
    ];
    const r = await runTriggerCycle(triggers, start, ops);
    assert.deepEqual(r.state.log, [2, 1]);
    assert.deepEqual(r.state.next.tags, ['saw_change']);
  });

  it('parses the default triggers, and "Notify assignee of assignment" fires on an assignment', async () => {
    const defaults = DEFAULT_TRIGGERS.map((t, i) => ({
      id: i + 1,
      title: t.title,
      position: i + 1,
      conditions: parseConditions(t.conditions, { kind: 'trigger' }),
      actions: parseActions(t.actions, 'trigger'),
    }));
    const assigned: State = { next: { ...PREVIOUS, assignee_id: 7 }, log: [] };
    const r = await runTriggerCycle(defaults, assigned, ops);
    assert.deepEqual(
      r.state.log.map((id) => defaults[id - 1]!.title),
      ['Notify assignee of assignment'],
    );
  });
});
