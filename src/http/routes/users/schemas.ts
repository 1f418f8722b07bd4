import { z } from 'zod';
import type { Role } from '../../../db/types.ts';
import { ROLES } from '../../../desk/users.ts';
import { id, nullableId, tagList } from '../../shared/schemas/common.ts';

const text = (max: number) => z.string().max(max);

/** `messaging` is how Slack identities are shown, so a client may send it back. */
const identityType = z
  .enum(['email', 'phone_number', 'slack', 'messaging'])
  .transform((t) => (t === 'messaging' ? 'slack' : t));

const identityInput = z.object({
  type: identityType,
  value: text(255),
  verified: z.boolean().optional(),
});

const userFields = {
  name: text(255).optional(),
  email: z.email().max(255).nullable().optional(),
  role: z.enum(ROLES as [Role, ...Role[]]).optional(),
  external_id: z
    .union([text(255), z.number().int().transform(String)])
    .nullable()
    .optional(),
  organization_id: nullableId.optional(),
  phone: text(50).nullable().optional(),
  locale: z.string().min(2).max(20).optional(),
  time_zone: text(100).nullable().optional(),
  details: text(65_536).nullable().optional(),
  notes: text(65_536).nullable().optional(),
  tags: tagList.optional(),
  user_fields: z.record(z.string(), z.unknown()).optional(),
  verified: z.boolean().optional(),
  suspended: z.boolean().optional(),
  custom_role_id: nullableId.optional(),
  default_group_id: nullableId.optional(),
  alias: text(255).nullable().optional(),
  signature: text(65_536).nullable().optional(),
};

export const createSchema = z.object({
  user: z
    .object({
      ...userFields,
      name: text(255).refine((s) => s.trim() !== '', 'cannot be blank'),
      identities: z.array(identityInput).max(20).optional(),
    })
    .strip(),
});
export const upsertSchema = z.object({
  user: z
    .object({ ...userFields, identities: z.array(identityInput).max(20).optional() })
    .strip()
    .refine((u) => u.email || u.external_id, {
      message: 'an email or an external_id is needed to find the user',
      path: ['email'],
    }),
});
export const updateSchema = z.object({ user: z.object(userFields).strip() });
export const mergeSchema = z.object({ user: z.object({ id }) });
export const selfMergeSchema = z.object({
  user: z.object({ email: z.email().max(255), password: z.string().min(1).max(1024) }),
});
export const identitySchema = z.object({ identity: identityInput });
