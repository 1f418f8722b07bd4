import { nowIso } from '../../desk/time.ts';
import { backoffMs, type JobHandler, type JobOutcome } from '../../jobs/queue.ts';
import { isPermanentMailError, mailErrorReason } from './email.ts';
import { recordDeliveryFailure } from './failures.ts';
import type { EmailPayload, NotifyDeps } from './send.ts';

/** About a day of tries with the queue's backoff (1 s doubling, capped at 10 minutes). */
const MAX_ATTEMPTS = 12;

/**
 * One notification email. A transient failure (the server unreachable, a 4xx) is retried with
 * backoff; a refusal (5xx) or the last try is recorded where an agent sees it.
 */
export function emailHandler(deps: NotifyDeps): JobHandler {
  return async (job, p: EmailPayload): Promise<JobOutcome> => {
    const mailer = deps.mailer;
    if (!mailer) return { kind: 'failed', error: 'no SMTP server is configured' };
    try {
      await mailer.send({ to: p.to, subject: p.subject, text: p.text, html: p.html });
      return { kind: 'done' };
    } catch (err) {
      const reason = mailErrorReason(err);
      const final = isPermanentMailError(err) || job.attempts + 1 >= MAX_ATTEMPTS;
      deps.logger.warn(
        { jobId: job.id, reason, final, attempts: job.attempts + 1 },
        'notification email failed',
      );
      if (!final) return { kind: 'retry', delayMs: backoffMs(job.attempts), error: reason };
      await recordDeliveryFailure(
        deps.db,
        deps.events,
        {
          ticketId: p.ticket_id,
          recipient: `${p.recipient_name} <${p.to}>`,
          how: 'email',
          subject: p.subject,
          reason,
          key: `email:${p.key}`,
        },
        nowIso(),
      );
      return { kind: 'failed', error: reason };
    }
  };
}
