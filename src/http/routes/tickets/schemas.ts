import { z } from 'zod';
import {
  type FieldDescription,
  type FieldValue,
  TICKET_FIELDS,
  WRITABLE_FIELDS,
  type WritableFieldName,
} from '../../../desk/tickets/ticket-fields.ts';
import { boolish, id, isoTime, nullableId, tagList } from '../../shared/schemas/common.ts';
import { unsupportedTicketFields } from '../../shared/schemas/unsupported-fields.ts';

/** The bodies of the ticket routes: creates, updates and the tag routes. */

export const commentSchema = z
  .object({
    body: z.string().max(65_536).optional(),
    html_body: z.string().max(262_144).optional(),
    public: z.boolean().optional(),
    author_id: id.optional(),
    uploads: z.array(z.string().min(1).max(200)).max(100).optional(),
  })
  .strip();

/** What the body accepts for one described field (desk/tickets/ticket-fields.ts). */
function fieldSchema(f: FieldDescription): z.ZodType {
  let schema: z.ZodType;
  switch (f.kind) {
    case 'id':
      // nullableId takes null and "" (as null) itself.
      return (f.nullable ? nullableId : id).optional();
    case 'string':
      schema = z.string().max(f.max!);
      break;
    case 'email':
      schema = z.string().email().max(f.max!);
      break;
    case 'enum':
      schema = z.enum(f.values as [string, ...string[]]);
      break;
    case 'time':
      schema = isoTime;
      break;
    case 'tags':
      schema = tagList;
      break;
  }
  return (f.nullable ? schema.nullable() : schema).optional();
}

type FieldSchemas = {
  [K in WritableFieldName]: z.ZodOptional<
    z.ZodType<FieldValue<(typeof TICKET_FIELDS)[K]>, unknown>
  >;
};

/** The writable ticket fields, in the description's order, built once. */
const describedFields = Object.fromEntries(
  WRITABLE_FIELDS.map((name) => [name, fieldSchema(TICKET_FIELDS[name])]),
) as FieldSchemas;

export const ticketFields = {
  ...describedFields,
  comment: commentSchema.optional(),
  metadata: z
    .record(z.string(), z.unknown())
    .refine((m) => JSON.stringify(m).length <= 65_536, { message: 'is larger than 64 kB' })
    .nullable()
    .optional(),
  ...unsupportedTicketFields,
};

export const createSchema = z.object({
  ticket: z
    .object({
      ...ticketFields,
      requester: z
        .object({
          name: z.string().max(255).optional(),
          email: z.string().email().max(255).optional(),
          locale: z.string().max(20).optional(),
        })
        .optional(),
      via_followup_source_id: id.optional(),
    })
    .strip(),
});

/**
 * Zendesk's collision guard: with `safe_update: true`, `updated_stamp` (the `updated_at` the
 * client read) must still be the ticket's, or the update is a 409 UpdateConflict.
 */
export const safeUpdateFields = {
  safe_update: boolish().optional(),
  updated_stamp: isoTime.optional(),
};

/**
 * The macros an update applied, as Zendesk clients name them (`macro_ids`, older `macro_id`):
 * each is recorded as used (rules/macro-usage.ts).
 */
export const macroUseFields = {
  macro_ids: z.array(id).max(100).nullable().optional(),
  macro_id: nullableId.optional(),
};

export const updateSchema = z.object({
  ticket: z.object({ ...ticketFields, ...safeUpdateFields, ...macroUseFields }).strip(),
});

export const tagsSchema = z.object({ tags: tagList, ...safeUpdateFields });
