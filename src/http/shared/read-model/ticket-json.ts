import { type RawBuilder, sql, type SelectQueryBuilder } from 'kysely';
import { isPostgres } from '../../../db/dialect.ts';
import type { DB, Ticket } from '../../../db/types.ts';
import type { Actor, Conn } from '../../../desk/context.ts';
import { type TicketScope, ticketScope, visibleTickets } from '../../../desk/policies/tickets.ts';
import { parseJson, presentTime } from '../../../desk/time.ts';
import {
  type FieldDescription,
  type FieldTable,
  type JsonFieldName,
  jsonFields,
  STORED_FIELD_COLUMNS,
  TICKET_FIELDS,
  type TicketFieldValues,
} from '../../../desk/tickets/ticket-fields.ts';
import { VIA_IDS, viaId } from '../../../desk/via.ts';
import type { RenderedTickets } from './rendered-tickets.ts';
import {
  type Audience,
  AUDIENCES,
  audienceOf,
  TICKET_VIEWS,
  type TicketView,
} from './ticket-views.ts';

/**
 * A ticket as Zendesk's API shows it, described once (`ticketShape`: the keys Parley computes
 * and the ticket fields' own, from desk/tickets/ticket-fields.ts) and rendered two ways:
 * `presentTicket` from a row in hand (the answers to writes, and reads on PostgreSQL), and
 * `ticketJsonSql`, with which SQLite writes the JSON itself for the tickets a read selects.
 *
 * Why two: SQLite runs inside Parley's process, and its C JSON builder renders a page of
 * tickets for much less CPU than V8 spends building the row objects, presenting them and
 * stringifying the result (figures in docs/benchmarks.md). On PostgreSQL the
 * rendering stays on the Parley nodes, which scale out, instead of loading the one database
 * server. test/api/ticket-json.test.ts holds the two renderings to the same JSON.
 *
 * Either way a rendered ticket is kept, with the version it was rendered from, for the next
 * read that selects the same version (`RenderedTickets`, `ticketReader`). A ticket reads the
 * same to every reader of one audience: agents see it all; its requester (an end user) does
 * not see the text of a first comment that was an internal note, so `description` is empty to
 * them. Renderings are kept per audience, and the renderers learn nothing of the reader but
 * the audience's view (ticket-views.ts): what comes to depend on the reader is part of the key.
 */

/** The columns the API shows besides the ticket fields' (desk/tickets/ticket-fields.ts). */
const OTHER_PRESENTED_COLUMNS = [
  'id',
  'via_channel',
  'via_source',
  'created_at',
  'updated_at',
  'description',
  'is_public',
  'description_public',
  'followup_source_id',
  'from_messaging_channel',
] as const satisfies readonly (keyof Ticket)[];

/**
 * The ticket columns the API shows. Reads on PostgreSQL select only these: building a
 * 100-ticket page's rows with the rules' dozen timestamp columns as well took measurably
 * longer (docs/benchmarks.md).
 */
export const PRESENTED_TICKET_COLUMNS = [...OTHER_PRESENTED_COLUMNS, ...STORED_FIELD_COLUMNS];

export type PresentedTicket = Pick<Ticket, (typeof PRESENTED_TICKET_COLUMNS)[number]>;
type Column = keyof PresentedTicket;

type Kind =
  | 'column'
  | 'time'
  | 'flag'
  | 'json'
  | 'constant'
  | 'url'
  | 'via'
  | 'via_id'
  | 'epoch'
  | 'followups'
  | 'description';

/** One key of the shape; `T` is the JSON value's type (for `TicketJson`) and never stored. */
interface Field<T> {
  kind: Kind;
  column?: Column;
  /** The value of a constant, or the fallback of a JSON column that does not parse. */
  value?: null | boolean | Record<string, unknown> | unknown[];
  readonly type?: T;
}

