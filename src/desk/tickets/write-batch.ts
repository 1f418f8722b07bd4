import { sql } from 'kysely';
import type { Ticket } from '../../db/types.ts';
import type { Conn } from '../context.ts';
import { INTEGER_FIELD_COLUMNS } from './ticket-fields.ts';

/**
 * Writes of several ticket updates collected into a few multi-row statements.
 *
 * On PostgreSQL every statement is a round trip that costs both processes CPU and a context
 * switch each way; a channel applying events one by one spent four of them per message (ticket,
 * audit, comment, audit events). Given a batch, `writeTicket` records an update's rows here
 * instead, with audit and comment ids drawn from their sequences up front, and `flush` writes
 * them all: one insert per table, one update per set of changed columns. The caller flushes
 * before anything reads those rows back, before it writes audits or comments itself, and before
 * its transaction commits.
 *
 * Only updates are deferred; a create still inserts its ticket at once (its id is needed).
 * On SQLite statements are in-process calls and cheap, so the channel passes no batch there.
 */

type Row = Record<string, unknown>;

/** Ticket columns that are integers (everything else is text), for the typed VALUES list. */
const INTEGER_COLUMNS = new Set([
  'id',
  ...INTEGER_FIELD_COLUMNS,
  'from_messaging_channel',
  'followup_source_id',
  'is_public',
  'reopens',
  'agent_replies',
]);

export class WriteBatch {
  private readonly audits: Row[] = [];
  private readonly comments: Row[] = [];
  private readonly attachments: Row[] = [];
  private readonly events: Row[] = [];
  /** Changed columns by ticket id, merged so that the last write of each column wins. */
  private readonly tickets = new Map<number, Partial<Ticket>>();
  private ids = { audits: [] as number[], comments: [] as number[] };

  constructor(
    private readonly trx: Conn,
    /** How many ids of each kind to draw at a time: about the writes expected. */
    private readonly expected: number,
  ) {}

  /** The next audit and comment ids, drawn from the sequences `expected` at a time. */
  async nextIds(): Promise<{ auditId: number; commentId: number }> {
    if (this.ids.audits.length === 0) {
      const { rows } = await sql<{ a: number; c: number }>`
        select nextval(pg_get_serial_sequence('audits', 'id'))::integer as a,
               nextval(pg_get_serial_sequence('comments', 'id'))::integer as c
        from generate_series(1, ${Math.max(1, this.expected)})`.execute(this.trx);
      for (const r of rows) {
        this.ids.audits.push(r.a);
        this.ids.comments.push(r.c);
      }
    }
    return { auditId: this.ids.audits.shift()!, commentId: this.ids.comments.shift()! };
  }

  updateTicket(id: number, changed: Partial<Ticket>): void {
    this.tickets.set(id, { ...this.tickets.get(id), ...changed });
  }

  addAudit(row: Row): void {
    this.audits.push(row);
  }

  addComment(row: Row): void {
    this.comments.push(row);
  }

  addAttachments(rows: Row[]): void {
    this.attachments.push(...rows);
  }

  addEvents(rows: Row[]): void {
    this.events.push(...rows);
  }

  /**
   * Writes everything recorded so far (parents before the rows that reference them), and drops
   * the ids drawn but not used: a caller flushes before writing rows of its own, and the ids of
   * later batched rows must follow those rows, or a ticket's comments and audits would list
   * out of order.
   */
  async flush(): Promise<void> {
    const { trx } = this;
    this.ids.audits = [];
    this.ids.comments = [];
    if (this.tickets.size > 0) await this.flushTickets();
    // In this order: each table's rows point at rows of the ones before it.
    const inserts = [
      ['audits', this.audits],
      ['comments', this.comments],
      ['attachments', this.attachments],
      ['audit_events', this.events],
    ] as const;
    for (const [table, rows] of inserts) {
      if (rows.length > 0) {
        await trx
          .insertInto(table)
          .values(rows.splice(0) as never)
          .execute();
      }
    }
  }

  /** One `UPDATE … FROM (VALUES …)` per set of changed columns. */
  private async flushTickets(): Promise<void> {
    const groups = new Map<string, [number, Partial<Ticket>][]>();
    for (const [id, changed] of this.tickets) {
      const key = Object.keys(changed).sort().join(',');
      const list = groups.get(key);
      if (list) list.push([id, changed]);
      else groups.set(key, [[id, changed]]);
    }
    this.tickets.clear();
    for (const [key, list] of groups) {
      const columns = key.split(',');
      const cast = (column: string, value: unknown) =>
        INTEGER_COLUMNS.has(column) ? sql`${value}::integer` : sql`${value}::text`;
      const rows = list.map(
        ([id, changed]) =>
          sql`(${sql.join([
            cast('id', id),
            ...columns.map((c) => cast(c, changed[c as keyof Ticket] ?? null)),
          ])})`,
      );
      await sql`
        update tickets set version = tickets.version + 1,
          ${sql.join(columns.map((c) => sql`${sql.ref(c)} = v.${sql.ref(c)}`))}
        from (values ${sql.join(rows)}) as v(${sql.join(['id', ...columns].map((c) => sql.ref(c)))})
        where tickets.id = v.id`.execute(this.trx);
    }
  }
}
