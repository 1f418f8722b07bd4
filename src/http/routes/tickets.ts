import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Audit, AuditEvent, Ticket } from '../../db/types.ts';
import type { Actor, Conn } from '../../desk/context.ts';
import { NotFoundError, ValidationError } from '../../desk/errors.ts';
import { authorize } from '../../desk/policies/authorize.ts';
import { ticketScope, visibleComments } from '../../desk/policies/tickets.ts';
import { createTicket } from '../../desk/tickets/create-ticket.ts';
import { countLiveTickets } from '../../desk/tickets/count-tickets.ts';
import { normalizeTags } from '../../desk/tickets/native-rules.ts';
import { countTickets, showTicket } from '../../desk/tickets/ticket-queries.ts';
import { deleteTicket, updateTicket } from '../../desk/tickets/update-ticket.ts';
import type { WrittenAudit } from '../../desk/tickets/write-ticket.ts';
import { nowIso, parseJson, presentTime } from '../../desk/time.ts';
import { actorOf, type RoutePlugin } from '../context.ts';
import { parseWith } from '../errors.ts';
import { paginate } from '../pagination.ts';
import { jsonArray, jsonWith, sendJsonText } from '../json-text.ts';
import {
  presentAuditEvent,
  presentComment,
  presentGroup,
  presentOrganizationFor,
  presentUserFor,
} from '../presenters.ts';
import {
  audienceOf,
  followupIds,
  presentTicket,
  type TicketPageRow,
  ticketReader,
} from '../ticket-json.ts';
import { boolish, id, idList, idParam, isoTime, nullableId, tagList } from '../schemas/common.ts';
import { unsupportedTicketFields, withoutUnsupported } from '../schemas/unsupported-fields.ts';

const commentSchema = z
  .object({
    body: z.string().max(65_536).optional(),
    html_body: z.string().max(262_144).optional(),
    public: z.boolean().optional(),
    author_id: id.optional(),
    uploads: z.array(z.string().min(1).max(200)).max(100).optional(),
  })
  .strip();

const ticketFields = {
  subject: z.string().max(255).nullable().optional(),
  status: z.enum(['new', 'open', 'pending', 'hold', 'solved', 'closed']).optional(),
  priority: z.enum(['low', 'normal', 'high', 'urgent']).nullable().optional(),
  type: z.enum(['question', 'incident', 'problem', 'task']).nullable().optional(),
  requester_id: id.optional(),
  submitter_id: id.optional(),
  assignee_id: nullableId.optional(),
  group_id: nullableId.optional(),
  organization_id: nullableId.optional(),
  brand_id: id.optional(),
  tags: tagList.optional(),
  additional_tags: tagList.optional(),
  remove_tags: tagList.optional(),
  external_id: z.string().max(255).nullable().optional(),
  due_at: isoTime.nullable().optional(),
  recipient: z.string().email().max(255).nullable().optional(),
  assignee_email: z.string().email().max(255).nullable().optional(),
  comment: commentSchema.optional(),
  metadata: z
    .record(z.string(), z.unknown())
    .refine((m) => JSON.stringify(m).length <= 65_536, { message: 'is larger than 64 kB' })
    .nullable()
    .optional(),
  ...unsupportedTicketFields,
};

const createSchema = z.object({
  ticket: z
    .object({
      ...ticketFields,
      requester: z
        .object({
          name: z.string().max(255).optional(),
          email: z.string().email().max(255).optional(),
          locale: z.string().max(20).optional(),
        })
        .optional(),
      via_followup_source_id: id.optional(),
    })
    .strip(),
});

/**
 * Zendesk's collision guard: with `safe_update: true`, `updated_stamp` (the `updated_at` the
 * client read) must still be the ticket's, or the update is a 409 UpdateConflict.
 */
const safeUpdateFields = {
  safe_update: boolish().optional(),
  updated_stamp: isoTime.optional(),
};

const updateSchema = z.object({
  ticket: z.object({ ...ticketFields, ...safeUpdateFields }).strip(),
});
const tagsSchema = z.object({ tags: tagList, ...safeUpdateFields });

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

