import { z } from 'zod';
import { oneString } from '../../shared/query.ts';
import { idListParam } from '../../shared/schemas/common.ts';

const flag = oneString('active').transform((v, ctx) => {
  if (v === undefined) return undefined;
  if (v !== 'true' && v !== 'false') {
    ctx.addIssue({ code: 'custom', message: 'active must be true or false' });
    return z.NEVER;
  }
  return v === 'true';
});

/** `GET /automations`: `active=true|false`; paging and sort keys pass through. */
export const listAutomationsQuery = z.object({ active: flag.optional() }).passthrough();

/** `GET /automations/search?query=`: the text a title must contain. */
export const searchAutomationsQuery = z
  .object({
    query: oneString('query').transform((v, ctx) => {
      if (v === undefined || v.trim() === '') {
        ctx.addIssue({ code: 'custom', message: 'query is required' });
        return z.NEVER;
      }
      return v.trim();
    }),
    active: flag.optional(),
  })
  .passthrough();

/** `DELETE /automations/destroy_many?ids=1,2`. */
export const destroyManyQuery = z.object({ ids: idListParam() }).passthrough();
