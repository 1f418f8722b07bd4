import { z } from 'zod';
import { customRoleConfigurationPatch, ROLE_TYPES } from '../../../desk/custom-roles.ts';

const roleFields = {
  name: z.string().max(255).optional(),
  description: z.string().max(65_536).nullable().optional(),
  role_type: z
    .number()
    .int()
    .refine((n) => (ROLE_TYPES as readonly number[]).includes(n), 'must be one of 0, 1, 2, 3, 4, 5')
    .optional(),
  configuration: customRoleConfigurationPatch.optional(),
};
export const createSchema = z.object({
  custom_role: z.object({ ...roleFields, name: z.string().max(255) }).strip(),
});
export const updateSchema = z.object({ custom_role: z.object(roleFields).strip() });
