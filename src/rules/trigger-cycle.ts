import type { Action } from './actions.ts';
import type { Conditions } from './conditions.ts';
import { matches, type RuleFacts } from './evaluate.ts';

/**
 * Zendesk's trigger cycle (the shared reference's §3.2), pure: the caller says how a state
 * looks to conditions (facts) and what firing a trigger does to it (fire).
 *
 * A pass checks the active triggers in position order against the state so far; a trigger
 * whose conditions match fires at once, so the triggers after it in the pass see its changes.
 * When a pass fired anything, another pass starts from the top, skipping the triggers that
 * have fired: each trigger fires at most once per update, which bounds the cycle (at most one
 * pass more than there are triggers). The cycle ends with the first pass that fires nothing.
 */

export interface CycleTrigger {
  id: number;
  title: string;
  position: number;
  conditions: Conditions;
  actions: Action[];
}

export interface CycleOps<S> {
  facts(state: S): RuleFacts;
  /** May read the database (the references a trigger's changes name). */
  fire(state: S, trigger: CycleTrigger): S | Promise<S>;
}

export interface CycleOptions {
  /** Passes after which the cycle stops even if the last one fired (a guard; see below). */
  maxPasses?: number;
  /** Told when the guard stopped the cycle. */
  onLoopGuard?(passes: number, fired: readonly CycleTrigger[]): void;
}

export interface CycleResult<S> {
  state: S;
  /** The triggers that fired, in the order they fired. */
  fired: CycleTrigger[];
  passes: number;
}

/**
 * Once-per-update already bounds the cycle; the guard is for the cost of a pathological set
 * (thousands of triggers each enabling the one before it), where Zendesk too stops a cycle.
 */
export const MAX_PASSES = 100;

/** Triggers in the order they fire: by position, then by id. */
export function inFiringOrder<T extends { id: number; position: number }>(triggers: readonly T[]) {
  return [...triggers].sort((a, b) => a.position - b.position || a.id - b.id);
}

export async function runTriggerCycle<S>(
  triggers: readonly CycleTrigger[],
  start: S,
  ops: CycleOps<S>,
  options: CycleOptions = {},
): Promise<CycleResult<S>> {
  const maxPasses = options.maxPasses ?? MAX_PASSES;
  const fired: CycleTrigger[] = [];
  const done = new Set<number>();
  let state = start;
  let passes = 0;
  for (;;) {
    if (passes >= maxPasses) {
      options.onLoopGuard?.(passes, fired);
      break;
    }
    passes += 1;
    let facts = ops.facts(state);
    let firedThisPass = false;
    for (const trigger of triggers) {
      if (done.has(trigger.id) || !matches(trigger.conditions, facts)) continue;
      done.add(trigger.id);
      fired.push(trigger);
      state = await ops.fire(state, trigger);
      facts = ops.facts(state);
      firedThisPass = true;
    }
    if (!firedThisPass) break;
  }
  return { state, fired, passes };
}
