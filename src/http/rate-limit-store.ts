import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Logger } from 'pino';
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';

const iso = (ms: number) => new Date(ms).toISOString();

/** How often a node deletes ended windows (lazily, after a count). */
const SWEEP_EVERY_MS = 60_000;

export interface WindowCount {
  /** Requests counted in the key's current window, this one included. */
  current: number;
  /** Milliseconds until the window ends. */
  ttl: number;
}

/**
 * Adds one request to `key`'s fixed window (aligned to multiples of `windowMs` since the
 * epoch) and answers the window's count: one upsert, atomic on PostgreSQL and SQLite, so
 * nodes racing on one key lose no count.
 */
export async function countInWindow(
  db: Db,
  key: string,
  windowMs: number,
  now: number,
): Promise<WindowCount> {
  const start = Math.floor(now / windowMs) * windowMs;
  const end = start + windowMs;
  const row = await db
    .insertInto('rate_limit_windows')
    .values({ key, window_start: iso(start), hits: 1, window_ends_at: iso(end) })
    .onConflict((oc) =>
      oc.columns(['key', 'window_start']).doUpdateSet({
        hits: sql<number>`rate_limit_windows.hits + 1`,
      }),
    )
    .returning('hits')
    .executeTakeFirstOrThrow();
  return { current: Number(row.hits), ttl: end - now };
}

/**
 * A @fastify/rate-limit store counting in the database (table `rate_limit_windows`), so every
 * node behind a load balancer counts against one limit. A failing count fails open: the
 * error is logged and handed to the plugin, which (with `skipOnError`) lets the request
 * through — a database hiccup must not lock everyone out of signing in.
 */
export function databaseStore(
  db: Db,
  log: Logger,
  now: () => number = Date.now,
): FastifyRateLimitStoreCtor {
  let lastSweep = 0;
  const sweep = (at: number) => {
    if (at - lastSweep < SWEEP_EVERY_MS) return;
    lastSweep = at;
    db.deleteFrom('rate_limit_windows')
      .where('window_ends_at', '<=', iso(at))
      .execute()
      .catch((err: unknown) => log.warn({ err }, 'could not delete ended rate-limit windows'));
  };
  class DatabaseStore implements FastifyRateLimitStore {
    incr(
      key: string,
      callback: (error: Error | null, result?: WindowCount) => void,
      timeWindow: number,
    ): void {
      const at = now();
      countInWindow(db, key, timeWindow, at).then(
        (counted) => {
          callback(null, counted);
          sweep(at);
        },
        (err: unknown) => {
          log.warn({ err }, 'rate limit not counted (the database failed): request let through');
          callback(err instanceof Error ? err : new Error(String(err)));
        },
      );
    }

    child(): FastifyRateLimitStore {
      return this;
    }
  }
  return DatabaseStore;
}
