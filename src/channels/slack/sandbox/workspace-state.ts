/**
 * The Slack sandbox's workspace state: the fixed ids, the shapes of everything kept as plain JSON
 * (`SandboxState`), the seed a fresh workspace starts from, and Slack-style ids. The operations
 * on it live in workspace.ts.
 */
import { createHash, randomBytes } from 'node:crypto';

export const TEAM_ID = 'T0SANDBOX';
export const PARTNER_TEAM_ID = 'T0PARTNER';
export const APP_ID = 'A0SANDBOX';
export const BOT_USER_ID = 'U0BOT';
export const BOT_ID = 'B0BOT';
export const ACCOUNT_USER_ID = 'U0HELP';
export const SUPPORT_CHANNEL_ID = 'C0SUPPORT';
/** Another integration in the workspace, for `bot_message` events the help desk must ignore. */
export const OTHER_BOT_ID = 'B0DEPLOY';
export const OTHER_APP_ID = 'A0DEPLOY';

export type Identity = 'bot' | 'account';
export type TokenKind = 'bot' | 'user';
export type ConversationKind = 'im' | 'mpim' | 'channel';

export interface SandboxTeam {
  id: string;
  name: string;
  domain: string;
  email_domain: string;
}

export interface SandboxUser {
  id: string;
  team_id: string;
  /** The handle (`name` in users.info). */
  name: string;
  real_name: string;
  display_name: string;
  email: string | null;
  title: string;
  tz: string;
  tz_label: string;
  tz_offset: number;
  locale: string;
  is_bot: boolean;
  is_admin: boolean;
  deleted: boolean;
  color: string;
  updated: number;
  /** Bot users only: the bot id (B…) their messages carry. */
  bot_id?: string;
}

export interface SandboxBot {
  id: string;
  app_id: string;
  name: string;
  /** The bot user, when the bot has one. */
  user_id?: string;
}

export interface Conversation {
  id: string;
  kind: ConversationKind;
  name?: string;
  members: string[];
  created: number;
  creator: string;
}

export interface MessageMetadata {
  event_type: string;
  event_payload: Record<string, unknown>;
}

export interface Reaction {
  name: string;
  users: string[];
  count: number;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  subtype?: 'file_share' | 'bot_message';
  user?: string;
  bot_id?: string;
  app_id?: string;
  /** Per-message sender name (chat:write.customize, or a legacy bot_message). */
  username?: string;
  icons?: Record<string, string>;
  team: string;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  client_msg_id?: string;
  thread_ts?: string;
  parent_user_id?: string;
  files?: string[];
  upload?: boolean;
  metadata?: MessageMetadata;
  edited?: { user: string; ts: string };
  deleted?: boolean;
  reactions?: Reaction[];
}

export interface StoredFile {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  pretty_type: string;
  size: number;
  user: string;
  user_team: string;
  created: number;
  /** Bytes are stored (in the blob map) once the upload finished. */
  uploaded: boolean;
  /** files.completeUploadExternal ran, or the file came in with a user's message. */
  completed: boolean;
  /** The external upload's secret URL id; null once consumed. */
  upload_id: string | null;
  declared_length: number | null;
  shares: { channel: string; ts: string }[];
}

export interface Installation {
  scopes: string[];
  /** The workspace member who clicked "Allow". */
  installer: string;
  installed_at: number;
}

export interface OAuthCode {
  client_id: string;
  redirect_uri: string | null;
  scopes: string[];
  user_scopes: string[];
  installer: string;
  created_ms: number;
  used: boolean;
}

export interface ApprovalRequest {
  id: string;
  redirect_uri: string;
  state: string | null;
  scopes: string[];
  user_scopes: string[];
  installer: string;
  requested_at: number;
}

/** Everything that survives a restart, as JSON. */
export interface SandboxState {
  version: 1;
  teams: SandboxTeam[];
  users: SandboxUser[];
  conversations: Conversation[];
  messages: StoredMessage[];
  files: StoredFile[];
  installs: { bot: Installation | null; account: Installation | null };
  /** Current token generation per `${kind}:${user}`; bumped when a token is revoked. */
  tokenGenerations: Record<string, number>;
  revokedTokens: string[];
  codes: Record<string, OAuthCode>;
  approval: { required: boolean; approved: boolean; pending: ApprovalRequest[] };
  /** Last message timestamp handed out, in microseconds, so `ts` stays increasing. */
  lastTsMicros: string;
}

