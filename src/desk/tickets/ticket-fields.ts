import type { Ticket } from '../../db/types.ts';
import { parseJson } from '../time.ts';

/**
 * The ticket fields a create or update can set, described once. Everything else that lists
 * them is derived from this table: the fields as the rules see them (`TicketFields`), what a
 * write may ask for (`TicketPatch`), the audited fields and their order, a new ticket's
 * starting values, the row a write stores, the integer columns of a batched update, the body
 * schema of the API's ticket routes and the fields of the ticket JSON. A custom field or a
 * rule condition is added here, in one place.
 *
 * The table's order is Zendesk's: audit events and the body schema's keys (and so its error
 * details) follow it.
 */

/**
 * - `string`, `email`: text up to `max` characters (`email` must be an address);
 * - `enum`: one of `values`;
 * - `id`: a record's id (an integer column);
 * - `time`: an ISO-8601 time, stored as UTC text;
 * - `tags`: a list of tags, stored as JSON text.
 */
export type FieldKind = 'string' | 'email' | 'enum' | 'id' | 'time' | 'tags';

/**
 * Where a new ticket's value comes from before its patch is applied: `null`, an empty list,
 * the acting user's id, a value of its own, or the patch (the field is then required).
 */
export type FieldStart = 'null' | 'empty' | 'actor' | 'patch' | { value: string };

export interface FieldDescription {
  kind: FieldKind;
  /** The column of `tickets` that stores it; none for a write-only field. */
  column?: keyof Ticket;
  /** Whether it may be null (cleared). */
  nullable: boolean;
  /** An `enum`'s values, in order. */
  values?: readonly string[];
  /** A `string`'s or an `email`'s longest accepted length. */
  max?: number;
  /** Whether a change of it is a Create/Change audit event (and so a rule condition). */
  audited: boolean;
  /** Whether the API's ticket body accepts it. */
  writable: boolean;
  /** Its key in the ticket JSON; none for a field the API does not show. */
  json?: string;
  /** A stored field's value on a new ticket before its patch. */
  start?: FieldStart;
  /**
   * A create that leaves it null does not write it, so the column's default (null) stands, as
   * it does for columns that are not fields: creates write only what they set.
   */
  createOmitsNull?: boolean;
}

export const TICKET_FIELDS = {
  subject: {
    kind: 'string',
    max: 255,
    column: 'subject',
    nullable: true,
    audited: true,
    writable: true,
    json: 'subject',
    start: 'null',
  },
  status: {
    kind: 'enum',
    values: ['new', 'open', 'pending', 'hold', 'solved', 'closed'],
    column: 'status',
    nullable: false,
    audited: true,
    writable: true,
    json: 'status',
    start: { value: 'new' },
  },
  priority: {
    kind: 'enum',
    values: ['low', 'normal', 'high', 'urgent'],
    column: 'priority',
    nullable: true,
    audited: true,
    writable: true,
    json: 'priority',
    start: 'null',
  },
  type: {
    kind: 'enum',
    values: ['question', 'incident', 'problem', 'task'],
    column: 'type',
    nullable: true,
    audited: true,
    writable: true,
    json: 'type',
    start: 'null',
  },
  requester_id: {
    kind: 'id',
    column: 'requester_id',
    nullable: false,
    audited: true,
    writable: true,
    json: 'requester_id',
    start: 'actor',
  },
  submitter_id: {
    kind: 'id',
    column: 'submitter_id',
    nullable: false,
    audited: true,
    writable: true,
    json: 'submitter_id',
    start: 'actor',
  },
  assignee_id: {
    kind: 'id',
    column: 'assignee_id',
    nullable: true,
    audited: true,
    writable: true,
    json: 'assignee_id',
    start: 'null',
  },
  group_id: {
    kind: 'id',
    column: 'group_id',
    nullable: true,
    audited: true,
    writable: true,
    json: 'group_id',
    start: 'null',
  },
  organization_id: {
    kind: 'id',
    column: 'organization_id',
    nullable: true,
    audited: true,
    writable: true,
    json: 'organization_id',
    start: 'null',
  },
  brand_id: {
    kind: 'id',
    column: 'brand_id',
    nullable: false,
    audited: true,
    writable: true,
    json: 'brand_id',
    start: 'patch',
  },
  tags: {
    kind: 'tags',
    column: 'tags',
    nullable: false,
    audited: true,
    writable: true,
    json: 'tags',
    start: 'empty',
  },
  /** Write-only: tags to add to the ticket's. */
  additional_tags: { kind: 'tags', nullable: false, audited: false, writable: true },
  /** Write-only: tags to take off the ticket's. */
  remove_tags: { kind: 'tags', nullable: false, audited: false, writable: true },
  external_id: {
    kind: 'string',
    max: 255,
    column: 'external_id',
    nullable: true,
    audited: true,
    writable: true,
    json: 'external_id',
    start: 'null',
  },
  due_at: {
    kind: 'time',
    column: 'due_at',
    nullable: true,
    audited: true,
    writable: true,
    json: 'due_at',
    start: 'null',
  },
  /** The address the ticket was sent to. */
  recipient: {
    kind: 'email',
    max: 255,
    column: 'recipient',
    nullable: true,
    audited: true,
    writable: true,
    json: 'recipient',
    start: 'null',
    createOmitsNull: true,
  },
  /** Write-only: the assignee by email (resolveAssigneeEmail turns it into assignee_id). */
  assignee_email: { kind: 'email', max: 255, nullable: true, audited: false, writable: true },
} as const satisfies Record<string, FieldDescription>;

