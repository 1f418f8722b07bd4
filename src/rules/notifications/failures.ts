import type { User } from '../../db/types.ts';
import type { Conn } from '../../desk/context.ts';
import { type DeskEvents, EventsAfterCommit } from '../../desk/events.ts';
import { writeTransaction } from '../../db/group-commit.ts';
import type { Db } from '../../db/index.ts';
import { createNotification } from './in-app.ts';
import { maySee, reachable } from './recipients.ts';

/**
 * A notification that finally could not be sent is shown where an agent will see it: an in-app
 * notification to the ticket's assignee, or to every admin when the ticket has no assignee who
 * may see it. The reason is the mail server's or Slack's answer, nothing more.
 */
export interface DeliveryFailure {
  ticketId: number;
  /** Who was not told: a name, with the email address when it went by email. */
  recipient: string;
  how: 'email' | 'Slack';
  subject: string;
  reason: string;
  /** Unique per failed delivery, so a rerun records it once. */
  key: string;
}

async function whoToTell(trx: Conn, ticketId: number): Promise<User[]> {
  const ticket = await trx
    .selectFrom('tickets')
    .select(['assignee_id', 'from_messaging_channel'])
    .where('id', '=', ticketId)
    .executeTakeFirst();
  const active = reachable(trx);
  if (ticket?.assignee_id) {
    const assignee = await active
      .where('id', '=', ticket.assignee_id)
      .where('role', 'in', ['agent', 'admin'])
      .executeTakeFirst();
    if (assignee && (await maySee(trx, assignee, ticket))) return [assignee];
  }
  return active.where('role', '=', 'admin').orderBy('id').execute();
}

export async function recordDeliveryFailure(
  db: Db,
  bus: DeskEvents,
  failure: DeliveryFailure,
  now: string,
): Promise<void> {
  const events = new EventsAfterCommit(bus);
  const committed = writeTransaction(db, async (trx) => {
    const run = events.attempt();
    for (const user of await whoToTell(trx, failure.ticketId)) {
      await createNotification(
        trx,
        run,
        {
          userId: user.id,
          ticketId: failure.ticketId,
          rule: null,
          subject: `Notification to ${failure.recipient} could not be sent`,
          body:
            `The ${failure.how} notification "${failure.subject}" about ticket ` +
            `#${failure.ticketId} to ${failure.recipient} failed: ${failure.reason}`,
          dedupeKey: `failed:${failure.key}:${user.id}`,
        },
        now,
      );
    }
  });
  await events.publishAfter(committed);
}
