import { z } from 'zod';
import { id } from '../../shared/schemas/common.ts';

/*
 * The envelope and the scalar fields; actions pass through as given and are checked by the
 * rules model, which names the bad field or value in its 422. What Zendesk's GET payload adds
 * (url, id, raw_title, default, usage_*, timestamps) is dropped, so it can be POSTed unchanged.
 */
const position = z.number().int().min(0).max(1_000_000);

const restriction = z
  .object({
    type: z.enum(['User', 'Group']),
    id: id.optional(),
    ids: z.array(id).max(100).optional(),
  })
  .strip()
  .nullable();

const macroFields = {
  title: z.string().max(1024).optional(),
  description: z.string().max(65_536).nullable().optional(),
  active: z.boolean().optional(),
  position: position.optional(),
  restriction: restriction.optional(),
  actions: z.unknown().optional(),
};
export const macroSchema = z.object({ macro: z.object(macroFields).strip() });

/** `PUT /macros/update_many`: `{macros: [{id, active?, position?}]}`, at most 100. */
export const updateManySchema = z.object({
  macros: z
    .array(z.object({ id, active: z.boolean().optional(), position: position.optional() }).strip())
    .min(1)
    .max(100),
});
