import { isAgent } from '../../../desk/context.ts';
import {
  addIdentity,
  deleteIdentity,
  listIdentities,
  makePrimary,
  showIdentity,
  verifyIdentity,
} from '../../../desk/identities.ts';
import { mergeSelfInto, mergeUsers } from '../../../desk/merge-users.ts';
import { authorize } from '../../../desk/policies/authorize.ts';
import { nowIso } from '../../../desk/time.ts';
import {
  createOrUpdateUser,
  createUserAs,
  deleteUser,
  updateUser,
} from '../../../desk/user-commands.ts';
import {
  autocompleteUsers,
  listUsers,
  searchUsers,
  showManyUsers,
  showUser,
} from '../../../desk/user-queries.ts';
import type { RoutePlugin } from '../../context.ts';
import { actorOf } from '../../shared/actor.ts';
import { parseWith } from '../../shared/errors.ts';
import { paginate } from '../../shared/pagination.ts';
import {
  presentIdentity,
  presentUser,
  presentUserFor,
} from '../../shared/read-model/presenters.ts';
import { parseQuery } from '../../shared/query.ts';
import { readModel } from '../../shared/read-model/read-model.ts';
import { idParam } from '../../shared/schemas/common.ts';
import {
  autocompleteUsersQuery,
  listUsersQuery,
  searchUsersQuery,
  showManyUsersQuery,
  showUserQuery,
} from './query-schemas.ts';
import {
  createSchema,
  identitySchema,
  mergeSchema,
  selfMergeSchema,
  updateSchema,
  upsertSchema,
} from './schemas.ts';

