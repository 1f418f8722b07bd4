/**
 * Slack's JSON shapes for sandbox objects: user, team, conversation, file, message and the
 * message events built from them. Field sets follow the real payloads described in
 * shared/reference/slack.md (§2.2–2.5, §4.2, §6).
 */
import { randomBytes } from 'node:crypto';
import {
  APP_ID,
  BOT_ID,
  BOT_PROFILE_NAME,
  type Conversation,
  type StoredFile,
  type StoredMessage,
  TEAM_ID,
  type SandboxTeam,
  type SandboxUser,
  type Workspace,
} from './workspace.ts';

/** Where the sandbox is reachable from outside: `publicUrl + prefix`. */
export interface Urls {
  base: string;
}

export const AVATAR_SIZES = [24, 32, 48, 72, 192, 512, 1024] as const;

export function avatarUrl(urls: Urls, userId: string, size: number): string {
  return `${urls.base}/avatars/${encodeURIComponent(userId)}/${size}.png`;
}

function images(urls: Urls, id: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of AVATAR_SIZES) out[`image_${s}`] = avatarUrl(urls, id, s);
  out.image_original = avatarUrl(urls, id, 1024);
  return out;
}

export function botProfile(urls: Urls, ws: Workspace): Record<string, unknown> {
  return {
    id: BOT_ID,
    deleted: false,
    name: BOT_PROFILE_NAME,
    updated: ws.user('U0BOT')?.updated ?? 0,
    app_id: APP_ID,
    user_id: 'U0BOT',
    icons: {
      image_36: avatarUrl(urls, 'U0BOT', 48),
      image_48: avatarUrl(urls, 'U0BOT', 48),
      image_72: avatarUrl(urls, 'U0BOT', 72),
    },
    team_id: TEAM_ID,
  };
}

/** users.info `user`. Strangers (Slack Connect) get fewer fields and no email. */
export function presentUser(
  urls: Urls,
  user: SandboxUser,
  opts: { includeLocale?: boolean; viewerTeam?: string } = {},
): Record<string, unknown> {
  const stranger = user.team_id !== (opts.viewerTeam ?? TEAM_ID);
  const profile: Record<string, unknown> = {
    title: user.title,
    phone: '',
    skype: '',
    real_name: user.real_name,
    real_name_normalized: user.real_name,
    display_name: user.display_name,
    display_name_normalized: user.display_name,
    fields: null,
    status_text: '',
    status_emoji: '',
    status_emoji_display_info: [],
    status_expiration: 0,
    avatar_hash: user.id.toLowerCase().slice(0, 12),
    first_name: user.real_name.split(' ')[0] ?? '',
    last_name: user.real_name.split(' ').slice(1).join(' '),
    ...images(urls, user.id),
    team: user.team_id,
  };
  if (user.email && !stranger && !user.is_bot) profile.email = user.email;
  if (user.is_bot) {
    Object.assign(profile, { bot_id: user.bot_id, api_app_id: APP_ID, always_active: true });
  }
  const out: Record<string, unknown> = {
    id: user.id,
    team_id: user.team_id,
    name: user.name,
    deleted: user.deleted,
    color: user.color,
    real_name: user.real_name,
    tz: user.tz,
    tz_label: user.tz_label,
    tz_offset: user.tz_offset,
    profile,
    is_admin: user.is_admin,
    is_owner: user.is_admin,
    is_primary_owner: false,
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: user.is_bot,
    is_app_user: false,
    updated: user.updated,
    is_email_confirmed: !user.is_bot,
    who_can_share_contact_card: 'EVERYONE',
  };
  if (stranger) out.is_stranger = true;
  if (opts.includeLocale) out.locale = user.locale;
  return out;
}

export function presentTeam(urls: Urls, team: SandboxTeam): Record<string, unknown> {
  return {
    id: team.id,
    name: team.name,
    url: `${urls.base}/`,
    domain: team.domain,
    email_domain: team.email_domain,
    icon: {
      image_default: true,
      image_34: avatarUrl(urls, team.id, 32),
      image_44: avatarUrl(urls, team.id, 48),
      image_68: avatarUrl(urls, team.id, 72),
      image_88: avatarUrl(urls, team.id, 72),
      image_102: avatarUrl(urls, team.id, 192),
      image_230: avatarUrl(urls, team.id, 192),
      image_132: avatarUrl(urls, team.id, 192),
    },
    avatar_base_url: `${urls.base}/avatars/`,
    is_verified: false,
  };
}

