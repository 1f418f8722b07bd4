/** The Web API methods that write messages, reactions and files. */
import {
  APP_ID,
  BOT_ID,
  type Conversation,
  SlackApiError,
  type StoredMessage,
} from './workspace.ts';
import { SlackRateLimited } from './ratelimit.ts';
import {
  messageChangedEvent,
  messageDeletedEvent,
  messageEvent,
  presentFile,
  presentMessage,
} from './shapes.ts';
import {
  Args,
  type Method,
  type MethodContext,
  required,
  targetConversation,
} from './webapi-args.ts';

function parseMetadata(args: Args): StoredMessage['metadata'] {
  const meta = args.json('metadata', 'invalid_metadata_format') as
    Record<string, unknown> | undefined;
  if (meta === undefined) return undefined;
  if (
    typeof meta !== 'object' ||
    meta === null ||
    typeof meta.event_type !== 'string' ||
    !meta.event_type ||
    typeof meta.event_payload !== 'object' ||
    meta.event_payload === null ||
    Array.isArray(meta.event_payload)
  ) {
    throw new SlackApiError('invalid_metadata_format');
  }
  return {
    event_type: meta.event_type,
    event_payload: meta.event_payload as Record<string, unknown>,
  };
}

/** text / blocks / markdown_text, with Slack's rules for combining them. */
function messageContent(args: Args): { text: string; blocks?: unknown[]; attachments?: unknown[] } {
  const markdown = args.str('markdown_text');
  const text = args.str('text');
  const blocks = args.json('blocks', 'invalid_blocks');
  const attachments = args.json('attachments', 'invalid_attachments');
  if (
    blocks !== undefined &&
    (!Array.isArray(blocks) ||
      blocks.some(
        (b) => typeof b !== 'object' || !b || typeof (b as { type?: unknown }).type !== 'string',
      ))
  ) {
    throw new SlackApiError('invalid_blocks');
  }
  if (Array.isArray(blocks) && blocks.length > 50) throw new SlackApiError('invalid_blocks');
  if (attachments !== undefined && !Array.isArray(attachments))
    throw new SlackApiError('invalid_attachments');
  if (markdown !== undefined) {
    if (text !== undefined || blocks !== undefined)
      throw new SlackApiError('markdown_text_conflict');
    if (!markdown.trim()) throw new SlackApiError('no_text');
    if (markdown.length > 12_000) throw new SlackApiError('msg_too_long');
    return {
      text: markdown,
      blocks: [{ type: 'markdown', text: markdown, block_id: blockIdFor(markdown) }],
    };
  }
  if (
    !text &&
    !(Array.isArray(blocks) && blocks.length) &&
    !(Array.isArray(attachments) && attachments.length)
  ) {
    throw new SlackApiError('no_text');
  }
  return {
    // Slack truncates text past 40,000 characters rather than refusing it.
    text: (text ?? '').slice(0, 40_000),
    ...(Array.isArray(blocks) && blocks.length ? { blocks } : {}),
    ...(Array.isArray(attachments) && attachments.length ? { attachments } : {}),
  };
}

function blockIdFor(s: string): string {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
  return h.toString(36).slice(0, 5);
}

/** Fields every message the caller posts carries: a bot's identity, or a person's. */
function posterFields(ctx: MethodContext): Partial<StoredMessage> {
  const { auth } = ctx;
  const base: Partial<StoredMessage> = { user: auth.user.id, team: auth.team.id };
  if (auth.kind === 'bot') {
    base.bot_id = BOT_ID;
    base.app_id = APP_ID;
    const username = ctx.args.str('username');
    const iconUrl = ctx.args.str('icon_url');
    const iconEmoji = ctx.args.str('icon_emoji');
    if (username) base.username = username;
    if (iconUrl) base.icons = { image_48: iconUrl };
    else if (iconEmoji) base.icons = { emoji: iconEmoji };
  }
  return base;
}

function ownMessage(
  ctx: MethodContext,
  conv: Conversation,
  ts: string | undefined,
  error: string,
): StoredMessage {
  const msg = ts ? ctx.sb.workspace.message(conv.id, ts) : undefined;
  if (!msg) throw new SlackApiError('message_not_found');
  if (msg.user !== ctx.auth.user.id) throw new SlackApiError(error);
  return msg;
}

