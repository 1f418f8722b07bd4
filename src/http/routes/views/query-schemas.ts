import { z } from 'zod';
import { oneString } from '../../shared/query.ts';
import { idListParam, MAX_ID } from '../../shared/schemas/common.ts';

const flag = (key: string) =>
  oneString(key).transform((v, ctx) => {
    if (v === undefined) return undefined;
    if (v !== 'true' && v !== 'false') {
      ctx.addIssue({ code: 'custom', message: `${key} must be true or false` });
      return z.NEVER;
    }
    return v === 'true';
  });

const groupId = oneString('group_id').transform((v, ctx) => {
  if (v === undefined) return undefined;
  if (!/^\d{1,15}$/.test(v) || Number(v) > MAX_ID) {
    ctx.addIssue({ code: 'custom', message: 'group_id must be a group id' });
    return z.NEVER;
  }
  return Number(v);
});

const access = oneString('access').transform((v, ctx) => {
  if (v === undefined) return undefined;
  if (v !== 'personal' && v !== 'shared' && v !== 'account' && v !== 'group') {
    ctx.addIssue({ code: 'custom', message: 'access must be personal, group, shared or account' });
    return z.NEVER;
  }
  return v;
});

/** Zendesk's `sort_by` of the views list, as the paging's sort names. */
const listSort = oneString('sort_by').transform((v, ctx) => {
  if (v === undefined) return undefined;
  const known: Record<string, string> = {
    alphabetical: 'title',
    title: 'title',
    created_at: 'created_at',
    updated_at: 'updated_at',
    position: 'position',
  };
  const sort = Object.hasOwn(known, v) ? known[v] : undefined;
  if (!sort) {
    ctx.addIssue({
      code: 'custom',
      message: 'sort_by must be alphabetical, created_at, updated_at or position',
    });
    return z.NEVER;
  }
  return sort;
});

const order = (key: string) =>
  oneString(key).transform((v, ctx) => {
    if (v === undefined) return undefined;
    if (v !== 'asc' && v !== 'desc') {
      ctx.addIssue({ code: 'custom', message: `${key} must be asc or desc` });
      return z.NEVER;
    }
    return v;
  });

/** `GET /views`: `active`, `access`, `group_id`, `sort_by`, `sort_order`; paging keys pass. */
export const listViewsQuery = z
  .object({
    active: flag('active').optional(),
    access: access.optional(),
    group_id: groupId.optional(),
    sort_by: listSort.optional(),
    sort_order: order('sort_order').optional(),
  })
  .passthrough();

export const searchViewsQuery = listViewsQuery.extend({
  query: oneString('query').transform((v, ctx) => {
    if (v === undefined || v.trim() === '') {
      ctx.addIssue({ code: 'custom', message: 'query is required' });
      return z.NEVER;
    }
    return v.trim();
  }),
});

export const idsQuery = z.object({ ids: idListParam() }).passthrough();

const positive = (key: string, max: number) =>
  oneString(key).transform((v, ctx) => {
    if (v === undefined) return undefined;
    if (!/^\d{1,6}$/.test(v) || Number(v) < 1) {
      ctx.addIssue({ code: 'custom', message: `${key} must be a positive integer` });
      return z.NEVER;
    }
    return Math.min(Number(v), max);
  });

/**
 * `GET /views/{id}/execute` and `/tickets`: the column to sort by (a view column id), the
 * order, and offset pages (`page`, `per_page`, or `page[size]` for the first page).
 */
export const runViewQuery = z
  .object({
    sort_by: oneString('sort_by').optional(),
    sort_order: order('sort_order').optional(),
    page: positive('page', 100_000).optional(),
    per_page: positive('per_page', 100).optional(),
    'page[size]': positive('page[size]', 100).optional(),
  })
  .passthrough();
