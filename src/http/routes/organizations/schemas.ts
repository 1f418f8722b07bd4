import { z } from 'zod';
import { id, nullableId, tagList } from '../../shared/schemas/common.ts';

const domainList = z.union([
  z.array(z.string().max(253)).max(1000),
  z
    .string()
    .max(100_000)
    .transform((s) => s.split(/[\s,]+/).filter(Boolean)),
]);

const fieldValue = z.union([z.string().max(65_536), z.number(), z.boolean(), z.null()]);

const orgFields = {
  name: z.string().max(255).optional(),
  external_id: z.string().max(255).nullable().optional(),
  domain_names: domainList.optional(),
  details: z.string().max(65_536).nullable().optional(),
  notes: z.string().max(65_536).nullable().optional(),
  group_id: nullableId.optional(),
  shared_tickets: z.boolean().optional(),
  shared_comments: z.boolean().optional(),
  tags: tagList.optional(),
  organization_fields: z.record(z.string().max(255), fieldValue).optional(),
};

export const createSchema = z.object({
  organization: z.object({ ...orgFields, name: z.string().max(255) }).strip(),
});
export const updateSchema = z.object({ organization: z.object(orgFields).strip() });
export const upsertSchema = z.object({
  organization: z.object({ ...orgFields, id: id.optional() }).strip(),
});
