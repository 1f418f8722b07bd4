import { z } from 'zod';
import { oneString } from '../../shared/query.ts';

/** `PUT /notifications/{id}`: `{notification: {read: true|false}}`. */
export const notificationUpdateSchema = z.object({
  notification: z.object({ read: z.boolean() }).strict(),
});

/** `GET /notifications`: `unread=true|false`; paging keys pass through. */
export const listNotificationsQuery = z
  .object({
    unread: oneString('unread')
      .transform((v, ctx) => {
        if (v === undefined) return false;
        if (v !== 'true' && v !== 'false') {
          ctx.addIssue({ code: 'custom', message: 'unread must be true or false' });
          return z.NEVER;
        }
        return v === 'true';
      })
      .optional(),
  })
  .passthrough();
