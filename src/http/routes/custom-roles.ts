import { z } from 'zod';
import type { CustomRole } from '../../db/types.ts';
import type { Conn } from '../../desk/context.ts';
import {
  createCustomRole,
  customRoleConfigurationPatch,
  deleteCustomRole,
  getCustomRole,
  listCustomRoles,
  ROLE_TYPES,
  teamMemberCounts,
  updateCustomRole,
} from '../../desk/custom-roles.ts';
import { authorize } from '../../desk/policies/authorize.ts';
import { nowIso } from '../../desk/time.ts';
import { actorOf, type RoutePlugin } from '../context.ts';
import { parseWith } from '../errors.ts';
import { presentCustomRole } from '../presenters.ts';
import { idParam } from '../schemas/common.ts';

const roleFields = {
  name: z.string().max(255).optional(),
  description: z.string().max(65_536).nullable().optional(),
  role_type: z
    .number()
    .int()
    .refine((n) => (ROLE_TYPES as readonly number[]).includes(n), 'must be one of 0, 1, 2, 3, 4, 5')
    .optional(),
  configuration: customRoleConfigurationPatch.optional(),
};
const createSchema = z.object({
  custom_role: z.object({ ...roleFields, name: z.string().max(255) }).strip(),
});
const updateSchema = z.object({ custom_role: z.object(roleFields).strip() });

async function present(db: Conn, roles: CustomRole[]) {
  const counts = await teamMemberCounts(
    db,
    roles.map((r) => r.id),
  );
  return roles.map((r) => presentCustomRole(r, counts.get(r.id) ?? 0));
}

/*
 * Writes authorize before reading the path or body, so a caller without the right gets a 403
 * whatever they sent (as from Zendesk); the desk command authorizes again, for every other door.
 */
export const customRoleRoutes: RoutePlugin = (app, { db }) => {
  app.get('/custom_roles', async (req) => {
    await authorize(db, actorOf(req), 'custom-role:manage');
    const roles = await present(db, await listCustomRoles(db));
    return { custom_roles: roles, next_page: null, previous_page: null, count: roles.length };
  });

  app.get('/custom_roles/:id', async (req) => {
    await authorize(db, actorOf(req), 'custom-role:manage');
    const [role] = await present(db, [await getCustomRole(db, idParam(req.params))]);
    return { custom_role: role };
  });

  app.post('/custom_roles', async (req, reply) => {
    await authorize(db, actorOf(req), 'custom-role:manage');
    const input = parseWith(createSchema, req.body).custom_role;
    const [role] = await present(db, [await createCustomRole(db, actorOf(req), input, nowIso())]);
    reply.status(201);
    return { custom_role: role };
  });

  app.put('/custom_roles/:id', async (req) => {
    await authorize(db, actorOf(req), 'custom-role:manage');
    const roleId = idParam(req.params);
    const input = parseWith(updateSchema, req.body).custom_role;
    const [role] = await present(db, [
      await updateCustomRole(db, actorOf(req), roleId, input, nowIso()),
    ]);
    return { custom_role: role };
  });

  app.delete('/custom_roles/:id', async (req, reply) => {
    await authorize(db, actorOf(req), 'custom-role:manage');
    await deleteCustomRole(db, actorOf(req), idParam(req.params));
    return reply.status(204).send();
  });
};
