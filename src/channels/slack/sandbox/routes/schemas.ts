/** The zod schemas of the control API and of the page's own calls (which share some). */
import { z } from 'zod';

const identity = z.enum(['bot', 'account']);
const slackTs = z.string().regex(/^\d{1,12}\.\d{1,6}$/, 'must be a Slack ts');
const id = z.string().regex(/^[A-Z][A-Z0-9]{1,30}$/, 'must be a Slack id');

export const sendSchema = z.object({
  user: id,
  text: z.string().max(40_000).optional(),
  files: z
    .array(
      z.object({
        name: z.string().min(1).max(255),
        mimetype: z.string().max(255).optional(),
        content_base64: z.string(),
      }),
    )
    .max(10)
    .optional(),
  thread_ts: slackTs.optional(),
  channel_type: z.enum(['im', 'mpim', 'channel']).optional(),
  to: identity.optional(),
});
export const editSchema = z.object({
  channel: id,
  ts: slackTs,
  text: z.string().min(1).max(40_000),
});
export const deleteSchema = z.object({ channel: id, ts: slackTs });
export const eventsSchema = z.union([
  z.object({
    event: z.record(z.string(), z.unknown()).refine((e) => typeof e.type === 'string', {
      message: 'event.type is required',
    }),
    to: identity.optional(),
  }),
  z.object({ payload: z.record(z.string(), z.unknown()) }),
]);
export const faultSchema = z.object({
  method: z.string().min(1).max(100),
  kind: z.enum(['rate_limited', 'server_error', 'slow', 'error']),
  times: z.number().int().min(1).max(10_000).default(1),
  retry_after: z.number().int().min(0).max(3600).optional(),
  status: z.number().int().min(500).max(599).optional(),
  delay_ms: z.number().int().min(0).max(120_000).optional(),
  error: z.string().min(1).max(100).optional(),
});
export const rateLimitSchema = z.union([
  z.object({
    interval_ms: z.number().int().min(1).max(3_600_000),
    burst: z.number().int().min(1).max(1000),
  }),
  z.object({ off: z.literal(true) }),
]);
export const revokeSchema = z
  .object({ token: z.string().min(1).optional(), user: id.optional() })
  .refine((v) => !!v.token || !!v.user, { message: 'token or user is required' });
export const userSchema = z.object({
  id: z.string().regex(/^[UW][A-Z0-9]{1,30}$/, 'must be a user id (U…)'),
  name: z.string().min(1).max(100),
  email: z.string().email().max(254).nullable().optional(),
  team: z
    .string()
    .regex(/^T[A-Z0-9]{1,30}$/, 'must be a team id (T…)')
    .optional(),
  deleted: z.boolean().optional(),
});
export const approvalSchema = z.object({ on: z.boolean().default(true) });
export const socketModeSchema = z.object({
  on: z.boolean().default(true),
  drop_acks: z.number().int().min(0).max(100).optional(),
});
export const approveSchema = z.object({ request_id: z.string().optional() });
export const conversationQuery = z.object({
  user: id,
  to: identity.optional(),
  channel_type: z.enum(['im', 'mpim', 'channel']).optional(),
});
export const installSchema = z.object({
  mode: identity.default('bot'),
  scopes: z.array(z.string().min(1)).optional(),
});
