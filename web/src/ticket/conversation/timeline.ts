import type { AuditEventJson, AuditJson, CommentJson, ConversationJson } from './types.ts';

/** The fields whose changes the conversation shows as quiet lines. */
export const SHOWN_FIELDS = ['status', 'assignee_id', 'group_id', 'priority', 'type', 'tags'];

export interface Change {
  field: string;
  value: unknown;
  previous: unknown;
  /** What made the change when a business rule did (its kind and title). */
  rule: { kind: 'trigger' | 'automation' | 'rule'; title: string } | null;
}

export type Entry =
  | {
      kind: 'comment';
      key: string;
      at: string;
      auditId: number;
      ticketId: number;
      comment: CommentJson;
    }
  | {
      kind: 'change';
      key: string;
      at: string;
      auditId: number;
      ticketId: number;
      authorId: number;
      change: Change;
    }
  | {
      kind: 'ticket';
      key: string;
      ticket: ConversationJson['tickets'][number];
      current: boolean;
    };

function ruleOf(e: AuditEventJson, audit: AuditJson): Change['rule'] {
  const via = e.via ?? (audit.via.channel === 'rule' ? audit.via : undefined);
  if (!via || via.channel !== 'rule') return null;
  const rel = via.source.rel;
  const kind = rel === 'trigger' || rel === 'automation' ? rel : 'rule';
  return { kind, title: via.source.from?.title ?? '' };
}

/** The audits' field changes worth a line: Change events, and Create events a rule made. */
export function changesOf(audits: AuditJson[]): Extract<Entry, { kind: 'change' }>[] {
  const out: Extract<Entry, { kind: 'change' }>[] = [];
  for (const a of audits) {
    for (const e of a.events) {
      if (e.type !== 'Change' || !e.field_name || !SHOWN_FIELDS.includes(e.field_name)) continue;
      out.push({
        kind: 'change',
        key: `event-${e.id}`,
        at: a.created_at,
        auditId: a.id,
        ticketId: a.ticket_id,
        authorId: a.author_id,
        change: {
          field: e.field_name,
          value: e.value,
          previous: e.previous_value ?? null,
          rule: ruleOf(e, a),
        },
      });
    }
  }
  return out;
}

/** Comments the person edited in Slack: their first text, from the audits' Info events. */
export function editsOf(audits: AuditJson[]): Map<number, string | null> {
  const edited = new Map<number, string | null>();
  for (const a of audits) {
    for (const e of a.events) {
      if (e.type === 'Info' && e.comment_id && /^comment_edited_in_/.test(e.action ?? '')) {
        // The first edit's previous body is what was first written.
        if (!edited.has(e.comment_id)) edited.set(e.comment_id, e.previous_body ?? null);
      }
    }
  }
  return edited;
}

const order = (e: Entry) => (e.kind === 'comment' ? 0 : 1);

/**
 * One continuous history: comments (of every ticket of the DM) and change lines, ticket by
 * ticket in time order, a comment before the changes its own audit made, and a divider where
 * each ticket begins when the DM has had more than one.
 */
export function buildTimeline(
  ticketId: number,
  comments: CommentJson[],
  changes: Extract<Entry, { kind: 'change' }>[],
  tickets: ConversationJson['tickets'] | null,
): Entry[] {
  const items: Exclude<Entry, { kind: 'ticket' }>[] = [
    ...comments.map((c) => ({
      kind: 'comment' as const,
      key: `comment-${c.id}`,
      at: c.created_at,
      auditId: c.audit_id,
      ticketId: c.ticket_id ?? ticketId,
      comment: c,
    })),
    ...changes,
  ];
  // Ticket by ticket (a DM's tickets follow one another: a follow-up begins after the earlier
  // one closed), then in time order, so each ticket's history sits behind one divider.
  const rank = new Map((tickets ?? []).map((t, i) => [t.id, i]));
  const rankOf = (e: { ticketId: number }) => rank.get(e.ticketId) ?? rank.size;
  items.sort(
    (a, b) =>
      rankOf(a) - rankOf(b) ||
      a.at.localeCompare(b.at) ||
      // Times are to the second: the audits' order tells writes of one second apart.
      a.auditId - b.auditId ||
      order(a) - order(b),
  );
  if (!tickets || tickets.length < 2) return items;
  const byId = new Map(tickets.map((t) => [t.id, t]));
  const out: Entry[] = [];
  let last: number | null = null;
  for (const item of items) {
    if (item.ticketId !== last) {
      const t = byId.get(item.ticketId);
      if (t)
        out.push({ kind: 'ticket', key: `ticket-${t.id}`, ticket: t, current: t.id === ticketId });
      last = item.ticketId;
    }
    out.push(item);
  }
  return out;
}

/** Tag lists as audits hold them: an array, or a space-separated string. */
export function tagList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  return [];
}
