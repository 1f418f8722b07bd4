import type { FastifyRequest } from 'fastify';
import { NotFoundError } from '../../../desk/errors.ts';
import { authorize } from '../../../desk/policies/authorize.ts';
import { nowIso } from '../../../desk/time.ts';
import type { Conditions } from '../../../rules/conditions.ts';
import {
  DEFAULT_OUTPUT,
  orderable,
  parseOutput,
  type ViewOutput,
} from '../../../rules/view-output.ts';
import {
  countView,
  groupsOfView,
  orderOf,
  pageOfView,
  ticketIdsOfView,
  type PageRequest,
} from '../../../rules/view-run.ts';
import {
  createView,
  deleteManyViews,
  deleteView,
  listViews,
  searchViews,
  showView,
  storedConditions,
  storedOutput,
  updateManyViews,
  updateView,
  viewConditions,
  viewGroupIds,
  type ViewRecord,
} from '../../../rules/views.ts';
import type { View } from '../../../db/types.ts';
import type { Conn } from '../../../desk/context.ts';
import type { RoutePlugin } from '../../context.ts';
import { actorOf } from '../../shared/actor.ts';
import { HttpError, parseWith } from '../../shared/errors.ts';
import { jsonArray, jsonWith, sendJsonText } from '../../shared/json-text.ts';
import { paginate } from '../../shared/pagination.ts';
import { parseQuery } from '../../shared/query.ts';
import { readModel } from '../../shared/read-model/read-model.ts';
import { idParam } from '../../shared/schemas/common.ts';
import { idsQuery, listViewsQuery, runViewQuery, searchViewsQuery } from './query-schemas.ts';
import {
  presentColumns,
  presentCompactView,
  presentCount,
  presentRow,
  presentView,
} from './present.ts';
import { previewSchema, updateManySchema, viewSchema } from './schemas.ts';

const sortable = {
  position: 'position',
  title: 'title',
  alphabetical: 'title',
  created_at: 'created_at',
  updated_at: 'updated_at',
};
const pageOptions = { sortable, defaultSort: 'position' };

