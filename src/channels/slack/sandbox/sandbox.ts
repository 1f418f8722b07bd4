/**
 * The sandbox itself, minus HTTP: the workspace, the Events API sender, the Web API call log
 * and fault injection, and the control operations tests and the /sandbox page use to act as
 * Slack users. `server.ts` exposes all of it over HTTP.
 */
import { createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { newControlSecret } from './access.ts';
import { type DeliveryAttempt, type DeliveryResult, EventSender, type Logger } from './events.ts';
import { StatePersistence } from './persistence.ts';
import {
  channelType,
  messageEvent,
  presentMessage,
  richTextBlocks,
  typedTextToMrkdwn,
  type Urls,
} from './shapes.ts';
import { SocketHub, type SocketDeliveryAttempt } from './socket.ts';
import { type ChannelRateLimit, ChannelRateLimiter, SLACK_POST_LIMIT } from './ratelimit.ts';
import {
  ACCOUNT_USER_ID,
  APP_ID,
  BOT_USER_ID,
  type Conversation,
  type Identity,
  OTHER_BOT_ID,
  SUPPORT_CHANNEL_ID,
  type StoredMessage,
  TEAM_ID,
  type TokenInfo,
  Workspace,
  randomId,
} from './workspace.ts';

export interface SandboxOptions {
  /** Where the sandbox is mounted on the host app. Default `/sandbox`. */
  prefix?: string;
  /** Base URL at which the host serves the sandbox, e.g. http://127.0.0.1:3000. */
  publicUrl: string;
  /** Parley's Events API Request URL. */
  eventsUrl: string;
  signingSecret: string;
  clientId: string;
  clientSecret: string;
  /** Milliseconds before retry 1, 2 and 3. Default: almost immediately, ~1 min, ~5 min. */
  retrySchedule?: number[];
  /** How long a delivery may take to get its 2xx. Default 3000 (Slack's 3 seconds). */
  ackTimeoutMs?: number;
  /** JSON file the workspace is saved to (and loaded from at start). */
  stateFile?: string;
  logger?: Logger;
  /** The app's name on the install page and as the bot's name. Default "Parley". */
  appName?: string;
  /** Largest file accepted, in bytes. Default 50 MiB. */
  maxFileBytes?: number;
  /**
   * Deliver events over Socket Mode (to apps connected with `appToken`) instead of HTTP to
   * `eventsUrl`. Default false; `setSocketMode` switches at run time.
   */
  socketMode?: boolean;
  /**
   * Answer clients other than this machine (PARLEY_SLACK_SANDBOX_OPEN). Default false: the
   * sandbox hands out tokens and shows every DM, so it is closed to the network.
   */
  open?: boolean;
  /** Host names besides localhost and loopback addresses a closed sandbox is reached by. */
  hostNames?: string[];
  /** The control API's secret; a new random one at each start when not given. */
  controlSecret?: string;
  /**
   * The app's registered OAuth redirect URLs: the authorize page sends codes nowhere else.
   * Default: `/slack/oauth_redirect` on the events URL's origin (Parley's callback).
   */
  redirectUris?: string[];
  /**
   * Slack's per-channel limit on chat.postMessage (HTTP 429 beyond it). Default about one a
   * second with a short burst, like Slack; null turns it off.
   */
  postRateLimit?: ChannelRateLimit | null;
}

/**
 * The sandbox app's app-level token (Socket Mode). Derived from the client secret like the
 * other tokens, so a host can store it before the sandbox runs and it survives restarts.
 */
export function sandboxAppToken(clientSecret: string): string {
  const mac = createHmac('sha256', clientSecret).update(`app-token:${APP_ID}`).digest('hex');
  return `xapp-1-${APP_ID}-1000000000001-${mac}`;
}

export type FaultKind = 'rate_limited' | 'server_error' | 'slow' | 'error';

export interface Fault {
  /** A Web API method name, or "*" for every method. */
  method: string;
  kind: FaultKind;
  /** How many calls it still affects. */
  times: number;
  retry_after?: number;
  status?: number;
  delay_ms?: number;
  error?: string;
}

export interface ApiCall {
  method: string;
  args: Record<string, unknown>;
  at: string;
  fault?: FaultKind;
  /** Refused with HTTP 429 by the per-channel limit (not an injected fault). */
  ratelimited?: boolean;
}

export interface SendMessageInput {
  user: string;
  text?: string;
  files?: { name: string; mimetype?: string; content_base64: string }[];
  thread_ts?: string;
  channel_type?: 'im' | 'mpim' | 'channel';
  to?: Identity;
}

export interface Delivered {
  event_id: string;
  delivery: DeliveryResult;
}

export interface SentMessage extends Delivered {
  channel: string;
  ts: string;
  /** Every event the action produced (a channel mention yields two). */
  event_ids: string[];
}

/** A control request that cannot be carried out: HTTP `status` with `{ok:false, error}`. */
export class ControlError extends Error {
  constructor(
    public readonly status: number,
    public readonly error: string,
    message?: string,
  ) {
    super(message ?? error);
  }
}

export interface ConversationView {
  channel: string;
  messages: {
    ts: string;
    user?: string;
    bot_id?: string;
    username?: string;
    text: string;
    files?: { id: string; name: string; title: string; mimetype: string; size: number }[];
    thread_ts?: string;
    metadata?: StoredMessage['metadata'];
    edited?: StoredMessage['edited'];
    reactions?: StoredMessage['reactions'];
    subtype?: string;
  }[];
}

const MAX_CALLS = 2000;

export class SlackSandbox {
  readonly workspace: Workspace;
  readonly prefix: string;
  readonly appName: string;
  readonly maxFileBytes: number;
  readonly logger: Logger;
  readonly calls: ApiCall[] = [];
  faults: Fault[] = [];
  /** chat.postMessage's per-channel limit. */
  readonly postLimiter: ChannelRateLimiter;
  publicUrl: string;
  eventsUrl: string;
  /** Sent in the x-sandbox-secret header by every control call; never stored. */
  readonly controlSecret: string;
  private readonly sender: EventSender;
  private readonly socket: SocketHub;
  private readonly persistence: StatePersistence | null;
  private closed = false;
  /** Web API methods held back until released (see `hold`), by method name. */
  private readonly holds = new Map<string, { held: Promise<void>; release: () => void }>();

  constructor(readonly options: SandboxOptions) {
    this.prefix = normalizePrefix(options.prefix ?? '/sandbox');
    this.publicUrl = options.publicUrl.replace(/\/+$/, '');
    this.eventsUrl = options.eventsUrl;
    this.appName = options.appName ?? 'Parley';
    this.maxFileBytes = options.maxFileBytes ?? 50 * 1024 * 1024;
    this.logger = options.logger ?? silentLogger;
    this.controlSecret = options.controlSecret ?? newControlSecret();
    this.postLimiter = new ChannelRateLimiter(this.configuredPostLimit);
    this.workspace = new Workspace({
      clientId: options.clientId,
      clientSecret: options.clientSecret,
    });
    if (options.stateFile) {
      this.persistence = new StatePersistence(options.stateFile, this.workspace, this.logger);
      const loaded = this.persistence.load();
      if (loaded) this.workspace.state = loaded;
      this.workspace.onChange = () => this.persistence?.schedule();
    } else {
      this.persistence = null;
    }
    const bot = this.workspace.user(BOT_USER_ID);
    if (bot) bot.real_name = this.appName;
    const retrySchedule = options.retrySchedule ?? [1000, 60_000, 300_000];
    const ackTimeoutMs = options.ackTimeoutMs ?? 3000;
    this.sender = new EventSender({
      eventsUrl: () => this.eventsUrl,
      signingSecret: options.signingSecret,
      retrySchedule,
      ackTimeoutMs,
      logger: this.logger,
    });
    this.socket = new SocketHub({
      appId: APP_ID,
      retrySchedule,
      ackTimeoutMs,
      logger: this.logger,
      fallback: (payload) => this.sender.send(payload),
    });
    this.socket.enabled = options.socketMode === true;
  }

  get urls(): Urls {
    return { base: `${this.publicUrl}${this.prefix}` };
  }

  /** For hosts that learn their port only after listening. */
  setUrls(urls: { publicUrl?: string; eventsUrl?: string }): void {
    if (urls.publicUrl) this.publicUrl = urls.publicUrl.replace(/\/+$/, '');
    if (urls.eventsUrl) this.eventsUrl = urls.eventsUrl;
  }

  /** The legacy verification token Slack still puts in every payload (derived, stable). */
  get verificationToken(): string {
    return createHmac('sha256', this.options.signingSecret)
      .update('verification-token')
      .digest('base64url')
      .slice(0, 24);
  }

  // ---- Web API bookkeeping ----------------------------------------------------------------

  recordCall(method: string, args: Record<string, unknown>): ApiCall {
    const clean: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(args)) {
      if (k === 'token' || k === 'client_secret') continue;
      clean[k] = Buffer.isBuffer(v) ? `<${v.length} bytes>` : v;
    }
    const call: ApiCall = { method, args: clean, at: new Date().toISOString() };
    this.calls.push(call);
    if (this.calls.length > MAX_CALLS) this.calls.splice(0, this.calls.length - MAX_CALLS);
    return call;
  }

  /** The next fault that applies to `method`, consuming one of its `times`. */
  takeFault(method: string): Fault | null {
    const i = this.faults.findIndex(
      (f) => (f.method === method || f.method === '*') && f.times > 0,
    );
    if (i < 0) return null;
    const fault = this.faults[i];
    fault.times--;
    if (fault.times <= 0) this.faults.splice(i, 1);
    return { ...fault };
  }

  addFault(fault: Fault): void {
    this.faults.push({ ...fault });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /**
   * Holds every call of a Web API method until the returned function is called, so that a
   * test can put something in between deterministically (a person deleting a file after the
   * event and before the app's download, which follows its users.info). In process only: a
   * hold is not data the HTTP control API could carry.
   */
  hold(method: string): () => void {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const entry = { held, release };
    this.holds.set(method, entry);
    return () => {
      if (this.holds.get(method) === entry) this.holds.delete(method);
      release();
    };
  }

  /** Resolves when calls of `method` may go on (at once unless it is held). */
  async held(method: string): Promise<void> {
    await this.holds.get(method)?.held;
  }

  /** The person deletes a file they sent (see Workspace.deleteFile). */
  deleteFile(fileId: string): void {
    if (!this.workspace.deleteFile(fileId)) {
      throw new ControlError(404, 'file_not_found', `No file ${fileId}`);
    }
  }

  get pendingRetries(): number {
    return this.sender.pendingRetries;
  }

  /** HTTP deliveries to the Request URL (Socket Mode envelopes are in `socketDeliveries`). */
  deliveries(eventId?: string): DeliveryAttempt[] {
    return eventId ? this.sender.log.filter((d) => d.event_id === eventId) : [...this.sender.log];
  }

  // ---- Socket Mode ------------------------------------------------------------------------

  /** The app-level token `apps.connections.open` accepts. */
  get appToken(): string {
    return sandboxAppToken(this.options.clientSecret);
  }

  get socketMode(): boolean {
    return this.socket.enabled;
  }

  /**
   * Switches event delivery between Socket Mode and HTTP. Switching off sends envelopes still
   * waiting for a connection to the Request URL instead; open connections stay open.
   */
  setSocketMode(on: boolean): void {
    this.socket.enabled = on;
    if (!on) this.socket.flushToFallback();
  }

  /** A fresh single-use WebSocket URL, as `apps.connections.open` returns. */
  socketUrl(): string {
    const base = this.urls.base.replace(/^http/i, 'ws');
    return `${base}/socket?ticket=${this.socket.issueTicket()}&app_id=${APP_ID}`;
  }

  acceptSocket(req: IncomingMessage, socket: Duplex, head: Buffer, ticket: string | null): void {
    this.socket.handleUpgrade(req, socket, head, ticket);
  }

  get socketConnections(): number {
    return this.socket.connectionCount;
  }

  /** Envelopes waiting for a connection, an ack or a retry. */
  get socketPending(): number {
    return this.socket.pending;
  }

  /** Socket Mode envelopes sent, with their outcome (acked or timed out). */
  socketDeliveries(eventId?: string): SocketDeliveryAttempt[] {
    const log = this.socket.log;
    return eventId ? log.filter((d) => d.event_id === eventId) : [...log];
  }

  /** Loses the app's next `n` acks, so those envelopes time out and are sent again. */
  dropSocketAcks(n: number): void {
    this.socket.dropAcks(n);
  }

  /** Sends `disconnect` (refresh_requested) to every connection; returns how many. */
  requestSocketReconnect(): number {
    return this.socket.requestReconnect();
  }

  /**
   * Sends a payload the way the app receives events now. Only `event_callback` envelopes
   * travel over Socket Mode: URL verification and `app_rate_limited` concern the Request URL.
   */
  private transmit(payload: Record<string, unknown>): Promise<DeliveryResult> {
    if (this.socket.enabled && payload.type === 'event_callback') return this.socket.send(payload);
    return this.sender.send(payload);
  }

  // ---- events -----------------------------------------------------------------------------

  /** Wraps an inner event in Slack's `event_callback` envelope (slack.md §1.4). */
  envelope(
    event: Record<string, unknown>,
    identity: Identity,
    opts: { extShared?: boolean; channel?: string } = {},
  ): Record<string, unknown> {
    const now = Date.now();
    const inner = { ...event };
    if (inner.event_ts === undefined) inner.event_ts = (now / 1000).toFixed(6);
    const context = Buffer.from(
      JSON.stringify({
        et: inner.type,
        tid: TEAM_ID,
        aid: APP_ID,
        ...(opts.channel ? { cid: opts.channel } : {}),
      }),
    ).toString('base64url');
    return {
      token: this.verificationToken,
      team_id: TEAM_ID,
      context_team_id: TEAM_ID,
      context_enterprise_id: null,
      api_app_id: APP_ID,
      event: inner,
      type: 'event_callback',
      event_id: randomId('Ev'),
      event_time: Math.floor(now / 1000),
      authorizations: [
        {
          enterprise_id: null,
          team_id: TEAM_ID,
          user_id: this.workspace.identityUserId(identity),
          is_bot: identity === 'bot',
          is_enterprise_install: false,
        },
      ],
      is_ext_shared_channel: opts.extShared ?? false,
      event_context: `4-${context}`,
    };
  }

  async deliverEvent(
    event: Record<string, unknown>,
    identity: Identity,
    conv?: Conversation,
  ): Promise<Delivered> {
    const payload = this.envelope(event, identity, {
      extShared: conv ? this.workspace.isExtShared(conv) : false,
      channel: conv?.id,
    });
    const delivery = await this.transmit(payload);
    return { event_id: payload.event_id as string, delivery };
  }

  /** Sends a raw top-level payload (e.g. `app_rate_limited`), signed like any other. */
  async deliverPayload(payload: Record<string, unknown>): Promise<Delivered> {
    const delivery = await this.transmit(payload);
    return { event_id: String(payload.event_id ?? ''), delivery };
  }

  /** The URL-verification handshake Slack performs when a Request URL is saved. */
  async verifyUrl(): Promise<Delivered & { challenge: string }> {
    const challenge = randomId('', 32);
    const delivered = await this.deliverPayload({
      token: this.verificationToken,
      challenge,
      type: 'url_verification',
    });
    return { ...delivered, challenge };
  }

  /**
   * Slack sends an app's own messages back as message events (slack.md §0 "ignore your own
   * echoes"). Fire-and-forget: Slack does not wait for the receiver before answering the API.
   */
  echo(event: Record<string, unknown>, poster: TokenInfo, conv: Conversation): void {
    setImmediate(() => {
      if (this.closed) return;
      void this.deliverEvent(event, poster.identity, conv).catch((err: unknown) =>
        this.logger.warn({ err }, 'sandbox echo delivery failed'),
      );
    });
  }

  // ---- control: simulated people ----------------------------------------------------------

  /** The conversation a simulated person uses to reach the help desk. */
  conversationFor(
    userId: string,
    channelKind: 'im' | 'mpim' | 'channel',
    identity: Identity,
  ): Conversation {
    const ws = this.workspace;
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

  async sendMessage(input: SendMessageInput): Promise<SentMessage> {
    const ws = this.workspace;
    if (input.user === OTHER_BOT_ID || ws.bot(input.user)) return this.sendBotMessage(input);
    const sender = ws.user(input.user);
    if (!sender) throw new ControlError(404, 'user_not_found', `No user ${input.user}`);
    if (sender.is_bot || sender.deleted) {
      throw new ControlError(400, 'invalid_user', `${input.user} cannot type messages`);
    }
    const raw = input.text ?? '';
    if (!raw && !input.files?.length) throw new ControlError(400, 'no_text', 'text or files');
    const identity = input.to ?? ws.defaultIdentity();
    const kind = input.channel_type ?? 'im';
    const conv = this.conversationFor(sender.id, kind, identity);
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
      if (bytes.length > this.maxFileBytes) {
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
    const event = messageEvent(this.urls, ws, msg, conv, { stubFiles });
    const first = this.deliverEvent(event, identity, conv);
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
      others.push(this.deliverEvent(mention, identity, conv));
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
  private async sendBotMessage(input: SendMessageInput): Promise<SentMessage> {
    const ws = this.workspace;
    const bot = ws.bot(input.user)!;
    if (!input.text) throw new ControlError(400, 'no_text', 'text is required');
    const identity = input.to ?? ws.defaultIdentity();
    const kind = input.channel_type ?? 'im';
    // An integration reaches the help desk's DM (account mode) or the shared channel.
    const conv =
      kind === 'im'
        ? ws.openIm(bot.id, ws.identityUserId(identity))
        : this.conversationFor(ws.identityUserId(identity), kind, identity);
    const msg = ws.addMessage({
      channel: conv.id,
      subtype: 'bot_message',
      bot_id: bot.id,
      app_id: bot.app_id,
      username: bot.name,
      icons: { image_48: `${this.urls.base}/avatars/${bot.id}/48.png` },
      team: TEAM_ID,
      text: input.text,
    });
    const event = messageEvent(this.urls, ws, msg, conv);
    const main = await this.deliverEvent(event, identity, conv);
    return {
      channel: conv.id,
      ts: msg.ts,
      event_id: main.event_id,
      event_ids: [main.event_id],
      delivery: main.delivery,
    };
  }

  private humanMessage(channel: string, ts: string): { msg: StoredMessage; conv: Conversation } {
    const conv = this.workspace.conversation(channel);
    const msg = conv && this.workspace.message(channel, ts);
    if (!conv || !msg) throw new ControlError(404, 'message_not_found', 'No such message');
    if (!msg.user || this.workspace.user(msg.user)?.is_bot || msg.client_msg_id === undefined) {
      throw new ControlError(400, 'cant_update_message', 'Only typed messages can be changed');
    }
    return { msg, conv };
  }

  /** The person edits a message: `message_changed` (slack.md §2.3). */
  async editMessage(input: { channel: string; ts: string; text: string }): Promise<Delivered> {
    const ws = this.workspace;
    const { msg, conv } = this.humanMessage(input.channel, input.ts);
    if (!input.text) throw new ControlError(400, 'no_text', 'text is required');
    const stubFiles = ws.isExternal(msg.user!);
    const previous = presentMessage(this.urls, ws, msg, { stubFiles });
    const now = ws.nextTs();
    msg.text = typedTextToMrkdwn(input.text);
    msg.blocks = richTextBlocks(input.text);
    msg.edited = { user: msg.user!, ts: now };
    ws.changed();
    const event = {
      type: 'message',
      subtype: 'message_changed',
      message: presentMessage(this.urls, ws, msg, { stubFiles }),
      previous_message: previous,
      channel: conv.id,
      hidden: true,
      ts: now,
      event_ts: now,
      channel_type: channelType(conv),
    };
    return this.deliverEvent(event, ws.identityFor(conv), conv);
  }

  /** The person deletes a message: `message_deleted`. */
  async deleteMessage(input: { channel: string; ts: string }): Promise<Delivered> {
    const ws = this.workspace;
    const { msg, conv } = this.humanMessage(input.channel, input.ts);
    const previous = presentMessage(this.urls, ws, msg, { stubFiles: ws.isExternal(msg.user!) });
    msg.deleted = true;
    ws.changed();
    const now = ws.nextTs();
    const event = {
      type: 'message',
      subtype: 'message_deleted',
      hidden: true,
      deleted_ts: msg.ts,
      channel: conv.id,
      previous_message: previous,
      ts: now,
      event_ts: now,
      channel_type: channelType(conv),
    };
    return this.deliverEvent(event, ws.identityFor(conv), conv);
  }

  // ---- control: installation lifecycle ----------------------------------------------------

  /**
   * Revokes tokens the way an admin (or auth.revoke) does, then tells the app: `tokens_revoked`,
   * and `app_uninstalled` once no token is left (slack.md §2.5).
   */
  async revoke(target: { token?: string; user?: string }): Promise<{
    tokens: { oauth: string[]; bot: string[] };
    events: Delivered[];
  }> {
    const ws = this.workspace;
    const hadBot = !!ws.state.installs.bot;
    const hadAccount = !!ws.state.installs.account;
    const tokens = ws.revoke(target);
    const identity: Identity = tokens.bot.length || !hadAccount ? 'bot' : 'account';
    const events: Delivered[] = [];
    events.push(await this.deliverEvent({ type: 'tokens_revoked', tokens }, identity));
    if ((hadBot || hadAccount) && !ws.anyInstalled) {
      events.push(await this.deliverEvent({ type: 'app_uninstalled' }, identity));
    }
    return { tokens, events };
  }

  /** Installs without the OAuth dance (tests, demos). Returns oauth.v2.access's answer. */
  install(
    mode: Identity,
    scopes: string[] = ['chat:write', 'im:history', 'im:write', 'users:read', 'files:read'],
  ): Record<string, unknown> {
    const ws = this.workspace;
    const code = ws.issueCode({
      client_id: this.options.clientId,
      redirect_uri: null,
      scopes: mode === 'bot' ? scopes : [],
      user_scopes: mode === 'account' ? scopes : [],
      installer: ACCOUNT_USER_ID,
    });
    return ws.exchangeCode({
      clientId: this.options.clientId,
      clientSecret: this.options.clientSecret,
      code,
    });
  }

  setRequireApproval(on: boolean): void {
    const a = this.workspace.state.approval;
    a.required = on;
    a.approved = false;
    if (!on) a.pending = [];
    this.workspace.changed();
  }

  /**
   * A workspace admin approves the app: the oldest waiting request (or `requestId`) gets its
   * code, and the URL the requester's browser is then sent to is returned.
   */
  approve(requestId?: string): { redirect: string } {
    const ws = this.workspace;
    const a = ws.state.approval;
    const i = requestId ? a.pending.findIndex((p) => p.id === requestId) : 0;
    const req = a.pending[i];
    if (!req) throw new ControlError(404, 'no_pending_request', 'Nothing is waiting for approval');
    a.pending.splice(i, 1);
    a.approved = true;
    const code = ws.issueCode({
      client_id: this.options.clientId,
      redirect_uri: req.redirect_uri,
      scopes: req.scopes,
      user_scopes: req.user_scopes,
      installer: req.installer,
    });
    return { redirect: redirectWith(req.redirect_uri, { code, state: req.state }) };
  }

  /** The app's registered redirect URLs (see SandboxOptions.redirectUris). */
  get redirectUris(): string[] {
    return (
      this.options.redirectUris ?? [new URL('/slack/oauth_redirect', this.eventsUrl).toString()]
    );
  }

  /**
   * Like Slack: a redirect_uri must be one of the app's redirect URLs or a path below one, so
   * the authorize page never hands a code (or an error with the state) to another site.
   */
  redirectAllowed(uri: string): boolean {
    let u: URL;
    try {
      u = new URL(uri);
    } catch {
      return false;
    }
    if (u.username || u.password) return false;
    return this.redirectUris.some((r) => {
      const reg = new URL(r);
      if (u.origin !== reg.origin) return false;
      const base = reg.pathname.replace(/\/+$/, '');
      return (
        u.pathname === reg.pathname || u.pathname === base || u.pathname.startsWith(`${base}/`)
      );
    });
  }

  /** What "Allow"/"Cancel" on the authorize page leads to. */
  decideAuthorization(input: {
    allow: boolean;
    redirectUri: string;
    state: string | null;
    scopes: string[];
    userScopes: string[];
  }): { redirect: string } | { pending: true } {
    if (!this.redirectAllowed(input.redirectUri)) {
      throw new ControlError(
        400,
        'bad_redirect_uri',
        "redirect_uri does not match any of the app's redirect URLs",
      );
    }
    const ws = this.workspace;
    if (!input.allow) {
      return {
        redirect: redirectWith(input.redirectUri, { error: 'access_denied', state: input.state }),
      };
    }
    const a = ws.state.approval;
    if (a.required && !a.approved) {
      a.pending.push({
        id: randomId('R'),
        redirect_uri: input.redirectUri,
        state: input.state,
        scopes: input.scopes,
        user_scopes: input.userScopes,
        installer: ACCOUNT_USER_ID,
        requested_at: Math.floor(Date.now() / 1000),
      });
      ws.changed();
      return { pending: true };
    }
    const code = ws.issueCode({
      client_id: this.options.clientId,
      redirect_uri: input.redirectUri,
      scopes: input.scopes,
      user_scopes: input.userScopes,
      installer: ACCOUNT_USER_ID,
    });
    return { redirect: redirectWith(input.redirectUri, { code, state: input.state }) };
  }

  // ---- views ------------------------------------------------------------------------------

  conversationView(
    userId: string,
    to?: Identity,
    kind: 'im' | 'mpim' | 'channel' = 'im',
  ): ConversationView {
    const ws = this.workspace;
    if (!ws.user(userId)) throw new ControlError(404, 'user_not_found', `No user ${userId}`);
    const conv = this.conversationFor(userId, kind, to ?? ws.defaultIdentity());
    return {
      channel: conv.id,
      messages: ws.messagesIn(conv.id).map((m) => ({
        ts: m.ts,
        ...(m.user ? { user: m.user } : {}),
        ...(m.bot_id ? { bot_id: m.bot_id } : {}),
        ...(m.username ? { username: m.username } : {}),
        ...(m.subtype ? { subtype: m.subtype } : {}),
        text: m.text,
        ...(m.files?.length
          ? {
              files: m.files
                .map((id) => ws.file(id))
                .filter((f) => !!f)
                .map((f) => ({
                  id: f.id,
                  name: f.name,
                  title: f.title,
                  mimetype: f.mimetype,
                  size: f.size,
                })),
            }
          : {}),
        ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
        ...(m.metadata ? { metadata: m.metadata } : {}),
        ...(m.edited ? { edited: m.edited } : {}),
        ...(m.reactions?.length ? { reactions: m.reactions } : {}),
      })),
    };
  }

  /** An arbitrary inner event, wrapped and signed (lifecycle events, app_home_opened…). */
  sendEvent(event: Record<string, unknown>, to?: Identity): Promise<Delivered> {
    const channel = typeof event.channel === 'string' ? event.channel : undefined;
    const conv = channel ? this.workspace.conversation(channel) : undefined;
    return this.deliverEvent(event, to ?? this.workspace.defaultIdentity(), conv);
  }

  sendPayload(payload: Record<string, unknown>): Promise<Delivered> {
    return this.deliverPayload(payload);
  }

  addUser(input: {
    id: string;
    name: string;
    email?: string | null;
    team?: string;
    deleted?: boolean;
  }) {
    return this.workspace.addUser(input);
  }

  reset(): void {
    this.persistence?.forgetBlobs();
    this.workspace.reset();
    const bot = this.workspace.user(BOT_USER_ID);
    if (bot) bot.real_name = this.appName;
    this.calls.length = 0;
    this.faults = [];
    this.postLimiter.reset(this.configuredPostLimit);
  }

  private get configuredPostLimit(): ChannelRateLimit | null {
    return this.options.postRateLimit === undefined ? SLACK_POST_LIMIT : this.options.postRateLimit;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Calls still held must not keep the server from closing.
    for (const { release } of this.holds.values()) release();
    this.holds.clear();
    await this.socket.close();
    await this.sender.close();
    await this.persistence?.flush();
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

export function redirectWith(base: string, params: Record<string, string | null>): string {
  const url = new URL(base);
  for (const [k, v] of Object.entries(params)) if (v !== null) url.searchParams.set(k, v);
  return url.toString();
}

export function normalizePrefix(prefix: string): string {
  const p = `/${prefix.replace(/^\/+|\/+$/g, '')}`;
  return p === '/' ? '' : p;
}

const noop = () => {};
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
