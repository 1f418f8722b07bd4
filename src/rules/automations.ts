import { sql } from 'kysely';
import { transaction } from '../db/transaction.ts';
import type { Automation } from '../db/types.ts';
import type { Actor, Conn } from '../desk/context.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../desk/errors.ts';
import { authorize } from '../desk/policies/authorize.ts';
import {
  type AutomationRule,
  closesSolvedInTime,
  parseAutomationRule,
  signature,
  storedRule,
} from './automation-rule.ts';
import { endPosition } from './positions.ts';
import { refuseUnknownWebhooks } from './webhooks.ts';
import { checkRuleSize, cleanTitle, conditionsAsWritten } from './rule-input.ts';

/**
 * Automations stored and managed (Zendesk's §4): checked by the rules model and
 * automation-rule.ts, kept as the client wrote them (Zendesk's JSON round-trips), run by
 * automation-run.ts.
 */

/** An automation as a door sends it (Zendesk's `automation` object, shaped by the door). */
export interface AutomationInput {
  title?: string;
  raw_title?: string;
  active?: boolean;
  position?: number;
  conditions?: unknown;
  all?: unknown;
  any?: unknown;
  actions?: unknown;
}

/** Zendesk's limits (§4): at most 500 active automations, each under 65 kB. */
const MAX_ACTIVE = 500;
/** The standard automation Zendesk will not let go (§4). */
export const CLOSE_SOLVED = 'close_solved';

export async function getAutomation(db: Conn, id: number): Promise<Automation> {
  const row = await db
    .selectFrom('automations')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('Automation');
  return row;
}

/** `GET /automations` (and `/active`): a query the door pages, in running order. */
export async function listAutomations(db: Conn, actor: Actor, filter: { active?: boolean } = {}) {
  await authorize(db, actor, 'automation:read');
  let q = db.selectFrom('automations').selectAll();
  if (filter.active !== undefined) q = q.where('active', '=', filter.active ? 1 : 0);
  return q;
}

/** `GET /automations/search?query=`: titles containing the text, case-insensitively. */
export async function searchAutomations(
  db: Conn,
  actor: Actor,
  text: string,
  filter: { active?: boolean } = {},
) {
  const q = await listAutomations(db, actor, filter);
  const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return q.where(sql<boolean>`lower(title) like ${pattern} escape '\\'`);
}

export async function showAutomation(db: Conn, actor: Actor, id: number): Promise<Automation> {
  await authorize(db, actor, 'automation:read');
  return getAutomation(db, id);
}

function hasConditions(input: AutomationInput): boolean {
  return input.conditions !== undefined || input.all !== undefined || input.any !== undefined;
}

/**
 * What an active automation must not break: no other active one is identical, and there are
 * at most 500 active ones (Zendesk's rules, §4).
 */
async function checkActive(trx: Conn, id: number | null, rule: AutomationRule): Promise<void> {
  let q = trx
    .selectFrom('automations')
    .select(['id', 'title', 'conditions', 'actions'])
    .where('active', '=', 1);
  if (id !== null) q = q.where('id', '!=', id);
  const others = await q.execute();
  if (others.length >= MAX_ACTIVE) {
    throw ValidationError.field(
      'active',
      `Active: at most ${MAX_ACTIVE} automations can be active`,
    );
  }
  const mine = signature(rule);
  const same = others.find((o) => signature(storedRule(o)) === mine);
  if (same) {
    throw ValidationError.field(
      'base',
      `Automation: active automations must be unique; "${same.title}" (${same.id}) has the same conditions and actions`,
      'DuplicateValue',
    );
  }
}

