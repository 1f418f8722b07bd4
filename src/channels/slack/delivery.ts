import {
  type WebClient,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
} from '@slack/web-api';
import type { Job, SlackConnection } from '../../db/types.ts';
import { recordCommentDelivery } from '../../desk/comments/record-delivery.ts';
import type { Conn } from '../../desk/context.ts';
import type { Processor } from '../../desk/events.ts';
import { takePaceSlot } from '../../jobs/pace.ts';
import { backoffMs, enqueueJob, type JobHandler, type JobOutcome } from '../../jobs/queue.ts';
import type { JobSignals } from '../../jobs/signals.ts';
import { markDisconnected } from './connections.ts';
import { type SlackContext, connectionClient } from './context.ts';
import { markdownToMrkdwn, splitForSlack } from './format.ts';
import {
  deliverRuleNotification,
  RULE_NOTIFICATION,
  ruleNotificationFailed,
} from './notify-requester.ts';

export const DELIVERY_QUEUE = 'slack.deliver';
const MAX_ATTEMPTS = 10;

/** Slack answers that retrying cannot fix; the reply is marked failed with this reason. */
const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'account_inactive',
  'token_revoked',
  'invalid_auth',
  'not_authed',
  'user_disabled',
  'user_not_found',
  'user_not_visible',
  'cannot_dm_bot',
  'messages_tab_disabled',
  'restricted_action',
  'message_limit_exceeded',
  'msg_too_long',
  'msg_blocks_too_long',
  'no_text',
  'invalid_blocks',
  'missing_scope',
  'no_permission',
  'team_access_not_granted',
  'org_login_required',
  'file_uploads_disabled',
  'file_type_not_allowed',
  'file_upload_size_restricted',
  'storage_limit_reached',
  'slack_connect_file_link_sharing_blocked',
  'invalid_arguments',
  'connection_disconnected',
]);
/** Answers that mean the connection itself is gone. */
const DEAD_TOKEN = new Set(['account_inactive', 'token_revoked', 'invalid_auth']);

/**
 * The Slack channel's processor of desk events: public agent comments on tickets of a Slack
 * conversation become delivery jobs, written in the comment's own transaction, so that a reply
 * is never lost, and never sent for a rolled-back comment.
 */
export function slackDeliveryProcessor(ctx: SlackContext): Processor {
  return {
    name: 'slack.delivery',
    handles: ['ticket.written'],
    async inTransaction(trx, event) {
      // A ticket created by this write has no Slack conversation yet (outbound conversations
      // link theirs afterwards and enqueue the first message themselves).
      if (event.name !== 'ticket.written' || event.created) return;
      for (const c of event.comments) {
        if (!c.public || !c.authorIsAgent) continue;
        const link = await trx
          .selectFrom('slack_conversation_tickets')
          .select('conversation_id')
          .where('ticket_id', '=', event.ticketId)
          .executeTakeFirst();
        if (link) await enqueueCommentDelivery(trx, c.id, link.conversation_id, ctx.jobs);
      }
    },
  };
}

export async function enqueueCommentDelivery(
  trx: Conn,
  commentId: number,
  conversationId: number,
  signals: JobSignals,
): Promise<void> {
  await trx
    .updateTable('comments')
    .set({ delivery_status: 'pending' })
    .where('id', '=', commentId)
    .execute();
  await enqueueJob(
    trx,
    {
      queue: DELIVERY_QUEUE,
      orderKey: `conv:${conversationId}`,
      payload: { kind: 'comment', comment_id: commentId },
      dedupeKey: `comment:${commentId}`,
    },
    signals,
  );
}

export class Permanent extends Error {}

/** The DM's pace allows no post yet: the job goes back to the queue for `ms`. */
class PaceWait extends Error {
  constructor(readonly ms: number) {
    super('paced');
  }
}

function classifyError(err: unknown, attempts: number): { retryMs: number | null; code: string } {
  if (err instanceof Permanent) return { retryMs: null, code: err.message };
  if (err instanceof WebAPIRateLimitedError)
    return { retryMs: Math.max(1, err.retryAfter) * 1000, code: 'ratelimited' };
  if (err instanceof WebAPIPlatformError) {
    const code = String(err.data.error);
    return { retryMs: PERMANENT.has(code) ? null : backoffMs(attempts), code };
  }
  if (err instanceof WebAPIHTTPError)
    return { retryMs: backoffMs(attempts), code: `http_${err.statusCode}` };
  if (err instanceof WebAPIRequestError)
    return { retryMs: backoffMs(attempts), code: 'network_error' };
  return {
    retryMs: backoffMs(attempts),
    code: String((err as Error)?.message ?? err).slice(0, 200),
  };
}