const column = <C extends Column>(c: C): Field<PresentedTicket[C]> => ({
  kind: 'column',
  column: c,
});
/** Stored with milliseconds (`…00.000Z`), shown to the second as Zendesk does. */
const time = <C extends 'created_at' | 'updated_at'>(c: C): Field<PresentedTicket[C]> => ({
  kind: 'time',
  column: c,
});
const flag = (c: 'is_public' | 'from_messaging_channel'): Field<boolean> => ({
  kind: 'flag',
  column: c,
});
const constant = <T extends null | boolean>(value: T): Field<T> => ({ kind: 'constant', value });
/** Ticket fields Parley has no data for yet; always a fresh empty list. */
const emptyList = (): Field<never[]> => ({ kind: 'constant', value: [] });

const VIA_SOURCE_FALLBACK = { from: {}, to: {}, rel: null };

/** A JSON column's value, or a fresh copy of `fallback` where the text does not parse. */
function parseOr(text: string | null, fallback: unknown): unknown {
  const v = parseJson<unknown>(text, undefined);
  return v === undefined ? structuredClone(fallback) : v;
}

/** The keys Parley works out itself; the ticket fields' come from their description. */
const COMPUTED_SHAPE = {
  url: { kind: 'url' } as Field<string>,
  id: column('id'),
  via: { kind: 'via' } as Field<{ channel: string; source: Record<string, unknown> }>,
  via_id: { kind: 'via_id' } as Field<number | null>,
  created_at: time('created_at'),
  updated_at: time('updated_at'),
  generated_timestamp: { kind: 'epoch', column: 'updated_at' } as Field<number>,
  raw_subject: column('subject'),
  description: { kind: 'description' } as Field<string>,
  collaborator_ids: emptyList(),
  follower_ids: emptyList(),
  email_cc_ids: emptyList(),
  forum_topic_id: constant(null),
  problem_id: constant(null),
  has_incidents: constant(false),
  is_public: flag('is_public'),
  custom_fields: emptyList(),
  fields: emptyList(),
  satisfaction_rating: constant(null),
  sharing_agreement_ids: emptyList(),
  followup_ids: { kind: 'followups' } as Field<number[]>,
  followup_source_id: column('followup_source_id'),
  from_messaging_channel: flag('from_messaging_channel'),
  allow_channelback: constant(false),
  allow_attachments: constant(true),
} satisfies Record<string, Field<unknown>>;

type FieldJsonKey = (typeof TICKET_FIELDS)[JsonFieldName]['json'];

/**
 * The order Zendesk's API writes the keys in, the ticket fields' among them. A described field
 * whose key is not listed here is written after these.
 */
const KEY_ORDER = [
  'url',
  'id',
  'external_id',
  'via',
  'via_id',
  'created_at',
  'updated_at',
  'generated_timestamp',
  'type',
  'subject',
  'raw_subject',
  'description',
  'priority',
  'status',
  'recipient',
  'requester_id',
  'submitter_id',
  'assignee_id',
  'organization_id',
  'group_id',
  'brand_id',
  'collaborator_ids',
  'follower_ids',
  'email_cc_ids',
  'forum_topic_id',
  'problem_id',
  'has_incidents',
  'is_public',
  'due_at',
  'tags',
  'custom_fields',
  'fields',
  'satisfaction_rating',
  'sharing_agreement_ids',
  'followup_ids',
  'followup_source_id',
  'from_messaging_channel',
  'allow_channelback',
  'allow_attachments',
] as const satisfies readonly (keyof typeof COMPUTED_SHAPE | FieldJsonKey)[];

// Fails `tsc` when a computed key has no place in KEY_ORDER (it would not be shown).
const everyComputedKeyOrdered: [
  Exclude<keyof typeof COMPUTED_SHAPE, (typeof KEY_ORDER)[number]>,
] extends [never]
  ? true
  : false = true;
void everyComputedKeyOrdered;

