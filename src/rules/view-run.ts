import { type Expression, type SelectQueryBuilder, sql } from 'kysely';
import type { DB, Ticket } from '../db/types.ts';
import type { Actor, Conn } from '../desk/context.ts';
import { ValidationError } from '../desk/errors.ts';
import { authorize } from '../desk/policies/authorize.ts';
import { ticketScope } from '../desk/policies/tickets.ts';
import { TICKET_FIELDS } from '../desk/tickets/ticket-fields.ts';
import type { Conditions } from './conditions.ts';
import { countViewTickets } from './view-count.ts';
import { VIEW_COLUMNS, type ViewOutput } from './view-output.ts';
import { type ViewRun, viewTickets } from './view-query.ts';

/**
 * Running a view for an agent: its count, a page of its tickets in the view's (or the
 * caller's) order, and its groups. Every answer is one SQL query over `tickets` built by the
 * compiler (view-query.ts), with the agent's ticket scope in it.
 */

export interface ViewOrder {
  sortBy: string | null;
  sortOrder: 'asc' | 'desc';
  groupBy: string | null;
  groupOrder: 'asc' | 'desc';
}

export interface PageRequest {
  page: number;
  perPage: number;
}

/** What `execute` rows show of a ticket: the columns' values and the `ticket` partial. */
export const ROW_COLUMNS = [
  'id',
  'subject',
  'description',
  'status',
  'priority',
  'type',
  'requester_id',
  'submitter_id',
  'assignee_id',
  'group_id',
  'organization_id',
  'brand_id',
  'via_channel',
  'created_at',
  'updated_at',
  'assigned_at',
  'solved_at',
  'due_at',
  'requester_updated_at',
  'assignee_updated_at',
] as const satisfies readonly (keyof Ticket)[];

export type ViewRow = Pick<Ticket, (typeof ROW_COLUMNS)[number]>;

async function runOf(db: Conn, actor: Actor, now: Date): Promise<ViewRun> {
  await authorize(db, actor, 'view:list');
  return { userId: actor.user.id, now, scope: await ticketScope(db, actor) };
}

/** The number of tickets in the view for `actor`. */
export async function countView(
  db: Conn,
  actor: Actor,
  conditions: Conditions,
  now: Date,
): Promise<number> {
  return countViewTickets(db, conditions, await runOf(db, actor, now));
}

/** The SQL a column sorts by: ordered enums by their rank, others by the column. */
function sortExpression(columnId: string): Expression<unknown> {
  const column = VIEW_COLUMNS[columnId]?.column;
  if (!column) throw ValidationError.field('sort_by', `Sort by: ${columnId} cannot be sorted`);
  if (column === 'status' || column === 'priority') {
    const values = TICKET_FIELDS[column].values;
    const cases = values.map((v, i) => sql`when ${v} then ${sql.lit(i)}`);
    return sql`case ${sql.ref(`tickets.${column}`)} ${sql.join(cases, sql` `)} else -1 end`;
  }
  return sql.ref(`tickets.${column}`);
}

function nullable(columnId: string): boolean {
  const column = VIEW_COLUMNS[columnId]?.column;
  return (
    column !== 'id' && column !== 'status' && column !== 'created_at' && column !== 'updated_at'
  );
}

/**
 * The view's order: its group first, then its sort (no sort: newest first, by id), the id
 * breaking ties. Empty values sort last in both databases.
 */
function ordered<O>(
  q: SelectQueryBuilder<DB, 'tickets', O>,
  order: ViewOrder,
): SelectQueryBuilder<DB, 'tickets', O> {
  const by = (id: string, dir: 'asc' | 'desc') => {
    if (nullable(id)) {
      q = q.orderBy(sql`case when ${sortExpression(id)} is null then 1 else 0 end`, 'asc');
    }
    q = q.orderBy(sortExpression(id), dir);
  };
  if (order.groupBy) by(order.groupBy, order.groupOrder);
  if (order.sortBy && order.sortBy !== 'nice_id') by(order.sortBy, order.sortOrder);
  const idDir = order.sortBy === 'nice_id' || order.sortBy === 'created' ? order.sortOrder : 'desc';
  return q.orderBy('tickets.id', order.sortBy ? idDir : 'desc');
}

export function orderOf(
  output: ViewOutput,
  sortBy?: string,
  sortOrder?: 'asc' | 'desc',
): ViewOrder {
  return {
    sortBy: sortBy ?? output.sort_by,
    sortOrder: sortOrder ?? (sortBy ? 'asc' : output.sort_order),
    groupBy: output.group_by,
    groupOrder: output.group_order,
  };
}

/**
 * The ids of one page, in the view's order, and the view's total. Only ids are sorted: the
 * ticket indexes cover them (and the default views' sort keys), so a large view's page sorts
 * small index entries instead of reading every matching ticket row. `probed` says whether the
 * id-order probe answered (see newestFirstProbe); `probeTickets` is its size.
 */
