import type { FastifyRequest } from 'fastify';
import {
  countGroups,
  listGroups,
  listGroupUsers,
  listMemberships,
  showGroup,
  showMembership,
} from '../../../desk/group-queries.ts';
import {
  createGroup,
  createMembership,
  deleteGroup,
  deleteMembership,
  makeDefaultMembership,
  updateGroup,
} from '../../../desk/groups.ts';
import { authorize } from '../../../desk/policies/authorize.ts';
import { nowIso } from '../../../desk/time.ts';
import type { RoutePlugin } from '../../context.ts';
import { actorOf } from '../../shared/actor.ts';
import { parseWith } from '../../shared/errors.ts';
import { paginate } from '../../shared/pagination.ts';
import { parseQuery } from '../../shared/query.ts';
import {
  presentGroup,
  presentGroupMembership,
  presentUser,
} from '../../shared/read-model/presenters.ts';
import { readModel } from '../../shared/read-model/read-model.ts';
import { idParam } from '../../shared/schemas/common.ts';
import { listGroupsQuery, membershipListQuery } from './query-schemas.ts';
import { createGroupSchema, createMembershipSchema, updateGroupSchema } from './schemas.ts';

function refreshedAt(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/*
 * Writes authorize before reading the path or body, so a caller without the right gets a 403
 * whatever they sent (as from Zendesk); the desk command authorizes again, for every other door.
 */
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
    const query = await listMemberships(db, actorOf(req), filter);
    const { include } = parseQuery(membershipListQuery, req.query);
    const page = await paginate(req, base, query, {
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
    const actor = actorOf(req);
    const { exclude_deleted } = parseWith(listGroupsQuery, req.query ?? {});
    const query = await listGroups(db, actor, { excludeDeleted: exclude_deleted });
    const page = await paginate(req, base, query, groupSort);
    return { groups: page.rows.map((g) => presentGroup(g, base)), ...page.meta };
  });

  app.get('/groups/assignable', async (req) => {
    const query = await listGroups(db, actorOf(req), { excludeDeleted: true });
    const page = await paginate(req, base, query, groupSort);
    return { groups: page.rows.map((g) => presentGroup(g, base)), ...page.meta };
  });

  app.get('/groups/count', async (req) => {
    const value = await countGroups(db, actorOf(req));
    return { count: { value, refreshed_at: refreshedAt() } };
  });

  app.get('/groups/:id', async (req) => {
    return { group: presentGroup(await showGroup(db, actorOf(req), idParam(req.params)), base) };
  });

  app.get('/groups/:id/users', async (req) => {
    const query = await listGroupUsers(db, actorOf(req), idParam(req.params));
    const page = await paginate(req, base, query, {
      sortable: { created_at: 'created_at', updated_at: 'updated_at' },
    });
    return { users: page.rows.map((u) => presentUser(u, base)), ...page.meta };
  });

  app.post('/groups', async (req, reply) => {
    await authorize(db, actorOf(req), 'group:manage');
    const input = parseWith(createGroupSchema, req.body).group;
    const group = presentGroup(await createGroup(db, actorOf(req), input, nowIso()), base);
    reply.status(201).header('location', group.url);
    return { group };
  });

  app.put('/groups/:id', async (req) => {
    await authorize(db, actorOf(req), 'group:manage');
    const groupId = idParam(req.params);
    const input = parseWith(updateGroupSchema, req.body).group;
    return {
      group: presentGroup(await updateGroup(db, actorOf(req), groupId, input, nowIso()), base),
    };
  });

  app.delete('/groups/:id', async (req, reply) => {
    await authorize(db, actorOf(req), 'group:manage');
    await deleteGroup(db, actorOf(req), idParam(req.params), nowIso());
    return reply.status(204).send();
  });

  // Group memberships -------------------------------------------------------------------------

  app.get('/group_memberships', async (req) => {
    return membershipPage(req, {});
  });

  app.get('/group_memberships/:id', async (req) => {
    const membership = await showMembership(db, actorOf(req), idParam(req.params));
    return { group_membership: presentGroupMembership(membership, base) };
  });

  app.get('/users/:id/group_memberships', async (req) => {
    return membershipPage(req, { userId: idParam(req.params) });
  });

  app.get('/groups/:id/memberships', async (req) => {
    return membershipPage(req, { groupId: idParam(req.params) });
  });

  app.post('/group_memberships', async (req, reply) => {
    await authorize(db, actorOf(req), 'group-membership:manage');
    const input = parseWith(createMembershipSchema, req.body).group_membership;
    const membership = presentGroupMembership(
      await createMembership(db, actorOf(req), input, nowIso()),
      base,
    );
    reply.status(201).header('location', membership.url);
    return { group_membership: membership };
  });

  app.delete('/group_memberships/:id', async (req, reply) => {
    const actor = actorOf(req);
    await authorize(db, actor, 'group-membership:manage');
    await deleteMembership(db, actor, idParam(req.params), nowIso(), events);
    return reply.status(204).send();
  });

  app.put('/users/:id/group_memberships/:membership_id/make_default', async (req) => {
    const actor = actorOf(req);
    const userId = idParam(req.params);
    await authorize(db, actor, 'group-membership:make-default', { userId });
    const membershipId = idParam(req.params, 'membership_id');
    const rows = await makeDefaultMembership(db, actor, userId, membershipId, nowIso());
    return { group_memberships: rows.map((m) => presentGroupMembership(m, base)) };
  });
};