/** How a described ticket field shows: times to the second, tags parsed from their JSON text. */
function describedField(f: FieldDescription): Field<unknown> {
  const c = f.column as Column;
  if (f.kind === 'time') return { kind: 'time', column: c };
  if (f.kind === 'tags') return { kind: 'json', column: c, value: [] };
  return { kind: 'column', column: c };
}

/** The keys of the ticket JSON with how each is rendered, for a description of the fields. */
export function ticketShape(fields: FieldTable): [string, Field<unknown>][] {
  const described = new Map(jsonFields(fields).map(([key, f]) => [key, describedField(f)]));
  const computed: Record<string, Field<unknown>> = COMPUTED_SHAPE;
  const ordered: readonly string[] = KEY_ORDER;
  const entries = ordered.flatMap((key) => {
    const f = described.get(key) ?? computed[key];
    return f ? [[key, f] as [string, Field<unknown>]] : [];
  });
  for (const [key, f] of described) if (!ordered.includes(key)) entries.push([key, f]);
  return entries;
}

export type TicketJson = {
  -readonly [K in keyof typeof COMPUTED_SHAPE]: (typeof COMPUTED_SHAPE)[K] extends Field<infer T>
    ? T
    : never;
} & { [K in JsonFieldName as (typeof TICKET_FIELDS)[K]['json']]: TicketFieldValues[K] };

/** The ticket JSON's keys, worked out once. */
const SHAPE_ENTRIES = ticketShape(TICKET_FIELDS);

/** The JavaScript expression of one field, over `r` (the row) and the helpers `h`. */
function fieldJs(f: Field<unknown>, fallbacks: unknown[]): string {
  const c = f.column ? `r[${JSON.stringify(f.column)}]` : '';
  const fallback = (v: unknown) => `h.fallbacks[${fallbacks.push(v) - 1}]`;
  switch (f.kind) {
    case 'column':
      return c;
    case 'time':
      return `h.presentTime(${c})`;
    case 'flag':
      return `${c} === 1`;
    case 'json':
      return `h.parseOr(${c}, ${fallback(f.value)})`;
    case 'constant':
      return Array.isArray(f.value) ? '[]' : JSON.stringify(f.value);
    case 'url':
      return '`${h.base}/api/v2/tickets/${r.id}.json`';
    case 'via':
      return `{ channel: r.via_channel, source: h.parseOr(r.via_source, ${fallback(VIA_SOURCE_FALLBACK)}) }`;
    case 'via_id':
      return 'h.viaId(r.via_channel)';
    case 'epoch':
      return `Math.floor(Date.parse(${c}) / 1000)`;
    case 'followups':
      return 'h.followups';
    case 'description':
      return "h.view.internalDescription || r.description_public === 1 ? r.description : ''";
  }
}

/**
 * The shape compiled once into a function that returns one object literal: V8 builds such an
 * object in a single step, where filling an empty one field by field was much slower for a
 * page (the code is made from the constant shape above, never from input).
 */
const presentRow = (() => {
  const fallbacks: unknown[] = [];
  const fields = SHAPE_ENTRIES.map(
    ([key, f]) => `${JSON.stringify(key)}: ${fieldJs(f, fallbacks)}`,
  );
  const build = new Function('r', 'h', `return { ${fields.join(', ')} };`) as (
    r: PresentedTicket,
    h: object,
  ) => TicketJson;
  return (row: PresentedTicket, base: string, followups: number[], view: TicketView) =>
    build(row, { base, followups, view, fallbacks, presentTime, parseOr, viaId });
})();

/**
 * A ticket row as the API shows it to `audience` (agents unless said otherwise);
 * `followup_ids` are the tickets that follow a closed one.
 */
