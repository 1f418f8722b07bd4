import { z } from 'zod';
import { id } from '../../shared/schemas/common.ts';

const groupFields = {
  name: z.string().max(255).optional(),
  description: z.string().max(65_536).optional(),
  is_public: z.boolean().optional(),
  default: z.boolean().optional(),
};
export const createGroupSchema = z.object({
  group: z.object({ ...groupFields, name: z.string().max(255) }).strip(),
});
export const updateGroupSchema = z.object({ group: z.object(groupFields).strip() });

export const createMembershipSchema = z.object({
  group_membership: z
    .object({ user_id: id, group_id: id, default: z.boolean().optional() })
    .strip(),
});