export interface Target {
  conversationId: number;
  channel: string;
  connection: SlackConnection;
  client: WebClient;
}

export async function target(ctx: SlackContext, conversationId: number): Promise<Target> {
  const conv = await ctx.db
    .selectFrom('slack_conversations')
    .selectAll()
    .where('id', '=', conversationId)
    .executeTakeFirstOrThrow();
  const connection = await ctx.db
    .selectFrom('slack_connections')
    .selectAll()
    .where('id', '=', conv.connection_id)
    .executeTakeFirstOrThrow();
  if (connection.status !== 'active' || !connection.token_enc)
    throw new Permanent('connection_disconnected');
  return {
    conversationId,
    channel: conv.channel_id,
    connection,
    client: connectionClient(ctx, connection),
  };
}

/**
 * Slack takes about one message a second per channel and answers 429 beyond a short burst;
 * sending at that pace keeps a storm of replies and notices to one person in order and clear
 * of 429s (which Slack warns can get an app disabled). The pace lives in the database, so it
 * holds across nodes; a job that must wait goes back to the queue instead of holding a worker
 * slot that other conversations need.
 */
export async function awaitTurn(ctx: SlackContext, t: Target): Promise<void> {
  const pace = ctx.config.slack.pace;
  if (pace.intervalMs <= 0) return;
  const waitMs = await takePaceSlot(ctx.db, `slack.conversation:${t.conversationId}`, pace);
  if (waitMs > 0) throw new PaceWait(Math.ceil(waitMs));
}

/**
 * After a crash between posting and recording, the message may be in Slack already. Each post
 * carries its comment id and part in message metadata, so the DM's recent history tells.
 */
async function alreadyPosted(
  t: Target,
  commentId: number,
  part: number,
  since: string,
): Promise<string | null> {
  const oldest = (Date.parse(since) / 1000 - 60).toFixed(6);
  const res = await t.client.conversations.history({
    channel: t.channel,
    oldest,
    limit: 200,
    include_all_metadata: true,
  });
  for (const m of (res.messages ?? []) as any[]) {
    const p = m.metadata?.event_payload;
    if (
      m.metadata?.event_type === 'parley_comment' &&
      Number(p?.comment_id) === commentId &&
      Number(p?.part) === part
    ) {
      return m.ts as string;
    }
  }
  return null;
}

/**
 * `redelivery`: an agent asked again after a final failure (redeliver.ts). Which of its parts
 * Slack got is then not known from the comment's state, so every unrecorded part is first
 * looked for in the DM's history.
 */
async function deliverComment(
  ctx: SlackContext,
  job: Job,
  commentId: number,
  redelivery: boolean,
): Promise<void> {
  const { db } = ctx;
  const comment = await db
    .selectFrom('comments')
    .selectAll()
    .where('id', '=', commentId)
    .executeTakeFirst();
  if (!comment || comment.delivery_status === 'delivered') return;
  const link = await db
    .selectFrom('slack_conversation_tickets')
    .select('conversation_id')
    .where('ticket_id', '=', comment.ticket_id)
    .executeTakeFirstOrThrow();
  const t = await target(ctx, link.conversation_id);
  const sent = await db
    .selectFrom('slack_messages')
    .select(['ts'])
    .where('comment_id', '=', commentId)
    .where('direction', '=', 'out')
    .execute();
  const sentParts = sent.filter((s) => !s.ts.startsWith('att:')).length;
  const sentFiles = new Set(sent.filter((s) => s.ts.startsWith('att:')).map((s) => s.ts));
  const record = (ts: string) =>
    db
      .insertInto('slack_messages')
      .values({
        conversation_id: t.conversationId,
        ts,
        direction: 'out',
        comment_id: commentId,
        thread_ts: null,
        created_at: new Date().toISOString(),
      })
      .onConflict((oc) => oc.columns(['conversation_id', 'ts']).doNothing())
      .execute();

  // Replies go as mrkdwn `text`, not Slack's `markdown_text`: we escape & < > ourselves, so no
  // reply can smuggle <!channel> or <@U…> mentions in; `text` is also what notifications,
  // chat.update and older clients show, and long replies split cleanly into several messages,
  // where markdown_text (standard Markdown, no `text` fallback allowed beside it) caps at 12k.
  const parts = comment.body.trim() ? splitForSlack(markdownToMrkdwn(comment.body)) : [];
  for (let i = sentParts; i < parts.length; i++) {
    if (redelivery || (comment.delivery_status === 'sending' && job.attempts > 0)) {
      const ts = await alreadyPosted(t, commentId, i, comment.created_at);
      if (ts) {
        await record(ts);
        continue;
      }
    }
    await awaitTurn(ctx, t);
    await recordCommentDelivery(db, ctx.events, commentId, { status: 'sending' });
    const res = await t.client.chat.postMessage({
      channel: t.channel,
      text: parts[i]!, // i < parts.length
      unfurl_links: false,
      metadata: { event_type: 'parley_comment', event_payload: { comment_id: commentId, part: i } },
    });
    await record(res.ts as string);
  }
  const attachments = await db
    .selectFrom('attachments')
    .selectAll()
    .where('comment_id', '=', commentId)
    .orderBy('id')
    .execute();
  for (const a of attachments) {
    if (sentFiles.has(`att:${a.id}`)) continue;
    const data = await ctx.blobs.get(a.blob_key);
    if (!data) throw new Permanent('attachment_missing');
    await awaitTurn(ctx, t);
    await recordCommentDelivery(db, ctx.events, commentId, { status: 'sending' });
    await t.client.filesUploadV2({
      channel_id: t.channel,
      file: data,
      filename: a.file_name,
      title: a.file_name,
    });
    await record(`att:${a.id}`);
  }
  await recordCommentDelivery(db, ctx.events, commentId, { status: 'delivered', error: null });
}

