import { z } from 'zod';
import { HttpError, parseWith } from './errors.ts';

/**
 * Querystrings, validated with zod like bodies. Zendesk answers a bad parameter with a 400
 * (`InvalidParameter`), not the 422 of a bad record: `parseQuery` is parseWith with that answer,
 * whose description is the first problem's message. The schemas below accept what the routes
 * have always accepted; each route's own live in routes/<resource>/query-schemas.ts.
 */
export function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.infer<T> {
  return parseWith(schema, query ?? {}, (err) => {
    const message = err.issues[0]?.message ?? 'invalid query parameters';
    return new HttpError(400, 'InvalidParameter', message);
  });
}

/** One value as Fastify's querystring parser leaves it: a string, or a list for a repeated key. */
export const queryValue = z.union([z.string(), z.array(z.string())]);

/**
 * Every parameter as it came, for what reads the whole querystring (pagination's links): the
 * parser's own object, checked and not copied, so no key is lost or renamed on the way.
 */
export const anyQuery = z.custom<Record<string, unknown>>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  { message: 'the query must be a set of parameters' },
);

/** `include=users,groups` (or the key repeated) as the text the names are read from; '' if absent. */
export const includeText = queryValue
  .optional()
  .transform((v) => (v === undefined ? '' : String(v)));

/** `include=` as a list of names, each trimmed. */
export const includeList = includeText.transform((s) => s.split(',').map((n) => n.trim()));

/** A parameter given once, as text up to 255 characters (a repeated key is a list: refused). */
export function oneString(key: string) {
  return z
    .unknown()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      if (typeof v !== 'string' || v.length > 255) {
        ctx.addIssue({ code: 'custom', message: `${key} must be one string` });
        return z.NEVER;
      }
      return v;
    })
    .optional();
}

/** A string given once, else nothing (a repeated or missing key is simply not a filter). */
export const stringOrNothing = z
  .unknown()
  .transform((v) => (typeof v === 'string' ? v : undefined))
  .optional();
