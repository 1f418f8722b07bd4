import { ValidationError } from '../desk/errors.ts';

/** What every kind of business rule checks the same way on create and update. */

/** Zendesk refuses any business rule of 65 kB or more (reference §3.1, limits). */
export const MAX_RULE_BYTES = 65_536;

export function cleanTitle(title: string | undefined): string {
  const trimmed = title?.trim() ?? '';
  if (!trimmed) throw ValidationError.field('title', 'Title: cannot be blank', 'BlankValue');
  return trimmed;
}

/** The rule's stored parts together must stay under Zendesk's limit; `kind` names it in the error. */
export function checkRuleSize(kind: string, parts: readonly (string | null | undefined)[]): void {
  const bytes = parts.reduce((n, p) => n + Buffer.byteLength(p ?? ''), 0);
  if (bytes >= MAX_RULE_BYTES) {
    throw ValidationError.field('base', `${kind}: a business rule must be smaller than 65 kB`);
  }
}

/** Conditions as the client wrote them (`conditions`, or top-level `all`/`any`), in Zendesk's
 * `{all, any}` form; the caller has already parsed and checked them. */
export function conditionsAsWritten(input: {
  conditions?: unknown;
  all?: unknown;
  any?: unknown;
}): string {
  const given = (input.conditions ?? { all: input.all, any: input.any }) as {
    all?: unknown;
    any?: unknown;
  };
  return JSON.stringify({ all: given.all ?? [], any: given.any ?? [] });
}
