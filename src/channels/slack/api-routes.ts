import { WebAPIPlatformError } from '@slack/web-api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { transaction } from '../../db/transaction.ts';
import { NotFoundError, ValidationError } from '../../desk/errors.ts';
import { defaultBrand } from '../../desk/brands.ts';
import { conversationSubject } from '../../desk/locale-strings.ts';
import { authorize } from '../../desk/policies/authorize.ts';
import { ticketScope } from '../../desk/policies/tickets.ts';
import { showTicket } from '../../desk/tickets/ticket-queries.ts';
import { nowIso, presentTime } from '../../desk/time.ts';
import { EventsAfterCommit } from '../../desk/events.ts';
import { writeTicket } from '../../desk/tickets/write-ticket.ts';
import { showUser } from '../../desk/user-queries.ts';
import { getUser } from '../../desk/users.ts';
import { via } from '../../desk/via.ts';
import { actorOf } from '../../http/shared/actor.ts';
import { HttpError, parseWith } from '../../http/shared/errors.ts';
import { presentComment } from '../../http/shared/read-model/presenters.ts';
import { presentTicket } from '../../http/shared/read-model/ticket-json.ts';
import { id as idSchema, idParam } from '../../http/shared/schemas/common.ts';
import { loadAuditPayload } from '../../http/shared/read-model/audits.ts';
import { defaultApp, getApp } from './apps.ts';
import { slackClient } from './client.ts';
import {
  conversationConnections,
  createConnection,
  getConnection,
  markDisconnected,
  presentConnection,
  updateConnection,
} from './connections.ts';
import type { SlackConnection } from '../../db/types.ts';
import { connectionClient, connectionToken } from './context.ts';
import { linkConversationTicket, openConversation } from './conversations-link.ts';
import { enqueueCommentDelivery } from './delivery.ts';
import { redeliverComment } from './redeliver.ts';
import { slackEventRoutes } from './events-api.ts';
import { activeConnection, slackOutboundRoutes } from './outbound-routes.ts';
import { reachOn, unreachableMessage } from './outbound-reach.ts';
import { SLACK_VIA } from './ingest/via.ts';
import type { ChannelSignIn } from '../channel.ts';
import { parseQuery } from '../../http/shared/query.ts';
import { manifestQuery } from './query-schemas.ts';
import { installerOf } from './install-credential.ts';
import { beginInstall, InstallError, installUrl } from './install.ts';
import { slackManifest } from './manifest.ts';
import { recordedSlackProfiles } from './profiles.ts';
import type { SlackRuntime } from './runtime.ts';

const fileTypes = z.array(z.string().min(1).max(20)).max(100);

const createSchema = z.object({
  connection: z
    .object({
      name: z.string().trim().min(1).max(100),
      brand_id: idSchema.optional(),
      mode: z.enum(['bot', 'account']).default('bot'),
      app_id: idSchema.optional(),
      attachments_enabled: z.boolean().optional(),
      allowed_file_types: fileTypes.optional(),
    })
    .strict(),
});

const updateSchema = z.object({
  connection: z
    .object({
      name: z.string().trim().min(1).max(100).optional(),
      brand_id: idSchema.optional(),
      attachments_enabled: z.boolean().optional(),
      allowed_file_types: fileTypes.optional(),
    })
    .strict(),
});

const appSchema = z.object({
  app: z
    .object({
      name: z.string().trim().min(1).max(100),
      client_id: z.string().trim().min(1).max(100),
      client_secret: z.string().trim().min(1).max(200),
      signing_secret: z.string().trim().min(1).max(200),
      app_token: z
        .string()
        .regex(/^xapp-/)
        .optional(),
    })
    .strict(),
});

const installStartSchema = z
  .object({
    /** Install an active connection again (new scopes, a rotated token). */
    reauthorize: z.boolean().optional(),
  })
  .strict();

const outboundSchema = z.object({
  conversation: z
    .object({
      connection_id: idSchema,
      user_id: idSchema,
      subject: z.string().trim().min(1).max(255).optional(),
      comment: z.object({ body: z.string().trim().min(1).max(65_536) }),
    })
    .strict(),
});

