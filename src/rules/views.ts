import { type SelectQueryBuilder, sql } from 'kysely';
import { transaction } from '../db/transaction.ts';
import type { DB, View } from '../db/types.ts';
import type { Actor, Conn } from '../desk/context.ts';
import { NotFoundError, ValidationError } from '../desk/errors.ts';
import { authorize } from '../desk/policies/authorize.ts';
import type { ViewSubject } from '../desk/policies/rules.ts';
import { type Conditions, conditionsOfRule, parseConditions } from './conditions.ts';
import { DEFAULT_OUTPUT, parseOutput, type ViewOutput } from './view-output.ts';
import { checkCompilable } from './view-query.ts';
import { parseJson } from '../desk/time.ts';
import { endPosition } from './positions.ts';
import { checkRuleSize, cleanTitle, conditionsAsWritten } from './rule-input.ts';
import { placeholdersContaining } from './view-titles.ts';

/** A view as a door sends it (Zendesk's `view` object, already shaped by the door). */
export interface ViewInput {
  title?: string;
  description?: string | null;
  active?: boolean;
  position?: number;
  restriction?: RestrictionInput | null;
  conditions?: unknown;
  all?: unknown;
  any?: unknown;
  output?: unknown;
  execution?: unknown;
}

export interface RestrictionInput {
  type: 'User' | 'Group';
  id?: number | null;
  ids?: number[] | null;
}

/** A stored view with its groups (`restriction.ids`). */
export interface ViewRecord {
  row: View;
  groupIds: number[];
}

export interface ViewFilter {
  active?: boolean;
  access?: 'personal' | 'shared' | 'account' | 'group';
  groupId?: number;
}

/** The groups `userId` belongs to. */
export async function groupsOf(db: Conn, userId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('group_memberships')
    .select('group_id')
    .where('user_id', '=', userId)
    .execute();
  return rows.map((r) => r.group_id);
}

export async function viewGroupIds(
  db: Conn,
  ids: readonly number[],
): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  if (ids.length === 0) return out;
  const rows = await db
    .selectFrom('view_groups')
    .select(['view_id', 'group_id'])
    .where('view_id', 'in', ids as number[])
    .orderBy('group_id')
    .execute();
  for (const r of rows)
    (out.get(r.view_id) ?? out.set(r.view_id, []).get(r.view_id)!).push(r.group_id);
  return out;
}

async function loadView(db: Conn, id: number): Promise<ViewRecord> {
  const row = await db.selectFrom('views').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('View');
  return { row, groupIds: (await viewGroupIds(db, [id])).get(id) ?? [] };
}

function subject(v: { userId: number | null; groupIds: readonly number[] }, memberOf: number[]) {
  return { userId: v.userId, groupIds: v.groupIds, memberOf } satisfies ViewSubject;
}

/** One view `actor` may read (404 otherwise). */
export async function showView(db: Conn, actor: Actor, id: number): Promise<ViewRecord> {
  await authorize(db, actor, 'view:list');
  const view = await loadView(db, id);
  const memberOf = await groupsOf(db, actor.user.id);
  await authorize(db, actor, 'view:read', subject({ userId: view.row.user_id, ...view }, memberOf));
  return view;
}

/**
 * `GET /views`: the views `actor` reads, as a query the door pages. Admins list the shared
 * and group views and their own personal ones (others' personal views are theirs to open by id).
 */
export async function listViews(
  db: Conn,
  actor: Actor,
  filter: ViewFilter = {},
): Promise<SelectQueryBuilder<DB, 'views', View>> {
  await authorize(db, actor, 'view:list');
  const me = actor.user.id;
  const admin = actor.user.role === 'admin';
  const inGroups = (eb: any) =>
    eb.exists(
      eb
        .selectFrom('view_groups as vg')
        .select(sql.lit(1).as('one'))
        .whereRef('vg.view_id', '=', 'views.id'),
    );
  let q = db.selectFrom('views').selectAll('views');
  q = q.where((eb) => {
    const mine = eb('views.user_id', '=', me);
    const groups = admin
      ? inGroups(eb)
      : eb.exists(
          eb
            .selectFrom('view_groups as vg')
            .innerJoin('group_memberships as gm', 'gm.group_id', 'vg.group_id')
            .select(sql.lit(1).as('one'))
            .whereRef('vg.view_id', '=', 'views.id')
            .where('gm.user_id', '=', me),
        );
    const shared = eb.and([eb('views.user_id', 'is', null), eb.not(inGroups(eb))]);
    return eb.or([mine, groups, shared]);
  });
  if (filter.active !== undefined) q = q.where('views.active', '=', filter.active ? 1 : 0);
  if (filter.access === 'personal') q = q.where('views.user_id', 'is not', null);
  if (filter.access === 'shared' || filter.access === 'account') {
    q = q.where('views.user_id', 'is', null).where((eb) => eb.not(inGroups(eb)));
  }
  if (filter.access === 'group') q = q.where((eb) => inGroups(eb));
  if (filter.groupId !== undefined) {
    const gid = filter.groupId;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('view_groups as vf')
          .select(sql.lit(1).as('one'))
          .whereRef('vf.view_id', '=', 'views.id')
          .where('vf.group_id', '=', gid),
      ),
    );
  }
  return q;
}

