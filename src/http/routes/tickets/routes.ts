import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError, ValidationError } from '../../../desk/errors.ts';
import { authorize } from '../../../desk/policies/authorize.ts';
import { ticketScope } from '../../../desk/policies/tickets.ts';
import { createTicket } from '../../../desk/tickets/create-ticket.ts';
import { countLiveTickets } from '../../../desk/tickets/count-tickets.ts';
import { normalizeTags } from '../../../desk/tickets/native-rules.ts';
import {
  countTickets,
  showTicket,
  ticketAuditsQuery,
  ticketCommentsQuery,
  ticketListScope,
} from '../../../desk/tickets/ticket-queries.ts';
import { deleteTicket, updateTicket } from '../../../desk/tickets/update-ticket.ts';
import { nowIso } from '../../../desk/time.ts';
import type { Actor } from '../../../desk/context.ts';
import { macroUsageRecorder } from '../../../rules/macro-usage.ts';
import type { RoutePlugin } from '../../context.ts';
import { actorOf } from '../../shared/actor.ts';
import { parseWith } from '../../shared/errors.ts';
import { paginate } from '../../shared/pagination.ts';
import { jsonArray, jsonWith, sendJsonText } from '../../shared/json-text.ts';
import { parseQuery } from '../../shared/query.ts';
import { readModel } from '../../shared/read-model/read-model.ts';
import type { TicketPageRow } from '../../shared/read-model/ticket-json.ts';
import { idParam } from '../../shared/schemas/common.ts';
import { withoutUnsupported } from '../../shared/schemas/unsupported-fields.ts';
import {
  listCommentsQuery,
  listTicketsQuery,
  showManyTicketsQuery,
  showTicketQuery,
} from './query-schemas.ts';
import { createSchema, tagsSchema, updateSchema } from './schemas.ts';

/** The stamp an update must match, or undefined when the client asked for no guard. */
function safeUpdateStamp(body: {
  safe_update?: boolean;
  updated_stamp?: string;
}): string | undefined {
  if (body.safe_update !== true) return undefined;
  if (body.updated_stamp === undefined) {
    throw ValidationError.field(
      'updated_stamp',
      'Updated stamp: is required with safe_update',
      'BlankValue',
    );
  }
  return body.updated_stamp;
}

/** The update's `alongside` work recording the macros it names, if it names any. */
function macrosApplied(
  actor: Actor,
  body: { macro_ids?: number[] | null; macro_id?: number | null },
  now: string,
) {
  if (body.macro_ids && body.macro_ids.length > 0) {
    return { alongside: macroUsageRecorder(actor, body.macro_ids, 'macro_ids', now) };
  }
  if (body.macro_id)
    return { alongside: macroUsageRecorder(actor, [body.macro_id], 'macro_id', now) };
  return {};
}

