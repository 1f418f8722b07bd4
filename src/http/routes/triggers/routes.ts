import type { Trigger, TriggerCategory } from '../../../db/types.ts';
import { authorize } from '../../../desk/policies/authorize.ts';
import { parseJson, presentTime } from '../../../desk/time.ts';
import {
  createTriggerCategory,
  deleteTriggerCategory,
  listTriggerCategories,
  showTriggerCategory,
  updateTriggerCategory,
} from '../../../rules/trigger-categories.ts';
import {
  createTrigger,
  deleteTrigger,
  listTriggers,
  reorderTriggers,
  searchTriggers,
  showTrigger,
  updateTrigger,
} from '../../../rules/triggers.ts';
import { nowIso } from '../../../desk/time.ts';
import { destroyManyTriggers, updateManyTriggers } from '../../../rules/trigger-bulk.ts';
import { triggerDefinitions } from '../../../rules/trigger-definitions.ts';
import type { RoutePlugin } from '../../context.ts';
import { actorOf } from '../../shared/actor.ts';
import { parseWith } from '../../shared/errors.ts';
import { paginate } from '../../shared/pagination.ts';
import { parseQuery } from '../../shared/query.ts';
import { idParam } from '../../shared/schemas/common.ts';
import { destroyManyQuery, listTriggersQuery, searchTriggersQuery } from './query-schemas.ts';
import { categorySchema, reorderSchema, triggerSchema, updateManySchema } from './schemas.ts';

const sortable = {
  position: 'position',
  title: 'title',
  created_at: 'created_at',
  updated_at: 'updated_at',
};
const pageOptions = { sortable, defaultSort: 'position' };

/** Zendesk's trigger JSON (§3.1): `category_id` is a string, `restriction` always null here. */
export function presentTrigger(row: Trigger, base: string) {
  return {
    url: `${base}/api/v2/triggers/${row.id}.json`,
    id: row.id,
    title: row.title,
    raw_title: row.raw_title,
    description: row.description,
    active: row.active === 1,
    position: row.position,
    category_id: row.category_id === null ? null : String(row.category_id),
    default: row.is_default === 1,
    restriction: null,
    conditions: parseJson(row.conditions, { all: [], any: [] }),
    actions: parseJson(row.actions, []),
    created_at: presentTime(row.created_at),
    updated_at: presentTime(row.updated_at),
  };
}

export function presentTriggerCategory(row: TriggerCategory) {
  return {
    id: String(row.id),
    name: row.name,
    position: row.position,
    created_at: presentTime(row.created_at),
    updated_at: presentTime(row.updated_at),
  };
}

/*
 * Writes authorize before reading the path or body, so a caller without the right gets a 403
 * whatever they sent; the rules' commands authorize again, for every other door.
 */
