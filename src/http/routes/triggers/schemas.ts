import { z } from 'zod';
import { id, nullableId } from '../../shared/schemas/common.ts';

/*
 * The envelope and the scalar fields; conditions and actions pass through as given and are
 * checked by the rules model, which names the bad field, operator or value in its 422.
 */
const position = z.number().int().min(0).max(1_000_000);
const triggerFields = {
  title: z.string().max(1024).optional(),
  raw_title: z.string().max(1024).optional(),
  description: z.string().max(65_536).nullable().optional(),
  active: z.boolean().optional(),
  position: position.optional(),
  category_id: nullableId.optional(),
  conditions: z.unknown().optional(),
  all: z.unknown().optional(),
  any: z.unknown().optional(),
  actions: z.unknown().optional(),
};
export const triggerSchema = z.object({ trigger: z.object(triggerFields).strip() });

export const reorderSchema = z.object({ trigger_ids: z.array(id).max(10_000) });

const categoryFields = {
  name: z.string().max(255).optional(),
  position: position.optional(),
};
export const categorySchema = z.object({
  trigger_category: z.object(categoryFields).strip(),
});

/** `PUT /triggers/update_many`: Zendesk's bulk body; only position, active and category change. */
export const updateManySchema = z.object({
  triggers: z
    .array(
      z
        .object({
          id,
          position: position.optional(),
          active: z.boolean().optional(),
          category_id: nullableId.optional(),
        })
        .strip(),
    )
    .min(1)
    .max(100),
});
