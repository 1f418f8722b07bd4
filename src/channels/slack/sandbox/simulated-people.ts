/**
 * The control operations that act as a simulated person: send, edit and delete a message, and
 * the Events API deliveries each one produces. `SlackSandbox` exposes them as methods.
 */
import type { SlackSandbox } from './sandbox.ts';
import {
  ControlError,
  type Delivered,
  type SendMessageInput,
  type SentMessage,
} from './sandbox-types.ts';
import {
  messageChangedEvent,
  messageDeletedEvent,
  messageEvent,
  presentMessage,
  richTextBlocks,
  typedTextToMrkdwn,
} from './shapes.ts';
import {
  ACCOUNT_USER_ID,
  BOT_USER_ID,
  type Conversation,
  type Identity,
  OTHER_BOT_ID,
  SUPPORT_CHANNEL_ID,
  type StoredMessage,
  TEAM_ID,
} from './workspace.ts';

/** The conversation a simulated person uses to reach the help desk. */
export function conversationFor(
  sb: SlackSandbox,
  userId: string,
  channelKind: 'im' | 'mpim' | 'channel',
  identity: Identity,
): Conversation {
  const ws = sb.workspace;
  if (channelKind === 'im') return ws.openIm(userId, ws.identityUserId(identity));
  if (channelKind === 'mpim') {
    return ws.openMpim([userId, ACCOUNT_USER_ID, BOT_USER_ID], userId);
  }
  const channel = ws.conversation(SUPPORT_CHANNEL_ID)!;
  if (!channel.members.includes(userId)) {
    channel.members.push(userId);
    ws.changed();
  }
  return channel;
}

export async function sendMessage(sb: SlackSandbox, input: SendMessageInput): Promise<SentMessage> {
  const ws = sb.workspace;
  if (input.user === OTHER_BOT_ID || ws.bot(input.user)) return sendBotMessage(sb, input);
  const sender = ws.user(input.user);
  if (!sender) throw new ControlError(404, 'user_not_found', `No user ${input.user}`);
  if (sender.is_bot || sender.deleted) {
    throw new ControlError(400, 'invalid_user', `${input.user} cannot type messages`);
  }
  const raw = input.text ?? '';
  if (!raw && !input.files?.length) throw new ControlError(400, 'no_text', 'text or files');
  const identity = input.to ?? ws.defaultIdentity();
  const kind = input.channel_type ?? 'im';
  const conv = conversationFor(sb, sender.id, kind, identity);
  if (input.thread_ts && !ws.message(conv.id, input.thread_ts)) {
    throw new ControlError(404, 'thread_not_found', `No message ${input.thread_ts}`);
  }
  const identityUser = ws.identityUserId(identity);
  // In a channel, reaching the app means mentioning it.
  const typed =
    kind === 'channel' && !raw.includes(`<@${identityUser}>`)
      ? `<@${identityUser}> ${raw}`.trimEnd()
      : raw;
  const ts = ws.nextTs();
  const fileIds: string[] = [];
  for (const f of input.files ?? []) {
    const bytes = Buffer.from(f.content_base64, 'base64');
    if (bytes.length > sb.maxFileBytes) {
      throw new ControlError(413, 'file_too_large', `${f.name} is over the size limit`);
    }
    const file = ws.createFile({ name: f.name, mimetype: f.mimetype, user: sender.id, bytes });
    file.shares.push({ channel: conv.id, ts });
    fileIds.push(file.id);
  }
  const msg = ws.addMessage({
    channel: conv.id,
    ts,
    ...(fileIds.length ? { subtype: 'file_share' as const, files: fileIds, upload: true } : {}),
    user: sender.id,
    team: sender.team_id,
    text: typedTextToMrkdwn(typed),
    ...(typed ? { blocks: richTextBlocks(typed) } : {}),
    client_msg_id: ws.newClientMsgId(),
    ...(input.thread_ts ? { thread_ts: input.thread_ts } : {}),
  });
  const stubFiles = ws.isExternal(sender.id);
  const event = messageEvent(sb.urls, ws, msg, conv, { stubFiles });
  const first = sb.deliverEvent(event, identity, conv);
  const others: Promise<Delivered>[] = [];
  if (kind === 'channel') {
    const mention: Record<string, unknown> = {
      client_msg_id: msg.client_msg_id,
      type: 'app_mention',
      text: msg.text,
      user: msg.user,
      ts: msg.ts,
      team: msg.team,
      blocks: msg.blocks,
      ...(msg.thread_ts ? { thread_ts: msg.thread_ts } : {}),
      channel: conv.id,
      event_ts: msg.ts,
    };
    others.push(sb.deliverEvent(mention, identity, conv));
  }
  const [main, ...rest] = await Promise.all([first, ...others]);
  return {
    channel: conv.id,
    ts: msg.ts,
    event_id: main.event_id,
    event_ids: [main.event_id, ...rest.map((r) => r.event_id)],
    delivery: main.delivery,
  };
}

