import type { Conn } from './context.ts';
import type { Via } from './via.ts';

export type AuditEventInput =
  | { type: 'Create'; field_name: string; value: unknown; via?: Via }
  | { type: 'Change'; field_name: string; value: unknown; previous_value: unknown; via?: Via }
  | { type: 'Comment'; comment_id: number }
  | { type: 'Notification' | 'Info' | 'AgentMacroReference'; data: Record<string, unknown> };

export interface AuditInput {
  ticketId: number;
  authorId: number;
  via: Via;
  now: string;
  metadata?: Record<string, unknown>;
}

/** The audits row of an audit (without its id). */
export function auditRow(args: AuditInput) {
  return {
    ticket_id: args.ticketId,
    author_id: args.authorId,
    via_channel: args.via.channel,
    via_source: JSON.stringify(args.via.source),
    metadata: JSON.stringify(args.metadata ?? { system: {}, custom: {} }),
    created_at: args.now,
  };
}

/** The audit_events rows of an audit's events. */
export function auditEventRows(auditId: number, ticketId: number, events: AuditEventInput[]) {
  return events.map((e) => ({
    audit_id: auditId,
    ticket_id: ticketId,
    type: e.type,
    field_name: 'field_name' in e ? e.field_name : null,
    value: 'value' in e ? JSON.stringify(e.value ?? null) : null,
    previous_value: 'previous_value' in e ? JSON.stringify(e.previous_value ?? null) : null,
    comment_id: 'comment_id' in e ? e.comment_id : null,
    data: 'data' in e ? JSON.stringify(e.data) : '{}',
    // Only on events a rule made: a row without it takes the column's default (null) in a
    // multi-row insert, and writes that no rule touched name no column older schemas lack.
    ...('via' in e && e.via ? { via: JSON.stringify(e.via) } : {}),
  }));
}

/** One audit per ticket create/update, with all of its events, written in the caller's transaction. */
export async function writeAudit(trx: Conn, args: AuditInput): Promise<number> {
  const row = await trx
    .insertInto('audits')
    .values(auditRow(args))
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function writeAuditEvents(
  trx: Conn,
  auditId: number,
  ticketId: number,
  events: AuditEventInput[],
): Promise<void> {
  if (events.length === 0) return;
  await trx
    .insertInto('audit_events')
    .values(auditEventRows(auditId, ticketId, events))
    .execute();
}
