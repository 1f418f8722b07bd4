import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Db } from '../../db/index.ts';
import type { SlackInboxRow } from '../../db/types.ts';
import { NotFoundError, ValidationError } from '../../desk/errors.ts';
import { parseJson, presentTime } from '../../desk/time.ts';
import { parseWith } from '../../http/shared/errors.ts';
import { paginate } from '../../http/shared/pagination.ts';
import { idParam } from '../../http/shared/schemas/common.ts';
import type { SlackRuntime } from './runtime.ts';

/**
 * The Slack events Parley received (its inbox), for admins: which were given up and why, and
 * replaying them once the cause is fixed.
 *
 *  - pending: received, not tried yet;
 *  - retrying: failed for now, tried again with backoff within the retry bound;
 *  - failed: given up (the conversation went on without it); can be replayed;
 *  - processed: applied (or deliberately ignored: see `outcome`).
 */
const STATUSES = ['pending', 'retrying', 'failed', 'processed'] as const;
type Status = (typeof STATUSES)[number];

const listQuery = z.object({ status: z.enum(STATUSES).optional() });

function statusOf(row: SlackInboxRow): Status {
  if (row.failed_at !== null) return 'failed';
  if (row.processed_at !== null) return 'processed';
  return row.attempts > 0 ? 'retrying' : 'pending';
}

function eventsQuery(db: Db, status: Status | undefined) {
  let q = db.selectFrom('slack_inbox').selectAll();
  switch (status) {
    case 'failed':
      q = q.where('failed_at', 'is not', null);
      break;
    case 'processed':
      q = q.where('processed_at', 'is not', null).where('failed_at', 'is', null);
      break;
    case 'retrying':
      q = q.where('processed_at', 'is', null).where('attempts', '>', 0);
      break;
    case 'pending':
      q = q.where('processed_at', 'is', null).where('attempts', '=', 0);
      break;
    default:
      break;
  }
  return q;
}

/**
 * The stored envelope, as Slack sent it but for its `token`: the legacy verification token is
 * a shared secret of the Slack app, and the API never returns secrets. (Events carry file URLs,
 * which open only with a Slack token.)
 */
function presentPayload(text: string): Record<string, unknown> | null {
  const parsed = parseJson<unknown>(text, null);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const { token: _secret, ...rest } = parsed as Record<string, unknown>;
  return rest;
}

export function presentSlackEvent(row: SlackInboxRow) {
  const payload = presentPayload(row.payload);
  const inner = (payload?.event ?? {}) as { type?: unknown; subtype?: unknown };
  return {
    id: row.id,
    event_id: row.event_id,
    status: statusOf(row),
    type: typeof inner.type === 'string' ? inner.type : null,
    subtype: typeof inner.subtype === 'string' ? inner.subtype : null,
    team_id: row.team_id,
    channel_id: row.conversation_key,
    attempts: row.attempts,
    last_error: row.last_error,
    outcome: row.outcome,
    received_at: presentTime(row.received_at),
    next_attempt_at: presentTime(row.next_attempt_at),
    retry_until: presentTime(row.retry_until),
    processed_at: presentTime(row.processed_at),
    failed_at: presentTime(row.failed_at),
    payload,
  };
}

async function getEvent(db: Db, id: number): Promise<SlackInboxRow> {
  const row = await db
    .selectFrom('slack_inbox')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('SlackEvent');
  return row;
}

/**
 * `GET /slack/events`, `GET /slack/events/:id`, `POST /slack/events/:id/replay`. `admin`
 * authorizes the request (channel admins only).
 */
export function slackEventRoutes(
  app: FastifyInstance,
  rt: SlackRuntime,
  admin: (req: FastifyRequest) => Promise<unknown>,
): void {
  const { db } = rt.ctx;
  const base = rt.ctx.config.publicUrl;

  app.get('/slack/events', async (req) => {
    await admin(req);
    const { status } = parseWith(listQuery, req.query ?? {});
    const page = await paginate(req, base, eventsQuery(db, status), {
      sortable: { received_at: 'received_at' },
    });
    return { events: page.rows.map(presentSlackEvent), ...page.meta };
  });

  app.get('/slack/events/:id', async (req) => {
    await admin(req);
    return { event: presentSlackEvent(await getEvent(db, idParam(req.params))) };
  });

  /**
   * Applies a failed event again, or tries a retrying one now. It goes through ingest like a
   * new event: a message given up lands after the later messages applied meanwhile, and a
   * message already applied is not applied twice.
   */
  app.post('/slack/events/:id/replay', async (req) => {
    await admin(req);
    const id = idParam(req.params);
    const failed = await db
      .updateTable('slack_inbox')
      .set({
        processed_at: null,
        failed_at: null,
        outcome: null,
        attempts: 0,
        retry_until: null,
        next_attempt_at: null,
      })
      .where('id', '=', id)
      .where('failed_at', 'is not', null)
      .executeTakeFirst();
    if (Number(failed.numUpdatedRows) === 0) {
      const retried = await db
        .updateTable('slack_inbox')
        .set({ next_attempt_at: null })
        .where('id', '=', id)
        .where('processed_at', 'is', null)
        .executeTakeFirst();
      if (Number(retried.numUpdatedRows) === 0) {
        await getEvent(db, id);
        throw ValidationError.field(
          'status',
          'Status: only failed or retrying events can be replayed; this one was processed',
        );
      }
    }
    rt.ingest?.kick();
    return { event: presentSlackEvent(await getEvent(db, id)) };
  });
}
