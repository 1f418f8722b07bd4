import type { Notification } from '../../../db/types.ts';
import { nowIso, presentTime } from '../../../desk/time.ts';
import {
  countUnread,
  deleteNotification,
  listNotifications,
  markAllRead,
  markNotification,
  showNotification,
} from '../../../rules/notifications/in-app.ts';
import type { RoutePlugin } from '../../context.ts';
import { actorOf } from '../../shared/actor.ts';
import { parseWith } from '../../shared/errors.ts';
import { paginate } from '../../shared/pagination.ts';
import { parseQuery } from '../../shared/query.ts';
import { idParam } from '../../shared/schemas/common.ts';
import { listNotificationsQuery, notificationUpdateSchema } from './schemas.ts';

/**
 * In-app notifications (Parley's own; Zendesk has no such API): each agent's own, newest first,
 * in Zendesk's shapes (envelope, both paging styles, `.json` URLs).
 */
export function presentNotification(row: Notification, base: string) {
  return {
    url: `${base}/api/v2/notifications/${row.id}.json`,
    id: row.id,
    user_id: row.user_id,
    ticket_id: row.ticket_id,
    rule:
      row.rule_kind === null
        ? null
        : { type: row.rule_kind, id: row.rule_id, title: row.rule_title },
    subject: row.subject,
    body: row.body,
    read: row.read_at !== null,
    read_at: row.read_at === null ? null : presentTime(row.read_at),
    created_at: presentTime(row.created_at),
  };
}

export const notificationRoutes: RoutePlugin = (app, { db, config }) => {
  const base = config.publicUrl;

  app.get('/notifications', async (req) => {
    const q = parseQuery(listNotificationsQuery, req.query);
    const actor = actorOf(req);
    const query = await listNotifications(db, actor, { unread: q.unread ?? false });
    const page = await paginate(req, base, query, { defaultSort: '-id' });
    const unread = await countUnread(db, actor);
    const meta = (page.meta.meta ?? {}) as Record<string, unknown>;
    return {
      notifications: page.rows.map((r) => presentNotification(r, base)),
      ...page.meta,
      meta: { ...meta, unread_count: unread },
    };
  });

  app.put('/notifications/mark_all_read', async (req) => {
    const marked = await markAllRead(db, actorOf(req), nowIso());
    return { marked, meta: { unread_count: 0 } };
  });

  app.get('/notifications/:id', async (req) => {
    const row = await showNotification(db, actorOf(req), idParam(req.params));
    return { notification: presentNotification(row, base) };
  });

  app.put('/notifications/:id', async (req) => {
    const actor = actorOf(req);
    const id = idParam(req.params);
    // Someone else's id is a 404 whatever the body says.
    await showNotification(db, actor, id);
    const { read } = parseWith(notificationUpdateSchema, req.body).notification;
    const row = await markNotification(db, actor, id, read, nowIso());
    return { notification: presentNotification(row, base) };
  });

  app.delete('/notifications/:id', async (req, reply) => {
    await deleteNotification(db, actorOf(req), idParam(req.params));
    return reply.status(204).send();
  });
};
