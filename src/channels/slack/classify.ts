import { z } from 'zod';

/**
 * What an Events API payload means for the help desk. Pure: the ingest worker acts on the
 * result. Everything Slack sends that is not a DM message to our identity becomes `ignore`
 * with a reason, so the inbox records why nothing happened.
 */

const fileSchema = z
  .object({
    id: z.string(),
    name: z.string().nullish(),
    title: z.string().nullish(),
    mimetype: z.string().nullish(),
    filetype: z.string().nullish(),
    size: z.number().nullish(),
    url_private_download: z.string().nullish(),
    url_private: z.string().nullish(),
    file_access: z.string().nullish(),
    mode: z.string().nullish(),
  })
  .passthrough();
export type SlackFile = z.infer<typeof fileSchema>;

const messageSchema = z
  .object({
    type: z.literal('message'),
    subtype: z.string().optional(),
    channel: z.string(),
    channel_type: z.string().optional(),
    user: z.string().optional(),
    bot_id: z.string().optional(),
    app_id: z.string().optional(),
    text: z.string().optional(),
    ts: z.string(),
    thread_ts: z.string().optional(),
    team: z.string().optional(),
    user_team: z.string().optional(),
    client_msg_id: z.string().optional(),
    blocks: z.array(z.any()).optional(),
    attachments: z.array(z.any()).optional(),
    files: z.array(fileSchema).optional(),
    message: z.any().optional(),
    previous_message: z.any().optional(),
    deleted_ts: z.string().optional(),
    hidden: z.boolean().optional(),
  })
  .passthrough();
export type SlackMessage = z.infer<typeof messageSchema>;

const envelopeSchema = z
  .object({
    type: z.literal('event_callback'),
    team_id: z.string().optional(),
    api_app_id: z.string().optional(),
    event_id: z.string(),
    event_time: z.number().optional(),
    event: z.object({ type: z.string() }).passthrough(),
    authorizations: z
      .array(
        z
          .object({
            team_id: z.string().nullish(),
            user_id: z.string().nullish(),
            is_bot: z.boolean().optional(),
          })
          .passthrough(),
      )
      .optional(),
    is_ext_shared_channel: z.boolean().optional(),
  })
  .passthrough();
export type SlackEnvelope = z.infer<typeof envelopeSchema>;

/** The connection-side facts needed to classify: who "we" are in that DM. */
export interface Identity {
  identityUserId: string | null;
  botId: string | null;
}

export type Classified =
  | { kind: 'message'; message: SlackMessage }
  | { kind: 'thread_reply'; message: SlackMessage }
  | { kind: 'edit'; channel: string; ts: string; message: SlackMessage; previous: unknown }
  | { kind: 'delete'; channel: string; ts: string }
  | { kind: 'uninstalled' }
  | { kind: 'tokens_revoked'; userIds: string[] }
  | { kind: 'ignore'; reason: string };

export function parseEnvelope(payload: unknown): SlackEnvelope | null {
  const res = envelopeSchema.safeParse(payload);
  return res.success ? res.data : null;
}

/** Slack echoes our own posts back as message.im events: drop them, as bolt's ignoreSelf does. */
function fromSelfOrBot(
  m: { user?: string; bot_id?: string; subtype?: string },
  id: Identity,
): string | null {
  if (m.subtype === 'bot_message' || m.bot_id) {
    return id.botId && m.bot_id === id.botId ? 'own message (echo)' : 'message from a bot';
  }
  if (id.identityUserId && m.user === id.identityUserId) return 'own message (echo)';
  if (m.user === 'USLACKBOT') return 'message from Slackbot';
  if (!m.user) return 'message without a user';
  return null;
}

export function classify(env: SlackEnvelope, id: Identity): Classified {
  const ev = env.event;
  switch (ev.type) {
    case 'app_uninstalled':
      return { kind: 'uninstalled' };
    case 'tokens_revoked': {
      const tokens = (ev as { tokens?: { oauth?: string[]; bot?: string[] } }).tokens ?? {};
      return { kind: 'tokens_revoked', userIds: [...(tokens.oauth ?? []), ...(tokens.bot ?? [])] };
    }
    case 'message':
      break;
    case 'app_mention':
      return { kind: 'ignore', reason: 'channel @mention (not a DM)' };
    default:
      return { kind: 'ignore', reason: `event type ${ev.type} is not handled` };
  }
  const parsed = messageSchema.safeParse(ev);
  if (!parsed.success) return { kind: 'ignore', reason: 'malformed message event' };
  const m = parsed.data;
  if (m.channel_type !== 'im') {
    return {
      kind: 'ignore',
      reason:
        m.channel_type === 'mpim'
          ? 'group DM'
          : `message in a ${m.channel_type ?? 'non-DM'} conversation`,
    };
  }
  if (m.subtype === 'message_changed') {
    const inner = messageSchema
      .omit({ type: true, channel: true })
      .passthrough()
      .safeParse(m.message);
    if (!inner.success) return { kind: 'ignore', reason: 'malformed message_changed' };
    const self = fromSelfOrBot(inner.data as SlackMessage, id);
    if (self) return { kind: 'ignore', reason: `edit of ${self}` };
    const before = m.previous_message as { text?: string; blocks?: unknown } | undefined;
    const after = inner.data;
    // Unfurls and language detection also send message_changed; only a text change is an edit.
    if (
      before &&
      before.text === after.text &&
      JSON.stringify(before.blocks ?? null) === JSON.stringify(after.blocks ?? null)
    ) {
      return { kind: 'ignore', reason: 'message_changed without a text change' };
    }
    return {
      kind: 'edit',
      channel: m.channel,
      ts: inner.data.ts,
      message: { ...(inner.data as SlackMessage), channel: m.channel, type: 'message' },
      previous: before,
    };
  }
  if (m.subtype === 'message_deleted') {
    const ts = m.deleted_ts ?? (m.previous_message as { ts?: string } | undefined)?.ts;
    if (!ts) return { kind: 'ignore', reason: 'message_deleted without deleted_ts' };
    return { kind: 'delete', channel: m.channel, ts };
  }
  if (m.subtype && m.subtype !== 'file_share' && m.subtype !== 'thread_broadcast') {
    return { kind: 'ignore', reason: `message subtype ${m.subtype}` };
  }
  const self = fromSelfOrBot(m, id);
  if (self) return { kind: 'ignore', reason: self };
  if (m.thread_ts && m.thread_ts !== m.ts && m.subtype !== 'thread_broadcast')
    return { kind: 'thread_reply', message: m };
  return { kind: 'message', message: m };
}