/** Parley's own admin API for Slack channels, under /api/v2/slack. */
export function slackApiRoutes(
  app: FastifyInstance,
  rt: SlackRuntime,
  signIn: ChannelSignIn,
): void {
  const { ctx } = rt;
  const { db } = ctx;
  /**
   * When an admin's install attempt is under way (started, neither finished nor expired), until
   * when: Slack may be holding it for a workspace admin's approval.
   */
  const installsUnderWay = async (ids: number[]) => {
    const under = new Map<number, string>();
    if (ids.length === 0) return under;
    const rows = await db
      .selectFrom('slack_oauth_states')
      .select(['connection_id', 'expires_at'])
      .where('connection_id', 'in', ids)
      .where('used_at', 'is', null)
      .where('expires_at', '>', nowIso())
      .where('bound_to', '!=', 'system')
      .execute();
    for (const r of rows) {
      const seen = under.get(r.connection_id);
      if (!seen || seen < r.expires_at) under.set(r.connection_id, r.expires_at);
    }
    return under;
  };
  const presentAll = async (rows: SlackConnection[]) => {
    const under = await installsUnderWay(
      rows.filter((c) => c.status !== 'active').map((c) => c.id),
    );
    return rows.map((c) => ({
      ...presentConnection(c, installUrl(ctx, c.id)),
      install_pending_until: presentTime(under.get(c.id) ?? null),
    }));
  };
  const presentOne = async (row: SlackConnection) => (await presentAll([row]))[0]!;
  const present = async (id: number) => presentOne(await getConnection(db, id));
  const admin = async (req: FastifyRequest) => {
    const actor = actorOf(req);
    // Channels are admin work, or the work of agents whose role may manage channels.
    await authorize(db, actor, 'channel:manage');
    return actor;
  };

  slackEventRoutes(app, rt, admin);
  slackOutboundRoutes(app, db);

  app.get('/slack/connections', async (req) => {
    await admin(req);
    const rows = await db.selectFrom('slack_connections').selectAll().orderBy('id').execute();
    return { connections: await presentAll(rows), count: rows.length };
  });

  app.get('/slack/connections/:id', async (req) => {
    await admin(req);
    return { connection: await present(idParam(req.params)) };
  });

  app.post('/slack/connections', async (req, reply) => {
    await admin(req);
    const input = parseWith(createSchema, req.body).connection;
    const appRow = input.app_id
      ? await getApp(db, ctx.box, input.app_id).catch(() => null)
      : await defaultApp(db);
    if (!appRow) {
      throw ValidationError.field(
        'app_id',
        input.app_id
          ? `App: there is no Slack app with id ${input.app_id}`
          : 'App: no Slack app is configured (set SLACK_CLIENT_ID…)',
      );
    }
    const created = await createConnection(
      db,
      {
        name: input.name,
        brand_id: input.brand_id ?? (await defaultBrand(db)).id,
        mode: input.mode,
        app_id: appRow.id,
        attachments_enabled: input.attachments_enabled,
        allowed_file_types: input.allowed_file_types,
      },
      nowIso(),
    );
    reply.status(201);
    return { connection: await presentOne(created) };
  });

  app.put('/slack/connections/:id', async (req) => {
    await admin(req);
    const updated = await updateConnection(
      db,
      idParam(req.params),
      parseWith(updateSchema, req.body).connection,
      nowIso(),
    );
    return { connection: await presentOne(updated) };
  });

  app.delete('/slack/connections/:id', async (req) => {
    await admin(req);
    const connection = await getConnection(db, idParam(req.params));
    const token = connectionToken(ctx, connection);
    if (token) {
      try {
        await slackClient(ctx.config.slack, token).auth.revoke();
      } catch (err) {
        // A token Slack already refuses needs no revoking; anything else must not be left live.
        if (!(err instanceof WebAPIPlatformError)) {
          throw new HttpError(
            503,
            'SlackUnavailable',
            'Slack could not be reached to revoke the token; try again',
          );
        }
      }
    }
    await markDisconnected(db, connection.id, 'disconnected_by_admin', nowIso());
    return { connection: await present(connection.id) };
  });

  /**
   * Starts an install of the connection for the calling admin: Slack's authorize URL, whose
   * state is single-use, expires in ten minutes, and is bound to this caller's session or API
   * token. The admin opens it in a browser signed in to Slack; a new one can be asked for at
   * any time (after Slack's app approval, say).
   */
  app.post('/slack/connections/:id/install', async (req) => {
    const actor = await admin(req);
    const id = idParam(req.params);
    const input = parseWith(installStartSchema, req.body ?? {});
    try {
      const started = await beginInstall(ctx, id, await installerOf(db, req, signIn, actor), {
        reauthorize: input.reauthorize,
      });
      return { authorize_url: started.url, expires_at: presentTime(started.expiresAt) };
    } catch (err) {
      if (err instanceof InstallError && err.reason === 'already_active') {
        throw ValidationError.field(
          'reauthorize',
          'Reauthorize: the connection is already active; send reauthorize: true to install it again',
        );
      }
      throw err;
    }
  });

  app.get('/slack/apps', async (req) => {
    await admin(req);
    const rows = await db
      .selectFrom('slack_apps')
      .select(['id', 'name', 'source', 'client_id', 'app_token_enc', 'created_at'])
      .orderBy('id')
      .execute();
    return {
      apps: rows.map((r) => ({
        id: r.id,
        name: r.name,
        source: r.source,
        client_id: r.client_id,
        socket_mode: r.app_token_enc !== null,
      })),
    };
  });

  app.post('/slack/apps', async (req, reply) => {
    await admin(req);
    const input = parseWith(appSchema, req.body).app;
    const clash = await db
      .selectFrom('slack_apps')
      .select('id')
      .where('client_id', '=', input.client_id)
      .executeTakeFirst();
    if (clash)
      throw ValidationError.field(
        'client_id',
        'Client id: this Slack app is already registered',
        'DuplicateValue',
      );
    const now = nowIso();
    const row = await db
      .insertInto('slack_apps')
      .values({
        name: input.name,
        source: 'api',
        client_id: input.client_id,
        client_secret_enc: ctx.box.seal(input.client_secret),
        signing_secret_enc: ctx.box.seal(input.signing_secret),
        app_token_enc: input.app_token ? ctx.box.seal(input.app_token) : null,
        created_at: now,
        updated_at: now,
      })
      .returning(['id', 'name', 'source', 'client_id'])
      .executeTakeFirstOrThrow();
    ctx.forgetApps();
    reply.status(201);
    return { app: { ...row, socket_mode: input.app_token !== undefined } };
  });

  app.get('/slack/manifest', async (req) => {
    await admin(req);
    const q = parseQuery(manifestQuery, req.query);
    const url =
      typeof q.url === 'string' && /^https?:\/\//.test(q.url) ? q.url : ctx.config.publicUrl;
    return {
      manifest: slackManifest({
        publicUrl: url,
        name: typeof q.name === 'string' ? q.name : undefined,
      }),
    };
  });

  /**
   * The whole DM history behind a Slack ticket, across its follow-ups and earlier tickets: the
   * conversation outlives each ticket, and Slack's own history may have expired.
   */
  app.get('/tickets/:id/conversation', async (req) => {
    const actor = actorOf(req);
    await authorize(db, actor, 'conversation:read');
    const ticketId = idParam(req.params);
    // An agent whose role hides messaging tickets does not see this one, nor its conversation.
    if ((await ticketScope(db, actor)).kind !== 'all') await showTicket(db, actor, ticketId);
    const link = await db
      .selectFrom('slack_conversation_tickets')
      .select('conversation_id')
      .where('ticket_id', '=', ticketId)
      .executeTakeFirst();
    if (!link) throw new NotFoundError('Conversation');
    const tickets = await db
      .selectFrom('slack_conversation_tickets')
      .innerJoin('tickets', 'tickets.id', 'slack_conversation_tickets.ticket_id')
      .select(['tickets.id', 'tickets.status', 'tickets.subject', 'tickets.created_at'])
      .where('slack_conversation_tickets.conversation_id', '=', link.conversation_id)
      .where('tickets.deleted_at', 'is', null)
      .orderBy('tickets.id')
      .execute();
    const ids = tickets.map((t) => t.id);
    const comments = await db
      .selectFrom('comments')
      .selectAll()
      .where('ticket_id', 'in', ids)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const attachments = await db
      .selectFrom('attachments')
      .selectAll()
      .where('ticket_id', 'in', ids)
      .where('comment_id', 'is not', null)
      .execute();
    // The workspace the DM is in: a person of another team is a Slack Connect partner.
    const connection = await conversationConnections(db)
      .where('slack_conversations.id', '=', link.conversation_id)
      .executeTakeFirstOrThrow();
    const base = ctx.config.publicUrl;
    return {
      connection,
      tickets: tickets.map((t) => ({
        id: t.id,
        status: t.status,
        subject: t.subject,
        created_at: presentTime(t.created_at),
      })),
      comments: comments.map((c) => ({
        ticket_id: c.ticket_id,
        ...presentComment(
          c,
          attachments.filter((a) => a.comment_id === c.id),
          base,
        ),
      })),
    };
  });

  /**
   * Sends a public reply whose Slack delivery failed again (the Retry of the ticket page): 202
   * with the comment, back to `pending`; its delivery states follow on the stream as before.
   */
  app.post('/tickets/:id/comments/:comment_id/redeliver', async (req, reply) => {
    const ticketId = idParam(req.params);
    const commentId = idParam(req.params, 'comment_id');
    const comment = await redeliverComment(ctx, actorOf(req), ticketId, commentId, nowIso());
    const attachments = await db
      .selectFrom('attachments')
      .selectAll()
      .where('comment_id', '=', comment.id)
      .orderBy('id')
      .execute();
    reply.status(202);
    return { comment: presentComment(comment, attachments, ctx.config.publicUrl) };
  });

  /**
   * The Slack profiles behind a user (one per Slack identity), as the channel recorded them:
   * for the agent workspace's requester panel. Agents only, about users they may see.
   */
  app.get('/users/:id/slack_profiles', async (req) => {
    const actor = actorOf(req);
    await authorize(db, actor, 'conversation:read');
    const user = await showUser(db, actor, idParam(req.params));
    const profiles = await recordedSlackProfiles(db, user);
    return { slack_profiles: profiles, count: profiles.length };
  });

  /** An agent starts a conversation: a new ticket whose first (public) comment opens the DM. */
  app.post('/slack/conversations', async (req, reply) => {
    const actor = actorOf(req);
    await authorize(db, actor, 'conversation:start');
    const input = parseWith(outboundSchema, req.body).conversation;
    const connection = await activeConnection(db, input.connection_id);
    const requester = await getUser(db, input.user_id).catch(() => {
      throw ValidationError.field('user_id', `User: there is no user with id ${input.user_id}`);
    });
    // Only a Slack identity the connection's workspace reaches: another's would fail at Slack.
    const reach = (await reachOn(db, connection, [requester.id])).get(requester.id)!;
    if (reach.unreachable)
      throw ValidationError.field('user_id', unreachableMessage(reach.unreachable));
    const identity = { value: reach.slackUserId };
    let channel: string;
    try {
      const opened = await connectionClient(ctx, connection).conversations.open({
        users: identity.value,
      });
      channel = (opened.channel as { id: string }).id;
    } catch (err) {
      if (err instanceof WebAPIPlatformError) {
        throw ValidationError.field(
          'user_id',
          `Slack refused to open a DM with this user (${err.data.error})`,
        );
      }
      throw new HttpError(503, 'SlackUnavailable', 'Slack could not be reached; try again');
    }
    const now = nowIso();
    const events = new EventsAfterCommit(ctx.events);
    const committed = transaction(db, async (trx) => {
      const run = events.attempt();
      const existing = await trx
        .selectFrom('slack_conversations')
        .selectAll()
        .where('connection_id', '=', connection.id)
        .where('channel_id', '=', channel)
        .executeTakeFirst();
      const dm = {
        connectionId: connection.id,
        channel,
        slackUserId: identity.value,
        userId: requester.id,
      };
      const conv = await openConversation(trx, existing, dm, now);
      const written = await writeTicket(trx, {
        before: null,
        patch: {
          // In the starting agent's language.
          subject: input.subject ?? conversationSubject(requester.name, actor.user.locale),
          requester_id: requester.id,
          submitter_id: actor.user.id,
          brand_id: connection.brand_id,
        },
        comment: { body: input.comment.body, public: true },
        actor: actor.user,
        via: actor.via,
        now,
        create: {
          fromMessagingChannel: true,
          viaSource: via(SLACK_VIA, {
            from: { name: actor.user.name, user_id: actor.user.id },
            to: {
              slack_connection_id: connection.id,
              name: connection.name,
              channel_id: channel,
              slack_user_id: identity.value,
            },
            rel: 'slack_dm_outbound',
          }),
        },
        events: run,
      });
      await linkConversationTicket(trx, conv, written.ticket.id, now);
      await enqueueCommentDelivery(trx, written.commentId!, conv.id, ctx.jobs);
      return written;
    });
    const result = await events.publishAfter(committed);
    reply.status(201);
    return {
      ticket: presentTicket(result.ticket, ctx.config.publicUrl),
      audit: await loadAuditPayload(db, result.auditId, ctx.config.publicUrl, result.written),
    };
  });
}
