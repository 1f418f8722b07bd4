import type { CustomRole } from '../../db/types.ts';
import type { Conn } from '../../desk/context.ts';
import {
  createCustomRole,
  deleteCustomRole,
  getCustomRole,
  listCustomRoles,
  teamMemberCounts,
  updateCustomRole,
} from '../../desk/custom-roles.ts';
import { nowIso } from '../../desk/time.ts';
import { requireAdmin } from '../auth.ts';
import { actorOf, type RoutePlugin } from '../context.ts';
import { parseWith } from '../shared/errors.ts';
import { presentCustomRole } from '../shared/read-model/presenters.ts';
import { idParam } from '../shared/schemas/common.ts';
import { createSchema, updateSchema } from './custom-roles/schemas.ts';

async function present(db: Conn, roles: CustomRole[]) {
  const counts = await teamMemberCounts(
    db,
    roles.map((r) => r.id),
  );
  return roles.map((r) => presentCustomRole(r, counts.get(r.id) ?? 0));
}

export const customRoleRoutes: RoutePlugin = (app, { db }) => {
  app.get('/custom_roles', async (req) => {
    requireAdmin(actorOf(req));
    const roles = await present(db, await listCustomRoles(db));
    return { custom_roles: roles, next_page: null, previous_page: null, count: roles.length };
  });

  app.get('/custom_roles/:id', async (req) => {
    requireAdmin(actorOf(req));
    const [role] = await present(db, [await getCustomRole(db, idParam(req.params))]);
    return { custom_role: role };
  });

  app.post('/custom_roles', async (req, reply) => {
    requireAdmin(actorOf(req));
    const input = parseWith(createSchema, req.body).custom_role;
    const [role] = await present(db, [await createCustomRole(db, input, nowIso())]);
    reply.status(201);
    return { custom_role: role };
  });

  app.put('/custom_roles/:id', async (req) => {
    requireAdmin(actorOf(req));
    const roleId = idParam(req.params);
    const input = parseWith(updateSchema, req.body).custom_role;
    const [role] = await present(db, [await updateCustomRole(db, roleId, input, nowIso())]);
    return { custom_role: role };
  });

  app.delete('/custom_roles/:id', async (req, reply) => {
    requireAdmin(actorOf(req));
    await deleteCustomRole(db, idParam(req.params));
    return reply.status(204).send();
  });
};
