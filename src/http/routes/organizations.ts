import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../desk/context.ts';
import { requirePermission } from '../../desk/custom-roles.ts';
import {
  autocompleteOrganizationsQuery as autocompleteOrganizations,
  countOrganizations,
  createOrganization,
  createOrUpdateOrganization,
  deleteOrganization,
  getOrganization,
  organizationsByExternalIds,
  organizationsByIds,
  organizationsQuery,
  organizationUsersQuery,
  searchOrganizationsQuery as searchOrganizations,
  updateOrganization,
} from '../../desk/organizations.ts';
import { nowIso } from '../../desk/time.ts';
import { requireAgent } from '../auth.ts';
import { actorOf, type RoutePlugin, type Services } from '../context.ts';
import { parseWith } from '../shared/errors.ts';
import { paginate } from '../shared/pagination.ts';
import { parseQuery } from '../shared/query.ts';
import { presentOrganization, presentUser } from '../shared/read-model/presenters.ts';
import { idParam } from '../shared/schemas/common.ts';
import {
  autocompleteOrganizationsQuery,
  searchOrganizationsQuery,
  showManyOrganizationsQuery,
} from './organizations/query-schemas.ts';
import { createSchema, updateSchema, upsertSchema } from './organizations/schemas.ts';

/** Agents read organizations; admins, and agents whose role has manage_organizations, write. */
async function requireWriter(svc: Services, actor: Actor): Promise<void> {
  requireAgent(actor);
  await requirePermission(svc.db, actor.user, 'manage_organizations');
}

export const organizationRoutes: RoutePlugin = (app, svc) => {
  const { db, config } = svc;
  const base = config.publicUrl;

  app.get('/organizations', async (req) => {
    requireAgent(actorOf(req));
    const page = await paginate(req, base, organizationsQuery(db), {
      sortable: { created_at: 'created_at', updated_at: 'updated_at', name: 'name_key' },
    });
    return { organizations: page.rows.map((o) => presentOrganization(o, base)), ...page.meta };
  });

  app.get('/organizations/count', async (req) => {
    requireAgent(actorOf(req));
    return {
      count: {
        value: await countOrganizations(db),
        refreshed_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
    };
  });

  app.get('/organizations/show_many', async (req) => {
    requireAgent(actorOf(req));
    const q = parseQuery(showManyOrganizationsQuery, req.query);
    const rows =
      q.by === 'ids'
        ? await organizationsByIds(db, q.ids)
        : await organizationsByExternalIds(db, q.externalIds);
    return { organizations: rows.map((o) => presentOrganization(o, base)) };
  });

  app.get('/organizations/search', async (req) => {
    requireAgent(actorOf(req));
    const by = parseQuery(searchOrganizationsQuery, req.query);
    const page = await paginate(req, base, searchOrganizations(db, by));
    return { organizations: page.rows.map((o) => presentOrganization(o, base)), ...page.meta };
  });

  app.get('/organizations/autocomplete', async (req) => {
    requireAgent(actorOf(req));
    const { name } = parseQuery(autocompleteOrganizationsQuery, req.query);
    const page = await paginate(req, base, autocompleteOrganizations(db, name), {
      sortable: { name: 'name_key' },
      defaultSort: 'name',
    });
    return { organizations: page.rows.map((o) => presentOrganization(o, base)), ...page.meta };
  });

  app.get('/organizations/:id', async (req) => {
    requireAgent(actorOf(req));
    return {
      organization: presentOrganization(await getOrganization(db, idParam(req.params)), base),
    };
  });

  app.get('/organizations/:id/users', async (req) => {
    requireAgent(actorOf(req));
    const org = await getOrganization(db, idParam(req.params));
    const page = await paginate(req, base, organizationUsersQuery(db, org.id), {
      sortable: { created_at: 'created_at', updated_at: 'updated_at' },
    });
    return { users: page.rows.map((u) => presentUser(u, base)), ...page.meta };
  });

  app.post('/organizations', async (req, reply) => {
    await requireWriter(svc, actorOf(req));
    const input = parseWith(createSchema, req.body).organization;
    const org = presentOrganization(await createOrganization(db, input, nowIso()), base);
    reply.status(201).header('location', org.url);
    return { organization: org };
  });

  app.post('/organizations/create_or_update', async (req, reply) => {
    await requireWriter(svc, actorOf(req));
    const input = parseWith(upsertSchema, req.body).organization;
    const result = await createOrUpdateOrganization(db, input, nowIso());
    const org = presentOrganization(result.organization, base);
    if (result.created) reply.status(201).header('location', org.url);
    return { organization: org };
  });

  app.put('/organizations/:id', async (req) => {
    await requireWriter(svc, actorOf(req));
    const orgId = idParam(req.params);
    const input = parseWith(updateSchema, req.body).organization;
    return {
      organization: presentOrganization(await updateOrganization(db, orgId, input, nowIso()), base),
    };
  });

  app.delete('/organizations/:id', async (req: FastifyRequest, reply) => {
    await requireWriter(svc, actorOf(req));
    await deleteOrganization(db, idParam(req.params), nowIso());
    return reply.status(204).send();
  });
};