/** conversations.info / conversations.open(return_im) object, as `viewer` sees it. */
export function presentConversation(
  ws: Workspace,
  conv: Conversation,
  viewer: string,
): Record<string, unknown> {
  const ext = ws.isExtShared(conv);
  if (conv.kind === 'im') {
    const other = conv.members.find((m) => m !== viewer) ?? viewer;
    const latest = ws.messagesIn(conv.id).at(-1);
    return {
      id: conv.id,
      created: conv.created,
      is_archived: false,
      is_im: true,
      is_org_shared: false,
      context_team_id: TEAM_ID,
      updated: conv.created * 1000,
      user: other,
      is_user_deleted: ws.user(other)?.deleted ?? false,
      priority: 0,
      is_open: true,
      last_read: latest?.ts ?? '0000000000.000000',
      ...(ext ? { is_ext_shared: true } : {}),
    };
  }
  const name = conv.name ?? conv.id.toLowerCase();
  return {
    id: conv.id,
    name,
    is_channel: conv.kind === 'channel',
    is_group: conv.kind === 'mpim',
    is_im: false,
    is_mpim: conv.kind === 'mpim',
    is_private: conv.kind === 'mpim',
    created: conv.created,
    is_archived: false,
    is_general: false,
    unlinked: 0,
    name_normalized: name,
    is_shared: ext,
    is_org_shared: false,
    is_ext_shared: ext,
    is_pending_ext_shared: false,
    pending_shared: [],
    context_team_id: TEAM_ID,
    ...(ext ? { conversation_host_id: TEAM_ID } : {}),
    updated: conv.created * 1000,
    creator: conv.creator,
    is_member: conv.members.includes(viewer),
    topic: { value: '', creator: '', last_set: 0 },
    purpose: { value: '', creator: '', last_set: 0 },
    num_members: conv.members.length,
  };
}

function fileUrl(urls: Urls, file: StoredFile, download: boolean): string {
  return `${urls.base}/files/${file.id}/${download ? 'download/' : ''}${encodeURIComponent(file.name)}`;
}

/** The full file object (files.info, completeUploadExternal, internal file_share events). */
export function presentFile(urls: Urls, ws: Workspace, file: StoredFile): Record<string, unknown> {
  const priv: Record<string, unknown[]> = {};
  const pub: Record<string, unknown[]> = {};
  for (const share of file.shares) {
    const conv = ws.conversation(share.channel);
    if (!conv) continue;
    const bucket = conv.kind === 'channel' ? pub : priv;
    (bucket[share.channel] ??= []).push({
      reply_users: [],
      reply_users_count: 0,
      reply_count: 0,
      ts: share.ts,
      channel_name: conv.name ?? conv.id,
      team_id: TEAM_ID,
      share_user_id: file.user,
      source: 'UNKNOWN',
    });
  }
  const shares: Record<string, unknown> = {};
  if (Object.keys(pub).length) shares.public = pub;
  if (Object.keys(priv).length) shares.private = priv;
  const inKind = (k: Conversation['kind']) => [
    ...new Set(
      file.shares.filter((s) => ws.conversation(s.channel)?.kind === k).map((s) => s.channel),
    ),
  ];
  return {
    id: file.id,
    created: file.created,
    timestamp: file.created,
    name: file.name,
    title: file.title,
    mimetype: file.mimetype,
    filetype: file.filetype,
    pretty_type: file.pretty_type,
    user: file.user,
    user_team: file.user_team,
    editable: false,
    size: file.size,
    mode: 'hosted',
    is_external: false,
    external_type: '',
    is_public: file.shares.some((s) => ws.conversation(s.channel)?.kind === 'channel'),
    public_url_shared: false,
    display_as_bot: false,
    username: '',
    url_private: fileUrl(urls, file, false),
    url_private_download: fileUrl(urls, file, true),
    media_display_type: 'unknown',
    permalink: `${urls.base}/ui/files/${file.id}`,
    permalink_public: `${urls.base}/ui/files/${file.id}`,
    is_starred: false,
    has_rich_preview: false,
    file_access: 'visible',
    shares,
    channels: inKind('channel'),
    groups: inKind('mpim'),
    ims: inKind('im'),
    comments_count: 0,
  };
}

/** What a Slack Connect recipient gets instead of the file: resolve it with files.info. */
export function fileStub(file: StoredFile): Record<string, unknown> {
  return { id: file.id, mode: 'file_access', file_access: 'check_file_info', created: 0, user: '' };
}

function blockId(): string {
  return randomBytes(4).toString('base64url').slice(0, 5);
}

/**
 * The rich_text block Slack's client sends with a typed message. `raw` is what the person
 * typed; URLs become link elements and `<@U…>` user elements.
 */
export function richTextBlocks(raw: string): unknown[] {
  const elements: unknown[] = [];
  const re = /(<@([UW][A-Z0-9]+)>)|(https?:\/\/[^\s<>]+)/g;
  let last = 0;
  for (let m = re.exec(raw); m; m = re.exec(raw)) {
    if (m.index > last) elements.push({ type: 'text', text: raw.slice(last, m.index) });
    if (m[2]) elements.push({ type: 'user', user_id: m[2] });
    else elements.push({ type: 'link', url: m[3] });
    last = m.index + m[0].length;
  }
  if (last < raw.length) elements.push({ type: 'text', text: raw.slice(last) });
  return [
    {
      type: 'rich_text',
      block_id: blockId(),
      elements: [{ type: 'rich_text_section', elements }],
    },
  ];
}