export async function createAutomation(
  db: Conn,
  actor: Actor,
  input: AutomationInput,
  now: string,
): Promise<Automation> {
  await authorize(db, actor, 'automation:manage');
  const title = cleanTitle(input.title);
  const rule = parseAutomationRule(input);
  const conditions = conditionsAsWritten(input);
  const actions = JSON.stringify(input.actions);
  const rawTitle = input.raw_title?.trim() || title;
  checkRuleSize('Automation', [title, rawTitle, conditions, actions]);
  const active = input.active === false ? 0 : 1;
  return transaction(db, async (trx) => {
    if (active) await checkActive(trx, null, rule);
    await refuseUnknownWebhooks(trx, rule.actions);
    return trx
      .insertInto('automations')
      .values({
        title,
        raw_title: rawTitle,
        active,
        position: input.position ?? (await endPosition(trx, 'automations')),
        conditions,
        actions,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/** The columns an update sets, checked against the automation as it is. */
function changesOf(before: Automation, input: AutomationInput, now: string): Partial<Automation> {
  const set: Partial<Automation> = { updated_at: now };
  if (input.title !== undefined) {
    set.title = cleanTitle(input.title);
    if (input.raw_title === undefined) set.raw_title = set.title;
  }
  if (input.raw_title !== undefined) {
    set.raw_title = input.raw_title.trim() || (set.title ?? before.title);
  }
  if (input.active !== undefined) set.active = input.active ? 1 : 0;
  if (input.position !== undefined) set.position = input.position;
  if (hasConditions(input)) set.conditions = conditionsAsWritten(input);
  if (input.actions !== undefined) set.actions = JSON.stringify(input.actions);
  return set;
}

/** The default close-after-solved automation: editable, never off, closing within 28 days. */
function checkCloseSolved(after: Automation, rule: AutomationRule): void {
  if (after.system_key !== CLOSE_SOLVED) return;
  if (after.active !== 1) {
    throw ValidationError.field(
      'active',
      `Active: "${after.title}" is a default automation and cannot be deactivated`,
    );
  }
  if (!closesSolvedInTime(rule)) {
    throw ValidationError.field(
      'conditions',
      `Conditions: "${after.title}" must keep closing solved tickets (SOLVED greater_than N hours, N at most 672 = 28 days, and the action status closed)`,
    );
  }
}

async function saveChanges(
  trx: Conn,
  before: Automation,
  set: Partial<Automation>,
): Promise<Automation> {
  const after = { ...before, ...set };
  const rule = parseAutomationRule({
    conditions: JSON.parse(after.conditions),
    actions: JSON.parse(after.actions),
  });
  checkCloseSolved(after, rule);
  checkRuleSize('Automation', [after.title, after.raw_title, after.conditions, after.actions]);
  if (after.active === 1) await checkActive(trx, before.id, rule);
  if (set.actions !== undefined) await refuseUnknownWebhooks(trx, rule.actions);
  return trx
    .updateTable('automations')
    .set(set)
    .where('id', '=', before.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateAutomation(
  db: Conn,
  actor: Actor,
  id: number,
  input: AutomationInput,
  now: string,
): Promise<Automation> {
  await authorize(db, actor, 'automation:manage');
  return transaction(db, async (trx) => {
    const before = await getAutomation(trx, id);
    return saveChanges(trx, before, changesOf(before, input, now));
  });
}

export interface PositionUpdate {
  id: number;
  position?: number;
  active?: boolean;
}

/** `PUT /automations/update_many`: positions and active flags of several, all or none. */
export async function updateManyAutomations(
  db: Conn,
  actor: Actor,
  updates: readonly PositionUpdate[],
  now: string,
): Promise<Automation[]> {
  await authorize(db, actor, 'automation:manage');
  return transaction(db, async (trx) => {
    const out: Automation[] = [];
    for (const u of updates) {
      const before = await getAutomation(trx, u.id);
      out.push(
        await saveChanges(
          trx,
          before,
          changesOf(before, { position: u.position, active: u.active }, now),
        ),
      );
    }
    return out;
  });
}

function refuseDefaultDelete(row: Automation): void {
  if (row.system_key === CLOSE_SOLVED) {
    throw new ForbiddenError(`"${row.title}" is a default automation and cannot be deleted`);
  }
}

export async function deleteAutomation(db: Conn, actor: Actor, id: number): Promise<void> {
  await authorize(db, actor, 'automation:manage');
  await transaction(db, async (trx) => {
    refuseDefaultDelete(await getAutomation(trx, id));
    await trx.deleteFrom('automation_firings').where('automation_id', '=', id).execute();
    await trx.deleteFrom('automations').where('id', '=', id).execute();
  });
}

/** `DELETE /automations/destroy_many?ids=`: all of them, or none (a missing id is a 404). */
export async function destroyManyAutomations(
  db: Conn,
  actor: Actor,
  ids: readonly number[],
): Promise<void> {
  await authorize(db, actor, 'automation:manage');
  await transaction(db, async (trx) => {
    for (const id of ids) refuseDefaultDelete(await getAutomation(trx, id));
    await trx.deleteFrom('automation_firings').where('automation_id', 'in', ids).execute();
    await trx.deleteFrom('automations').where('id', 'in', ids).execute();
  });
}
