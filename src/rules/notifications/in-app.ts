import type { Notification } from '../../db/types.ts';
import type { Actor, Conn } from '../../desk/context.ts';
import { NotFoundError } from '../../desk/errors.ts';
import type { TransactionEvents } from '../../desk/events.ts';
import { authorize } from '../../desk/policies/authorize.ts';

/**
 * In-app notifications: written by the notification jobs, read and managed by their recipient
 * only. Another user's notification is one that does not exist (404), as Zendesk answers for
 * what a reader may not see.
 */

export interface NewNotification {
  userId: number;
  ticketId: number | null;
  rule: { kind: string; id: number; title: string } | null;
  subject: string;
  body: string;
  /** One notification per key: a job run again writes nothing twice. */
  dedupeKey: string;
}

/** Writes it in `trx` (once per key) and tells the bus; false when it already existed. */
export async function createNotification(
  trx: Conn,
  events: TransactionEvents,
  n: NewNotification,
  now: string,
): Promise<boolean> {
  const row = await trx
    .insertInto('notifications')
    .values({
      user_id: n.userId,
      ticket_id: n.ticketId,
      rule_kind: n.rule?.kind ?? null,
      rule_id: n.rule?.id ?? null,
      rule_title: n.rule?.title ?? null,
      subject: n.subject,
      body: n.body,
      dedupe_key: n.dedupeKey,
      read_at: null,
      created_at: now,
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!row) return false;
  await events.emit(trx, {
    name: 'notification.created',
    notificationId: row.id,
    userId: n.userId,
    ticketId: n.ticketId,
  });
  return true;
}

/** The actor's own notifications (a query to page), optionally only the unread ones. */
export async function listNotifications(db: Conn, actor: Actor, opts: { unread: boolean }) {
  await authorize(db, actor, 'notification:read');
  let q = db.selectFrom('notifications').selectAll().where('user_id', '=', actor.user.id);
  if (opts.unread) q = q.where('read_at', 'is', null);
  return q;
}

export async function countUnread(db: Conn, actor: Actor): Promise<number> {
  const row = await db
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', actor.user.id)
    .where('read_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function showNotification(db: Conn, actor: Actor, id: number): Promise<Notification> {
  await authorize(db, actor, 'notification:read');
  const row = await db
    .selectFrom('notifications')
    .selectAll()
    .where('id', '=', id)
    .where('user_id', '=', actor.user.id)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('Notification');
  return row;
}

/** Marks it read (keeping the first time it was read) or unread. */
export async function markNotification(
  db: Conn,
  actor: Actor,
  id: number,
  read: boolean,
  now: string,
): Promise<Notification> {
  const row = await showNotification(db, actor, id);
  const readAt = read ? (row.read_at ?? now) : null;
  if (readAt !== row.read_at) {
    await db.updateTable('notifications').set({ read_at: readAt }).where('id', '=', id).execute();
  }
  return { ...row, read_at: readAt };
}

/** Marks every unread notification of the actor read; returns how many it marked. */
export async function markAllRead(db: Conn, actor: Actor, now: string): Promise<number> {
  await authorize(db, actor, 'notification:read');
  const res = await db
    .updateTable('notifications')
    .set({ read_at: now })
    .where('user_id', '=', actor.user.id)
    .where('read_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

export async function deleteNotification(db: Conn, actor: Actor, id: number): Promise<void> {
  await showNotification(db, actor, id);
  await db.deleteFrom('notifications').where('id', '=', id).execute();
}
