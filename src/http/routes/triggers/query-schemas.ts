import { z } from 'zod';
import { oneString } from '../../shared/query.ts';
import { MAX_ID } from '../../shared/schemas/common.ts';

const flag = oneString('active').transform((v, ctx) => {
  if (v === undefined) return undefined;
  if (v !== 'true' && v !== 'false') {
    ctx.addIssue({ code: 'custom', message: 'active must be true or false' });
    return z.NEVER;
  }
  return v === 'true';
});

const categoryId = oneString('category_id').transform((v, ctx) => {
  if (v === undefined) return undefined;
  if (!/^\d{1,15}$/.test(v) || Number(v) > MAX_ID) {
    ctx.addIssue({ code: 'custom', message: 'category_id must be a trigger category id' });
    return z.NEVER;
  }
  return Number(v);
});

/** `GET /triggers`: `active=true|false`, `category_id=`; paging keys pass through. */
export const listTriggersQuery = z
  .object({ active: flag.optional(), category_id: categoryId.optional() })
  .passthrough();

/** `GET /triggers/search?query=`: the text a title must contain. */
export const searchTriggersQuery = z
  .object({
    query: oneString('query').transform((v, ctx) => {
      if (v === undefined || v.trim() === '') {
        ctx.addIssue({ code: 'custom', message: 'query is required' });
        return z.NEVER;
      }
      return v.trim();
    }),
    active: flag.optional(),
    category_id: categoryId.optional(),
  })
  .passthrough();

/** `DELETE /triggers/destroy_many?ids=1,2`: up to 100 trigger ids, comma-separated. */
export const destroyManyQuery = z
  .object({
    ids: oneString('ids').transform((v, ctx) => {
      const parts = (v ?? '').split(',').map((p) => p.trim());
      const ok = parts.every((p) => /^\d{1,15}$/.test(p) && Number(p) > 0 && Number(p) <= MAX_ID);
      if (!v || !ok || parts.length > 100) {
        ctx.addIssue({
          code: 'custom',
          message: 'ids must be up to 100 comma-separated trigger ids',
        });
        return z.NEVER;
      }
      return [...new Set(parts.map(Number))];
    }),
  })
  .passthrough();
