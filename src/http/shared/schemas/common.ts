import { z } from 'zod';
import { HttpError } from '../errors.ts';

/**
 * The largest id Parley can store: ids are PostgreSQL `serial` (int4) columns, and a larger
 * number sent to PostgreSQL is an "out of range" error rather than "no such row".
 */
export const MAX_ID = 2_147_483_647;

function isStorableId(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 1 && n <= MAX_ID;
}

/** `/tickets/:id` — a non-numeric or out-of-range id is a record that cannot exist. */
export function idParam(params: unknown, key = 'id'): number {
  const raw = (params as Record<string, string>)[key];
  const n = Number(raw);
  if (!/^\d{1,15}$/.test(raw ?? '') || !isStorableId(n)) {
    throw new HttpError(404, 'RecordNotFound', 'Not found');
  }
  return n;
}

/**
 * What is wrong with `value` as an `ids=1,2,3` list as Zendesk's show_many/destroy_many take
 * it (at most 100), or null if nothing.
 */
export function idListProblem(value: unknown, key: string): string | null {
  if (typeof value !== 'string' || value.trim() === '') return `${key} is required`;
  const ids = value.split(',').map((s) => s.trim());
  if (ids.length > 100 || ids.some((s) => !/^\d{1,15}$/.test(s) || !isStorableId(Number(s)))) {
    return `${key} must be up to 100 comma-separated ids`;
  }
  return null;
}

/** `ids=1,2,3` as a query schema (see parseQuery): a missing or bad list is refused. */
export function idListParam(key = 'ids') {
  return z.unknown().transform((v, ctx) => {
    const problem = idListProblem(v, key);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    return (v as string).split(',').map((s) => Number(s.trim()));
  });
}

const storableId = z.number().int().positive().max(MAX_ID);

/** Zendesk accepts ids as numbers or numeric strings. */
export const id = z.union([
  storableId,
  z
    .string()
    .regex(/^\d{1,15}$/)
    .transform(Number)
    .pipe(storableId),
]);
export const nullableId = z.union([id, z.null(), z.literal('').transform(() => null)]);

export const tagList = z.union([
  z.array(z.string().max(255)).max(1000),
  z
    .string()
    .max(10_000)
    .transform((s) => s.split(/[\s,]+/).filter(Boolean)),
]);

const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Milliseconds since the epoch of an ISO-8601 date or time, or null if it names no moment. */
function parseIsoTime(s: string): number | null {
  const m = ISO_TIME.exec(s);
  if (!m) return null;
  const [y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0] = m
    .slice(1, 7)
    .map((v) => (v ? Number(v) : 0));
  const utc = Date.UTC(y, mo - 1, d, h, mi, sec);
  const back = new Date(utc);
  // Date.UTC rolls a 30 February or a 25:00 over into the next month or day: refuse those.
  const same =
    back.getUTCFullYear() === y &&
    back.getUTCMonth() === mo - 1 &&
    back.getUTCDate() === d &&
    back.getUTCHours() === h &&
    back.getUTCMinutes() === mi &&
    back.getUTCSeconds() === sec;
  if (!same) return null;
  const fraction = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  const zone = m[8] && m[8] !== 'Z' ? m[8].replace(':', '') : null;
  if (zone && (Number(zone.slice(1, 3)) > 23 || Number(zone.slice(3, 5)) > 59)) return null;
  const offset = zone
    ? (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)))
    : 0;
  return utc + fraction - offset * 60_000;
}

/**
 * An ISO-8601 date or time, stored as Parley stores every time: UTC with milliseconds
 * (`2026-12-01T00:00:00.000Z`), so that it sorts as text and shows to the second. A time
 * without an offset is UTC, whatever the server's time zone; so is a date alone. What
 * `Date.parse` would also read ("1", "Dec 1") is refused, as is a 30 February.
 */
export const isoTime = z.string().transform((s, ctx) => {
  const ms = parseIsoTime(s);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: 'must be an ISO-8601 time' });
    return z.NEVER;
  }
  return new Date(ms).toISOString();
});

/** The envelope `{ticket: {...}}`: a missing or non-object envelope is a 422 on that key. */
export function envelope<T extends z.ZodType>(key: string, inner: T) {
  return z.object({ [key]: inner } as Record<string, T>);
}

export function boolish() {
  return z.union([z.boolean(), z.enum(['true', 'false']).transform((s) => s === 'true')]);
}
