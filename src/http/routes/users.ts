import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Role, User } from '../../db/types.ts';
import { type Conn, isAgent } from '../../desk/context.ts';
import { externalIdIn } from '../../desk/external-ids.ts';
import {
  addIdentity,
  deleteIdentity,
  getIdentity,
  identitiesOf,
  listIdentities,
  makePrimary,
  verifyIdentity,
} from '../../desk/identities.ts';
import { mergeSelfInto, mergeUsers } from '../../desk/merge-users.ts';
import { authorize } from '../../desk/policies/authorize.ts';
import { nowIso } from '../../desk/time.ts';
import {
  createOrUpdateUser,
  createUserAs,
  deleteUser,
  updateUser,
} from '../../desk/user-commands.ts';
import {
  autocompleteUsersQuery,
  listUsersQuery,
  searchUsersQuery,
} from '../../desk/user-queries.ts';
import { loadUser, ROLES } from '../../desk/users.ts';
import { actorOf, type RoutePlugin } from '../context.ts';
import { HttpError, parseWith } from '../errors.ts';
import { paginate } from '../pagination.ts';
import {
  presentGroup,
  presentIdentity,
  presentOrganization,
  presentUser,
  presentUserFor,
} from '../presenters.ts';
import { id, idList, idParam, MAX_ID, nullableId, tagList } from '../schemas/common.ts';

const text = (max: number) => z.string().max(max);

/** `messaging` is how Slack identities are shown, so a client may send it back. */
const identityType = z
  .enum(['email', 'phone_number', 'slack', 'messaging'])
  .transform((t) => (t === 'messaging' ? 'slack' : t));

const identityInput = z.object({
  type: identityType,
  value: text(255),
  verified: z.boolean().optional(),
});

const userFields = {
  name: text(255).optional(),
  email: z.email().max(255).nullable().optional(),
  role: z.enum(ROLES as [Role, ...Role[]]).optional(),
  external_id: z
    .union([text(255), z.number().int().transform(String)])
    .nullable()
    .optional(),
  organization_id: nullableId.optional(),
  phone: text(50).nullable().optional(),
  locale: z.string().min(2).max(20).optional(),
  time_zone: text(100).nullable().optional(),
  details: text(65_536).nullable().optional(),
  notes: text(65_536).nullable().optional(),
  tags: tagList.optional(),
  user_fields: z.record(z.string(), z.unknown()).optional(),
  verified: z.boolean().optional(),
  suspended: z.boolean().optional(),
  custom_role_id: nullableId.optional(),
  default_group_id: nullableId.optional(),
  alias: text(255).nullable().optional(),
  signature: text(65_536).nullable().optional(),
};

const createSchema = z.object({
  user: z
    .object({
      ...userFields,
      name: text(255).refine((s) => s.trim() !== '', 'cannot be blank'),
      identities: z.array(identityInput).max(20).optional(),
    })
    .strip(),
});
const upsertSchema = z.object({
  user: z
    .object({ ...userFields, identities: z.array(identityInput).max(20).optional() })
    .strip()
    .refine((u) => u.email || u.external_id, {
      message: 'an email or an external_id is needed to find the user',
      path: ['email'],
    }),
});
const updateSchema = z.object({ user: z.object(userFields).strip() });
const mergeSchema = z.object({ user: z.object({ id }) });
const selfMergeSchema = z.object({
  user: z.object({ email: z.email().max(255), password: z.string().min(1).max(1024) }),
});
const identitySchema = z.object({ identity: identityInput });

type Query = Record<string, unknown>;

/** `role=agent`, `role[]=agent&role[]=admin` (and the comma form our own next_page links use). */
function roleFilter(q: Query): Role[] | undefined {
  const raw = [q.role, q['role[]']].flat().filter((v) => v !== undefined);
  if (raw.length === 0) return undefined;
  const roles = raw.flatMap((v) => String(v).split(',')).map((s) => s.trim());
  const bad = roles.find((r) => !ROLES.includes(r as Role));
  if (bad !== undefined) {
    throw new HttpError(400, 'InvalidParameter', `role must be one of ${ROLES.join(', ')}`);
  }
  return roles as Role[];
}

function stringParam(q: Query, key: string): string | undefined {
  const v = q[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length > 255) {
    throw new HttpError(400, 'InvalidParameter', `${key} must be one string`);
  }
  return v;
}

