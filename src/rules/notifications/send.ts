import type { Logger } from 'pino';
import type { Ticket, User } from '../../db/types.ts';
import type { Db } from '../../db/index.ts';
import { writeTransaction } from '../../db/group-commit.ts';
import type { Conn } from '../../desk/context.ts';
import { isAgent } from '../../desk/context.ts';
import { type DeskEvents, EventsAfterCommit, type TransactionEvents } from '../../desk/events.ts';
import { nowIso } from '../../desk/time.ts';
import { backoffMs, enqueueJob, type JobHandler, type JobOutcome } from '../../jobs/queue.ts';
import type { JobSignals } from '../../jobs/signals.ts';
import { loadPlaceholderContext } from '../placeholder-context.ts';
import { renderPlaceholders } from '../placeholders.ts';
import type { Mailer } from './email.ts';
import type { NotifyPayload } from './enqueue.ts';
import { createNotification } from './in-app.ts';
import { maySee, resolveRecipients } from './recipients.ts';

export const EMAIL_QUEUE = 'rules.email';
/** A notification job only reads and writes the database: a few tries cover a busy moment. */
const MAX_ATTEMPTS = 8;

export interface NotifyDeps {
  db: Db;
  events: DeskEvents;
  signals: JobSignals;
  publicUrl: string;
  /** Null when no SMTP server is configured: in-app only. */
  mailer: Mailer | null;
  logger: Logger;
}

export interface EmailPayload {
  user_id: number;
  to: string;
  recipient_name: string;
  ticket_id: number;
  subject: string;
  text: string;
  html: string;
  key: string;
}

interface Rendered {
  subject: string;
  text: string;
  html: string;
}

/**
 * The notification job: resolves who it reaches now, renders the rule's texts once with the
 * ticket as it is now, and in one transaction writes the agents' in-app notifications and one
 * email job per person emailed (each retried on its own).
 */
export function notifyHandler(deps: NotifyDeps): JobHandler {
  return async (job, payload: NotifyPayload): Promise<JobOutcome> => {
    try {
      await sendNotification(deps, payload);
      return { kind: 'done' };
    } catch (err) {
      const error = String((err as Error)?.message ?? err).slice(0, 300);
      deps.logger.warn({ jobId: job.id, err }, 'rule notification failed');
      return job.attempts + 1 >= MAX_ATTEMPTS
        ? { kind: 'failed', error }
        : { kind: 'retry', delayMs: backoffMs(job.attempts), error };
    }
  };
}

async function sendNotification(deps: NotifyDeps, p: NotifyPayload): Promise<void> {
  const { db } = deps;
  const ticket = await db
    .selectFrom('tickets')
    .selectAll()
    .where('id', '=', p.ticket_id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  // A ticket deleted since tells no one anything.
  if (!ticket) return;
  const recipients = await resolveRecipients(db, p.effect, ticket, p.actor_user_id);
  if (recipients.length === 0) return;
  const ctx = await loadPlaceholderContext(db, ticket.id, p.actor_user_id, {
    publicUrl: deps.publicUrl,
  });
  const rendered: Rendered = {
    // A subject is one line, whatever the rule's text holds.
    subject: renderPlaceholders(p.effect.subject, ctx, 'text').replace(/\s*[\r\n]+\s*/g, ' '),
    text: renderPlaceholders(p.effect.body, ctx, 'text'),
    html: renderPlaceholders(p.effect.body, ctx, 'html'),
  };
  const events = new EventsAfterCommit(deps.events);
  const committed = writeTransaction(db, async (trx) => {
    const run = events.attempt();
    const now = nowIso();
    for (const user of recipients) {
      await tell(trx, run, deps, { p, ticket, user, rendered, now });
    }
  });
  await events.publishAfter(committed);
}

async function tell(
  trx: Conn,
  run: TransactionEvents,
  deps: NotifyDeps,
  a: { p: NotifyPayload; ticket: Ticket; user: User; rendered: Rendered; now: string },
): Promise<void> {
  const { p, ticket, user, rendered } = a;
  const key = `${p.audit_id}:${p.index}:${user.id}`;
  if (isAgent(user)) {
    if (!(await maySee(trx, user, ticket))) return;
    const n = { userId: user.id, ticketId: ticket.id, rule: p.rule, dedupeKey: key };
    await createNotification(
      trx,
      run,
      { ...n, subject: rendered.subject, body: rendered.text },
      a.now,
    );
  } else if (ticket.from_messaging_channel) {
    // A messaging requester is told in their channel (a RequesterChannel), never by email.
    return;
  }
  if (!deps.mailer || !user.email) return;
  const email: EmailPayload = {
    user_id: user.id,
    to: user.email,
    recipient_name: user.name,
    ticket_id: ticket.id,
    ...rendered,
    key,
  };
  await enqueueJob(
    trx,
    { queue: EMAIL_QUEUE, orderKey: `email:${key}`, payload: email, dedupeKey: `email:${key}` },
    deps.signals,
  );
}