/** A description of ticket fields: TICKET_FIELDS, or (in tests) one with a field more. */
export type FieldTable = Readonly<Record<string, FieldDescription>>;

// ---- Types derived from the table ----

type Spec = typeof TICKET_FIELDS;
export type TicketFieldName = keyof Spec;
type NamesWhere<P> = { [K in TicketFieldName]: Spec[K] extends P ? K : never }[TicketFieldName];

type ValueOf<F> = F extends { kind: 'tags' }
  ? string[]
  : F extends { kind: 'id' }
    ? number
    : F extends { values: readonly (infer V)[] }
      ? V
      : string;

/** A field's value as the desk holds it (a list for tags, null where the field may be). */
export type FieldValue<F> = F extends { nullable: true } ? ValueOf<F> | null : ValueOf<F>;

/** The fields stored in a column of `tickets`. */
export type StoredFieldName = NamesWhere<{ column: string }>;
export type WritableFieldName = NamesWhere<{ writable: true }>;
/** The fields the ticket JSON shows. */
export type JsonFieldName = NamesWhere<{ json: string }>;
/** The value type of each field, by name. */
export type TicketFieldValues = { [K in TicketFieldName]: FieldValue<Spec[K]> };

/** The fields a create or update can change, as the rules and the audit see them. */
export type TicketFields = { [K in StoredFieldName]: FieldValue<Spec[K]> };

/** What a create or update asks to change on a ticket (Zendesk's ticket fields). */
export type TicketPatch = { [K in WritableFieldName]?: FieldValue<Spec[K]> };

/** The column each stored field lives in. */
export type StoredFieldColumn = Spec[StoredFieldName]['column'];

/** A field's value as its column stores it (tags as JSON text). */
type ColumnValue<F> = F extends { kind: 'tags' } ? string : FieldValue<F>;
type OmittedWhenNull = NamesWhere<{ createOmitsNull: true }>;

/** The columns a write stores for the fields (`fieldColumns`). */
export type FieldRow = {
  [K in Exclude<StoredFieldName, OmittedWhenNull> as Spec[K]['column']]: ColumnValue<Spec[K]>;
} & { [K in OmittedWhenNull as Spec[K]['column']]?: ColumnValue<Spec[K]> };

// Fails `tsc`, naming the field, when db/types.ts's `tickets` table and this description
// disagree on a column's type.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Disagreeing = {
  [K in StoredFieldName]: Same<ColumnValue<Spec[K]>, Ticket[Spec[K]['column']]> extends true
    ? never
    : K;
}[StoredFieldName];
const columnsAgree: [Disagreeing] extends [never] ? true : Disagreeing = true;
// Audited fields must be stored: an audit event shows the value before and after.
const auditedAreStored: [Exclude<NamesWhere<{ audited: true }>, StoredFieldName>] extends [never]
  ? true
  : false = true;
void columnsAgree;
void auditedAreStored;

