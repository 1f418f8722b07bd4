import { z } from 'zod';
import { id } from '../../shared/schemas/common.ts';

/*
 * The envelope and the scalar fields; conditions and actions pass through as given and are
 * checked by the rules model, which names the bad field, operator or value in its 422. What
 * Zendesk's GET payload adds (id, url, default, created_at, …) is dropped, so that payload
 * can be POSTed unchanged.
 */
const position = z.number().int().min(0).max(1_000_000);
const automationFields = {
  title: z.string().max(1024).optional(),
  raw_title: z.string().max(1024).optional(),
  active: z.boolean().optional(),
  position: position.optional(),
  conditions: z.unknown().optional(),
  all: z.unknown().optional(),
  any: z.unknown().optional(),
  actions: z.unknown().optional(),
};
export const automationSchema = z.object({ automation: z.object(automationFields).strip() });

/** `PUT /automations/update_many`: Zendesk changes only position and active there. */
export const updateManySchema = z.object({
  automations: z
    .array(z.object({ id, position: position.optional(), active: z.boolean().optional() }).strip())
    .min(1)
    .max(100),
});