export const triggerRoutes: RoutePlugin = (app, { db, config }) => {
  const base = config.publicUrl;

  app.get('/triggers', async (req) => {
    const q = parseQuery(listTriggersQuery, req.query);
    const query = await listTriggers(db, actorOf(req), {
      active: q.active,
      categoryId: q.category_id,
    });
    const page = await paginate(req, base, query, pageOptions);
    return { triggers: page.rows.map((r) => presentTrigger(r, base)), ...page.meta };
  });

  app.get('/triggers/active', async (req) => {
    const q = parseQuery(listTriggersQuery, req.query);
    const query = await listTriggers(db, actorOf(req), { active: true, categoryId: q.category_id });
    const page = await paginate(req, base, query, pageOptions);
    return { triggers: page.rows.map((r) => presentTrigger(r, base)), ...page.meta };
  });

  app.get('/triggers/search', async (req) => {
    await authorize(db, actorOf(req), 'trigger:read');
    const q = parseQuery(searchTriggersQuery, req.query);
    const query = await searchTriggers(db, actorOf(req), q.query, {
      active: q.active,
      categoryId: q.category_id,
    });
    const page = await paginate(req, base, query, pageOptions);
    return { triggers: page.rows.map((r) => presentTrigger(r, base)), ...page.meta };
  });

  app.get('/triggers/definitions', async (req) => {
    return { definitions: await triggerDefinitions(db, actorOf(req)) };
  });

  app.put('/triggers/update_many', async (req) => {
    await authorize(db, actorOf(req), 'trigger:manage');
    const { triggers } = parseWith(updateManySchema, req.body);
    const rows = await updateManyTriggers(db, actorOf(req), triggers, nowIso());
    return { triggers: rows.map((r) => presentTrigger(r, base)), count: rows.length };
  });

  app.delete('/triggers/destroy_many', async (req, reply) => {
    await authorize(db, actorOf(req), 'trigger:manage');
    const { ids } = parseQuery(destroyManyQuery, req.query);
    await destroyManyTriggers(db, actorOf(req), ids);
    return reply.status(204).send();
  });

  app.get('/triggers/:id', async (req) => {
    return {
      trigger: presentTrigger(await showTrigger(db, actorOf(req), idParam(req.params)), base),
    };
  });

  app.post('/triggers', async (req, reply) => {
    await authorize(db, actorOf(req), 'trigger:manage');
    const input = parseWith(triggerSchema, req.body).trigger;
    const trigger = presentTrigger(await createTrigger(db, actorOf(req), input, nowIso()), base);
    reply.status(201).header('location', trigger.url);
    return { trigger };
  });

  app.put('/triggers/reorder', async (req) => {
    await authorize(db, actorOf(req), 'trigger:manage');
    const { trigger_ids } = parseWith(reorderSchema, req.body);
    const rows = await reorderTriggers(db, actorOf(req), trigger_ids, nowIso());
    return { triggers: rows.map((r) => presentTrigger(r, base)), count: rows.length };
  });

  app.put('/triggers/:id', async (req) => {
    await authorize(db, actorOf(req), 'trigger:manage');
    const triggerId = idParam(req.params);
    const input = parseWith(triggerSchema, req.body).trigger;
    const row = await updateTrigger(db, actorOf(req), triggerId, input, nowIso());
    return { trigger: presentTrigger(row, base) };
  });

  app.delete('/triggers/:id', async (req, reply) => {
    await authorize(db, actorOf(req), 'trigger:manage');
    await deleteTrigger(db, actorOf(req), idParam(req.params));
    return reply.status(204).send();
  });

  app.get('/trigger_categories', async (req) => {
    const query = await listTriggerCategories(db, actorOf(req));
    const page = await paginate(req, base, query, pageOptions);
    return { trigger_categories: page.rows.map(presentTriggerCategory), ...page.meta };
  });

  app.post('/trigger_categories', async (req, reply) => {
    await authorize(db, actorOf(req), 'trigger:manage');
    const input = parseWith(categorySchema, req.body).trigger_category;
    const row = await createTriggerCategory(db, actorOf(req), input, nowIso());
    reply.status(201);
    return { trigger_category: presentTriggerCategory(row) };
  });

  app.get('/trigger_categories/:id', async (req) => {
    const row = await showTriggerCategory(db, actorOf(req), idParam(req.params));
    return { trigger_category: presentTriggerCategory(row) };
  });

  app.patch('/trigger_categories/:id', async (req) => {
    await authorize(db, actorOf(req), 'trigger:manage');
    const categoryId = idParam(req.params);
    const input = parseWith(categorySchema, req.body).trigger_category;
    const row = await updateTriggerCategory(db, actorOf(req), categoryId, input, nowIso());
    return { trigger_category: presentTriggerCategory(row) };
  });

  app.delete('/trigger_categories/:id', async (req, reply) => {
    await authorize(db, actorOf(req), 'trigger:manage');
    await deleteTriggerCategory(db, actorOf(req), idParam(req.params));
    return reply.status(204).send();
  });
};