/** `include=users,groups,organizations` side-loads the records tickets point at. */
async function sideloads(db: Conn, req: FastifyRequest, rows: TicketPageRow[], base: string) {
  const viewer = actorOf(req).user;
  const include = String((req.query as Record<string, unknown>).include ?? '')
    .split(',')
    .map((s) => s.trim());
  const out: Record<string, unknown> = {};
  if (!['users', 'groups', 'organizations'].some((k) => include.includes(k))) return out;
  // Pages read only ids and versions: the references are read here, for the few that ask.
  const tickets = rows.length
    ? await db
        .selectFrom('tickets')
        .select(['requester_id', 'submitter_id', 'assignee_id', 'group_id', 'organization_id'])
        .where(
          'id',
          'in',
          rows.map((r) => r.id),
        )
        .execute()
    : [];
  if (include.includes('users')) {
    const ids = new Set<number>();
    for (const t of tickets) {
      for (const u of [t.requester_id, t.submitter_id, t.assignee_id]) if (u) ids.add(u);
    }
    const users = ids.size
      ? await db
          .selectFrom('users')
          .selectAll()
          .where('id', 'in', [...ids])
          .execute()
      : [];
    out.users = users.map((u) => presentUserFor(viewer, u, base));
  }
  if (include.includes('groups')) {
    const ids = [...new Set(tickets.map((t) => t.group_id).filter((g): g is number => g !== null))];
    out.groups = ids.length
      ? (await db.selectFrom('groups').selectAll().where('id', 'in', ids).execute()).map((g) =>
          presentGroup(g, base),
        )
      : [];
  }
  if (include.includes('organizations')) {
    const ids = [
      ...new Set(tickets.map((t) => t.organization_id).filter((o): o is number => o !== null)),
    ];
    out.organizations = ids.length
      ? (await db.selectFrom('organizations').selectAll().where('id', 'in', ids).execute()).map(
          (o) => presentOrganizationFor(viewer, o, base),
        )
      : [];
  }
  return out;
}

/** An audit as the API shows it; `written` (from the write itself) saves reading it back. */
export async function loadAuditPayload(
  db: Conn,
  auditId: number,
  base: string,
  written?: WrittenAudit,
) {
  if (written && written.audit.id === auditId) return presentWrittenAudit(db, written, base);
  const audit = await db
    .selectFrom('audits')
    .selectAll()
    .where('id', '=', auditId)
    .executeTakeFirst();
  if (!audit) return null;
  const [events] = await auditPayloads(db, [audit], base);
  return events;
}

async function presentWrittenAudit(db: Conn, w: WrittenAudit, base: string) {
  const comments = new Map<number, ReturnType<typeof presentComment>>();
  if (w.comment) {
    const attachments =
      w.attachments ??
      (await db
        .selectFrom('attachments')
        .selectAll()
        .where('comment_id', '=', w.comment.id)
        .orderBy('id')
        .execute());
    comments.set(w.comment.id, presentComment(w.comment, attachments, base));
  }
  return presentAudit(w.audit, w.events, comments);
}

function presentAudit(
  a: Audit,
  events: AuditEvent[],
  comments: Map<number, ReturnType<typeof presentComment>>,
) {
  return {
    id: a.id,
    ticket_id: a.ticket_id,
    created_at: presentTime(a.created_at),
    author_id: a.author_id,
    metadata: parseJson(a.metadata, { system: {}, custom: {} }),
    via: { channel: a.via_channel, source: parseJson(a.via_source, {}) },
    events: events
      .filter((e) => e.audit_id === a.id)
      .map((e) => presentAuditEvent(e, e.comment_id ? comments.get(e.comment_id) : undefined)),
  };
}

async function auditPayloads(db: Conn, audits: Audit[], base: string) {
  if (audits.length === 0) return [];
  const ids = audits.map((a) => a.id);
  const events = await db
    .selectFrom('audit_events')
    .selectAll()
    .where('audit_id', 'in', ids)
    .orderBy('id')
    .execute();
  const commentIds = events.map((e) => e.comment_id).filter((c): c is number => c !== null);
  const comments = await presentCommentsById(db, commentIds, base);
  return audits.map((a) => presentAudit(a, events, comments));
}

async function presentCommentsById(db: Conn, ids: number[], base: string) {
  const map = new Map<number, ReturnType<typeof presentComment>>();
  if (ids.length === 0) return map;
  const rows = await db.selectFrom('comments').selectAll().where('id', 'in', ids).execute();
  const attachments = await db
    .selectFrom('attachments')
    .selectAll()
    .where('comment_id', 'in', ids)
    .orderBy('id')
    .execute();
  for (const c of rows) {
    map.set(
      c.id,
      presentComment(
        c,
        attachments.filter((a) => a.comment_id === c.id),
        base,
      ),
    );
  }
  return map;
}

