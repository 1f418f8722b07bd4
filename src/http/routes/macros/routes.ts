import type { FastifyRequest } from 'fastify';
import type { Macro } from '../../../db/types.ts';
import { authorize } from '../../../desk/policies/authorize.ts';
import { nowIso } from '../../../desk/time.ts';
import { applyMacro, applyMacroToTicket } from '../../../rules/macro-apply.ts';
import {
  listMacros,
  type MacroFilter,
  macroCategories,
  type UsageWindow,
} from '../../../rules/macro-queries.ts';
import {
  createMacro,
  deleteMacro,
  deleteManyMacros,
  groupsOfMacros,
  macroReplica,
  showMacro,
  updateMacro,
  updateManyMacros,
} from '../../../rules/macros.ts';
import type { RoutePlugin } from '../../context.ts';
import { actorOf } from '../../shared/actor.ts';
import { parseWith } from '../../shared/errors.ts';
import { paginate } from '../../shared/pagination.ts';
import { parseQuery } from '../../shared/query.ts';
import { readModel } from '../../shared/read-model/read-model.ts';
import { idParam } from '../../shared/schemas/common.ts';
import {
  macroActionDefinitions,
  presentAppliedComment,
  presentMacro,
  presentReplica,
} from './present.ts';
import {
  destroyManyQuery,
  listMacrosQuery,
  replicaQuery,
  searchMacrosQuery,
} from './query-schemas.ts';
import { macroSchema, updateManySchema } from './schemas.ts';

const sortable = {
  alphabetical: 'title_key',
  position: 'position',
  created_at: 'created_at',
  updated_at: 'updated_at',
  usage_1h: 'usage_1h',
  usage_24h: 'usage_24h',
  usage_7d: 'usage_7d',
  usage_30d: 'usage_30d',
};
const pageOptions = { sortable, defaultSort: 'alphabetical' };

/*
 * Thin doors over the rules' macro commands, which authorize (agents only; managing by the
 * macro's scope and the actor's macro_access) and hide what the actor may not see (404).
 */
export const macroRoutes: RoutePlugin = (app, { db, config, renderedTickets }) => {
  const base = config.publicUrl;
  const read = readModel(db, base, renderedTickets);

  /** A page of macros under `filter`, with the usage counts `include` asks for. */
  const listPage = async (req: FastifyRequest, filter: MacroFilter, usage: UsageWindow[]) => {
    const query = await listMacros(db, actorOf(req), filter, new Date());
    const page = await paginate(req, base, query, pageOptions);
    const groups = await groupsOfMacros(db, page.rows as Macro[]);
    const macros = page.rows.map((r) => presentMacro(r, groups.get(r.id) ?? [], base, usage));
    return { macros, ...page.meta };
  };
  const filterOf = (q: ReturnType<typeof parseQuery<typeof listMacrosQuery>>): MacroFilter => ({
    access: q.access,
    active: q.active,
    category: q.category,
    groupId: q.group_id,
    onlyViewable: q.only_viewable,
  });
  const one = (m: { macro: Macro; groups: number[] }) => ({
    macro: presentMacro(m.macro, m.groups, base),
  });

  app.get('/macros', async (req) => {
    const q = parseQuery(listMacrosQuery, req.query);
    return listPage(req, filterOf(q), q.include);
  });

  app.get('/macros/active', async (req) => {
    const q = parseQuery(listMacrosQuery, req.query);
    return listPage(req, { ...filterOf(q), active: true }, q.include);
  });

  app.get('/macros/search', async (req) => {
    await authorize(db, actorOf(req), 'macro:use');
    const q = parseQuery(searchMacrosQuery, req.query);
    return listPage(req, { ...filterOf(q), titleContains: q.query }, q.include);
  });

  app.get('/macros/categories', async (req) => {
    return { categories: await macroCategories(db, actorOf(req), new Date()) };
  });

  app.get('/macros/actions', async (req) => {
    await authorize(db, actorOf(req), 'macro:use');
    return { actions: macroActionDefinitions() };
  });

  app.get('/macros/definitions', async (req) => {
    await authorize(db, actorOf(req), 'macro:use');
    return { definitions: { actions: macroActionDefinitions() } };
  });

  app.get('/macros/new', async (req) => {
    await authorize(db, actorOf(req), 'macro:use');
    const { macro_id } = parseQuery(replicaQuery, req.query);
    const { macro, groups } = await macroReplica(db, actorOf(req), macro_id!);
    return { macro: presentReplica(macro, groups, base) };
  });

  app.get('/macros/:id', async (req) =>
    one(await showMacro(db, actorOf(req), idParam(req.params))),
  );

  app.get('/macros/:id/apply', async (req) => {
    const applied = await applyMacro(db, actorOf(req), idParam(req.params));
    const comment = applied.comment ? presentAppliedComment(applied.comment) : null;
    return {
      result: {
        ticket: { ...applied.patch, ...(comment ? { comment } : {}) },
        ...(comment ? { comment } : {}),
      },
    };
  });

  app.get('/tickets/:id/macros/:macro_id/apply', async (req) => {
    const actor = actorOf(req);
    // `:id` is the ticket's: the tickets' routes name it so at this position of the path.
    const ticketId = idParam(req.params);
    const macroId = idParam(req.params, 'macro_id');
    const site = { publicUrl: base };
    const applied = await applyMacroToTicket(db, actor, ticketId, macroId, nowIso(), site);
    const ticket = await read.writtenTicket(actor, applied.ticket);
    const comment = applied.comment ? presentAppliedComment(applied.comment) : null;
    return {
      result: {
        ticket: { ...ticket, ...(comment ? { comment } : {}) },
        ...(comment ? { comment } : {}),
      },
    };
  });

  app.post('/macros', async (req, reply) => {
    await authorize(db, actorOf(req), 'macro:use');
    const input = parseWith(macroSchema, req.body).macro;
    const { macro } = one(await createMacro(db, actorOf(req), input, nowIso()));
    reply.status(201).header('location', macro.url);
    return { macro };
  });

  app.put('/macros/update_many', async (req) => {
    await authorize(db, actorOf(req), 'macro:use');
    const { macros } = parseWith(updateManySchema, req.body);
    const rows = await updateManyMacros(db, actorOf(req), macros, nowIso());
    return { macros: rows.map((m) => presentMacro(m.macro, m.groups, base)) };
  });

  app.put('/macros/:id', async (req) => {
    await authorize(db, actorOf(req), 'macro:use');
    const macroId = idParam(req.params);
    const input = parseWith(macroSchema, req.body).macro;
    return one(await updateMacro(db, actorOf(req), macroId, input, nowIso()));
  });

  app.delete('/macros/destroy_many', async (req, reply) => {
    await authorize(db, actorOf(req), 'macro:use');
    const { ids } = parseQuery(destroyManyQuery, req.query);
    await deleteManyMacros(db, actorOf(req), ids);
    return reply.status(204).send();
  });

  app.delete('/macros/:id', async (req, reply) => {
    await authorize(db, actorOf(req), 'macro:use');
    await deleteMacro(db, actorOf(req), idParam(req.params));
    return reply.status(204).send();
  });
};
