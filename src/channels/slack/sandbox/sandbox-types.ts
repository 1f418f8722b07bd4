/** The sandbox's options and the shapes its control operations take and return. */
import type { DeliveryResult, Logger } from './events.ts';
import type { ChannelRateLimit } from './ratelimit.ts';
import type { Identity, StoredMessage } from './workspace.ts';

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
