import { z } from 'zod';
import { oneString } from '../../shared/query.ts';

/** `GET /autocomplete/tags?name=ab`: the letters typed so far (fewer than two suggest nothing). */
export const autocompleteTagsQuery = z
  .object({
    name: oneString('name'),
  })
  .passthrough();

const positive = (name: string, max: number) =>
  z
    .string()
    .regex(/^[1-9]\d{0,6}$/, `${name} must be a positive integer`)
    .transform(Number)
    .refine((n) => n <= max, { message: `${name} must be at most ${max}` });

/** `GET /tags`: offset pages of at most 100 tags, as Zendesk's tag list. */
export const listTagsQuery = z
  .object({
    page: positive('page', 100_000).optional(),
    per_page: positive('per_page', 100).optional(),
  })
  .passthrough();
