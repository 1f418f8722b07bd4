import { z } from 'zod';
import { includeText } from '../../shared/query.ts';
import { boolish } from '../../shared/schemas/common.ts';

/** `GET /groups?exclude_deleted=true`; a bad value is a 422, as it has always been. */
export const listGroupsQuery = z.object({ exclude_deleted: boolish().optional() });

/** Membership lists: `include=users,groups`, names split on commas as they come. */
export const membershipListQuery = z.object({
  include: includeText.transform((s) => s.split(',')),
});