export const userRoutes: RoutePlugin = (app, { db, config, events, renderedTickets }) => {
  const base = config.publicUrl;
  const read = readModel(db, base, renderedTickets);
  const sortable = { name: 'name', created_at: 'created_at', updated_at: 'updated_at' };

  app.get('/users', async (req) => {
    const q = parseQuery(listUsersQuery, req.query);
    const query = await listUsers(db, actorOf(req), {
      roles: q.roles,
      externalId: q.external_id,
      customRoleId: q.permission_set,
    });
    const page = await paginate(req, base, query, { sortable });
    const extra = await read.userSideloads(page.rows, q.include);
    return { users: page.rows.map((u) => presentUser(u, base)), ...extra, ...page.meta };
  });

  app.get('/users/me', async (req) => {
    const actor = actorOf(req);
    const { include } = parseQuery(showUserQuery, req.query);
    const user = await showUser(db, actor, actor.user.id);
    const extra = isAgent(actor.user) ? await read.userSideloads([user], include) : {};
    return { user: presentUserFor(actor.user, user, base), ...extra };
  });

  app.get('/users/show_many', async (req) => {
    const q = parseQuery(showManyUsersQuery, req.query);
    const by = q.by === 'external_ids' ? { externalIds: q.externalIds } : { ids: q.ids };
    const rows = await showManyUsers(db, actorOf(req), by);
    const extra = await read.userSideloads(rows, q.include);
    return { users: rows.map((u) => presentUser(u, base)), ...extra };
  });

  app.get('/users/search', async (req) => {
    const q = parseQuery(searchUsersQuery, req.query);
    const by = q.by === 'external_id' ? { externalId: q.externalId } : { text: q.text };
    const query = await searchUsers(db, actorOf(req), by);
    const page = await paginate(req, base, query, { sortable });
    const extra = await read.userSideloads(page.rows, q.include);
    return { users: page.rows.map((u) => presentUser(u, base)), ...extra, ...page.meta };
  });

  app.get('/users/autocomplete', async (req) => {
    const { name } = parseQuery(autocompleteUsersQuery, req.query);
    const query = await autocompleteUsers(db, actorOf(req), name);
    const page = await paginate(req, base, query, { sortable });
    return { users: page.rows.map((u) => presentUser(u, base)), ...page.meta };
  });

  app.get('/users/:id', async (req) => {
    const actor = actorOf(req);
    const userId = idParam(req.params);
    const { include } = parseQuery(showUserQuery, req.query);
    const user = await showUser(db, actor, userId);
    const extra = isAgent(actor.user) ? await read.userSideloads([user], include) : {};
    return { user: presentUserFor(actor.user, user, base), ...extra };
  });

  app.post('/users', async (req, reply) => {
    const actor = actorOf(req);
    // Early: without the right, 403 before the body is read (not 400/422); the desk checks again.
    await authorize(db, actor, 'user:write');
    const body = parseWith(createSchema, req.body).user;
    const user = await createUserAs(db, actor, body, nowIso());
    const presented = presentUser(user, base);
    reply.status(201).header('location', presented.url);
    return { user: presented };
  });

  app.post('/users/create_or_update', async (req, reply) => {
    const actor = actorOf(req);
    // Early: without the right, 403 before the body is read (not 400/422); the desk checks again.
    await authorize(db, actor, 'user:write');
    const body = parseWith(upsertSchema, req.body).user;
    const { user, created } = await createOrUpdateUser(db, actor, body, nowIso());
    const presented = presentUser(user, base);
    if (created) reply.status(201).header('location', presented.url);
    return { user: presented };
  });

  app.put('/users/me/merge', async (req) => {
    const actor = actorOf(req);
    const { email, password } = parseWith(selfMergeSchema, req.body).user;
    const target = await mergeSelfInto(db, actor, { email, password }, nowIso(), events);
    return { user: presentUserFor(actor.user, target, base) };
  });

  app.put('/users/:id', async (req) => {
    const actor = actorOf(req);
    // Early: without the right, 403 before the body is read (not 400/422); the desk checks again.
    await authorize(db, actor, 'user:write');
    const userId = idParam(req.params);
    const body = parseWith(updateSchema, req.body).user;
    const user = await updateUser(db, actor, userId, body, nowIso());
    return { user: presentUser(user, base) };
  });

  app.delete('/users/:id', async (req) => {
    const actor = actorOf(req);
    // Early: without the right, 403 rather than the desk's 404; the desk checks again.
    await authorize(db, actor, 'user:write');
    const user = await deleteUser(db, actor, idParam(req.params), nowIso());
    return { user: presentUser(user, base) };
  });

  app.put('/users/:id/merge', async (req) => {
    const actor = actorOf(req);
    // Early: without the right, 403 before the body is read (not 400/422); the desk checks again.
    await authorize(db, actor, 'user:write');
    const sourceId = idParam(req.params);
    const targetId = parseWith(mergeSchema, req.body).user.id;
    const target = await mergeUsers(db, actor, sourceId, targetId, nowIso(), events);
    return { user: presentUser(target, base) };
  });

  // Identities. End users manage none of them through this API (Zendesk gives them
  // /end_users/{id}/identities, which Parley does not offer).

  app.get('/users/:id/identities', async (req) => {
    const rows = await listIdentities(db, actorOf(req), idParam(req.params));
    return {
      identities: rows.map((i) => presentIdentity(i, base)),
      next_page: null,
      previous_page: null,
      count: rows.length,
    };
  });

  app.get('/users/:id/identities/:identityId', async (req) => {
    const identity = await showIdentity(
      db,
      actorOf(req),
      idParam(req.params),
      idParam(req.params, 'identityId'),
    );
    return { identity: presentIdentity(identity, base) };
  });

  app.post('/users/:id/identities', async (req, reply) => {
    const actor = actorOf(req);
    // Early: without the right, 403 before the body is read (not 400/422); the desk checks again.
    await authorize(db, actor, 'user:write-identities');
    const input = parseWith(identitySchema, req.body).identity;
    const identity = await addIdentity(db, actor, idParam(req.params), input, nowIso());
    const presented = presentIdentity(identity, base);
    reply.status(201).header('location', presented.url);
    return { identity: presented };
  });

  app.put('/users/:id/identities/:identityId/make_primary', async (req) => {
    const actor = actorOf(req);
    // Early: without the right, 403 rather than the desk's 404; the desk checks again.
    await authorize(db, actor, 'user:write-identities');
    const rows = await makePrimary(
      db,
      actor,
      idParam(req.params),
      idParam(req.params, 'identityId'),
      nowIso(),
    );
    return { identities: rows.map((i) => presentIdentity(i, base)) };
  });

  app.put('/users/:id/identities/:identityId/verify', async (req) => {
    const actor = actorOf(req);
    // Early: without the right, 403 rather than the desk's 404; the desk checks again.
    await authorize(db, actor, 'user:write-identities');
    const identity = await verifyIdentity(
      db,
      actor,
      idParam(req.params),
      idParam(req.params, 'identityId'),
      nowIso(),
    );
    return { identity: presentIdentity(identity, base) };
  });

  app.delete('/users/:id/identities/:identityId', async (req, reply) => {
    const actor = actorOf(req);
    // Early: without the right, 403 rather than the desk's 404; the desk checks again.
    await authorize(db, actor, 'user:write-identities');
    await deleteIdentity(
      db,
      actor,
      idParam(req.params),
      idParam(req.params, 'identityId'),
      nowIso(),
    );
    return reply.status(204).send();
  });
};