/** `GET /views/search?query=`: titles containing the text, case-insensitively. */
export async function searchViews(db: Conn, actor: Actor, text: string, filter: ViewFilter = {}) {
  const q = await listViews(db, actor, filter);
  const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const placeholders = placeholdersContaining(text);
  return q.where((eb) =>
    eb.or([
      sql<boolean>`lower(views.title) like ${pattern} escape '\\'`,
      ...(placeholders.length ? [eb('views.title', 'in', placeholders)] : []),
    ]),
  );
}

// ---- Writing ----

/** Fields whose presence in `all` Zendesk requires of a view (§6). */
const ANCHOR_FIELDS = new Set(['status', 'type', 'group_id', 'assignee_id', 'requester_id']);

/** The view's conditions, parsed and checked; the JSON kept as the client wrote it. */
export function viewConditions(input: ViewInput): { parsed: Conditions; json: string } {
  const parsed = conditionsOfRule(input, 'view');
  checkCompilable(parsed, input.conditions !== undefined ? 'conditions' : '');
  if (!parsed.all.some((c) => ANCHOR_FIELDS.has(c.field))) {
    const path = input.conditions !== undefined ? 'conditions.all' : 'all';
    throw ValidationError.field(
      path,
      `${path}: must include a condition on status, type, group_id, assignee_id or requester_id`,
    );
  }
  return { parsed, json: conditionsAsWritten(input) };
}

/** A stored view's conditions (stored only after parsing, so they parse again). */
export function storedConditions(row: View): Conditions {
  return parseConditions(parseJson(row.conditions, {}), { kind: 'view' });
}

export function storedOutput(row: View): ViewOutput {
  return { ...DEFAULT_OUTPUT, ...parseJson<Partial<ViewOutput>>(row.output, {}) };
}

function outputOf(input: ViewInput, base: ViewOutput): ViewOutput | undefined {
  if (input.output !== undefined) return parseOutput(input.output, 'output', base);
  if (input.execution !== undefined) return parseOutput(input.execution, 'execution', base);
  return undefined;
}

interface Owner {
  userId: number | null;
  groupIds: number[];
}

/** Zendesk's `restriction`: null (shared), a user (personal) or groups; each must exist. */
async function ownerOf(db: Conn, r: RestrictionInput | null | undefined): Promise<Owner> {
  if (!r) return { userId: null, groupIds: [] };
  if (r.type === 'User') {
    if (r.id === undefined || r.id === null) {
      throw ValidationError.field('restriction.id', 'Restriction: a user view names its user');
    }
    const user = await db
      .selectFrom('users')
      .select('role')
      .where('id', '=', r.id)
      .executeTakeFirst();
    if (!user || user.role === 'end-user') {
      throw ValidationError.field('restriction.id', `Restriction: no agent has the id ${r.id}`);
    }
    return { userId: r.id, groupIds: [] };
  }
  const ids = [
    ...new Set([...(r.ids ?? []), ...(r.id !== undefined && r.id !== null ? [r.id] : [])]),
  ];
  if (ids.length === 0) {
    throw ValidationError.field('restriction.ids', 'Restriction: a group view names its groups');
  }
  const found = await db
    .selectFrom('groups')
    .select('id')
    .where('id', 'in', ids)
    .where('deleted', '=', 0)
    .execute();
  const missing = ids.find((id) => !found.some((g) => g.id === id));
  if (missing !== undefined) {
    throw ValidationError.field('restriction.ids', `Restriction: no group has the id ${missing}`);
  }
  return { userId: null, groupIds: ids.sort((a, b) => a - b) };
}

async function setGroups(db: Conn, viewId: number, groupIds: readonly number[]): Promise<void> {
  await db.deleteFrom('view_groups').where('view_id', '=', viewId).execute();
  if (groupIds.length > 0) {
    await db
      .insertInto('view_groups')
      .values(groupIds.map((group_id) => ({ view_id: viewId, group_id })))
      .execute();
  }
}

