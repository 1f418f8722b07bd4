import { z } from 'zod';
import type { Role } from '../../../db/types.ts';
import { ROLES } from '../../../desk/users.ts';
import { includeList, oneString, queryValue } from '../../shared/query.ts';
import { idListProblem, MAX_ID } from '../../shared/schemas/common.ts';

/** `role=agent`, `role[]=agent&role[]=admin` (and the comma form our own next_page links use). */
const roleNames = queryValue.optional().transform((v, ctx) => {
  if (v === undefined) return [];
  const roles = [v].flat().flatMap((s) => s.split(',').map((r) => r.trim()));
  if (roles.some((r) => !ROLES.includes(r as Role))) {
    ctx.addIssue({ code: 'custom', message: `role must be one of ${ROLES.join(', ')}` });
    return z.NEVER;
  }
  return roles as Role[];
});

/** `GET /users`: by role, custom role (`permission_set`) or external id. */
export const listUsersQuery = z
  .object({
    permission_set: oneString('permission_set')
      .transform((p, ctx) => {
        if (p === undefined) return undefined;
        if (!/^\d{1,15}$/.test(p) || Number(p) > MAX_ID) {
          ctx.addIssue({ code: 'custom', message: 'permission_set must be a custom role id' });
          return z.NEVER;
        }
        return Number(p);
      })
      .optional(),
    role: roleNames,
    'role[]': roleNames,
    external_id: oneString('external_id'),
    include: includeList,
  })
  .transform(({ role, 'role[]': roleList, ...q }) => {
    const roles = [...role, ...roleList];
    return { ...q, roles: roles.length ? roles : undefined };
  });

/** `GET /users/me`, `GET /users/:id`. */
export const showUserQuery = z.object({ include: includeList });

/** `GET /users/show_many`: `ids=1,2`, or `external_ids=a,b` (1 to 100) when no ids are given. */
export const showManyUsersQuery = z
  .object({
    ids: z.unknown().optional(),
    external_ids: z.unknown().optional(),
    include: includeList,
  })
  .transform((q, ctx) => {
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    if (q.external_ids !== undefined && q.ids === undefined) {
      if (typeof q.external_ids !== 'string' || q.external_ids.length > 255) {
        return fail('external_ids must be one string');
      }
      const externalIds = q.external_ids
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (externalIds.length === 0 || externalIds.length > 100) {
        return fail('external_ids must list 1 to 100 ids');
      }
      return { by: 'external_ids' as const, externalIds, include: q.include };
    }
    const problem = idListProblem(q.ids, 'ids');
    if (problem) return fail(problem);
    const ids = String(q.ids)
      .split(',')
      .map((s) => Number(s.trim()));
    return { by: 'ids' as const, ids, include: q.include };
  });

/** `GET /users/search`: by `external_id`, or by `query` text that is not blank. */
export const searchUsersQuery = z
  .object({
    external_id: oneString('external_id'),
    query: oneString('query'),
    include: includeList,
  })
  .transform((q, ctx) => {
    if (q.external_id !== undefined) {
      return { by: 'external_id' as const, externalId: q.external_id, include: q.include };
    }
    if (q.query !== undefined && q.query.trim() !== '')
      return { by: 'query' as const, text: q.query, include: q.include };
    ctx.addIssue({ code: 'custom', message: 'query or external_id is required' });
    return z.NEVER;
  });

/** `GET /users/autocomplete?name=…` (at least 2 characters). */
export const autocompleteUsersQuery = z.object({
  name: oneString('name').transform((name, ctx) => {
    if (name === undefined || name.trim().length < 2) {
      ctx.addIssue({ code: 'custom', message: 'name must have at least 2 characters' });
      return z.NEVER;
    }
    return name;
  }),
});