export const ticketRoutes: RoutePlugin = (app, { db, config, events, renderedTickets }) => {
  const base = config.publicUrl;
  const read = readModel(db, base, renderedTickets);
  const tickets = read.tickets;
  /** A list's answer: the rows' tickets as rendered for `req`'s reader, then side-loads and paging. */
  const sendTickets = async (
    req: FastifyRequest,
    reply: FastifyReply,
    rows: TicketPageRow[],
    rest: Record<string, unknown>,
  ) => {
    const texts = await tickets.render(actorOf(req), rows);
    return sendJsonText(reply, jsonWith('tickets', jsonArray(texts), rest));
  };

  app.get('/tickets', async (req, reply) => {
    const actor = actorOf(req);
    const query = parseQuery(listTicketsQuery, req.query);
    const scope = await ticketScope(db, actor);
    let q = tickets.visible(scope);
    const externalId = query.external_id;
    const filtered = externalId !== undefined;
    if (filtered) q = q.where('external_id', '=', externalId);
    const page = await paginate(req, base, q, {
      sortable: { created_at: 'created_at', updated_at: 'updated_at', status: 'status' },
      // An unfiltered list of every live ticket has a cheaper count.
      count: scope.kind === 'all' && !filtered ? () => countLiveTickets(db) : undefined,
    });
    const extra = await read.ticketSideloads(actor, page.rows, query.include);
    return sendTickets(req, reply, page.rows, { ...extra, ...page.meta });
  });

  app.get('/tickets/count', async (req) => {
    return {
      count: {
        value: await countTickets(db, actorOf(req)),
        refreshed_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
    };
  });

  app.get('/tickets/show_many', async (req, reply) => {
    const { ids, include } = parseQuery(showManyTicketsQuery, req.query);
    const actor = actorOf(req);
    const scope = await ticketScope(db, actor);
    const rows = await tickets.visible(scope).where('id', 'in', ids).orderBy('id').execute();
    const extra = await read.ticketSideloads(actor, rows, include);
    return sendTickets(req, reply, rows, extra);
  });

  app.get('/tickets/:id', async (req, reply) => {
    const { include } = parseQuery(showTicketQuery, req.query);
    const actor = actorOf(req);
    const found = await tickets.one(actor, idParam(req.params));
    if (!found) throw new NotFoundError('Ticket');
    const extra = await read.ticketSideloads(actor, [found.row], include);
    return sendJsonText(reply, jsonWith('ticket', found.json, extra));
  });

  app.post('/tickets', async (req, reply) => {
    const body = parseWith(createSchema, req.body).ticket;
    const { comment, metadata, ...fields } = withoutUnsupported(body);
    const result = await createTicket(
      db,
      actorOf(req),
      { ...fields, comment: comment ?? {}, ...(metadata ? { metadata } : {}) },
      nowIso(),
      { events },
    );
    const ticket = await read.writtenTicket(actorOf(req), result.ticket);
    reply.status(201).header('location', ticket.url);
    return { ticket, audit: await read.audit(result.auditId, result.written) };
  });

  app.put('/tickets/:id', async (req) => {
    const ticketId = idParam(req.params);
    const body = parseWith(updateSchema, req.body).ticket;
    const {
      comment,
      metadata,
      safe_update: _s,
      updated_stamp: _u,
      ...patch
    } = withoutUnsupported(body);
    const now = nowIso();
    const result = await updateTicket(db, actorOf(req), ticketId, patch, comment ?? null, now, {
      updatedStamp: safeUpdateStamp(body),
      events,
      ...(metadata ? { metadata } : {}),
      ...macrosApplied(actorOf(req), body, now),
    });
    const ticket = await read.writtenTicket(actorOf(req), result.ticket);
    return {
      ticket,
      audit: result.auditId ? await read.audit(result.auditId, result.written) : null,
    };
  });

  app.delete('/tickets/:id', async (req, reply) => {
    await deleteTicket(db, actorOf(req), idParam(req.params), nowIso());
    return reply.status(204).send();
  });

  app.get('/tickets/:id/comments', async (req) => {
    const q = await ticketCommentsQuery(db, actorOf(req), idParam(req.params));
    const query = parseQuery(listCommentsQuery, req.query);
    const page = await paginate(req, base, q, {
      sortable: { created_at: 'created_at' },
      defaultSort: query.sort_order === 'desc' ? '-created_at' : 'created_at',
    });
    const comments = await read.comments(page.rows.map((c) => c.id));
    const out: Record<string, unknown> = {
      comments: page.rows.map((c) => comments.get(c.id)),
      ...page.meta,
    };
    // A substring, as before: `include=users` and any list that mentions it.
    if (query.include.includes('users')) {
      Object.assign(out, await read.commentAuthors(actorOf(req), page.rows));
    }
    return out;
  });

  app.get('/tickets/:id/audits', async (req) => {
    const actor = actorOf(req);
    const q = await ticketAuditsQuery(db, actor, idParam(req.params));
    const page = await paginate(req, base, q);
    return { audits: await read.audits(page.rows), ...page.meta };
  });

  app.get('/tickets/:id/tags', async (req) => {
    const ticket = await showTicket(db, actorOf(req), idParam(req.params));
    return { tags: JSON.parse(ticket.tags) as string[] };
  });

  // Zendesk's tag verbs: POST sets (replaces), PUT adds, DELETE removes.
  const tagRoute =
    (mode: 'tags' | 'additional_tags' | 'remove_tags') => async (req: FastifyRequest) => {
      const actor = actorOf(req);
      // 403 before the body is read; updateTicket authorizes the change again in the desk.
      await authorize(db, actor, 'ticket:edit-tags');
      const body = parseWith(tagsSchema, req.body);
      const result = await updateTicket(
        db,
        actor,
        idParam(req.params),
        { [mode]: normalizeTags(body.tags) },
        null,
        nowIso(),
        { updatedStamp: safeUpdateStamp(body), events },
      );
      return { tags: JSON.parse(result.ticket.tags) as string[] };
    };
  app.post('/tickets/:id/tags', tagRoute('tags'));
  app.put('/tickets/:id/tags', tagRoute('additional_tags'));
  app.delete('/tickets/:id/tags', tagRoute('remove_tags'));

  const byUser =
    (column: 'requester_id' | 'assignee_id') =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      const actor = actorOf(req);
      const userId = idParam(req.params);
      const visible = tickets.visible(await ticketListScope(db, actor, { userId }));
      const page = await paginate(req, base, visible.where(column, '=', userId), {
        sortable: { created_at: 'created_at', updated_at: 'updated_at' },
      });
      return sendTickets(req, reply, page.rows, page.meta);
    };
  app.get('/users/:id/tickets/requested', byUser('requester_id'));
  app.get('/users/:id/tickets/assigned', byUser('assignee_id'));

  app.get('/organizations/:id/tickets', async (req, reply) => {
    const actor = actorOf(req);
    const organizationId = idParam(req.params);
    const scope = await ticketListScope(db, actor, { organizationId });
    const q = tickets.visible(scope).where('organization_id', '=', organizationId);
    const page = await paginate(req, base, q, {
      sortable: { created_at: 'created_at', updated_at: 'updated_at' },
    });
    return sendTickets(req, reply, page.rows, page.meta);
  });
};
