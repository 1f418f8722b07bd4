import type { FastifyRequest } from 'fastify';
import {
  autocompleteOrganizations,
  countOrganizations,
  listOrganizations,
  listOrganizationUsers,
  searchOrganizations,
  showManyOrganizations,
  showOrganization,
} from '../../../desk/organization-queries.ts';
import {
  createOrganization,
  createOrUpdateOrganization,
  deleteOrganization,
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
    const query = await listOrganizations(db, actorOf(req));
    const page = await paginate(req, base, query, {
      sortable: { created_at: 'created_at', updated_at: 'updated_at', name: 'name_key' },
    });
    return { organizations: page.rows.map((o) => presentOrganization(o, base)), ...page.meta };
  });

  app.get('/organizations/count', async (req) => {
    const value = await countOrganizations(db, actorOf(req));
    return {
      count: {
        value,
        refreshed_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
    };
  });

  app.get('/organizations/show_many', async (req) => {
    const q = parseQuery(showManyOrganizationsQuery, req.query);
    const by = q.by === 'ids' ? { ids: q.ids } : { externalIds: q.externalIds };
    const rows = await showManyOrganizations(db, actorOf(req), by);
    return { organizations: rows.map((o) => presentOrganization(o, base)) };
  });

  app.get('/organizations/search', async (req) => {
    const by = parseQuery(searchOrganizationsQuery, req.query);
    const page = await paginate(req, base, await searchOrganizations(db, actorOf(req), by));
    return { organizations: page.rows.map((o) => presentOrganization(o, base)), ...page.meta };
  });

  app.get('/organizations/autocomplete', async (req) => {
    const { name } = parseQuery(autocompleteOrganizationsQuery, req.query);
    const query = await autocompleteOrganizations(db, actorOf(req), name);
    const page = await paginate(req, base, query, {
      sortable: { name: 'name_key' },
      defaultSort: 'name',
    });
    return { organizations: page.rows.map((o) => presentOrganization(o, base)), ...page.meta };
  });

  app.get('/organizations/:id', async (req) => {
    const org = await showOrganization(db, actorOf(req), idParam(req.params));
    return { organization: presentOrganization(org, base) };
  });

  app.get('/organizations/:id/users', async (req) => {
    const query = await listOrganizationUsers(db, actorOf(req), idParam(req.params));
    const page = await paginate(req, base, query, {
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