// ---- Lists derived from the table, once at module load ----

/** The names of the fields `keep` keeps, in the description's order. */
export function fieldNames(fields: FieldTable, keep: (f: FieldDescription) => boolean): string[] {
  return Object.entries(fields).flatMap(([name, f]) => (keep(f) ? [name] : []));
}

/** The stored fields with their columns and kinds, in order (what the row loops read). */
const STORED = Object.entries(TICKET_FIELDS as FieldTable)
  .filter(([, f]) => f.column !== undefined)
  .map(([name, f]) => ({ name, column: f.column!, kind: f.kind, f }));

/** Fields that produce Create/Change audit events, in Zendesk's order. */
export const AUDITED_FIELDS = fieldNames(TICKET_FIELDS, (f) => f.audited) as StoredFieldName[];

/** The fields the API's ticket body accepts, in Zendesk's order. */
export const WRITABLE_FIELDS = fieldNames(TICKET_FIELDS, (f) => f.writable) as WritableFieldName[];

/** The `tickets` columns that hold the fields. */
export const STORED_FIELD_COLUMNS = STORED.map((s) => s.column) as StoredFieldColumn[];

/** The fields' columns that are integers (everything else is text). */
export function integerColumns(fields: FieldTable): string[] {
  return Object.values(fields).flatMap((f) => (f.column && f.kind === 'id' ? [f.column] : []));
}

export const INTEGER_FIELD_COLUMNS = integerColumns(TICKET_FIELDS);

/** Each field shown in the ticket JSON, by its JSON key. */
export function jsonFields(fields: FieldTable): [string, FieldDescription][] {
  return Object.values(fields).flatMap((f) => (f.json ? [[f.json, f] as const] : []));
}

// ---- Values derived from the table ----
//
// Rows and fields are copied on every ticket write, the batched Slack path included. Each
// copy is compiled once, at module load, into a function that returns one object literal, as
// the ticket JSON is (http/shared/read-model/ticket-json.ts): V8 builds such an object in a single step, where
// a loop over the description filling an empty object cost measurably more per write
// (docs/benchmarks.md). The code is made from the constant description above, never from
// input.

const key = (name: string) => JSON.stringify(name);

/** A function of `(a, b)` returning the object literal of `parts`, which may use `h`. */
function compileLiteral<F>(parts: string[], helpers: object): F {
  return new Function('h', `return (a, b) => ({ ${parts.join(', ')} });`)(helpers) as F;
}

/** The fields of a ticket row. */
export const fieldsOf: (t: Ticket) => TicketFields = compileLiteral(
  STORED.map(({ name, column, kind }) =>
    kind === 'tags'
      ? `${key(name)}: h.parseJson(a[${key(column)}], [])`
      : `${key(name)}: a[${key(column)}]`,
  ),
  { parseJson },
);

/**
 * The columns a write stores for `next`; a create (`creating`) leaves out the null fields
 * marked `createOmitsNull`.
 */
export const fieldColumns: (next: TicketFields, creating: boolean) => FieldRow = compileLiteral(
  STORED.map(({ name, column, kind, f }) => {
    const value = kind === 'tags' ? `JSON.stringify(a[${key(name)}])` : `a[${key(name)}]`;
    return f.createOmitsNull
      ? `...(!b || a[${key(name)}] !== null ? { ${key(column)}: ${value} } : {})`
      : `${key(column)}: ${value}`;
  }),
  {},
);

/** A new ticket's value of a field before its patch, as code over the patch `a`, actor id `b`. */
function startJs(name: string, start: FieldStart | undefined): string {
  if (start === undefined || start === 'null') return 'null';
  if (start === 'empty') return '[]';
  if (start === 'actor') return 'b';
  if (start === 'patch') return `h.required(a, ${key(name)})`;
  return JSON.stringify(start.value);
}

function required(patch: Record<string, unknown>, name: string): unknown {
  const given = patch[name];
  if (!given) throw new Error(`${name} is required to create a ticket`);
  return given;
}

/** The fields a new ticket starts from, before its patch. */
export const newTicketFields: (patch: TicketPatch, actorId: number) => TicketFields =
  compileLiteral(
    STORED.map(({ name, f }) => `${key(name)}: ${startJs(name, f.start)}`),
    { required },
  );
