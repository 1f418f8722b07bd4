import type { Conn } from '../desk/context.ts';
import { ValidationError } from '../desk/errors.ts';
import type { FiredEffect } from '../desk/events.ts';
import { applyNativeRules, sameValue } from '../desk/tickets/native-rules.ts';
import { amendPlan, applyPatch, type TicketWritePlan } from '../desk/tickets/plan-ticket-write.ts';
import type { TicketFields, TicketPatch } from '../desk/tickets/ticket-fields.ts';
import { resolveReferences, type SeenUsers } from '../desk/tickets/ticket-references.ts';
import type {
  RuledWrite,
  RuleFieldChange,
  WriteRules,
  WriteRulesContext,
} from '../desk/tickets/write-rules.ts';
import { type Via, via } from '../desk/via.ts';
import { applyActions } from './actions.ts';
import { ActiveTriggers } from './active-triggers.ts';
import { type CycleTrigger, runTriggerCycle } from './trigger-cycle.ts';
import { factsOf, readWriteFacts } from './trigger-facts.ts';

/**
 * The triggers as the write rules of an instance (registered on its DeskEvents by the
 * composition root): every ticket write runs the trigger cycle between planning and persisting.
 */

export interface FiringLog {
  warn(obj: object, msg: string): void;
}

interface FiringState {
  plan: TicketWritePlan;
  effects: FiredEffect[];
  /** The last trigger that changed each field. */
  setBy: Map<keyof TicketFields, Via>;
}

/** Zendesk's via of a trigger-made change, on its audit event. */
export function triggerVia(trigger: { id: number; title: string }): Via {
  return via('rule', { rel: 'trigger', from: { id: trigger.id, title: trigger.title }, to: {} });
}

export function triggerWriteRules(log?: FiringLog): WriteRules {
  const active = new ActiveTriggers(log);
  return async (trx, plan, ctx) => {
    const set = await active.load(trx);
    if (set.triggers.length === 0) return { plan, effects: [], changedBy: new Map() };
    const base = await readWriteFacts(trx, plan, ctx, set.needs);
    const start: FiringState = { plan, effects: [], setBy: new Map() };
    const result = await runTriggerCycle(
      set.triggers,
      start,
      {
        facts: (s) => factsOf(s.plan, base),
        fire: (s, trigger) => fire(trx, s, trigger, ctx, log),
      },
      {
        onLoopGuard: (passes, fired) =>
          log?.warn(
            { ticketId: plan.before?.id ?? null, passes, fired: fired.map((t) => t.id) },
            'trigger cycle stopped by its loop guard',
          ),
      },
    );
    return ruled(plan, result.state);
  };
}

/** The cycle's outcome: only the fields whose final value differs from the one before it ran. */
function ruled(start: TicketWritePlan, state: FiringState): RuledWrite {
  const changedBy = new Map<keyof TicketFields, RuleFieldChange>();
  for (const [field, ruleVia] of state.setBy) {
    const before = start.next[field];
    if (!sameValue(before, state.plan.next[field])) changedBy.set(field, { via: ruleVia, before });
  }
  return { plan: state.plan, effects: state.effects, changedBy };
}

async function fire(
  trx: Conn,
  state: FiringState,
  trigger: CycleTrigger,
  ctx: WriteRulesContext,
  log: FiringLog | undefined,
): Promise<FiringState> {
  const applied = applyActions(trigger.actions, state.plan.next, { currentUserId: ctx.actor.id });
  const plan = await amendSafely(trx, state.plan, applied.patch, ctx.seen, (err, dropped) =>
    log?.warn(
      {
        ticketId: state.plan.before?.id ?? null,
        triggerId: trigger.id,
        dropped,
        details: err.details,
      },
      'trigger action skipped: the ticket refuses it',
    ),
  );
  const setBy = new Map(state.setBy);
  const ruleVia = triggerVia(trigger);
  for (const key of Object.keys(plan.next) as (keyof TicketFields)[]) {
    if (!sameValue(state.plan.next[key], plan.next[key])) setBy.set(key, ruleVia);
  }
  const rule = { kind: 'trigger' as const, id: trigger.id, title: trigger.title };
  return {
    plan,
    effects: [...state.effects, ...applied.effects.map((effect) => ({ rule, effect }))],
    setBy,
  };
}

/** Patch keys by the field a ValidationError names. */
const PATCH_KEYS: Record<string, readonly (keyof TicketPatch)[]> = {
  tags: ['tags', 'additional_tags', 'remove_tags'],
};

/** Patch fields whose change must be checked against the database (resolveReferences). */
const REFERENCES: readonly (keyof TicketPatch)[] = ['group_id', 'assignee_id', 'brand_id'];

/**
 * The plan amended with a trigger's patch, the native rules held and references checked. A
 * trigger must not break the customer's write: an action the ticket refuses (a deleted group,
 * an assignee who is no longer an agent or not in the group, a status the rules forbid) is
 * left out and logged, and the trigger's other actions still apply.
 */
async function amendSafely(
  trx: Conn,
  plan: TicketWritePlan,
  patch: TicketPatch,
  seen: SeenUsers,
  warn: (err: ValidationError, dropped: string[]) => void,
): Promise<TicketWritePlan> {
  let left: TicketPatch = { ...patch };
  for (;;) {
    if (Object.keys(left).length === 0) return plan;
    try {
      const next = applyNativeRules({
        before: plan.previous,
        next: applyPatch(plan.next, left),
        // The plan's own status rules (a requester's comment reopening) were applied already.
        statusGiven: true,
        actor: plan.actor,
        comment: null,
      });
      const amended = amendPlan(plan, next);
      const touchesReferences = REFERENCES.some((k) => left[k] !== undefined);
      return touchesReferences ? await resolveReferences(trx, amended, seen, undefined) : amended;
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const named = Object.keys(err.details).flatMap(
        (f) => PATCH_KEYS[f] ?? [f as keyof TicketPatch],
      );
      let dropped = named.filter((k) => left[k] !== undefined);
      // A reference refused under another name (an assignee not in the group the trigger sets).
      if (dropped.length === 0) dropped = REFERENCES.filter((k) => left[k] !== undefined);
      warn(err, dropped);
      if (dropped.length === 0) return plan;
      left = Object.fromEntries(
        Object.entries(left).filter(([k]) => !dropped.includes(k as keyof TicketPatch)),
      ) as TicketPatch;
    }
  }
}
