import type { FastifyRequest } from 'fastify';
import { type SelectQueryBuilder, sql } from 'kysely';
import { HttpError } from './errors.ts';
import { anyQuery, parseQuery } from './query.ts';
import { MAX_ID } from './schemas/common.ts';

/**
 * Zendesk's two pagination styles over one query:
 *  - offset: `page`, `per_page` (≤100) → `next_page`, `previous_page`, `count`;
 *  - cursor: `page[size]`, `page[after]`/`page[before]`, `sort` → `meta`, `links`.
 * Sorting is by one whitelisted column with the id as tie-breaker, so cursors are stable.
 */
export interface PageOptions {
  /** Column (qualified if the query joins) per public sort name; `id` is always allowed. */
  sortable?: Record<string, string>;
  idColumn?: string;
  defaultSort?: string;
  /**
   * Offset pages: counts the query's rows where a caller knows a cheaper way than
   * `count(*)` over the query itself.
   */
  count?: () => Promise<number>;
  /** Always cursor pages (Zendesk's newer APIs, e.g. webhooks, offer no offset paging). */
  cursorOnly?: boolean;
}

export interface Page<T> {
  rows: T[];
  meta: Record<string, unknown>;
}

type Q = Record<string, unknown>;

function intParam(q: Q, key: string, def: number, max?: number): number {
  const raw = q[key];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new HttpError(400, 'InvalidPaginationParameter', `${key} must be a positive integer`);
  }
  return max ? Math.min(n, max) : n;
}

function encodeCursor(value: unknown, id: number): string {
  return Buffer.from(JSON.stringify([value, id])).toString('base64url');
}

/**
 * A cursor is client input: its sort value reaches SQL, so only what `encodeCursor` can produce
 * passes — a NUL-free string, a finite number or null, and an id PostgreSQL's int4 can hold.
 */
function isCursor(v: unknown): v is [string | number | null, number] {
  if (!Array.isArray(v) || v.length !== 2) return false;
  const [value, id] = v as unknown[];
  const valueOk =
    value === null ||
    (typeof value === 'number' && Number.isFinite(value)) ||
    (typeof value === 'string' && !value.includes('\u0000'));
  return valueOk && Number.isInteger(id) && (id as number) >= 0 && (id as number) <= MAX_ID;
}

function decodeCursor(cursor: string): [string | number | null, number] {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (isCursor(v)) return v;
  } catch {
    /* fall through */
  }
  throw new HttpError(
    400,
    'InvalidPaginationParameter',
    'page[after]/page[before] is not a valid cursor',
  );
}

function pageUrl(base: string, q: Q, changes: Q): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...q, ...changes })) {
    if (v === undefined || v === null) continue;
    params.set(k, String(v));
  }
  return `${base}?${params.toString().replace(/%5B/g, '[').replace(/%5D/g, ']')}`;
}