export function presentTicket(
  row: PresentedTicket,
  base: string,
  extra: { followup_ids?: number[]; audience?: Audience } = {},
): TicketJson {
  return presentRow(row, base, extra.followup_ids ?? [], TICKET_VIEWS[extra.audience ?? 'agent']);
}

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;
const ident = (c: string) => `"tickets"."${c}"`;
/** SQLite's JSON functions embed a value made by json() as JSON, not as a string. */
const jsonLiteral = (v: unknown) => `json(${quote(JSON.stringify(v))})`;
const jsonColumn = (c: string, fallback: unknown) =>
  `iif(json_valid(${ident(c)}), json(${ident(c)}), ${jsonLiteral(fallback)})`;

function fieldSql(f: Field<unknown>, base: string, audience: Audience): string {
  const c = f.column ? ident(f.column) : '';
  switch (f.kind) {
    case 'column':
      return c;
    case 'time':
      // presentTime's /\.\d{3}Z$/ → Z, as a glob: rows written before times were normalized
      // keep their text, as they do in presentTime.
      return `iif(${c} glob '*.[0-9][0-9][0-9]Z', substr(${c}, 1, length(${c}) - 5) || 'Z', ${c})`;
    case 'flag':
      return `json(iif(${c} = 1, 'true', 'false'))`;
    case 'json':
      return jsonColumn(f.column!, f.value);
    case 'constant':
      return f.value === null ? 'null' : jsonLiteral(f.value);
    case 'url':
      return `${quote(`${base}/api/v2/tickets/`)} || ${ident('id')} || '.json'`;
    case 'via':
      return `json_object('channel', ${ident('via_channel')}, 'source', ${jsonColumn('via_source', VIA_SOURCE_FALLBACK)})`;
    case 'via_id': {
      const whens = Object.entries(VIA_IDS).map(([name, n]) => `when ${quote(name)} then ${n}`);
      return `case ${ident('via_channel')} ${whens.join(' ')} end`;
    }
    case 'epoch':
      return `unixepoch(${c})`;
    case 'followups':
      // Only closed tickets have follow-ups; the index on followup_source_id finds them.
      return (
        `iif(${ident('status')} = 'closed', (select json_group_array("f"."id" order by "f"."id") ` +
        `from "tickets" as "f" where "f"."followup_source_id" = ${ident('id')}), json('[]'))`
      );
    case 'description':
      return TICKET_VIEWS[audience].internalDescription
        ? ident('description')
        : `iif(${ident('description_public')} = 1, ${ident('description')}, '')`;
  }
}

/**
 * SQLite: the JSON text of the ticket in the row being selected from `tickets`. One raw SQL
 * text, the base URL quoted into it (it is configuration, not input): Kysely copies it into a
 * query as it is instead of compiling some two hundred nodes for every request.
 */
export function ticketJsonSql(base: string, audience: Audience): RawBuilder<string> {
  const pairs = SHAPE_ENTRIES.map(([key, f]) => `${quote(key)}, ${fieldSql(f, base, audience)}`);
  return sql.raw<string>(`json_object(${pairs.join(', ')})`);
}

/**
 * What a page's query reads of each ticket: enough to look it up among the rendered ones.
 * Each further column costs (the side-loads' and cursors' eight more tripled a page's read), so
 * pagination adds only the one sort key it needs.
 */
const PAGE_COLUMNS = ['id', 'version'] as const satisfies readonly (keyof Ticket)[];

export type TicketPageRow = Pick<Ticket, (typeof PAGE_COLUMNS)[number]>;

/** Reads tickets for the API and renders them as JSON text, each the way its database does best. */
export interface TicketReader {
  /** The live tickets within `scope` (the desk's policies say whose is what). */
  visible(scope: TicketScope): SelectQueryBuilder<DB, 'tickets', TicketPageRow>;
  /**
   * Each selected row's ticket as JSON text as `actor` may read it, in order: kept ones as
   * kept, the others now.
   */
  render(actor: Actor, rows: TicketPageRow[]): Promise<string[]>;
  /** One visible ticket and its JSON, read and rendered by one query. */
  one(actor: Actor, id: number): Promise<{ row: TicketPageRow; json: string } | null>;
}

/**
 * A page's query reads only ids and versions; the tickets whose version `cache` does not hold
 * are read and rendered by id in one second query.
 */
