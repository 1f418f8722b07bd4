import { z } from 'zod';

const brandFields = {
  name: z.string().max(255).optional(),
  subdomain: z.string().max(63).optional(),
  active: z.boolean().optional(),
  default: z.boolean().optional(),
};
export const createSchema = z.object({
  brand: z
    .object({ ...brandFields, name: z.string().max(255), subdomain: z.string().max(63) })
    .strip(),
});
export const updateSchema = z.object({ brand: z.object(brandFields).strip() });