/** Another integration posting (legacy `bot_message` subtype): the help desk must ignore it. */
async function sendBotMessage(sb: SlackSandbox, input: SendMessageInput): Promise<SentMessage> {
  const ws = sb.workspace;
  const bot = ws.bot(input.user)!;
  if (!input.text) throw new ControlError(400, 'no_text', 'text is required');
  const identity = input.to ?? ws.defaultIdentity();
  const kind = input.channel_type ?? 'im';
  // An integration reaches the help desk's DM (account mode) or the shared channel.
  const conv =
    kind === 'im'
      ? ws.openIm(bot.id, ws.identityUserId(identity))
      : conversationFor(sb, ws.identityUserId(identity), kind, identity);
  const msg = ws.addMessage({
    channel: conv.id,
    subtype: 'bot_message',
    bot_id: bot.id,
    app_id: bot.app_id,
    username: bot.name,
    icons: { image_48: `${sb.urls.base}/avatars/${bot.id}/48.png` },
    team: TEAM_ID,
    text: input.text,
  });
  const event = messageEvent(sb.urls, ws, msg, conv);
  const main = await sb.deliverEvent(event, identity, conv);
  return {
    channel: conv.id,
    ts: msg.ts,
    event_id: main.event_id,
    event_ids: [main.event_id],
    delivery: main.delivery,
  };
}

function humanMessage(
  sb: SlackSandbox,
  channel: string,
  ts: string,
): { msg: StoredMessage; conv: Conversation } {
  const conv = sb.workspace.conversation(channel);
  const msg = conv && sb.workspace.message(channel, ts);
  if (!conv || !msg) throw new ControlError(404, 'message_not_found', 'No such message');
  if (!msg.user || sb.workspace.user(msg.user)?.is_bot || msg.client_msg_id === undefined) {
    throw new ControlError(400, 'cant_update_message', 'Only typed messages can be changed');
  }
  return { msg, conv };
}

/** The person edits a message: `message_changed` (slack.md §2.3). */
export async function editMessage(
  sb: SlackSandbox,
  input: { channel: string; ts: string; text: string },
): Promise<Delivered> {
  const ws = sb.workspace;
  const { msg, conv } = humanMessage(sb, input.channel, input.ts);
  if (!input.text) throw new ControlError(400, 'no_text', 'text is required');
  const stubFiles = ws.isExternal(msg.user!);
  const previous = presentMessage(sb.urls, ws, msg, { stubFiles });
  const now = ws.nextTs();
  msg.text = typedTextToMrkdwn(input.text);
  msg.blocks = richTextBlocks(input.text);
  msg.edited = { user: msg.user!, ts: now };
  ws.changed();
  const event = messageChangedEvent(
    conv,
    presentMessage(sb.urls, ws, msg, { stubFiles }),
    previous,
    now,
  );
  return sb.deliverEvent(event, ws.identityFor(conv), conv);
}

/** The person deletes a message: `message_deleted`. */
export async function deleteMessage(
  sb: SlackSandbox,
  input: { channel: string; ts: string },
): Promise<Delivered> {
  const ws = sb.workspace;
  const { msg, conv } = humanMessage(sb, input.channel, input.ts);
  const previous = presentMessage(sb.urls, ws, msg, { stubFiles: ws.isExternal(msg.user!) });
  msg.deleted = true;
  ws.changed();
  const now = ws.nextTs();
  const event = messageDeletedEvent(conv, msg.ts, previous, now);
  return sb.deliverEvent(event, ws.identityFor(conv), conv);
}