export async function viewPageIds(
  db: Conn,
  actor: Actor,
  conditions: Conditions,
  order: ViewOrder,
  page: PageRequest,
  now: Date,
  probeTickets = PROBE_TICKETS,
): Promise<{ ids: number[]; count: number; probed: boolean }> {
  const run = await runOf(db, actor, now);
  const base = viewTickets(db, conditions, run);
  const probed = await newestFirstProbe(db, base, order, page, probeTickets);
  const rows =
    probed ??
    (await ordered(base.select('tickets.id'), order)
      .limit(page.perPage)
      .offset((page.page - 1) * page.perPage)
      .execute());
  const count = await countViewTickets(db, conditions, run);
  return { ids: rows.map((r) => r.id), count, probed: probed !== null };
}

/**
 * How many of the newest (or oldest) live tickets the id-order probe looks through: enough
 * that a view matching a few percent of tickets fills a first page from them, few enough that
 * a sparse view's wasted probe costs a millisecond or two before its own index answers.
 */
export const PROBE_TICKETS = 2000;

/** The id direction of a view ordered by id alone (the default order), else null. */
function idOrderOf(order: ViewOrder): 'asc' | 'desc' | null {
  if (order.groupBy) return null;
  if (order.sortBy === null) return 'desc';
  return order.sortBy === 'nice_id' ? order.sortOrder : null;
}

/**
 * A page in id order looked for among the `size` newest (or oldest) live tickets only. Over
 * a view matching most tickets the planners pick the filter's index and sort every match
 * (700k at a million tickets) to keep a page; bounded to the probe's ids (an IN subquery on
 * the live-ticket index, tickets_live) the view's conditions are checked on at most `size`
 * tickets. Whenever the probe holds a whole page it is the right page: every ticket outside
 * it comes after all of the probe's in this order, and one statement reads both. Otherwise
 * (a sparse view, a deep page, the last page) null, and the caller runs the plain query,
 * whose filter index suits a sparse view.
 */
async function newestFirstProbe(
  db: Conn,
  base: SelectQueryBuilder<DB, 'tickets', object>,
  order: ViewOrder,
  page: PageRequest,
  size: number,
): Promise<{ id: number }[] | null> {
  const dir = idOrderOf(order);
  const offset = (page.page - 1) * page.perPage;
  if (dir === null || offset + page.perPage > size) return null;
  const probe = db
    .selectFrom('tickets as probe')
    .select('probe.id')
    .where('probe.deleted_at', 'is', null)
    .orderBy('probe.id', dir)
    .limit(size);
  const rows = await base
    .select('tickets.id')
    .where('tickets.id', 'in', probe)
    .orderBy('tickets.id', dir)
    .limit(page.perPage)
    .offset(offset)
    .execute();
  return rows.length === page.perPage ? rows : null;
}

/** The rows of `ids` in that order (a ticket gone in between is left out). */
function inOrder<R extends { id: number }>(ids: readonly number[], rows: R[]): R[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** One page of the view's tickets for `actor`, in the view's order, with the total. */
export async function pageOfView(
  db: Conn,
  actor: Actor,
  conditions: Conditions,
  order: ViewOrder,
  page: PageRequest,
  now: Date,
): Promise<{ rows: ViewRow[]; count: number }> {
  const { ids, count } = await viewPageIds(db, actor, conditions, order, page, now);
  if (ids.length === 0) return { rows: [], count };
  const rows = await db
    .selectFrom('tickets')
    .select(ROW_COLUMNS)
    .where('id', 'in', ids)
    .where('deleted_at', 'is', null)
    .execute();
  return { rows: inOrder(ids, rows), count };
}

/** The ids and versions of one page of the view's tickets (for `/views/{id}/tickets`). */
export async function ticketIdsOfView(
  db: Conn,
  actor: Actor,
  conditions: Conditions,
  order: ViewOrder,
  page: PageRequest,
  now: Date,
): Promise<{ rows: Pick<Ticket, 'id' | 'version'>[]; count: number }> {
  const { ids, count } = await viewPageIds(db, actor, conditions, order, page, now);
  if (ids.length === 0) return { rows: [], count };
  const rows = await db
    .selectFrom('tickets')
    .select(['id', 'version'])
    .where('id', 'in', ids)
    .where('deleted_at', 'is', null)
    .execute();
  return { rows: inOrder(ids, rows), count };
}

/** `group_by`: each value of the grouping column in the view, in the group order, with its count. */
export async function groupsOfView(
  db: Conn,
  actor: Actor,
  conditions: Conditions,
  order: ViewOrder,
  now: Date,
): Promise<{ id: unknown; count: number }[]> {
  if (!order.groupBy) return [];
  const column = VIEW_COLUMNS[order.groupBy]?.column;
  if (!column) return [];
  const run = await runOf(db, actor, now);
  const ref = sql.ref(`tickets.${column}`);
  const rows = await viewTickets(db, conditions, run)
    .select([ref.as('value'), (eb) => eb.fn.countAll<number | string>().as('n')])
    .groupBy(ref)
    .orderBy(sql`case when ${ref} is null then 1 else 0 end`)
    .orderBy(sortExpression(order.groupBy), order.groupOrder)
    .execute();
  return rows.map((r) => ({ id: (r as { value: unknown }).value, count: Number(r.n) }));
}
