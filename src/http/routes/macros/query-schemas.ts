import { z } from 'zod';
import { USAGE_WINDOWS, type UsageWindow } from '../../../rules/macro-queries.ts';
import { includeList, oneString } from '../../shared/query.ts';
import { idListParam, MAX_ID } from '../../shared/schemas/common.ts';

function flag(key: string) {
  return oneString(key).transform((v, ctx) => {
    if (v === undefined) return undefined;
    if (v !== 'true' && v !== 'false') {
      ctx.addIssue({ code: 'custom', message: `${key} must be true or false` });
      return z.NEVER;
    }
    return v === 'true';
  });
}

function idOf(key: string) {
  return oneString(key).transform((v, ctx) => {
    if (v === undefined) return undefined;
    if (!/^\d{1,15}$/.test(v) || Number(v) < 1 || Number(v) > MAX_ID) {
      ctx.addIssue({ code: 'custom', message: `${key} must be an id` });
      return z.NEVER;
    }
    return Number(v);
  });
}

const ACCESS = ['personal', 'agents', 'shared', 'account'] as const;

const access = oneString('access').transform((v, ctx) => {
  if (v === undefined) return undefined;
  if (!(ACCESS as readonly string[]).includes(v)) {
    ctx.addIssue({ code: 'custom', message: `access must be one of ${ACCESS.join(', ')}` });
    return z.NEVER;
  }
  return v as (typeof ACCESS)[number];
});

/** `include=usage_1h,usage_7d`: the usage counts to side-load on each macro. */
const include = includeList.transform((names, ctx) => {
  const wanted = names.filter((n) => n !== '');
  const unknown = wanted.find((n) => !Object.hasOwn(USAGE_WINDOWS, n));
  if (unknown !== undefined) {
    const known = Object.keys(USAGE_WINDOWS).join(', ');
    ctx.addIssue({ code: 'custom', message: `include ${unknown} is not one of ${known}` });
    return z.NEVER;
  }
  return wanted as UsageWindow[];
});

const listFields = {
  access,
  active: flag('active'),
  category: oneString('category'),
  group_id: idOf('group_id'),
  only_viewable: flag('only_viewable'),
  include,
};

/** `GET /macros` (and `/macros/active`); paging and sorting keys pass through to paginate. */
export const listMacrosQuery = z.object(listFields).passthrough();

/** `GET /macros/search?query=`: the text a title must contain. */
export const searchMacrosQuery = z
  .object({
    ...listFields,
    query: oneString('query').transform((v, ctx) => {
      if (v === undefined || v.trim() === '') {
        ctx.addIssue({ code: 'custom', message: 'query is required' });
        return z.NEVER;
      }
      return v.trim();
    }),
  })
  .passthrough();

/** `GET /macros/new?macro_id=`. */
export const replicaQuery = z.object({
  macro_id: idOf('macro_id').refine((v) => v !== undefined, { message: 'macro_id is required' }),
});

/** `DELETE /macros/destroy_many?ids=`. */
export const destroyManyQuery = z.object({ ids: idListParam('ids') });