export const messageMethods: Record<string, Method> = {
  'chat.postMessage': (ctx) => {
    const { sb, args, auth } = ctx;
    const ws = sb.workspace;
    const conv = targetConversation(ctx, args.str('channel'));
    const wait = sb.postLimiter.take(conv.id);
    if (wait !== null) throw new SlackRateLimited(wait);
    const content = messageContent(args);
    const metadata = parseMetadata(args);
    const threadTs = args.str('thread_ts') || undefined;
    const msg = ws.addMessage({
      channel: conv.id,
      ...(posterFields(ctx) as { team: string }),
      ...content,
      ...(threadTs ? { thread_ts: threadTs } : {}),
      ...(metadata ? { metadata } : {}),
    });
    sb.echo(messageEvent(sb.urls, ws, msg, conv, { includeMetadata: true }), auth, conv);
    return {
      ok: true,
      channel: conv.id,
      ts: msg.ts,
      message: presentMessage(sb.urls, ws, msg, { includeMetadata: true }),
    };
  },

  'chat.update': (ctx) => {
    const { sb, args, auth } = ctx;
    const ws = sb.workspace;
    const conv = ws.visibleConversation(args.str('channel'), auth.user.id);
    const msg = ownMessage(ctx, conv, args.str('ts'), 'cant_update_message');
    const previous = presentMessage(sb.urls, ws, msg);
    const content = messageContent(args);
    const metadata = parseMetadata(args);
    const now = ws.nextTs();
    msg.text = content.text;
    if (content.blocks) msg.blocks = content.blocks;
    else delete msg.blocks;
    if (content.attachments) msg.attachments = content.attachments;
    if (metadata) msg.metadata = metadata;
    msg.edited = { user: auth.kind === 'bot' ? BOT_ID : auth.user.id, ts: now };
    ws.changed();
    const message = presentMessage(sb.urls, ws, msg, { includeMetadata: true });
    sb.echo(messageChangedEvent(conv, message, previous, now), auth, conv);
    return { ok: true, channel: conv.id, ts: msg.ts, text: msg.text, message };
  },

  'chat.delete': (ctx) => {
    const { sb, args, auth } = ctx;
    const ws = sb.workspace;
    const conv = ws.visibleConversation(args.str('channel'), auth.user.id);
    const msg = ownMessage(ctx, conv, args.str('ts'), 'cant_delete_message');
    const previous = presentMessage(sb.urls, ws, msg);
    msg.deleted = true;
    ws.changed();
    const now = ws.nextTs();
    sb.echo(messageDeletedEvent(conv, msg.ts, previous, now), auth, conv);
    return { ok: true, channel: conv.id, ts: msg.ts };
  },

  'chat.getPermalink': ({ sb, args, auth }) => {
    const conv = sb.workspace.visibleConversation(args.str('channel'), auth.user.id);
    const ts = required(args, 'message_ts');
    if (!sb.workspace.message(conv.id, ts)) throw new SlackApiError('message_not_found');
    return {
      ok: true,
      channel: conv.id,
      permalink: `${sb.urls.base}/archives/${conv.id}/p${ts.replace('.', '')}`,
    };
  },

  'reactions.add': ({ sb, args, auth }) => {
    const ws = sb.workspace;
    const conv = ws.visibleConversation(args.str('channel'), auth.user.id);
    const name = required(args, 'name', 'invalid_name').replace(/^:|:$/g, '');
    if (!/^[a-z0-9_+'-]+$/.test(name)) throw new SlackApiError('invalid_name');
    const msg = ws.message(conv.id, args.str('timestamp') ?? '');
    if (!msg) throw new SlackApiError('message_not_found');
    msg.reactions ??= [];
    let r = msg.reactions.find((x) => x.name === name);
    if (r?.users.includes(auth.user.id)) throw new SlackApiError('already_reacted');
    if (!r) {
      if (msg.reactions.length >= 50) throw new SlackApiError('too_many_reactions');
      r = { name, users: [], count: 0 };
      msg.reactions.push(r);
    }
    r.users.push(auth.user.id);
    r.count = r.users.length;
    ws.changed();
    return { ok: true };
  },

  'files.getUploadURLExternal': ({ sb, args, auth }) => {
    const filename = required(args, 'filename');
    const length = args.int('length');
    if (length === undefined || Number.isNaN(length) || length < 1) {
      throw new SlackApiError('invalid_arguments', {
        response_metadata: { messages: ['[ERROR] length must be a positive integer'] },
      });
    }
    if (length > sb.maxFileBytes) throw new SlackApiError('file_upload_size_restricted');
    const file = sb.workspace.createFile({
      name: filename,
      title: filename,
      user: auth.user.id,
      declaredLength: length,
    });
    return { ok: true, upload_url: `${sb.urls.base}/upload/${file.upload_id}`, file_id: file.id };
  },

  'files.completeUploadExternal': (ctx) => {
    const { sb, args, auth } = ctx;
    const ws = sb.workspace;
    const list = args.json('files');
    if (!Array.isArray(list) || !list.length) throw new SlackApiError('invalid_arguments');
    const files = list.map((entry: unknown) => {
      const e = entry as { id?: unknown; title?: unknown };
      const file = typeof e?.id === 'string' ? ws.file(e.id) : undefined;
      if (!file || file.user !== auth.user.id || !file.uploaded)
        throw new SlackApiError('file_not_found');
      return { file, title: typeof e.title === 'string' && e.title ? e.title : undefined };
    });
    const channelArg = args.str('channel_id') ?? args.str('channels')?.split(',')[0];
    const conv = channelArg ? ws.visibleConversation(channelArg, auth.user.id) : null;
    for (const { file, title } of files) {
      if (title) file.title = title;
      file.completed = true;
      file.upload_id = null;
    }
    if (conv) {
      const threadTs = args.str('thread_ts') || undefined;
      const comment = args.str('initial_comment');
      const msg = ws.addMessage({
        channel: conv.id,
        subtype: 'file_share',
        ...(posterFields({ ...ctx, args: new Args({}) }) as { team: string }),
        text: comment ?? '',
        files: files.map((f) => f.file.id),
        upload: true,
        ...(threadTs ? { thread_ts: threadTs } : {}),
      });
      for (const { file } of files) file.shares.push({ channel: conv.id, ts: msg.ts });
      sb.echo(messageEvent(sb.urls, ws, msg, conv), auth, conv);
    }
    ws.changed();
    return { ok: true, files: files.map(({ file }) => presentFile(sb.urls, ws, file)) };
  },

  'files.info': ({ sb, args, auth }) => {
    const ws = sb.workspace;
    const file = ws.file(args.str('file') ?? '');
    if (!file || !ws.canSeeFile(file, auth.user.id)) throw new SlackApiError('file_not_found');
    return {
      ok: true,
      file: presentFile(sb.urls, ws, file),
      comments: [],
      response_metadata: { next_cursor: '' },
    };
  },
};
