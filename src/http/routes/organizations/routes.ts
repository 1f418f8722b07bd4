import type { FastifyRequest } from 'fastify';
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
} from '../../../desk/organizations.ts';
import { authorize } from '../../../desk/policies/authorize.ts';
import { nowIso } from '../../../desk/time.ts';
import type { RoutePlugin } from '../../context.ts';
import { actorOf } from '../../shared/actor.ts';
import { parseWith } from '../../shared/errors.ts';
import { paginate } from '../../shared/pagination.ts';
import { parseQuery } from '../../shared/query.ts';
import { presentOrganization, presentUser } from '../../shared/read-model/presenters.ts';
import { idParam } from '../../shared/schemas/common.ts';
import {
  autocompleteOrganizationsQuery,
  searchOrganizationsQuery,
  showManyOrganizationsQuery,
} from './query-schemas.ts';
import { createSchema, updateSchema, upsertSchema } from './schemas.ts';

/*
 * Writes authorize before reading the path or body, so a caller without the right gets a 403
 * whatever they sent (as from Zendesk); the desk command authorizes again, for every other door.
 */
export const organizationRoutes: RoutePlugin = (app, svc) => {
  const { db, config } = svc;
  const base = config.publicUrl;

  app.get('/organizations', async (req) => {
    await authorize(db, actorOf(req), 'organization:read');
    const page = await paginate(req, base, organizationsQuery(db), {
      sortable: { created_at: 'created_at', updated_at: 'updated_at', name: 'name_key' },
    });
    return { organizations: page.rows.map((o) => presentOrganization(o, base)), ...page.meta };
  });

  app.get('/organizations/count', async (req) => {
    await authorize(db, actorOf(req), 'organization:read');
    return {
      count: {
        value: await countOrganizations(db),
        refreshed_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
    };
  });

  app.get('/organizations/show_many', async (req) => {
    await authorize(db, actorOf(req), 'organization:read');
    const q = parseQuery(showManyOrganizationsQuery, req.query);
    const rows =
      q.by === 'ids'
        ? await organizationsByIds(db, q.ids)
        : await organizationsByExternalIds(db, q.externalIds);
    return { organizations: rows.map((o) => presentOrganization(o, base)) };
  });

  app.get('/organizations/search', async (req) => {
    await authorize(db, actorOf(req), 'organization:read');
    const by = parseQuery(searchOrganizationsQuery, req.query);
    const page = await paginate(req, base, searchOrganizations(db, by));
    return { organizations: page.rows.map((o) => presentOrganization(o, base)), ...page.meta };
  });

  app.get('/organizations/autocomplete', async (req) => {
    await authorize(db, actorOf(req), 'organization:read');
    const { name } = parseQuery(autocompleteOrganizationsQuery, req.query);
    const page = await paginate(req, base, autocompleteOrganizations(db, name), {
      sortable: { name: 'name_key' },
      defaultSort: 'name',
    });
    return { organizations: page.rows.map((o) => presentOrganization(o, base)), ...page.meta };
  });

  app.get('/organizations/:id', async (req) => {
    await authorize(db, actorOf(req), 'organization:read');
    return {
      organization: presentOrganization(await getOrganization(db, idParam(req.params)), base),
    };
  });

  app.get('/organizations/:id/users', async (req) => {
    await authorize(db, actorOf(req), 'organization:read');
    const org = await getOrganization(db, idParam(req.params));
    const page = await paginate(req, base, organizationUsersQuery(db, org.id), {
      sortable: { created_at: 'created_at', updated_at: 'updated_at' },
    });
    return { users: page.rows.map((u) => presentUser(u, base)), ...page.meta };
  });

  app.post('/organizations', async (req, reply) => {
    await authorize(db, actorOf(req), 'organization:manage');
    const input = parseWith(createSchema, req.body).organization;
    const org = presentOrganization(
      await createOrganization(db, actorOf(req), input, nowIso()),
      base,
    );
    reply.status(201).header('location', org.url);
    return { organization: org };
  });

  app.post('/organizations/create_or_update', async (req, reply) => {
    await authorize(db, actorOf(req), 'organization:manage');
    const input = parseWith(upsertSchema, req.body).organization;
    const result = await createOrUpdateOrganization(db, actorOf(req), input, nowIso());
    const org = presentOrganization(result.organization, base);
    if (result.created) reply.status(201).header('location', org.url);
    return { organization: org };
  });

  app.put('/organizations/:id', async (req) => {
    await authorize(db, actorOf(req), 'organization:manage');
    const orgId = idParam(req.params);
    const input = parseWith(updateSchema, req.body).organization;
    return {
      organization: presentOrganization(
        await updateOrganization(db, actorOf(req), orgId, input, nowIso()),
        base,
      ),
    };
  });

  app.delete('/organizations/:id', async (req: FastifyRequest, reply) => {
    await authorize(db, actorOf(req), 'organization:manage');
    await deleteOrganization(db, actorOf(req), idParam(req.params), nowIso());
    return reply.status(204).send();
  });
};
