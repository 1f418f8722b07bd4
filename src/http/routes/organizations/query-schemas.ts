import { z } from 'zod';
import { idListProblem } from '../../shared/schemas/common.ts';

/** `GET /organizations/show_many`: `ids=1,2` or else `external_ids=a,b` (up to 100). */
export const showManyOrganizationsQuery = z
  .object({ ids: z.unknown().optional(), external_ids: z.unknown().optional() })
  .transform((q, ctx) => {
    if (q.ids !== undefined) {
      const problem = idListProblem(q.ids, 'ids');
      if (problem) {
        ctx.addIssue({ code: 'custom', message: problem });
        return z.NEVER;
      }
      return {
        by: 'ids' as const,
        ids: String(q.ids)
          .split(',')
          .map((s) => Number(s.trim())),
      };
    }
    if (typeof q.external_ids === 'string' && q.external_ids.trim() !== '') {
      const externalIds = q.external_ids.split(',').map((s) => s.trim());
      if (externalIds.length > 100) {
        ctx.addIssue({ code: 'custom', message: 'external_ids takes up to 100 values' });
        return z.NEVER;
      }
      return { by: 'external_ids' as const, externalIds };
    }
    ctx.addIssue({ code: 'custom', message: 'ids or external_ids is required' });
    return z.NEVER;
  });

const searchBy = z.union(
  [
    z.object({ name: z.string().min(1).max(255) }),
    z.object({ external_id: z.string().min(1).max(255) }),
  ],
  { error: 'name or external_id is required' },
);

/** `GET /organizations/search`: by `external_id` when it is given once, else by `name`. */
export const searchOrganizationsQuery = z
  .object({ external_id: z.unknown().optional(), name: z.unknown().optional() })
  .transform((q) =>
    typeof q.external_id === 'string' ? { external_id: q.external_id } : { name: q.name },
  )
  .pipe(searchBy);

/** `GET /organizations/autocomplete?name=…`. */
export const autocompleteOrganizationsQuery = z.object({
  name: z.unknown().transform((n, ctx) => {
    if (typeof n !== 'string' || n.trim() === '' || n.length > 255) {
      ctx.addIssue({ code: 'custom', message: 'name is required' });
      return z.NEVER;
    }
    return n;
  }),
});