export async function createView(
  db: Conn,
  actor: Actor,
  input: ViewInput,
  now: string,
): Promise<ViewRecord> {
  await authorize(db, actor, 'view:list');
  const title = cleanTitle(input.title);
  const conditions = viewConditions(input).json;
  const output = JSON.stringify(outputOf(input, DEFAULT_OUTPUT) ?? DEFAULT_OUTPUT);
  checkRuleSize('View', [title, input.description, conditions, output]);
  return transaction(db, async (trx) => {
    const owner = await ownerOf(trx, input.restriction);
    await authorize(trx, actor, 'view:manage', subject(owner, await groupsOf(trx, actor.user.id)));
    const row = await trx
      .insertInto('views')
      .values({
        title,
        description: input.description ?? null,
        active: input.active === false ? 0 : 1,
        position: input.position ?? (await endPosition(trx, 'views')),
        user_id: owner.userId,
        conditions,
        output,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await setGroups(trx, row.id, owner.groupIds);
    return { row, groupIds: owner.groupIds };
  });
}

function hasConditions(input: ViewInput): boolean {
  return input.conditions !== undefined || input.all !== undefined || input.any !== undefined;
}

/** Updates one view inside `trx`: the actor must manage it as it is and as it becomes. */
async function updateIn(
  trx: Conn,
  actor: Actor,
  id: number,
  input: ViewInput,
  now: string,
): Promise<ViewRecord> {
  const before = await showView(trx, actor, id);
  const memberOf = await groupsOf(trx, actor.user.id);
  await authorize(
    trx,
    actor,
    'view:manage',
    subject({ userId: before.row.user_id, ...before }, memberOf),
  );
  const set: Partial<View> = { updated_at: now };
  if (input.title !== undefined) set.title = cleanTitle(input.title);
  if (input.description !== undefined) set.description = input.description;
  if (input.active !== undefined) set.active = input.active ? 1 : 0;
  if (input.position !== undefined) set.position = input.position;
  if (hasConditions(input)) set.conditions = viewConditions(input).json;
  const output = outputOf(input, storedOutput(before.row));
  if (output) set.output = JSON.stringify(output);
  let owner: Owner = { userId: before.row.user_id, groupIds: before.groupIds };
  if (input.restriction !== undefined) {
    owner = await ownerOf(trx, input.restriction);
    await authorize(trx, actor, 'view:manage', subject(owner, memberOf));
    set.user_id = owner.userId;
  }
  checkRuleSize('View', [
    set.title ?? before.row.title,
    set.description !== undefined ? set.description : before.row.description,
    set.conditions ?? before.row.conditions,
    set.output ?? before.row.output,
  ]);
  const row = await trx
    .updateTable('views')
    .set(set)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  if (input.restriction !== undefined) await setGroups(trx, id, owner.groupIds);
  return { row, groupIds: owner.groupIds };
}

export async function updateView(
  db: Conn,
  actor: Actor,
  id: number,
  input: ViewInput,
  now: string,
): Promise<ViewRecord> {
  await authorize(db, actor, 'view:list');
  return transaction(db, (trx) => updateIn(trx, actor, id, input, now));
}

/** `PUT /views/update_many`: `{views: [{id, position?, active?, …}]}`, all or nothing. */
export async function updateManyViews(
  db: Conn,
  actor: Actor,
  items: readonly (ViewInput & { id: number })[],
  now: string,
): Promise<ViewRecord[]> {
  await authorize(db, actor, 'view:list');
  return transaction(db, async (trx) => {
    const out: ViewRecord[] = [];
    for (const item of items) out.push(await updateIn(trx, actor, item.id, item, now));
    return out;
  });
}

async function deleteIn(trx: Conn, actor: Actor, id: number): Promise<void> {
  const view = await showView(trx, actor, id);
  const memberOf = await groupsOf(trx, actor.user.id);
  await authorize(
    trx,
    actor,
    'view:manage',
    subject({ userId: view.row.user_id, ...view }, memberOf),
  );
  await trx.deleteFrom('view_groups').where('view_id', '=', id).execute();
  await trx.deleteFrom('views').where('id', '=', id).execute();
}

export async function deleteView(db: Conn, actor: Actor, id: number): Promise<void> {
  await authorize(db, actor, 'view:list');
  await transaction(db, (trx) => deleteIn(trx, actor, id));
}

/** `DELETE /views/destroy_many?ids=`: every listed view, or none (a 404/403 names the first). */
export async function deleteManyViews(
  db: Conn,
  actor: Actor,
  ids: readonly number[],
): Promise<void> {
  await authorize(db, actor, 'view:list');
  await transaction(db, async (trx) => {
    for (const id of ids) await deleteIn(trx, actor, id);
  });
}