/** `include=identities,organizations,groups` side-loads what users point at. */
async function sideloads(db: Conn, req: FastifyRequest, users: User[], base: string) {
  const include = String((req.query as Query).include ?? '')
    .split(',')
    .map((s) => s.trim());
  const out: Record<string, unknown> = {};
  const ids = users.map((u) => u.id);
  if (include.includes('identities')) {
    out.identities = (await identitiesOf(db, ids)).map((i) => presentIdentity(i, base));
  }
  if (include.includes('organizations')) {
    const orgIds = [
      ...new Set(users.map((u) => u.organization_id).filter((o): o is number => o !== null)),
    ];
    out.organizations = orgIds.length
      ? (await db.selectFrom('organizations').selectAll().where('id', 'in', orgIds).execute()).map(
          (o) => presentOrganization(o, base),
        )
      : [];
  }
  if (include.includes('groups')) {
    out.groups = ids.length
      ? (
          await db
            .selectFrom('groups')
            .selectAll()
            .where('deleted', '=', 0)
            .where('id', 'in', (eb) =>
              eb.selectFrom('group_memberships').select('group_id').where('user_id', 'in', ids),
            )
            .orderBy('id')
            .execute()
        ).map((g) => presentGroup(g, base))
      : [];
  }
  return out;
}