export function ticketReader(db: Conn, base: string, cache: RenderedTickets): TicketReader {
  const renderers = Object.fromEntries(
    AUDIENCES.map((a) => [a, isPostgres(db) ? inApp(db, base, a) : inSqlite(base, a)]),
  ) as Record<Audience, Renderer>;
  /** Selects with the audience's renderer's columns and keeps what it renders. */
  const rendered = async <R extends { id: number; version: number }>(
    audience: Audience,
    query: SelectQueryBuilder<DB, 'tickets', R>,
  ) => {
    const renderer = renderers[audience];
    const rows = await renderer.select(query).execute();
    const texts = await renderer.finish(rows);
    // Possibly newer than a page's row (a write in between): kept with its own version.
    rows.forEach((r, i) => cache.set(r.id, r.version, audience, texts[i]!)); // one text per row
    return { rows, texts };
  };
  const visible = (scope: TicketScope) =>
    visibleTickets(
      db.selectFrom('tickets').select(PAGE_COLUMNS).where('deleted_at', 'is', null),
      scope,
    );
  return {
    visible,
    render: async (actor, rows) => {
      const audience = audienceOf(actor.user);
      const out = rows.map((r) => cache.get(r.id, r.version, audience));
      const missing = rows.filter((_, i) => out[i] === undefined).map((r) => r.id);
      if (missing.length === 0) return out as string[];
      const fresh = await rendered(
        audience,
        db.selectFrom('tickets').select(['id', 'version']).where('id', 'in', missing),
      );
      const byId = new Map(fresh.rows.map((r, i) => [r.id, fresh.texts[i]]));
      // A ticket purged between the two queries is left out, not shown as nothing.
      return rows.flatMap((r, i) => out[i] ?? byId.get(r.id) ?? []);
    },
    one: async (actor, id) => {
      const { rows, texts } = await rendered(
        audienceOf(actor.user),
        visible(await ticketScope(db, actor)).where('id', '=', id),
      );
      const row = rows[0];
      return row ? { row, json: texts[0]! } : null; // one text per row
    },
  };
}

/** What a query adds to select a ticket's rendering, and how the selected rows become JSON. */
interface Renderer {
  select<R>(q: SelectQueryBuilder<DB, 'tickets', R>): SelectQueryBuilder<DB, 'tickets', R>;
  finish(rows: object[]): Promise<string[]>;
}

function inSqlite(base: string, audience: Audience): Renderer {
  const json = ticketJsonSql(base, audience).as('json');
  return {
    select: (q) => q.select(json) as typeof q,
    finish: async (rows) => rows.map((r) => (r as { json: string }).json),
  };
}

function inApp(db: Conn, base: string, audience: Audience): Renderer {
  return {
    select: (q) => q.select(PRESENTED_TICKET_COLUMNS) as typeof q,
    finish: async (rows) => {
      const tickets = rows as PresentedTicket[];
      const followups = await followupIds(db, tickets);
      return tickets.map((t) =>
        JSON.stringify(
          presentTicket(t, base, { followup_ids: followups.get(t.id) ?? [], audience }),
        ),
      );
    },
  };
}

/** The tickets following each closed one of `tickets`, by id. */
export async function followupIds(
  db: Conn,
  tickets: Pick<Ticket, 'id' | 'status'>[],
): Promise<Map<number, number[]>> {
  const closed = tickets.filter((t) => t.status === 'closed').map((t) => t.id);
  const map = new Map<number, number[]>();
  if (closed.length === 0) return map;
  const rows = await db
    .selectFrom('tickets')
    .select(['id', 'followup_source_id'])
    .where('followup_source_id', 'in', closed)
    .orderBy('id')
    .execute();
  for (const r of rows) {
    const list = map.get(r.followup_source_id!) ?? [];
    list.push(r.id);
    map.set(r.followup_source_id!, list);
  }
  return map;
}