async function deliverNotice(
  ctx: SlackContext,
  payload: { conversation_id: number; text: string; thread_ts?: string },
) {
  const t = await target(ctx, payload.conversation_id);
  await awaitTurn(ctx, t);
  await t.client.chat.postMessage({
    channel: t.channel,
    text: markdownToMrkdwn(payload.text),
    ...(payload.thread_ts ? { thread_ts: payload.thread_ts } : {}),
  });
}

export function deliveryHandler(ctx: SlackContext): JobHandler {
  return async (job, payload): Promise<JobOutcome> => {
    try {
      if (payload.kind === 'comment')
        await deliverComment(ctx, job, Number(payload.comment_id), payload.redelivery === true);
      else if (payload.kind === 'notice') await deliverNotice(ctx, payload);
      else if (payload.kind === RULE_NOTIFICATION) await deliverRuleNotification(ctx, job, payload);
      else return { kind: 'failed', error: `unknown delivery kind ${payload.kind}` };
      return { kind: 'done' };
    } catch (err) {
      if (err instanceof PaceWait) {
        // Every part sent so far is recorded and the next is not on its way: nothing is in
        // flight, so the next run needs no history check.
        if (payload.kind === 'comment') {
          await recordCommentDelivery(ctx.db, ctx.events, Number(payload.comment_id), {
            status: 'pending',
            onlyFrom: 'sending',
          });
        }
        return { kind: 'wait', delayMs: err.ms };
      }
      const { retryMs, code } = classifyError(err, job.attempts);
      const final = retryMs === null || job.attempts + 1 >= MAX_ATTEMPTS;
      ctx.logger.warn(
        { jobId: job.id, code, final, attempts: job.attempts + 1 },
        'slack delivery failed',
      );
      if (DEAD_TOKEN.has(code)) {
        const conv =
          payload.kind !== 'comment'
            ? payload.conversation_id
            : await conversationOf(ctx, Number(payload.comment_id));
        if (conv) {
          const row = await ctx.db
            .selectFrom('slack_conversations')
            .select('connection_id')
            .where('id', '=', conv)
            .executeTakeFirst();
          if (row)
            await markDisconnected(ctx.db, row.connection_id, code, new Date().toISOString());
        }
      }
      if (payload.kind === 'comment') {
        // Only a network failure leaves it unknown whether Slack got the post; any answer
        // from Slack says it did not, so the next attempt needs no history check.
        const ambiguous = err instanceof WebAPIRequestError;
        await recordCommentDelivery(
          ctx.db,
          ctx.events,
          Number(payload.comment_id),
          final
            ? { status: 'failed', error: code }
            : { error: code, ...(ambiguous ? {} : { status: 'pending' as const }) },
        );
      }
      if (final && payload.kind === RULE_NOTIFICATION)
        await ruleNotificationFailed(ctx, payload, code);
      return final
        ? { kind: 'failed', error: code }
        : { kind: 'retry', delayMs: retryMs!, error: code };
    }
  };
}

async function conversationOf(ctx: SlackContext, commentId: number): Promise<number | null> {
  const row = await ctx.db
    .selectFrom('comments')
    .innerJoin(
      'slack_conversation_tickets',
      'slack_conversation_tickets.ticket_id',
      'comments.ticket_id',
    )
    .select('slack_conversation_tickets.conversation_id')
    .where('comments.id', '=', commentId)
    .executeTakeFirst();
  return row?.conversation_id ?? null;
}
