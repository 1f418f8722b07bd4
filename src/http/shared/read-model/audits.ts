import type { Audit, AuditEvent, Comment } from '../../../db/types.ts';
import type { Conn } from '../../../desk/context.ts';
import type { WrittenAudit } from '../../../desk/tickets/write-ticket.ts';
import { parseJson, presentTime } from '../../../desk/time.ts';
import { presentAuditEvent, presentComment } from './presenters.ts';

export type CommentJson = ReturnType<typeof presentComment>;
export type AuditJson = ReturnType<typeof presentAudit>;

/** An audit as the API shows it; `written` (from the write itself) saves reading it back. */
export async function loadAuditPayload(
  db: Conn,
  auditId: number,
  base: string,
  written?: WrittenAudit,
): Promise<AuditJson | null> {
  if (written && written.audit.id === auditId) return presentWrittenAudit(db, written, base);
  const audit = await db
    .selectFrom('audits')
    .selectAll()
    .where('id', '=', auditId)
    .executeTakeFirst();
  if (!audit) return null;
  const [events] = await auditPayloads(db, [audit], base);
  return events ?? null;
}

async function presentWrittenAudit(db: Conn, w: WrittenAudit, base: string) {
  const comments = new Map<number, CommentJson>();
  if (w.comment) {
    const attachments =
      w.attachments ??
      (await db
        .selectFrom('attachments')
        .selectAll()
        .where('comment_id', '=', w.comment.id)
        .orderBy('id')
        .execute());
    comments.set(w.comment.id, presentComment(w.comment, attachments, base));
  }
  return presentAudit(w.audit, w.events, comments);
}

function presentAudit(a: Audit, events: AuditEvent[], comments: Map<number, CommentJson>) {
  return {
    id: a.id,
    ticket_id: a.ticket_id,
    created_at: presentTime(a.created_at),
    author_id: a.author_id,
    metadata: parseJson(a.metadata, { system: {}, custom: {} }),
    via: { channel: a.via_channel, source: parseJson(a.via_source, {}) },
    events: events
      .filter((e) => e.audit_id === a.id)
      .map((e) => presentAuditEvent(e, e.comment_id ? comments.get(e.comment_id) : undefined)),
  };
}

/** Audits as the API shows them, with their events and the comments those events added. */
export async function auditPayloads(db: Conn, audits: Audit[], base: string): Promise<AuditJson[]> {
  if (audits.length === 0) return [];
  const ids = audits.map((a) => a.id);
  const events = await db
    .selectFrom('audit_events')
    .selectAll()
    .where('audit_id', 'in', ids)
    .orderBy('id')
    .execute();
  const commentIds = events.map((e) => e.comment_id).filter((c): c is number => c !== null);
  const comments = await presentCommentsById(db, commentIds, base);
  return audits.map((a) => presentAudit(a, events, comments));
}

/** Comments with their attachments, by id. */
export async function presentCommentsById(
  db: Conn,
  ids: Comment['id'][],
  base: string,
): Promise<Map<number, CommentJson>> {
  const map = new Map<number, CommentJson>();
  if (ids.length === 0) return map;
  const rows = await db.selectFrom('comments').selectAll().where('id', 'in', ids).execute();
  const attachments = await db
    .selectFrom('attachments')
    .selectAll()
    .where('comment_id', 'in', ids)
    .orderBy('id')
    .execute();
  for (const c of rows) {
    map.set(
      c.id,
      presentComment(
        c,
        attachments.filter((a) => a.comment_id === c.id),
        base,
      ),
    );
  }
  return map;
}
