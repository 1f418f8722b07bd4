import { z } from 'zod';
import { id } from '../../shared/schemas/common.ts';

/*
 * The envelope and the scalar fields; conditions and output pass through as given and are
 * checked by the rules model, which names the bad field, operator, value or column in its 422.
 * Read-only keys of a view read back from Zendesk (`id`, `url`, `default`, `created_at`…)
 * are dropped, so a GET payload POSTs unchanged.
 */
const position = z.number().int().min(0).max(1_000_000);

/** Zendesk's `restriction`: `{type: "User", id}` or `{type: "Group", id, ids}`; null is shared. */
const restriction = z
  .object({
    type: z.enum(['User', 'Group']),
    id: id.nullable().optional(),
    ids: z.array(id).max(100).nullable().optional(),
  })
  .strip()
  .nullable();

const viewFields = {
  title: z.string().max(1024).optional(),
  description: z.string().max(65_536).nullable().optional(),
  active: z.boolean().optional(),
  position: position.optional(),
  restriction: restriction.optional(),
  conditions: z.unknown().optional(),
  all: z.unknown().optional(),
  any: z.unknown().optional(),
  output: z.unknown().optional(),
  execution: z.unknown().optional(),
};
export const viewSchema = z.object({ view: z.object(viewFields).strip() });

/** `POST /views/preview`: a view that is not saved (no title needed). */
export const previewSchema = viewSchema;

/** `PUT /views/update_many`: `{views: [{id, …}]}`. */
export const updateManySchema = z.object({
  views: z
    .array(z.object({ id, ...viewFields }).strip())
    .min(1)
    .max(100),
});