async function records(db: Conn, rows: View[]): Promise<ViewRecord[]> {
  const groups = await viewGroupIds(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((row) => ({ row, groupIds: groups.get(row.id) ?? [] }));
}

/** The views of `ids` the actor may read, in the listed order; the others are left out. */
async function readable(db: Conn, req: FastifyRequest, ids: readonly number[]) {
  const out: ViewRecord[] = [];
  for (const id of ids) {
    try {
      out.push(await showView(db, actorOf(req), id));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
  return out;
}

type RunQuery = ReturnType<typeof runViewQuery.parse>;

function pageOf(q: RunQuery): PageRequest {
  return { page: q.page ?? 1, perPage: q.per_page ?? q['page[size]'] ?? 100 };
}

function sortOf(q: RunQuery, output: ViewOutput) {
  if (q.sort_by !== undefined && !orderable(q.sort_by)) {
    throw new HttpError(400, 'InvalidParameter', `sort_by ${q.sort_by} is not a column to sort by`);
  }
  return orderOf(output, q.sort_by, q.sort_order);
}

/** Zendesk's offset page links for a run of a view. */
function pageLinks(req: FastifyRequest, base: string, page: PageRequest, count: number) {
  const url = `${base}${req.url.split('?')[0]}`;
  const link = (n: number) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries((req.query ?? {}) as Record<string, unknown>)) {
      if (typeof v === 'string' && k !== 'page' && k !== 'per_page' && k !== 'page[size]') {
        params.set(k, v);
      }
    }
    params.set('page', String(n));
    params.set('per_page', String(page.perPage));
    return `${url}?${params.toString()}`;
  };
  return {
    next_page: page.page * page.perPage < count ? link(page.page + 1) : null,
    previous_page: page.page > 1 ? link(page.page - 1) : null,
    count,
  };
}

/*
 * Every route asks for 'view:list' (agents) before reading the path or body, so an end user
 * gets a 403 whatever they sent; the rules' commands then decide per view (read / manage).
 */
export const viewRoutes: RoutePlugin = (app, { db, config, renderedTickets }) => {
  const base = config.publicUrl;
  const tickets = readModel(db, base, renderedTickets).tickets;
  const gate = (req: FastifyRequest) => authorize(db, actorOf(req), 'view:list');

  const listed = async (req: FastifyRequest, active?: boolean) => {
    const q = parseQuery(listViewsQuery, req.query);
    const query = await listViews(db, actorOf(req), {
      active: active ?? q.active,
      access: q.access,
      groupId: q.group_id,
    });
    const page = await paginate(req, base, query, pageOptions);
    return { views: await records(db, page.rows), meta: page.meta };
  };

  app.get('/views', async (req) => {
    const { views, meta } = await listed(req);
    return { views: views.map((v) => presentView(v, base, actorOf(req).user.locale)), ...meta };
  });

  app.get('/views/active', async (req) => {
    const { views, meta } = await listed(req, true);
    return { views: views.map((v) => presentView(v, base, actorOf(req).user.locale)), ...meta };
  });

  app.get('/views/compact', async (req) => {
    const { views, meta } = await listed(req, true);
    return {
      views: views.map((v) => presentCompactView(v, base, actorOf(req).user.locale)),
      ...meta,
    };
  });

  /** `GET /views/count`: how many views the agent may list (Zendesk's `{count: {value}}`). */
  app.get('/views/count', async (req) => {
    const q = parseQuery(listViewsQuery, req.query);
    const query = await listViews(db, actorOf(req), {
      active: q.active,
      access: q.access,
      groupId: q.group_id,
    });
    const row = await query
      .clearSelect()
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirst();
    return {
      count: {
        value: Number(row?.n ?? 0),
        refreshed_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
    };
  });

  app.get('/views/search', async (req) => {
    await gate(req);
    const q = parseQuery(searchViewsQuery, req.query);
    const query = await searchViews(db, actorOf(req), q.query, {
      active: q.active,
      access: q.access,
      groupId: q.group_id,
    });
    const page = await paginate(req, base, query, pageOptions);
    const views = await records(db, page.rows);
    return {
      views: views.map((v) => presentView(v, base, actorOf(req).user.locale)),
      ...page.meta,
    };
  });

  app.get('/views/show_many', async (req) => {
    await gate(req);
    const { ids } = parseQuery(idsQuery, req.query);
    return {
      views: (await readable(db, req, ids)).map((v) =>
        presentView(v, base, actorOf(req).user.locale),
      ),
    };
  });

  app.get('/views/count_many', async (req) => {
    await gate(req);
    const { ids } = parseQuery(idsQuery, req.query);
    const now = new Date();
    const counts = [];
    for (const v of await readable(db, req, ids)) {
      const value = await countView(db, actorOf(req), storedConditions(v.row), now);
      counts.push(presentCount(v.row.id, value, v.row.active === 1, base));
    }
    return { view_counts: counts };
  });

  app.put('/views/update_many', async (req) => {
    await gate(req);
    const { views } = parseWith(updateManySchema, req.body);
    const rows = await updateManyViews(db, actorOf(req), views, nowIso());
    return { views: rows.map((v) => presentView(v, base, actorOf(req).user.locale)) };
  });

  app.delete('/views/destroy_many', async (req, reply) => {
    await gate(req);
    const { ids } = parseQuery(idsQuery, req.query);
    await deleteManyViews(db, actorOf(req), ids);
    return reply.status(204).send();
  });

  /** A view that is not saved: its conditions and output from the body. */
  const previewed = (req: FastifyRequest): { conditions: Conditions; output: ViewOutput } => {
    const input = parseWith(previewSchema, req.body).view;
    const conditions = viewConditions(input).parsed;
    const given = input.output ?? input.execution;
    const path = input.output !== undefined ? 'output' : 'execution';
    return { conditions, output: given === undefined ? DEFAULT_OUTPUT : parseOutput(given, path) };
  };

  app.post('/views/preview', async (req) => {
    await gate(req);
    const { conditions, output } = previewed(req);
    const q = parseQuery(runViewQuery, req.query);
    return execute(req, null, conditions, output, q);
  });

  app.post('/views/preview/count', async (req) => {
    await gate(req);
    const { conditions } = previewed(req);
    const value = await countView(db, actorOf(req), conditions, new Date());
    return { view_count: presentCount(null, value, true, base) };
  });

  app.get('/views/:id', async (req) => {
    await gate(req);
    return {
      view: presentView(
        await showView(db, actorOf(req), idParam(req.params)),
        base,
        actorOf(req).user.locale,
      ),
    };
  });

  app.post('/views', async (req, reply) => {
    await gate(req);
    const input = parseWith(viewSchema, req.body).view;
    const view = presentView(
      await createView(db, actorOf(req), input, nowIso()),
      base,
      actorOf(req).user.locale,
    );
    reply.status(201).header('location', view.url);
    return { view };
  });

  app.put('/views/:id', async (req) => {
    await gate(req);
    const viewId = idParam(req.params);
    const input = parseWith(viewSchema, req.body).view;
    return {
      view: presentView(
        await updateView(db, actorOf(req), viewId, input, nowIso()),
        base,
        actorOf(req).user.locale,
      ),
    };
  });

  app.delete('/views/:id', async (req, reply) => {
    await gate(req);
    await deleteView(db, actorOf(req), idParam(req.params));
    return reply.status(204).send();
  });

  async function execute(
    req: FastifyRequest,
    view: ViewRecord | null,
    conditions: Conditions,
    output: ViewOutput,
    q: RunQuery,
  ) {
    const now = new Date();
    const order = sortOf(q, output);
    const page = pageOf(q);
    const actor = actorOf(req);
    const { rows, count } = await pageOfView(db, actor, conditions, order, page, now);
    const groups = await groupsOfView(db, actor, conditions, order, now);
    return {
      view: view ? { id: view.row.id, url: `${base}/api/v2/views/${view.row.id}.json` } : null,
      columns: presentColumns(output.columns),
      rows: rows.map((r) => presentRow(r, output.columns, base)),
      groups,
      ...pageLinks(req, base, page, count),
    };
  }

  app.get('/views/:id/execute', async (req) => {
    await gate(req);
    const view = await showView(db, actorOf(req), idParam(req.params));
    const q = parseQuery(runViewQuery, req.query);
    return execute(req, view, storedConditions(view.row), storedOutput(view.row), q);
  });

  app.get('/views/:id/tickets', async (req, reply) => {
    await gate(req);
    const actor = actorOf(req);
    const view = await showView(db, actor, idParam(req.params));
    const q = parseQuery(runViewQuery, req.query);
    const order = sortOf(q, storedOutput(view.row));
    const page = pageOf(q);
    const conditions = storedConditions(view.row);
    const { rows, count } = await ticketIdsOfView(db, actor, conditions, order, page, new Date());
    const texts = await tickets.render(actor, rows);
    return sendJsonText(
      reply,
      jsonWith('tickets', jsonArray(texts), pageLinks(req, base, page, count)),
    );
  });

  app.get('/views/:id/count', async (req) => {
    await gate(req);
    const view = await showView(db, actorOf(req), idParam(req.params));
    const value = await countView(db, actorOf(req), storedConditions(view.row), new Date());
    return { view_count: presentCount(view.row.id, value, view.row.active === 1, base) };
  });
};