/** A failed Web API precondition: becomes `{ok:false, error}`. */
export class SlackApiError extends Error {
  constructor(
    public readonly error: string,
    public readonly extra: Record<string, unknown> = {},
  ) {
    super(error);
  }
}

export const BOT_PROFILE_NAME = 'Parley';
export const CODE_LIFETIME_MS = 10 * 60 * 1000;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Slack-style id: a prefix and uppercase base32 characters. */
export function randomId(prefix: string, length = 10): string {
  const bytes = randomBytes(length);
  let out = prefix;
  for (const b of bytes) out += BASE32[b % 32];
  return out;
}

export function hashId(prefix: string, input: string, length = 10): string {
  const digest = createHash('sha256').update(input).digest();
  let out = prefix;
  // Callers ask for at most 10 characters; a sha256 digest has 32 bytes.
  for (let i = 0; i < length; i++) out += BASE32[digest[i]! % 32];
  return out;
}

export function seedState(): SandboxState {
  const now = Math.floor(Date.now() / 1000);
  const human = (u: Partial<SandboxUser> & Pick<SandboxUser, 'id' | 'name' | 'real_name'>) =>
    ({
      team_id: TEAM_ID,
      display_name: u.name,
      email: null,
      title: '',
      tz: 'Europe/Paris',
      tz_label: 'Central European Time',
      tz_offset: 3600,
      locale: 'en-US',
      is_bot: false,
      is_admin: false,
      deleted: false,
      color: '9f69e7',
      updated: now,
      ...u,
    }) satisfies SandboxUser;
  return {
    version: 1,
    teams: [
      {
        id: TEAM_ID,
        name: 'Sandbox Workspace',
        domain: 'sandbox',
        email_domain: 'sandbox.example',
      },
      {
        id: PARTNER_TEAM_ID,
        name: 'Partner Co',
        domain: 'partnerco',
        email_domain: 'partner.example',
      },
    ],
    users: [
      human({
        id: 'U0ALICE',
        name: 'alice',
        real_name: 'Alice Example',
        display_name: 'alice',
        email: 'alice@sandbox.example',
        title: 'Accountant',
        color: '4bbe2e',
      }),
      human({
        id: ACCOUNT_USER_ID,
        name: 'it-help',
        real_name: 'IT Help',
        display_name: 'IT Help',
        email: 'helpdesk@sandbox.example',
        title: 'Help desk',
        is_admin: true,
        color: 'e0a729',
      }),
      human({
        id: BOT_USER_ID,
        name: 'parley',
        real_name: BOT_PROFILE_NAME,
        display_name: '',
        tz: 'America/Los_Angeles',
        tz_label: 'Pacific Standard Time',
        tz_offset: -28800,
        is_bot: true,
        bot_id: BOT_ID,
        color: '3c989f',
      }),
      human({
        id: 'U0PARTNER',
        team_id: PARTNER_TEAM_ID,
        name: 'pat',
        real_name: 'Pat Partner',
        display_name: 'Pat',
        email: 'pat@partner.example',
        title: 'Operations',
        tz: 'America/New_York',
        tz_label: 'Eastern Standard Time',
        tz_offset: -18000,
        color: 'dc7dbb',
      }),
    ],
    conversations: [
      {
        id: SUPPORT_CHANNEL_ID,
        kind: 'channel',
        name: 'it-support',
        members: ['U0ALICE', ACCOUNT_USER_ID, BOT_USER_ID],
        created: now,
        creator: ACCOUNT_USER_ID,
      },
    ],
    messages: [],
    files: [],
    installs: { bot: null, account: null },
    tokenGenerations: {},
    revokedTokens: [],
    codes: {},
    approval: { required: false, approved: false, pending: [] },
    lastTsMicros: '0',
  };
}

export const OTHER_BOTS: SandboxBot[] = [
  { id: BOT_ID, app_id: APP_ID, name: BOT_PROFILE_NAME, user_id: BOT_USER_ID },
  { id: OTHER_BOT_ID, app_id: OTHER_APP_ID, name: 'Deploy Bot' },
];

export interface TokenInfo {
  token: string;
  kind: TokenKind;
  user: SandboxUser;
  team: SandboxTeam;
  identity: Identity;
}
