import { z } from 'zod';

/**
 * Zendesk ticket fields that clients write but Parley does not keep yet. Answering 200 while
 * dropping them would tell an integration its custom fields or CCs were saved; a value is a 422
 * naming the field instead. Empty values (`[]`, `null`, `""`) pass, since clients send them by
 * default (and Parley's own ticket JSON shows these fields empty, so a ticket read and written
 * back round-trips).
 */
export const UNSUPPORTED_TICKET_FIELDS = [
  'custom_fields',
  'fields',
  'collaborator_ids',
  'collaborators',
  'email_cc_ids',
  'email_ccs',
  'follower_ids',
  'followers',
  'problem_id',
  'ticket_form_id',
  'custom_status_id',
  'macro_id',
  'macro_ids',
] as const;

function isEmpty(value: unknown): boolean {
  return (
    value === null ||
    value === undefined ||
    value === '' ||
    (Array.isArray(value) && value.length === 0)
  );
}

const notYet = z
  .unknown()
  .refine(isEmpty, { message: 'is not supported by Parley yet; leave it out or send it empty' })
  .optional();

/** The fields above, for a ticket schema's shape. */
export const unsupportedTicketFields = Object.fromEntries(
  UNSUPPORTED_TICKET_FIELDS.map((f) => [f, notYet]),
) as Record<(typeof UNSUPPORTED_TICKET_FIELDS)[number], typeof notYet>;

/** `body` without the fields above, which passed validation empty and carry nothing. */
export function withoutUnsupported<T extends object>(
  body: T,
): Omit<T, (typeof UNSUPPORTED_TICKET_FIELDS)[number]> {
  const out = { ...body } as Record<string, unknown>;
  for (const f of UNSUPPORTED_TICKET_FIELDS) delete out[f];
  return out as Omit<T, (typeof UNSUPPORTED_TICKET_FIELDS)[number]>;
}