export const ticketRoutes: RoutePlugin = (app, { db, config, renderedTickets }) => {
  const base = config.publicUrl;
  const tickets = ticketReader(db, base, renderedTickets);
  /** The answer to a write, as its writer may read the ticket. */
  const presentWritten = async (actor: Actor, t: Ticket) =>
    presentTicket(t, base, {
      followup_ids: (await followupIds(db, [t])).get(t.id) ?? [],
      audience: audienceOf(actor.user),
    });
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
    const scope = await ticketScope(db, actor);
    let q = tickets.visible(scope);
    const externalId = (req.query as Record<string, unknown>).external_id;
    const filtered = typeof externalId === 'string';
    if (filtered) q = q.where('external_id', '=', externalId);
    const page = await paginate(req, base, q, {
      sortable: { created_at: 'created_at', updated_at: 'updated_at', status: 'status' },
      // An unfiltered list of every live ticket has a cheaper count.
      count: scope.kind === 'all' && !filtered ? () => countLiveTickets(db) : undefined,
    });
    const extra = await sideloads(db, req, page.rows, base);
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
    const ids = idList((req.query as Record<string, unknown>).ids);
    const scope = await ticketScope(db, actorOf(req));
    const rows = await tickets.visible(scope).where('id', 'in', ids).orderBy('id').execute();
    const extra = await sideloads(db, req, rows, base);
    return sendTickets(req, reply, rows, extra);
  });

  app.get('/tickets/:id', async (req, reply) => {
    const found = await tickets.one(actorOf(req), idParam(req.params));
    if (!found) throw new NotFoundError('Ticket');
    const extra = await sideloads(db, req, [found.row], base);
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
    );
    const ticket = await presentWritten(actorOf(req), result.ticket);
    reply.status(201).header('location', ticket.url);
    return { ticket, audit: await loadAuditPayload(db, result.auditId, base, result.written) };
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
    const result = await updateTicket(
      db,
      actorOf(req),
      ticketId,
      patch,
      comment ?? null,
      nowIso(),
      { updatedStamp: safeUpdateStamp(body), ...(metadata ? { metadata } : {}) },
    );
    const ticket = await presentWritten(actorOf(req), result.ticket);
    return {
      ticket,
      audit: result.auditId
        ? await loadAuditPayload(db, result.auditId, base, result.written)
        : null,
    };
  });

  app.delete('/tickets/:id', async (req, reply) => {
    await deleteTicket(db, actorOf(req), idParam(req.params), nowIso());
    return reply.status(204).send();
  });

  app.get('/tickets/:id/comments', async (req) => {
    const ticket = await showTicket(db, actorOf(req), idParam(req.params));
    const q = visibleComments(
      db.selectFrom('comments').selectAll().where('ticket_id', '=', ticket.id),
      actorOf(req),
    );
    const query = req.query as Record<string, unknown>;
    const page = await paginate(req, base, q, {
      sortable: { created_at: 'created_at' },
      defaultSort: query.sort_order === 'desc' ? '-created_at' : 'created_at',
    });
    const comments = await presentCommentsById(
      db,
      page.rows.map((c) => c.id),
      base,
    );
    const out: Record<string, unknown> = {
      comments: page.rows.map((c) => comments.get(c.id)),
      ...page.meta,
    };
    if (String(query.include ?? '').includes('users')) {
      const ids = [...new Set(page.rows.map((c) => c.author_id))];
      out.users = ids.length
        ? (await db.selectFrom('users').selectAll().where('id', 'in', ids).execute()).map((u) =>
            presentUserFor(actorOf(req).user, u, base),
          )
        : [];
    }
    return out;
  });

  app.get('/tickets/:id/audits', async (req) => {
    const actor = actorOf(req);
    await authorize(db, actor, 'ticket:read-audits');
    const ticket = await showTicket(db, actor, idParam(req.params));
    const q = db.selectFrom('audits').selectAll().where('ticket_id', '=', ticket.id);
    const page = await paginate(req, base, q);
    return { audits: await auditPayloads(db, page.rows, base), ...page.meta };
  });

  app.get('/tickets/:id/tags', async (req) => {
    const ticket = await showTicket(db, actorOf(req), idParam(req.params));
    return { tags: JSON.parse(ticket.tags) as string[] };
  });

  // Zendesk's tag verbs: POST sets (replaces), PUT adds, DELETE removes.
  const tagRoute =
    (mode: 'tags' | 'additional_tags' | 'remove_tags') => async (req: FastifyRequest) => {
      const actor = actorOf(req);
      await authorize(db, actor, 'ticket:edit-tags');
      const body = parseWith(tagsSchema, req.body);
      const result = await updateTicket(
        db,
        actor,
        idParam(req.params),
        { [mode]: normalizeTags(body.tags) },
        null,
        nowIso(),
        { updatedStamp: safeUpdateStamp(body) },
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
      await authorize(db, actor, 'ticket:list-by-user', { userId });
      const visible = tickets.visible(await ticketScope(db, actor));
      const page = await paginate(req, base, visible.where(column, '=', userId), {
        sortable: { created_at: 'created_at', updated_at: 'updated_at' },
      });
      return sendTickets(req, reply, page.rows, page.meta);
    };
  app.get('/users/:id/tickets/requested', byUser('requester_id'));
  app.get('/users/:id/tickets/assigned', byUser('assignee_id'));

  app.get('/organizations/:id/tickets', async (req, reply) => {
    const actor = actorOf(req);
    await authorize(db, actor, 'ticket:list-by-organization');
    const scope = await ticketScope(db, actor);
    const q = tickets.visible(scope).where('organization_id', '=', idParam(req.params));
    const page = await paginate(req, base, q, {
      sortable: { created_at: 'created_at', updated_at: 'updated_at' },
    });
    return sendTickets(req, reply, page.rows, page.meta);
  });
};
