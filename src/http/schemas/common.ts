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

/** `ids=1,2,3` as Zendesk's show_many/destroy_many take it (at most 100). */
export function idList(value: unknown, key = 'ids'): number[] {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new HttpError(400, 'InvalidParameter', `${key} is required`);
  }
  const ids = value.split(',').map((s) => s.trim());
  if (ids.length > 100 || ids.some((s) => !/^\d{1,15}$/.test(s) || !isStorableId(Number(s)))) {
    throw new HttpError(400, 'InvalidParameter', `${key} must be up to 100 comma-separated ids`);
  }
  return ids.map(Number);
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

export const isoTime = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 time');

/** The envelope `{ticket: {...}}`: a missing or non-object envelope is a 422 on that key. */
export function envelope<T extends z.ZodType>(key: string, inner: T) {
  return z.object({ [key]: inner } as Record<string, T>);
}

export function boolish() {
  return z.union([z.boolean(), z.enum(['true', 'false']).transform((s) => s === 'true')]);
}
