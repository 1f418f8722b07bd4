/**
 * The Slack sandbox's in-memory model: one workspace (plus a Slack Connect partner team), its
 * users, conversations, messages, files, app installations and tokens. Everything that must
 * survive a restart is plain JSON (`SandboxState`); file bytes live beside it.
 *
 * It knows nothing of HTTP: the server turns requests into calls here and workspace changes
 * into Events API deliveries.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { fileTypeOf } from './file-types.ts';
import {
  type Conversation,
  type Identity,
  type Installation,
  type OAuthCode,
  type SandboxBot,
  type SandboxState,
  type SandboxTeam,
  type SandboxUser,
  type StoredFile,
  type StoredMessage,
  type TokenInfo,
  type TokenKind,
  ACCOUNT_USER_ID,
  APP_ID,
  BOT_USER_ID,
  CODE_LIFETIME_MS,
  OTHER_BOTS,
  SlackApiError,
  TEAM_ID,
  hashId,
  randomId,
  seedState,
} from './workspace-state.ts';

// The state's shapes and ids are imported from here throughout the sandbox.
export * from './workspace-state.ts';
export { fileTypeOf } from './file-types.ts';

/** Slack's text escaping: only &, < and > are control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export class Workspace {
  state: SandboxState;
  /** File bytes by file id. */
  readonly blobs = new Map<string, Buffer>();
  /** Called after every change that should be persisted. */
  onChange: () => void = () => {};

  constructor(
    private readonly secrets: { clientId: string; clientSecret: string },
    state?: SandboxState,
  ) {
    this.state = state ?? seedState();
  }

  changed(): void {
    this.onChange();
  }

  reset(): void {
    this.state = seedState();
    this.blobs.clear();
    this.changed();
  }

  // ---- directory --------------------------------------------------------------------------

  team(id: string): SandboxTeam | undefined {
    return this.state.teams.find((t) => t.id === id);
  }

  get homeTeam(): SandboxTeam {
    return this.team(TEAM_ID)!;
  }

  user(id: string): SandboxUser | undefined {
    return this.state.users.find((u) => u.id === id);
  }

  userByEmail(email: string): SandboxUser | undefined {
    const wanted = email.toLowerCase();
    return this.state.users.find((u) => u.email?.toLowerCase() === wanted);
  }

  bot(id: string): SandboxBot | undefined {
    return OTHER_BOTS.find((b) => b.id === id);
  }

  isExternal(userId: string): boolean {
    const u = this.user(userId);
    return !!u && u.team_id !== TEAM_ID;
  }

  /** Adds (or updates) a simulated person. A team id that is new becomes a partner team. */
  addUser(input: {
    id: string;
    name: string;
    email?: string | null;
    team?: string;
    deleted?: boolean;
  }): SandboxUser {
    const teamId = input.team ?? TEAM_ID;
    if (!this.team(teamId)) {
      this.state.teams.push({
        id: teamId,
        name: `Team ${teamId}`,
        domain: teamId.toLowerCase(),
        email_domain: '',
      });
    }
    const handle = input.name
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '.')
      .replace(/^\.+|\.+$/g, '');
    const user: SandboxUser = {
      id: input.id,
      team_id: teamId,
      name: handle || input.id.toLowerCase(),
      real_name: input.name,
      display_name: input.name,
      email: input.email ?? null,
      title: '',
      tz: 'Europe/Paris',
      tz_label: 'Central European Time',
      tz_offset: 3600,
      locale: 'en-US',
      is_bot: false,
      is_admin: false,
      deleted: input.deleted ?? false,
      color: hashId('', input.id, 6)
        .toLowerCase()
        .replace(/[^0-9a-f]/g, 'a'),
      updated: Math.floor(Date.now() / 1000),
    };
    const at = this.state.users.findIndex((u) => u.id === input.id);
    if (at >= 0) this.state.users[at] = { ...this.state.users[at], ...user };
    else this.state.users.push(user);
    this.changed();
    return this.user(input.id)!;
  }

  // ---- time -------------------------------------------------------------------------------

  /** A unique, increasing Slack `ts` ("1700000000.000100"). */
  nextTs(): string {
    const now = BigInt(Date.now()) * 1000n;
    const last = BigInt(this.state.lastTsMicros);
    const next = now > last ? now : last + 1n;
    this.state.lastTsMicros = next.toString();
    const secs = next / 1_000_000n;
    const micros = (next % 1_000_000n).toString().padStart(6, '0');
    return `${secs}.${micros}`;
  }

  // ---- installations and tokens -----------------------------------------------------------

  identityUserId(identity: Identity): string {
    return identity === 'bot' ? BOT_USER_ID : ACCOUNT_USER_ID;
  }

  installed(identity: Identity): Installation | null {
    return this.state.installs[identity];
  }

  /**
   * Which help-desk identity a simulated person talks to when nobody says: the bot after a
   * bot install, the dedicated account after an account-only install.
   */
  defaultIdentity(): Identity {
    if (this.state.installs.bot) return 'bot';
    if (this.state.installs.account) return 'account';
    return 'bot';
  }

  private generation(kind: TokenKind, userId: string): number {
    return this.state.tokenGenerations[`${kind}:${userId}`] ?? 1;
  }

  private mac(kind: TokenKind, userId: string, gen: number): string {
    const user = this.user(userId);
    return createHmac('sha256', this.secrets.clientSecret)
      .update(`${kind}:${user?.team_id ?? TEAM_ID}:${userId}:${gen}:${this.secrets.clientId}`)
      .digest('base64url')
      .slice(0, 32);
  }

  /**
   * Tokens are derived, not stored: an HMAC of (client secret, team, user, generation). So a
   * token Parley saved stays valid across a sandbox restart even without a state file.
   */
  tokenFor(kind: TokenKind, userId: string): string {
    const gen = this.generation(kind, userId);
    return `${kind === 'bot' ? 'xoxb' : 'xoxp'}-${userId}-${gen}-${this.mac(kind, userId, gen)}`;
  }

  /** Resolves a token or throws the error Slack would answer with. */
  authenticate(token: string | undefined): TokenInfo {
    if (!token) throw new SlackApiError('not_authed');
    const m = /^(xoxb|xoxp)-([A-Z0-9]+)-(\d+)-([A-Za-z0-9_-]{32})$/.exec(token);
    if (!m) throw new SlackApiError('invalid_auth');
    // Every group takes part in a match.
    const kind: TokenKind = m[1] === 'xoxb' ? 'bot' : 'user';
    const userId = m[2]!;
    const gen = Number(m[3]);
    const user = this.user(userId);
    if (!user) throw new SlackApiError('invalid_auth');
    const expected = Buffer.from(this.mac(kind, userId, gen));
    const given = Buffer.from(m[4]!);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new SlackApiError('invalid_auth');
    }
    if (kind === 'bot' && !user.is_bot) throw new SlackApiError('invalid_auth');
    if (this.state.revokedTokens.includes(token) || gen < this.generation(kind, userId)) {
      throw new SlackApiError('token_revoked');
    }
    if (gen > this.generation(kind, userId)) throw new SlackApiError('invalid_auth');
    if (user.deleted) throw new SlackApiError('account_inactive');
    const identity: Identity = kind === 'bot' ? 'bot' : 'account';
    // A genuine token whose installation the sandbox forgot (restart without a state file):
    // the install is evidently still in place, so remember it again.
    if (!this.state.installs[identity] && this.identityUserId(identity) === userId) {
      this.state.installs[identity] = { scopes: [], installer: userId, installed_at: 0 };
      this.changed();
    }
    return { token, kind, user, team: this.team(user.team_id)!, identity };
  }

  /** Kills tokens. Returns the user ids whose bot / user tokens died (for `tokens_revoked`). */
  revoke(target: { token?: string; user?: string }): { oauth: string[]; bot: string[] } {
    const out = { oauth: [] as string[], bot: [] as string[] };
    const kill = (kind: TokenKind, userId: string) => {
      const token = this.tokenFor(kind, userId);
      if (!this.state.revokedTokens.includes(token)) this.state.revokedTokens.push(token);
      this.state.tokenGenerations[`${kind}:${userId}`] = this.generation(kind, userId) + 1;
      (kind === 'bot' ? out.bot : out.oauth).push(userId);
      if (kind === 'bot' && userId === BOT_USER_ID) this.state.installs.bot = null;
      if (kind === 'user' && userId === ACCOUNT_USER_ID) this.state.installs.account = null;
    };
    if (target.token) {
      const info = this.authenticate(target.token);
      kill(info.kind, info.user.id);
    } else if (target.user) {
      if (target.user === BOT_USER_ID) kill('bot', BOT_USER_ID);
      else if (this.user(target.user)) kill('user', target.user);
      else throw new SlackApiError('user_not_found');
    }
    this.changed();
    return out;
  }

  get anyInstalled(): boolean {
    return !!(this.state.installs.bot || this.state.installs.account);
  }

  // ---- OAuth ------------------------------------------------------------------------------

  issueCode(input: Omit<OAuthCode, 'created_ms' | 'used'>): string {
    const code = `${Date.now()}.${randomBytes(12).toString('hex')}`;
    this.state.codes[code] = { ...input, created_ms: Date.now(), used: false };
    // Codes are short-lived; forget the stale ones so the state file stays small.
    for (const [k, c] of Object.entries(this.state.codes)) {
      if (Date.now() - c.created_ms > CODE_LIFETIME_MS * 6) delete this.state.codes[k];
    }
    this.changed();
    return code;
  }

  /** oauth.v2.access: exchanges a single-use code for the installation's tokens. */
  exchangeCode(input: {
    clientId?: string;
    clientSecret?: string;
    code?: string;
    redirectUri?: string;
  }): Record<string, unknown> {
    if (!input.clientId || input.clientId !== this.secrets.clientId) {
      throw new SlackApiError('invalid_client_id');
    }
    const expected = Buffer.from(this.secrets.clientSecret);
    const given = Buffer.from(input.clientSecret ?? '');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new SlackApiError('bad_client_secret');
    }
    const code = input.code ? this.state.codes[input.code] : undefined;
    if (!code || code.used || Date.now() - code.created_ms > CODE_LIFETIME_MS) {
      throw new SlackApiError('invalid_code');
    }
    if (input.redirectUri !== undefined && input.redirectUri !== (code.redirect_uri ?? '')) {
      throw new SlackApiError('bad_redirect_uri');
    }
    code.used = true;
    const team = this.homeTeam;
    const now = Math.floor(Date.now() / 1000);
    const out: Record<string, unknown> = { ok: true, app_id: APP_ID };
    if (code.scopes.length) {
      this.state.installs.bot = {
        scopes: code.scopes,
        installer: code.installer,
        installed_at: now,
      };
      Object.assign(out, {
        access_token: this.tokenFor('bot', BOT_USER_ID),
        token_type: 'bot',
        scope: code.scopes.join(','),
        bot_user_id: BOT_USER_ID,
      });
    }
    const authedUser: Record<string, unknown> = { id: code.installer };
    if (code.user_scopes.length) {
      if (code.installer === ACCOUNT_USER_ID) {
        this.state.installs.account = {
          scopes: code.user_scopes,
          installer: code.installer,
          installed_at: now,
        };
      }
      Object.assign(authedUser, {
        scope: code.user_scopes.join(','),
        access_token: this.tokenFor('user', code.installer),
        token_type: 'user',
      });
    }
    Object.assign(out, {
      authed_user: authedUser,
      team: { id: team.id, name: team.name },
      enterprise: null,
      is_enterprise_install: false,
    });
    this.changed();
    return out;
  }

  // ---- conversations ----------------------------------------------------------------------

  conversation(id: string): Conversation | undefined {
    return this.state.conversations.find((c) => c.id === id);
  }

  /** The DM between two people: its id is derived from the pair, so it never changes. */
  openIm(a: string, b: string): Conversation {
    const pair = [a, b].sort();
    const id = hashId('D', `im:${TEAM_ID}:${pair.join(':')}`);
    let conv = this.conversation(id);
    if (!conv) {
      conv = {
        id,
        kind: 'im',
        members: pair,
        created: Math.floor(Date.now() / 1000),
        creator: a,
      };
      this.state.conversations.push(conv);
      this.changed();
    }
    return conv;
  }

  openMpim(memberIds: string[], creator: string): Conversation {
    const members = [...new Set(memberIds)].sort();
    const id = hashId('G', `mpim:${TEAM_ID}:${members.join(':')}`);
    let conv = this.conversation(id);
    if (!conv) {
      const handles = members.map((m) => this.user(m)?.name ?? m.toLowerCase());
      conv = {
        id,
        kind: 'mpim',
        name: `mpdm-${handles.join('--')}-1`,
        members,
        created: Math.floor(Date.now() / 1000),
        creator,
      };
      this.state.conversations.push(conv);
      this.changed();
    }
    return conv;
  }

  isExtShared(conv: Conversation): boolean {
    return conv.members.some((m) => this.isExternal(m));
  }

  /** Which installed identity an event in this conversation is delivered for. */
  identityFor(conv: Conversation, preferred?: Identity): Identity {
    const has = (i: Identity) => conv.members.includes(this.identityUserId(i));
    if (preferred && has(preferred)) return preferred;
    const def = this.defaultIdentity();
    if (has(def)) return def;
    return has('bot') ? 'bot' : 'account';
  }

  /** Slack answers channel_not_found for conversations the caller cannot see. */
  visibleConversation(id: string | undefined, userId: string): Conversation {
    if (!id) throw new SlackApiError('channel_not_found');
    const conv = this.conversation(id);
    if (!conv || !conv.members.includes(userId)) throw new SlackApiError('channel_not_found');
    return conv;
  }

  // ---- messages ---------------------------------------------------------------------------

  message(channel: string, ts: string): StoredMessage | undefined {
    return this.state.messages.find((m) => m.channel === channel && m.ts === ts && !m.deleted);
  }

  messagesIn(channel: string): StoredMessage[] {
    return this.state.messages.filter((m) => m.channel === channel && !m.deleted);
  }

  addMessage(msg: Omit<StoredMessage, 'ts'> & { ts?: string }): StoredMessage {
    const stored: StoredMessage = { ...msg, ts: msg.ts ?? this.nextTs() };
    if (stored.thread_ts) {
      const parent = this.message(stored.channel, stored.thread_ts);
      if (parent && !parent.thread_ts) parent.thread_ts = parent.ts;
      if (parent) stored.parent_user_id = parent.user ?? parent.bot_id;
    }
    this.state.messages.push(stored);
    this.changed();
    return stored;
  }

  newClientMsgId(): string {
    return randomUUID();
  }

  // ---- files ------------------------------------------------------------------------------

  file(id: string): StoredFile | undefined {
    return this.state.files.find((f) => f.id === id);
  }

  fileByUploadId(uploadId: string): StoredFile | undefined {
    return this.state.files.find((f) => f.upload_id === uploadId);
  }

  createFile(input: {
    name: string;
    title?: string;
    mimetype?: string;
    user: string;
    declaredLength?: number | null;
    bytes?: Buffer;
  }): StoredFile {
    const user = this.user(input.user);
    const types = fileTypeOf(input.name, input.mimetype);
    const file: StoredFile = {
      id: randomId('F'),
      name: input.name,
      title: input.title ?? input.name,
      ...types,
      size: input.bytes?.length ?? 0,
      user: input.user,
      user_team: user?.team_id ?? TEAM_ID,
      created: Math.floor(Date.now() / 1000),
      uploaded: !!input.bytes,
      completed: !!input.bytes,
      upload_id: input.bytes ? null : randomBytes(16).toString('hex'),
      declared_length: input.declaredLength ?? null,
      shares: [],
    };
    if (input.bytes) this.blobs.set(file.id, input.bytes);
    this.state.files.push(file);
    this.changed();
    return file;
  }

  storeUpload(file: StoredFile, bytes: Buffer): void {
    this.blobs.set(file.id, bytes);
    file.size = bytes.length;
    file.uploaded = true;
    this.changed();
  }

  /**
   * The person deletes a file in Slack: it is gone from files.info, its download links answer
   * 404, and messages no longer list it. Events already sent keep naming it.
   */
  deleteFile(id: string): boolean {
    const i = this.state.files.findIndex((f) => f.id === id);
    if (i < 0) return false;
    this.state.files.splice(i, 1);
    this.blobs.delete(id);
    this.changed();
    return true;
  }

  /** Who can see a file: its owner and members of a conversation it was shared into. */
  canSeeFile(file: StoredFile, userId: string): boolean {
    if (file.user === userId) return true;
    return file.shares.some((s) => this.conversation(s.channel)?.members.includes(userId));
  }
}
