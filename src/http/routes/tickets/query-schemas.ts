import { z } from 'zod';
import { includeList, includeText, queryValue, stringOrNothing } from '../../shared/query.ts';
import { idListParam } from '../../shared/schemas/common.ts';

/** `GET /tickets`: `external_id` given once filters; `include=` side-loads. */
export const listTicketsQuery = z.object({
  external_id: stringOrNothing,
  include: includeList,
});

/** `GET /tickets/show_many?ids=1,2,3`. */
export const showManyTicketsQuery = z.object({ ids: idListParam(), include: includeList });

/** `GET /tickets/:id`. */
export const showTicketQuery = z.object({ include: includeList });

/**
 * `GET /tickets/:id/comments`: `sort_order=desc` turns the default order round; `include` is
 * read as text (any value that mentions `users` side-loads the authors).
 */
export const listCommentsQuery = z.object({
  sort_order: queryValue.optional(),
  include: includeText,
});
