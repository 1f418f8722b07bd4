import type { FastifyRequest } from 'fastify';
import type { Actor, Conn } from '../../desk/context.ts';
import { type PermissionKey, requirePermission } from '../../desk/custom-roles.ts';
import {
  countGroups,
  createGroup,
  createMembership,
  deleteGroup,
  deleteMembership,
  getGroup,
  getMembership,
  groupsQuery,
  groupUsersQuery,
  makeDefaultMembership,
  membershipsQuery,
  updateGroup,
} from '../../desk/groups.ts';
import { getUser } from '../../desk/users.ts';
import { nowIso } from '../../desk/time.ts';
import { requireAgent } from '../auth.ts';
import { actorOf, type RoutePlugin } from '../context.ts';
import { parseWith } from '../shared/errors.ts';
import { paginate } from '../shared/pagination.ts';
import { parseQuery } from '../shared/query.ts';
import {
  presentGroup,
  presentGroupMembership,
  presentUser,
} from '../shared/read-model/presenters.ts';
import { readModel } from '../shared/read-model/read-model.ts';
import { idParam } from '../shared/schemas/common.ts';
import { listGroupsQuery, membershipListQuery } from './groups/query-schemas.ts';
import { createGroupSchema, createMembershipSchema, updateGroupSchema } from './groups/schemas.ts';

/** Admins write; so do agents whose custom role grants the matching Zendesk permission. */
async function requireWriter(db: Conn, actor: Actor, key: PermissionKey): Promise<void> {
  requireAgent(actor);
  await requirePermission(db, actor.user, key);
}

function refreshedAt(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const groupRoutes: RoutePlugin = (app, { db, config, events, renderedTickets }) => {
  const base = config.publicUrl;
  const read = readModel(db, base, renderedTickets);
  const groupSort = {
    sortable: { created_at: 'created_at', updated_at: 'updated_at', name: 'name' },
  };

  async function membershipPage(
    req: FastifyRequest,
    filter: { userId?: number; groupId?: number },
  ) {
    const { include } = parseQuery(membershipListQuery, req.query);
    const page = await paginate(req, base, membershipsQuery(db, filter), {
      sortable: { created_at: 'created_at' },
    });
    return {
      group_memberships: page.rows.map((m) => presentGroupMembership(m, base)),
      ...(await read.membershipSideloads(page.rows, include)),
      ...page.meta,
    };
  }

  // Groups ------------------------------------------------------------------------------------

  app.get('/groups', async (req) => {
    requireAgent(actorOf(req));
    const { exclude_deleted } = parseWith(listGroupsQuery, req.query ?? {});
    const page = await paginate(
      req,
      base,
      groupsQuery(db, { excludeDeleted: exclude_deleted }),
      groupSort,
    );
    return { groups: page.rows.map((g) => presentGroup(g, base)), ...page.meta };
  });

  app.get('/groups/assignable', async (req) => {
    requireAgent(actorOf(req));
    const page = await paginate(req, base, groupsQuery(db, { excludeDeleted: true }), groupSort);
    return { groups: page.rows.map((g) => presentGroup(g, base)), ...page.meta };
  });

  app.get('/groups/count', async (req) => {
    requireAgent(actorOf(req));
    return { count: { value: await countGroups(db), refreshed_at: refreshedAt() } };
  });

  app.get('/groups/:id', async (req) => {
    requireAgent(actorOf(req));
    return { group: presentGroup(await getGroup(db, idParam(req.params)), base) };
  });

  app.get('/groups/:id/users', async (req) => {
    requireAgent(actorOf(req));
    const group = await getGroup(db, idParam(req.params));
    const page = await paginate(req, base, groupUsersQuery(db, group.id), {
      sortable: { created_at: 'created_at', updated_at: 'updated_at' },
    });
    return { users: page.rows.map((u) => presentUser(u, base)), ...page.meta };
  });

  app.post('/groups', async (req, reply) => {
    await requireWriter(db, actorOf(req), 'manage_groups');
    const input = parseWith(createGroupSchema, req.body).group;
    const group = presentGroup(await createGroup(db, input, nowIso()), base);
    reply.status(201).header('location', group.url);
    return { group };
  });

  app.put('/groups/:id', async (req) => {
    await requireWriter(db, actorOf(req), 'manage_groups');
    const groupId = idParam(req.params);
    const input = parseWith(updateGroupSchema, req.body).group;
    return { group: presentGroup(await updateGroup(db, groupId, input, nowIso()), base) };
  });

  app.delete('/groups/:id', async (req, reply) => {
    await requireWriter(db, actorOf(req), 'manage_groups');
    await deleteGroup(db, idParam(req.params), nowIso());
    return reply.status(204).send();
  });

  // Group memberships -------------------------------------------------------------------------

  app.get('/group_memberships', async (req) => {
    requireAgent(actorOf(req));
    return membershipPage(req, {});
  });

  app.get('/group_memberships/:id', async (req) => {
    requireAgent(actorOf(req));
    const membership = await getMembership(db, idParam(req.params));
    return { group_membership: presentGroupMembership(membership, base) };
  });

  app.get('/users/:id/group_memberships', async (req) => {
    requireAgent(actorOf(req));
    const user = await getUser(db, idParam(req.params));
    return membershipPage(req, { userId: user.id });
  });

  app.get('/groups/:id/memberships', async (req) => {
    requireAgent(actorOf(req));
    const group = await getGroup(db, idParam(req.params));
    return membershipPage(req, { groupId: group.id });
  });

  app.post('/group_memberships', async (req, reply) => {
    await requireWriter(db, actorOf(req), 'manage_group_memberships');
    const input = parseWith(createMembershipSchema, req.body).group_membership;
    const membership = presentGroupMembership(await createMembership(db, input, nowIso()), base);
    reply.status(201).header('location', membership.url);
    return { group_membership: membership };
  });

  app.delete('/group_memberships/:id', async (req, reply) => {
    const actor = actorOf(req);
    await requireWriter(db, actor, 'manage_group_memberships');
    await deleteMembership(db, actor, idParam(req.params), nowIso(), events);
    return reply.status(204).send();
  });

  app.put('/users/:id/group_memberships/:membership_id/make_default', async (req) => {
    const actor = actorOf(req);
    const userId = idParam(req.params);
    // Zendesk lets agents pick their own default group; changing someone else's needs rights.
    requireAgent(actor);
    if (userId !== actor.user.id) await requireWriter(db, actor, 'manage_group_memberships');
    const membershipId = idParam(req.params, 'membership_id');
    const rows = await makeDefaultMembership(db, userId, membershipId, nowIso());
    return { group_memberships: rows.map((m) => presentGroupMembership(m, base)) };
  });
};