/** What typed text becomes in the `text` field: escaped, with bare URLs wrapped in `<…>`. */
export function typedTextToMrkdwn(raw: string): string {
  const parts: string[] = [];
  const re = /(<@[UW][A-Z0-9]+>)|(https?:\/\/[^\s<>]+)/g;
  let last = 0;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  for (let m = re.exec(raw); m; m = re.exec(raw)) {
    parts.push(esc(raw.slice(last, m.index)));
    parts.push(m[1] ?? `<${m[2]!.replace(/&/g, '&amp;')}>`); // one alternative matched
    last = m.index + m[0].length;
  }
  parts.push(esc(raw.slice(last)));
  return parts.join('');
}

/**
 * A stored message as Slack serialises it (history, postMessage responses, and the inner
 * `event` of message events). `recipientTeam` decides whether files are full objects or
 * Slack Connect stubs.
 */
export function presentMessage(
  urls: Urls,
  ws: Workspace,
  msg: StoredMessage,
  opts: { includeMetadata?: boolean; stubFiles?: boolean } = {},
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (msg.client_msg_id) out.client_msg_id = msg.client_msg_id;
  out.type = 'message';
  if (msg.subtype) out.subtype = msg.subtype;
  out.text = msg.text;
  if (msg.files?.length) {
    out.files = msg.files
      .map((id) => ws.file(id))
      .filter((f): f is StoredFile => !!f)
      .map((f) => (opts.stubFiles ? fileStub(f) : presentFile(urls, ws, f)));
    out.upload = msg.upload ?? true;
    out.display_as_bot = false;
  }
  if (msg.user) out.user = msg.user;
  if (msg.bot_id) out.bot_id = msg.bot_id;
  if (msg.app_id) out.app_id = msg.app_id;
  if (msg.username) out.username = msg.username;
  if (msg.icons) out.icons = msg.icons;
  if (msg.bot_id === BOT_ID) out.bot_profile = botProfile(urls, ws);
  out.ts = msg.ts;
  out.team = msg.team;
  if (msg.team !== TEAM_ID) {
    out.user_team = msg.team;
    out.source_team = msg.team;
  }
  if (msg.blocks) out.blocks = msg.blocks;
  if (msg.attachments) out.attachments = msg.attachments;
  if (msg.edited) out.edited = msg.edited;
  if (msg.thread_ts) {
    out.thread_ts = msg.thread_ts;
    if (msg.thread_ts !== msg.ts) {
      if (msg.parent_user_id) out.parent_user_id = msg.parent_user_id;
    } else {
      const replies = ws
        .messagesIn(msg.channel)
        .filter((r) => r.thread_ts === msg.ts && r.ts !== msg.ts);
      const users = [...new Set(replies.map((r) => r.user ?? r.bot_id ?? ''))].filter(Boolean);
      out.reply_count = replies.length;
      out.reply_users_count = users.length;
      out.latest_reply = replies.at(-1)?.ts ?? msg.ts;
      out.reply_users = users;
      out.is_locked = false;
      out.subscribed = false;
    }
  }
  if (msg.reactions?.length) out.reactions = msg.reactions;
  if (msg.metadata && opts.includeMetadata) out.metadata = msg.metadata;
  return out;
}

/** The inner event for a new message: the message plus channel, event_ts and channel_type. */
export function messageEvent(
  urls: Urls,
  ws: Workspace,
  msg: StoredMessage,
  conv: Conversation,
  opts: { stubFiles?: boolean; includeMetadata?: boolean } = {},
): Record<string, unknown> {
  return {
    ...presentMessage(urls, ws, msg, { ...opts }),
    channel: conv.id,
    event_ts: msg.ts,
    channel_type: channelType(conv),
  };
}

export function channelType(conv: Conversation): string {
  return conv.kind === 'im' ? 'im' : conv.kind === 'mpim' ? 'mpim' : 'channel';
}

/** `message_changed` as Slack sends it for an edit, by a person or through chat.update. */
export function messageChangedEvent(
  conv: Conversation,
  message: Record<string, unknown>,
  previous: Record<string, unknown>,
  ts: string,
): Record<string, unknown> {
  return {
    type: 'message',
    subtype: 'message_changed',
    message,
    previous_message: previous,
    channel: conv.id,
    hidden: true,
    ts,
    event_ts: ts,
    channel_type: channelType(conv),
  };
}

/** `message_deleted` as Slack sends it for a deletion, by a person or through chat.delete. */
export function messageDeletedEvent(
  conv: Conversation,
  deletedTs: string,
  previous: Record<string, unknown>,
  ts: string,
): Record<string, unknown> {
  return {
    type: 'message',
    subtype: 'message_deleted',
    hidden: true,
    deleted_ts: deletedTs,
    channel: conv.id,
    previous_message: previous,
    ts,
    event_ts: ts,
    channel_type: channelType(conv),
  };
}
