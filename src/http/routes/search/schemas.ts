import { z } from 'zod';
import { SEARCH_SORTS } from '../../../desk/search/search.ts';

const positive = (name: string) =>
  z
    .string()
    .regex(/^[1-9]\d{0,6}$/, `${name} must be a positive integer`)
    .transform(Number);

const query = z
  .string({ message: 'query is required' })
  .trim()
  .min(1, 'query is required')
  .max(1000, 'query must be at most 1000 characters');

/** `GET /search`: offset pages of at most 100 results, as Zendesk's search. */
export const searchQuery = z.object({
  query,
  page: positive('page').optional(),
  per_page: positive('per_page').optional(),
  sort_by: z
    .enum(SEARCH_SORTS, { message: `sort_by must be one of ${SEARCH_SORTS.join(', ')}` })
    .optional(),
  sort_order: z.enum(['asc', 'desc'], { message: 'sort_order must be asc or desc' }).optional(),
});

/** `GET /search/count`. */
export const searchCountQuery = z.object({ query });