export const userRoutes: RoutePlugin = (app, { db, config }) => {
  const base = config.publicUrl;
  const sortable = { name: 'name', created_at: 'created_at', updated_at: 'updated_at' };

  app.get('/users', async (req) => {
    await authorize(db, actorOf(req), 'user:list');
    const q = req.query as Query;
    const permissionSet = stringParam(q, 'permission_set');
    if (
      permissionSet !== undefined &&
      (!/^\d{1,15}$/.test(permissionSet) || Number(permissionSet) > MAX_ID)
    ) {
      throw new HttpError(400, 'InvalidParameter', 'permission_set must be a custom role id');
    }
    const query = listUsersQuery(db, {
      roles: roleFilter(q),
      externalId: stringParam(q, 'external_id'),
      customRoleId: permissionSet === undefined ? undefined : Number(permissionSet),
    });
    const page = await paginate(req, base, query, { sortable });
    const extra = await sideloads(db, req, page.rows, base);
    return { users: page.rows.map((u) => presentUser(u, base)), ...extra, ...page.meta };
  });

  app.get('/users/me', async (req) => {
    const actor = actorOf(req);
    const user = await loadUser(db, actor.user.id);
    const extra = isAgent(actor.user) ? await sideloads(db, req, [user], base) : {};
    return { user: presentUserFor(actor.user, user, base), ...extra };
  });

  app.get('/users/show_many', async (req) => {
    await authorize(db, actorOf(req), 'user:list');
    const q = req.query as Query;
    let query = db.selectFrom('users').selectAll();
    if (q.external_ids !== undefined && q.ids === undefined) {
      const externalIds = stringParam(q, 'external_ids')!
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (externalIds.length === 0 || externalIds.length > 100) {
        throw new HttpError(400, 'InvalidParameter', 'external_ids must list 1 to 100 ids');
      }
      query = query.where(externalIdIn(externalIds));
    } else {
      query = query.where('id', 'in', idList(q.ids));
    }
    const rows = await query.orderBy('id').execute();
    const extra = await sideloads(db, req, rows, base);
    return { users: rows.map((u) => presentUser(u, base)), ...extra };
  });

  app.get('/users/search', async (req) => {
    await authorize(db, actorOf(req), 'user:list');
    const q = req.query as Query;
    const externalId = stringParam(q, 'external_id');
    const text = stringParam(q, 'query');
    let query;
    if (externalId !== undefined) query = listUsersQuery(db, { externalId });
    else if (text !== undefined && text.trim() !== '') query = searchUsersQuery(db, text);
    else throw new HttpError(400, 'InvalidParameter', 'query or external_id is required');
    const page = await paginate(req, base, query, { sortable });
    const extra = await sideloads(db, req, page.rows, base);
    return { users: page.rows.map((u) => presentUser(u, base)), ...extra, ...page.meta };
  });

  app.get('/users/autocomplete', async (req) => {
    await authorize(db, actorOf(req), 'user:list');
    const name = stringParam(req.query as Query, 'name');
    if (name === undefined || name.trim().length < 2) {
      throw new HttpError(400, 'InvalidParameter', 'name must have at least 2 characters');
    }
    const page = await paginate(req, base, autocompleteUsersQuery(db, name), { sortable });
    return { users: page.rows.map((u) => presentUser(u, base)), ...page.meta };
  });

  app.get('/users/:id', async (req) => {
    const actor = actorOf(req);
    const userId = idParam(req.params);
    await authorize(db, actor, 'user:read', { userId });
    const user = await loadUser(db, userId);
    const extra = isAgent(actor.user) ? await sideloads(db, req, [user], base) : {};
    return { user: presentUserFor(actor.user, user, base), ...extra };
  });

  app.post('/users', async (req, reply) => {
    const actor = actorOf(req);
    await authorize(db, actor, 'user:write');
    const body = parseWith(createSchema, req.body).user;
    const user = await createUserAs(db, actor.user, body, nowIso());
    const presented = presentUser(user, base);
    reply.status(201).header('location', presented.url);
    return { user: presented };
  });

  app.post('/users/create_or_update', async (req, reply) => {
    const actor = actorOf(req);
    await authorize(db, actor, 'user:write');
    const body = parseWith(upsertSchema, req.body).user;
    const { user, created } = await createOrUpdateUser(db, actor.user, body, nowIso());
    const presented = presentUser(user, base);
    if (created) reply.status(201).header('location', presented.url);
    return { user: presented };
  });

  app.put('/users/me/merge', async (req) => {
    const actor = actorOf(req);
    const { email, password } = parseWith(selfMergeSchema, req.body).user;
    const target = await mergeSelfInto(db, actor.user, { email, password }, nowIso());
    return { user: presentUserFor(actor.user, target, base) };
  });

  app.put('/users/:id', async (req) => {
    const actor = actorOf(req);
    await authorize(db, actor, 'user:write');
    const userId = idParam(req.params);
    const body = parseWith(updateSchema, req.body).user;
    const user = await updateUser(db, actor.user, userId, body, nowIso());
    return { user: presentUser(user, base) };
  });

  app.delete('/users/:id', async (req) => {
    const actor = actorOf(req);
    await authorize(db, actor, 'user:write');
    const user = await deleteUser(db, actor.user, idParam(req.params), nowIso());
    return { user: presentUser(user, base) };
  });

  app.put('/users/:id/merge', async (req) => {
    const actor = actorOf(req);
    await authorize(db, actor, 'user:write');
    const sourceId = idParam(req.params);
    const targetId = parseWith(mergeSchema, req.body).user.id;
    const target = await mergeUsers(db, actor.user, sourceId, targetId, nowIso());
    return { user: presentUser(target, base) };
  });

  // Identities. End users manage none of them through this API (Zendesk gives them
  // /end_users/{id}/identities, which Parley does not offer).

  app.get('/users/:id/identities', async (req) => {
    await authorize(db, actorOf(req), 'user:read-identities');
    const rows = await listIdentities(db, idParam(req.params));
    return {
      identities: rows.map((i) => presentIdentity(i, base)),
      next_page: null,
      previous_page: null,
      count: rows.length,
    };
  });

  app.get('/users/:id/identities/:identityId', async (req) => {
    await authorize(db, actorOf(req), 'user:read-identities');
    const identity = await getIdentity(db, idParam(req.params), idParam(req.params, 'identityId'));
    return { identity: presentIdentity(identity, base) };
  });

  app.post('/users/:id/identities', async (req, reply) => {
    const actor = actorOf(req);
    await authorize(db, actor, 'user:write-identities');
    const input = parseWith(identitySchema, req.body).identity;
    const identity = await addIdentity(db, actor.user, idParam(req.params), input, nowIso());
    const presented = presentIdentity(identity, base);
    reply.status(201).header('location', presented.url);
    return { identity: presented };
  });

  app.put('/users/:id/identities/:identityId/make_primary', async (req) => {
    const actor = actorOf(req);
    await authorize(db, actor, 'user:write-identities');
    const rows = await makePrimary(
      db,
      actor.user,
      idParam(req.params),
      idParam(req.params, 'identityId'),
      nowIso(),
    );
    return { identities: rows.map((i) => presentIdentity(i, base)) };
  });

  app.put('/users/:id/identities/:identityId/verify', async (req) => {
    const actor = actorOf(req);
    await authorize(db, actor, 'user:write-identities');
    const identity = await verifyIdentity(
      db,
      actor.user,
      idParam(req.params),
      idParam(req.params, 'identityId'),
      nowIso(),
    );
    return { identity: presentIdentity(identity, base) };
  });

  app.delete('/users/:id/identities/:identityId', async (req, reply) => {
    const actor = actorOf(req);
    await authorize(db, actor, 'user:write-identities');
    await deleteIdentity(
      db,
      actor.user,
      idParam(req.params),
      idParam(req.params, 'identityId'),
      nowIso(),
    );
    return reply.status(204).send();
  });
};
