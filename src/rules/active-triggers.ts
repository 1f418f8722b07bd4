import type { Conn } from '../desk/context.ts';
import { parseActions } from './actions.ts';
import { parseConditions, type Condition } from './conditions.ts';
import { type CycleTrigger, inFiringOrder } from './trigger-cycle.ts';

/**
 * The active triggers, parsed, as a node keeps them between writes. Several nodes share the
 * database, so the copy is checked on every write against `rule_versions` (one primary-key
 * read), which every change of the triggers raises in its own transaction; the triggers are
 * read and parsed again only when it moved. A write with no active triggers costs that read.
 */

/** Facts that cost a read, and whether some active trigger's conditions need them. */
export interface FactNeeds {
  requester: boolean;
  organization: boolean;
  slackConnection: boolean;
}

export interface ActiveTriggerSet {
  version: number;
  triggers: CycleTrigger[];
  needs: FactNeeds;
}

export interface TriggerLoadLog {
  warn(obj: object, msg: string): void;
}

const VERSION_NAME = 'triggers';

/** Raises the triggers' version: called in the transaction of every change of the triggers. */
export async function triggersChanged(trx: Conn): Promise<void> {
  await trx
    .updateTable('rule_versions')
    .set((eb) => ({ version: eb('version', '+', 1) }))
    .where('name', '=', VERSION_NAME)
    .execute();
}

function needsOf(triggers: readonly CycleTrigger[]): FactNeeds {
  const fields = triggers.flatMap((t) =>
    [...t.conditions.all, ...t.conditions.any].map((c: Condition) => c.field),
  );
  return {
    requester: fields.some((f) => f === 'requester_role' || f.startsWith('requester.')),
    organization: fields.some((f) => f.startsWith('organization.')),
    slackConnection: fields.includes('slack_connection_id'),
  };
}

export class ActiveTriggers {
  private cached: ActiveTriggerSet | null = null;

  constructor(private readonly log?: TriggerLoadLog) {}

  async load(db: Conn): Promise<ActiveTriggerSet> {
    const row = await db
      .selectFrom('rule_versions')
      .select('version')
      .where('name', '=', VERSION_NAME)
      .executeTakeFirst();
    const version = row?.version ?? 0;
    if (this.cached?.version === version) return this.cached;
    const rows = await db
      .selectFrom('triggers')
      .select(['id', 'title', 'position', 'conditions', 'actions'])
      .where('active', '=', 1)
      .execute();
    const triggers = inFiringOrder(rows.flatMap((r) => this.parse(r)));
    this.cached = { version, triggers, needs: needsOf(triggers) };
    return this.cached;
  }

  /**
   * A stored trigger was checked when it was saved; one the rules model no longer accepts
   * (a field retired since) is left out of the cycle and logged rather than failing writes.
   */
  private parse(r: {
    id: number;
    title: string;
    position: number;
    conditions: string;
    actions: string;
  }): CycleTrigger[] {
    try {
      return [
        {
          id: r.id,
          title: r.title,
          position: r.position,
          conditions: parseConditions(JSON.parse(r.conditions), { kind: 'trigger' }),
          actions: parseActions(JSON.parse(r.actions), 'trigger'),
        },
      ];
    } catch (err) {
      this.log?.warn({ err, triggerId: r.id }, 'trigger skipped: its stored rule does not parse');
      return [];
    }
  }
}
