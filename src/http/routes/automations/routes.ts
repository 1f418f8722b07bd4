import type { Automation } from '../../../db/types.ts';
import { authorize } from '../../../desk/policies/authorize.ts';
import { nowIso, parseJson, presentTime } from '../../../desk/time.ts';
import {
  createAutomation,
  deleteAutomation,
  destroyManyAutomations,
  listAutomations,
  searchAutomations,
  showAutomation,
  updateAutomation,
  updateManyAutomations,
} from '../../../rules/automations.ts';
import type { RoutePlugin } from '../../context.ts';
import { actorOf } from '../../shared/actor.ts';
import { parseWith } from '../../shared/errors.ts';
import { paginate } from '../../shared/pagination.ts';
import { parseQuery } from '../../shared/query.ts';
import { idParam } from '../../shared/schemas/common.ts';
import { destroyManyQuery, listAutomationsQuery, searchAutomationsQuery } from './query-schemas.ts';
import { automationSchema, updateManySchema } from './schemas.ts';

/** Zendesk's sort_by values for automations (usage counts are not kept). */
const sortable = {
  position: 'position',
  title: 'title',
  alphabetical: 'title',
  created_at: 'created_at',
  updated_at: 'updated_at',
};
const pageOptions = { sortable, defaultSort: 'position' };

/** Zendesk's automation JSON (§4). */
export function presentAutomation(row: Automation, base: string) {
  return {
    url: `${base}/api/v2/automations/${row.id}.json`,
    id: row.id,
    title: row.title,
    raw_title: row.raw_title,
    active: row.active === 1,
    position: row.position,
    default: row.is_default === 1,
    conditions: parseJson(row.conditions, { all: [], any: [] }),
    actions: parseJson(row.actions, []),
    created_at: presentTime(row.created_at),
    updated_at: presentTime(row.updated_at),
  };
}

/*
 * Writes authorize before reading the path or body, so a caller without the right gets a 403
 * whatever they sent; the rules' commands authorize again, for every other door.
 */
export const automationRoutes: RoutePlugin = (app, { db, config }) => {
  const base = config.publicUrl;
  const present = (rows: Automation[]) => rows.map((r) => presentAutomation(r, base));

  app.get('/automations', async (req) => {
    const q = parseQuery(listAutomationsQuery, req.query);
    const query = await listAutomations(db, actorOf(req), { active: q.active });
    const page = await paginate(req, base, query, pageOptions);
    return { automations: present(page.rows), ...page.meta };
  });

  app.get('/automations/active', async (req) => {
    const query = await listAutomations(db, actorOf(req), { active: true });
    const page = await paginate(req, base, query, pageOptions);
    return { automations: present(page.rows), ...page.meta };
  });

  app.get('/automations/search', async (req) => {
    await authorize(db, actorOf(req), 'automation:read');
    const q = parseQuery(searchAutomationsQuery, req.query);
    const query = await searchAutomations(db, actorOf(req), q.query, { active: q.active });
    const page = await paginate(req, base, query, pageOptions);
    return { automations: present(page.rows), ...page.meta };
  });

  app.get('/automations/:id', async (req) => {
    const row = await showAutomation(db, actorOf(req), idParam(req.params));
    return { automation: presentAutomation(row, base) };
  });

  app.post('/automations', async (req, reply) => {
    await authorize(db, actorOf(req), 'automation:manage');
    const input = parseWith(automationSchema, req.body).automation;
    const row = await createAutomation(db, actorOf(req), input, nowIso());
    const automation = presentAutomation(row, base);
    reply.status(201).header('location', automation.url);
    return { automation };
  });

  app.put('/automations/update_many', async (req) => {
    await authorize(db, actorOf(req), 'automation:manage');
    const { automations } = parseWith(updateManySchema, req.body);
    const rows = await updateManyAutomations(db, actorOf(req), automations, nowIso());
    return { automations: present(rows), count: rows.length };
  });

  app.put('/automations/:id', async (req) => {
    await authorize(db, actorOf(req), 'automation:manage');
    const automationId = idParam(req.params);
    const input = parseWith(automationSchema, req.body).automation;
    const row = await updateAutomation(db, actorOf(req), automationId, input, nowIso());
    return { automation: presentAutomation(row, base) };
  });

  app.delete('/automations/destroy_many', async (req, reply) => {
    await authorize(db, actorOf(req), 'automation:manage');
    const { ids } = parseQuery(destroyManyQuery, req.query);
    await destroyManyAutomations(db, actorOf(req), ids);
    return reply.status(204).send();
  });

  app.delete('/automations/:id', async (req, reply) => {
    await authorize(db, actorOf(req), 'automation:manage');
    await deleteAutomation(db, actorOf(req), idParam(req.params));
    return reply.status(204).send();
  });
};
