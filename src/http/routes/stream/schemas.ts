import { z } from 'zod';
import { oneString } from '../../shared/query.ts';

/** An event id: a non-negative integer, as the stream's `id:` lines give them. */
const eventId = (key: string) =>
  oneString(key).transform((v, ctx) => {
    if (v === undefined || v === '') return null;
    if (!/^\d{1,15}$/.test(v)) {
      ctx.addIssue({ code: 'custom', message: `${key} must be an event id` });
      return z.NEVER;
    }
    return Number(v);
  });

/**
 * `GET /stream`: `last_event_id` (for clients that cannot set the Last-Event-ID header) and
 * `follow=false`, which ends the response once the replay is sent (a poll, not a stream).
 */
export const streamQuery = z
  .object({
    last_event_id: eventId('last_event_id'),
    follow: oneString('follow').transform((v, ctx) => {
      if (v === undefined || v === 'true') return true;
      if (v === 'false') return false;
      ctx.addIssue({ code: 'custom', message: 'follow must be true or false' });
      return z.NEVER;
    }),
  })
  .passthrough();

/** The Last-Event-ID header, checked like the parameter. */
export const lastEventIdHeader = eventId('Last-Event-ID');

/** `POST /tickets/{id}/presence`: `{presence: {state: "viewing"|"typing"|"left"}}`. */
export const presenceSchema = z.object({
  presence: z.object({ state: z.enum(['viewing', 'typing', 'left']) }).strict(),
});
