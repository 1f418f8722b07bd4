import { createHash } from 'node:crypto';
import net from 'node:net';
import { sql } from 'kysely';
import type { Conn } from './context.ts';
import { normalizeEmail } from './users.ts';

/** At most `failures` failed sign-ins per `windowMs`, after which attempts wait for the window's end. */
export interface ThrottleLimit {
  failures: number;
  windowMs: number;
}

export interface SignInLimits {
  /** Per account (the email tried, whether or not it has an account). */
  account: ThrottleLimit;
  /** Per client address (an IPv6 address counts as its /64, which one host usually holds). */
  address: ThrottleLimit;
  /** The clock, in ms since the epoch; tests move it instead of waiting. */
  now: () => number;
}

const FIFTEEN_MINUTES = 15 * 60_000;

/**
 * NIST SP 800-63B §5.2.2 caps consecutive failed attempts on one account at 100, and OWASP
 * ASVS 4.0 2.2.1 at 100 per hour. 10 per 15 minutes allows at most 40 an hour (with a burst
 * of 20 across a window's edge), yet leaves a person who mistypes ten tries, and locks them
 * out for at most 15 minutes (a window, never for good). Per address the limit is wider
 * because an office behind one NAT address makes many honest mistakes; it stops one source
 * from spraying guesses over many accounts (400 an hour instead of thousands a second).
 */
export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = {
  account: { failures: 10, windowMs: FIFTEEN_MINUTES },
  address: { failures: 100, windowMs: FIFTEEN_MINUTES },
  now: () => Date.now(),
};

export interface ThrottleKeys {
  account: string;
  address: string;
}

/** Expands an IPv6 address to its eight groups, or null when it is not one. */
function ipv6Groups(ip: string): number[] | null {
  if (net.isIPv6(ip) === false) return null;
  let text = ip.split('%')[0]!; // split gives one part at least
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes its two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (v4) {
    // The pattern matched four numbers.
    const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number];
    text =
      text.slice(0, -v4.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const parse = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const front = parse(head);
  const back = parse(tail);
  const middle = tail === undefined ? [] : new Array(8 - front.length - back.length).fill(0);
  return [...front, ...middle, ...back];
}

/** The address as throttling counts it: IPv4 as is, IPv6 by its /64 (IPv4-mapped: the IPv4). */
export function addressKey(ip: string): string {
  const groups = ipv6Groups(ip);
  if (!groups) return ip;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [g6, g7] = groups.slice(6, 8) as [number, number]; // an IPv6 address has eight groups
    return [g6 >> 8, g6 & 255, g7 >> 8, g7 & 255].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/**
 * The rows one attempt counts against. The email is hashed with the normalization users are
 * looked up by, so "Ada@x" and "ada@x " share one count and the table names nobody.
 */
export function throttleKeys(email: string, ip: string): ThrottleKeys {
  const digest = createHash('sha256').update(normalizeEmail(email)).digest('hex');
  return { account: `account:${digest}`, address: `ip:${addressKey(ip)}` };
}

export interface ThrottleState {
  /** Seconds until an attempt may be made, or 0 when it may be made now. */
  waitSeconds: number;
  /** Failures counted against the account in its current window. */
  accountFailures: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Whether the account and the address may try a password now. */
export async function throttleState(
  db: Conn,
  keys: ThrottleKeys,
  limits: SignInLimits,
): Promise<ThrottleState> {
  const now = limits.now();
  const rows = await db
    .selectFrom('sign_in_throttles')
    .selectAll()
    .where('key', 'in', [keys.account, keys.address])
    .where('window_ends_at', '>', iso(now))
    .execute();
  let waitSeconds = 0;
  let accountFailures = 0;
  for (const row of rows) {
    const limit = row.key === keys.account ? limits.account : limits.address;
    if (row.key === keys.account) accountFailures = row.failures;
    if (row.failures >= limit.failures) {
      const wait = Math.ceil((Date.parse(row.window_ends_at) - now) / 1000);
      waitSeconds = Math.max(waitSeconds, wait, 1);
    }
  }
  return { waitSeconds, accountFailures };
}

/** When this process last deleted expired windows. */
let lastSweep = 0;
const SWEEP_EVERY_MS = 60_000;

/**
 * Counts one failed attempt against the account and the address, in one statement: a window
 * that has ended starts over at 1. Atomic on both databases, so racing nodes lose no count.
 */
export async function recordSignInFailure(
  db: Conn,
  keys: ThrottleKeys,
  limits: SignInLimits,
): Promise<void> {
  const now = limits.now();
  const nowIso = iso(now);
  await db
    .insertInto('sign_in_throttles')
    .values([
      { key: keys.account, failures: 1, window_ends_at: iso(now + limits.account.windowMs) },
      { key: keys.address, failures: 1, window_ends_at: iso(now + limits.address.windowMs) },
    ])
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        failures: sql<number>`case when sign_in_throttles.window_ends_at <= ${nowIso} then 1
          else sign_in_throttles.failures + 1 end`,
        window_ends_at: sql<string>`case when sign_in_throttles.window_ends_at <= ${nowIso}
          then excluded.window_ends_at else sign_in_throttles.window_ends_at end`,
      }),
    )
    .execute();
  // Windows for emails and addresses never seen again would otherwise stay for good.
  if (Math.abs(now - lastSweep) >= SWEEP_EVERY_MS) {
    lastSweep = now;
    await db.deleteFrom('sign_in_throttles').where('window_ends_at', '<=', nowIso).execute();
  }
}

/** A successful sign-in forgets the account's failures (not the address's). */
export async function clearAccountFailures(db: Conn, keys: ThrottleKeys): Promise<void> {
  await db.deleteFrom('sign_in_throttles').where('key', '=', keys.account).execute();
}
