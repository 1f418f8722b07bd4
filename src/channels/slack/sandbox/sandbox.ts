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
import type { Urls } from './shapes.ts';
import { SocketHub, type SocketDeliveryAttempt } from './socket.ts';
import { type ChannelRateLimit, ChannelRateLimiter, SLACK_POST_LIMIT } from './ratelimit.ts';
import {
  APP_ID,
  BOT_USER_ID,
  type Conversation,
  type Identity,
  TEAM_ID,
  type TokenInfo,
  Workspace,
  randomId,
} from './workspace.ts';
import { approve, decideAuthorization, install, redirectAllowed } from './authorization.ts';
import {
  type ApiCall,
  type ConversationView,
  type Delivered,
  type Fault,
  type SandboxOptions,
  type SendMessageInput,
  type SentMessage,
  ControlError,
} from './sandbox-types.ts';
import { conversationFor, deleteMessage, editMessage, sendMessage } from './simulated-people.ts';

// Importers take the sandbox's types (and redirectWith) from here.
export * from './sandbox-types.ts';
export { redirectWith } from './authorization.ts';

/**
 * The sandbox app's app-level token (Socket Mode). Derived from the client secret like the
 * other tokens, so a host can store it before the sandbox runs and it survives restarts.
 */
export function sandboxAppToken(clientSecret: string): string {
  const mac = createHmac('sha256', clientSecret).update(`app-token:${APP_ID}`).digest('hex');
  return `xapp-1-${APP_ID}-1000000000001-${mac}`;
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
    const fault = this.faults[i]!; // findIndex found it
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

  // ---- control: simulated people (simulated-people.ts) -----------------------------------

  /** The conversation a simulated person uses to reach the help desk. */
  conversationFor(
    userId: string,
    channelKind: 'im' | 'mpim' | 'channel',
    identity: Identity,
  ): Conversation {
    return conversationFor(this, userId, channelKind, identity);
  }

  sendMessage(input: SendMessageInput): Promise<SentMessage> {
    return sendMessage(this, input);
  }

  /** The person edits a message: `message_changed` (slack.md §2.3). */
  editMessage(input: { channel: string; ts: string; text: string }): Promise<Delivered> {
    return editMessage(this, input);
  }

  /** The person deletes a message: `message_deleted`. */
  deleteMessage(input: { channel: string; ts: string }): Promise<Delivered> {
    return deleteMessage(this, input);
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
  install(mode: Identity, scopes?: string[]): Record<string, unknown> {
    return install(this, mode, scopes);
  }

  setRequireApproval(on: boolean): void {
    const a = this.workspace.state.approval;
    a.required = on;
    a.approved = false;
    if (!on) a.pending = [];
    this.workspace.changed();
  }

  /** A workspace admin approves the app (see authorization.ts). */
  approve(requestId?: string): { redirect: string } {
    return approve(this, requestId);
  }

  /** The app's registered redirect URLs (see SandboxOptions.redirectUris). */
  get redirectUris(): string[] {
    return (
      this.options.redirectUris ?? [new URL('/slack/oauth_redirect', this.eventsUrl).toString()]
    );
  }

  /** Whether the authorize page may send a code to `uri` (see authorization.ts). */
  redirectAllowed(uri: string): boolean {
    return redirectAllowed(this, uri);
  }

  /** What "Allow"/"Cancel" on the authorize page leads to. */
  decideAuthorization(input: {
    allow: boolean;
    redirectUri: string;
    state: string | null;
    scopes: string[];
    userScopes: string[];
  }): { redirect: string } | { pending: true } {
    return decideAuthorization(this, input);
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

export function normalizePrefix(prefix: string): string {
  const p = `/${prefix.replace(/^\/+|\/+$/g, '')}`;
  return p === '/' ? '' : p;
}

const noop = () => {};
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
