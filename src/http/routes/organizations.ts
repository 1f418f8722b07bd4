import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  autocompleteOrganizationsQuery,
  countOrganizations,
  createOrganization,
  createOrUpdateOrganization,
  deleteOrganization,
  getOrganization,
  organizationsByExternalIds,
  organizationsByIds,
  organizationsQuery,
  organizationUsersQuery,
  searchOrganizationsQuery,
  updateOrganization,
} from '../../desk/organizations.ts';
import { authorize } from '../../desk/policies/authorize.ts';
import { nowIso } from '../../desk/time.ts';
import { actorOf, type RoutePlugin } from '../context.ts';
import { HttpError, parseWith } from '../errors.ts';
import { paginate } from '../pagination.ts';
import { presentOrganization, presentUser } from '../presenters.ts';
import { id, idList, idParam, nullableId, tagList } from '../schemas/common.ts';

const domainList = z.union([
  z.array(z.string().max(253)).max(1000),
  z
    .string()
    .max(100_000)
    .transform((s) => s.split(/[\s,]+/).filter(Boolean)),
]);

const fieldValue = z.union([z.string().max(65_536), z.number(), z.boolean(), z.null()]);

const orgFields = {
  name: z.string().max(255).optional(),
  external_id: z.string().max(255).nullable().optional(),
  domain_names: domainList.optional(),
  details: z.string().max(65_536).nullable().optional(),
  notes: z.string().max(65_536).nullable().optional(),
  group_id: nullableId.optional(),
  shared_tickets: z.boolean().optional(),
  shared_comments: z.boolean().optional(),
  tags: tagList.optional(),
  organization_fields: z.record(z.string().max(255), fieldValue).optional(),
};

const createSchema = z.object({
  organization: z.object({ ...orgFields, name: z.string().max(255) }).strip(),
});
const updateSchema = z.object({ organization: z.object(orgFields).strip() });
const upsertSchema = z.object({
  organization: z.object({ ...orgFields, id: id.optional() }).strip(),
});

const searchQuery = z.union([
  z.object({ name: z.string().min(1).max(255) }),
  z.object({ external_id: z.string().min(1).max(255) }),
]);

type Query = Record<string, unknown>;

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
    const q = req.query as Query;
    let rows;
    if (q.ids !== undefined) rows = await organizationsByIds(db, idList(q.ids));
    else if (typeof q.external_ids === 'string' && q.external_ids.trim() !== '') {
      const externalIds = q.external_ids.split(',').map((s) => s.trim());
      if (externalIds.length > 100) {
        throw new HttpError(400, 'InvalidParameter', 'external_ids takes up to 100 values');
      }
      rows = await organizationsByExternalIds(db, externalIds);
    } else throw new HttpError(400, 'InvalidParameter', 'ids or external_ids is required');
    return { organizations: rows.map((o) => presentOrganization(o, base)) };
  });

  app.get('/organizations/search', async (req) => {
    await authorize(db, actorOf(req), 'organization:read');
    const q = req.query as Query;
    const by = searchQuery.safeParse(
      typeof q.external_id === 'string' ? { external_id: q.external_id } : { name: q.name },
    );
    if (!by.success)
      throw new HttpError(400, 'InvalidParameter', 'name or external_id is required');
    const page = await paginate(req, base, searchOrganizationsQuery(db, by.data));
    return { organizations: page.rows.map((o) => presentOrganization(o, base)), ...page.meta };
  });

  app.get('/organizations/autocomplete', async (req) => {
    await authorize(db, actorOf(req), 'organization:read');
    const name = (req.query as Query).name;
    if (typeof name !== 'string' || name.trim() === '' || name.length > 255) {
      throw new HttpError(400, 'InvalidParameter', 'name is required');
    }
    const page = await paginate(req, base, autocompleteOrganizationsQuery(db, name), {
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