export async function paginate<DB, TB extends keyof DB, O extends Record<string, any>>(
  req: FastifyRequest,
  baseUrl: string,
  query: SelectQueryBuilder<DB, TB, O>,
  opts: PageOptions = {},
): Promise<Page<O>> {
  const q: Q = parseQuery(anyQuery, req.query);
  const idCol = opts.idColumn ?? 'id';
  const sortable: Record<string, string> = { id: idCol, ...(opts.sortable ?? {}) };
  const url = `${baseUrl}${req.url.split('?')[0]}`;
  const cursorMode =
    opts.cursorOnly === true ||
    ['page[size]', 'page[after]', 'page[before]'].some((k) => q[k] !== undefined);

  if (cursorMode) {
    const size = intParam(q, 'page[size]', 100, 100);
    const sortParam = String(q.sort ?? opts.defaultSort ?? 'id');
    const desc = sortParam.startsWith('-');
    const sortName = desc ? sortParam.slice(1) : sortParam;
    // Own keys only: `sort=constructor` must not find Object.prototype's members.
    const col = Object.hasOwn(sortable, sortName) ? sortable[sortName] : undefined;
    if (!col)
      throw new HttpError(
        400,
        'InvalidPaginationParameter',
        `sort by ${sortName} is not supported`,
      );
    const after = q['page[after]'] !== undefined ? decodeCursor(String(q['page[after]'])) : null;
    const before = q['page[before]'] !== undefined ? decodeCursor(String(q['page[before]'])) : null;
    // Going backwards reads in reverse order, then flips the page.
    const backwards = before !== null;
    const ascending = desc === backwards;
    let qb = query as SelectQueryBuilder<any, any, any>;
    const anchor = after ?? before;
    if (anchor) {
      const [v, id] = anchor;
      const op = ascending ? '>' : '<';
      qb =
        col === idCol
          ? qb.where(idCol, op, id)
          : qb.where((eb: any) =>
              eb.or([eb(col, op, v), eb.and([eb(col, '=', v), eb(idCol, op, id)])]),
            );
    }
    const dir = ascending ? 'asc' : 'desc';
    // The rows carry their own sort key for the cursors, whatever else the query selects.
    if (col !== idCol) qb = qb.select(sql.ref(col).as(sortName)).orderBy(col, dir);
    qb = qb.orderBy(idCol, dir).limit(size + 1);
    const fetched = (await qb.execute()) as O[];
    const hasMore = fetched.length > size;
    let rows = fetched.slice(0, size);
    if (backwards) rows = rows.reverse();
    const key = (r: O) =>
      encodeCursor(r[sortName === 'id' ? 'id' : sortName] ?? null, r.id as number);
    const first = rows[0];
    const last = rows[rows.length - 1];
    const afterCursor = last ? key(last) : null;
    const beforeCursor = first ? key(first) : null;
    const base = { ...q };
    delete base['page[after]'];
    delete base['page[before]'];
    const nextExists = backwards ? true : hasMore;
    const prevExists = backwards ? hasMore : after !== null;
    return {
      rows,
      meta: {
        meta: {
          has_more: backwards ? hasMore : hasMore,
          after_cursor: afterCursor,
          before_cursor: beforeCursor,
        },
        links: {
          next:
            nextExists && afterCursor ? pageUrl(url, base, { 'page[after]': afterCursor }) : null,
          prev:
            prevExists && beforeCursor
              ? pageUrl(url, base, { 'page[before]': beforeCursor })
              : null,
        },
      },
    };
  }

  const perPage = intParam(q, 'per_page', 100, 100);
  const page = intParam(q, 'page', 1);
  if ((page - 1) * perPage >= 10_000) {
    throw new HttpError(
      400,
      'InvalidPaginationParameter',
      'Offset pagination is limited to the first 10,000 records; use cursor pagination',
    );
  }
  const sortBy = String(q.sort_by ?? opts.defaultSort?.replace(/^-/, '') ?? 'id');
  const col = Object.hasOwn(sortable, sortBy) ? sortable[sortBy] : undefined;
  if (!col)
    throw new HttpError(400, 'InvalidPaginationParameter', `sort_by ${sortBy} is not supported`);
  const order =
    q.sort_order === 'desc' || (q.sort_order === undefined && opts.defaultSort?.startsWith('-'))
      ? 'desc'
      : 'asc';
  const base = query as SelectQueryBuilder<any, any, any>;
  const count = opts.count ? await opts.count() : await countRows(base);
  let qb = base;
  if (col !== idCol) qb = qb.orderBy(col, order);
  qb = qb
    .orderBy(idCol, order)
    .limit(perPage)
    .offset((page - 1) * perPage);
  const rows = (await qb.execute()) as O[];
  return {
    rows,
    meta: {
      next_page:
        page * perPage < count ? pageUrl(url, q, { page: page + 1, per_page: perPage }) : null,
      previous_page: page > 1 ? pageUrl(url, q, { page: page - 1, per_page: perPage }) : null,
      count,
    },
  };
}

async function countRows(query: SelectQueryBuilder<any, any, any>): Promise<number> {
  const row = await query
    .clearSelect()
    .select((eb: any) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  return Number((row as { n?: unknown } | undefined)?.n ?? 0);
}
