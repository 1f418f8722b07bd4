import type { CustomRole } from '../../../db/types.ts';
import type { Conn } from '../../../desk/context.ts';
import {
  createCustomRole,
  deleteCustomRole,
  listCustomRoles,
  showCustomRole,
  teamMemberCounts,
  updateCustomRole,
} from '../../../desk/custom-roles.ts';
import { authorize } from '../../../desk/policies/authorize.ts';
import { nowIso } from '../../../desk/time.ts';
import type { RoutePlugin } from '../../context.ts';
import { actorOf } from '../../shared/actor.ts';
import { parseWith } from '../../shared/errors.ts';
import { presentCustomRole } from '../../shared/read-model/presenters.ts';
import { idParam } from '../../shared/schemas/common.ts';
import { createSchema, updateSchema } from './schemas.ts';

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
    const roles = await present(db, await listCustomRoles(db, actorOf(req)));
    return { custom_roles: roles, next_page: null, previous_page: null, count: roles.length };
  });

  app.get('/custom_roles/:id', async (req) => {
    const [role] = await present(db, [await showCustomRole(db, actorOf(req), idParam(req.params))]);
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
