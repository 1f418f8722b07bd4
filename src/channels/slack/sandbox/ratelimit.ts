/**
 * Slack's per-channel limit on `chat.postMessage`: "generally one message per second per
 * channel", short bursts allowed, then HTTP 429 with `Retry-After` (whole seconds). Parley
 * paces its own posts; the sandbox enforcing the limit is what shows that it does.
 *
 * A generic cell rate algorithm: one "theoretical arrival time" per channel. A post is allowed
 * while that time is less than `burst` intervals ahead of now; each allowed post moves it one
 * interval on. Refused posts do not move it (Slack counts only what it accepts).
 */
export interface ChannelRateLimit {
  /** Sustained rate: one post per this many milliseconds per channel. */
  intervalMs: number;
  /** Posts allowed at once into a channel that has been quiet. */
  burst: number;
}

/** Roughly Slack's: one per second, a few at once. */
export const SLACK_POST_LIMIT: ChannelRateLimit = { intervalMs: 1000, burst: 4 };

export class ChannelRateLimiter {
  private readonly tat = new Map<string, number>();

  constructor(public limit: ChannelRateLimit | null) {}

  /** Takes a slot for a post into `channel`: null if allowed, else seconds to wait. */
  take(channel: string, now = Date.now()): number | null {
    const limit = this.limit;
    if (!limit) return null;
    const tat = Math.max(this.tat.get(channel) ?? now, now);
    const ahead = tat + limit.intervalMs - now;
    if (ahead > limit.burst * limit.intervalMs) {
      const waitMs = ahead - limit.burst * limit.intervalMs;
      return Math.max(1, Math.ceil(waitMs / 1000));
    }
    this.tat.set(channel, tat + limit.intervalMs);
    // Channels idle for longer than a burst need no entry: forget them now and then.
    if (this.tat.size > 10_000) {
      for (const [c, t] of this.tat) if (t < now) this.tat.delete(c);
    }
    return null;
  }

  reset(limit?: ChannelRateLimit | null): void {
    if (limit !== undefined) this.limit = limit;
    this.tat.clear();
  }
}

/** A call over its limit: answered with HTTP 429 and `Retry-After`, as Slack does. */
export class SlackRateLimited extends Error {
  constructor(public readonly retryAfterSeconds: number) {
    super('ratelimited');
  }
}
