import type { SlackConnection, User } from '../../../db/types.ts';
import type { Conn } from '../../../desk/context.ts';
import { systemUser } from '../../../desk/system-user.ts';
import type { TransactionEvents } from '../../../desk/events.ts';
import { writeTicket } from '../../../desk/tickets/write-ticket.ts';
import { via } from '../../../desk/via.ts';
import { enqueueJob } from '../../../jobs/queue.ts';
import type { JobSignals } from '../../../jobs/signals.ts';
import { allowedFileTypes } from '../connections.ts';
import { DELIVERY_QUEUE } from '../delivery.ts';
import { type RefusedFile, refusalNote, refusalNotice } from '../refused-files.ts';

/** Refused files: an internal note for agents, and a DM telling the person what is accepted. */
export async function noteRefusedFiles(
  trx: Conn,
  connection: SlackConnection,
  conversationId: number,
  ticketId: number,
  requester: User,
  refused: RefusedFile[],
  opts: { now: string; uploadLimit: number; signals: JobSignals; events: TransactionEvents },
) {
  const { now } = opts;
  const ticket = await trx
    .selectFrom('tickets')
    .selectAll()
    .where('id', '=', ticketId)
    .executeTakeFirstOrThrow();
  const system = await systemUser(trx, now);
  await writeTicket(trx, {
    before: ticket,
    patch: {},
    comment: { body: refusalNote(requester.name, refused), public: false },
    actor: system,
    via: via('rule', { rel: 'slack_file_policy', from: { slack_connection_id: connection.id } }),
    now,
    events: opts.events,
  });
  const text = refusalNotice(refused, {
    acceptedTypes: connection.attachments_enabled === 1 ? allowedFileTypes(connection) : null,
    uploadLimit: opts.uploadLimit,
  });
  if (!text) return;
  await enqueueJob(
    trx,
    {
      queue: DELIVERY_QUEUE,
      orderKey: `conv:${conversationId}`,
      payload: { kind: 'notice', conversation_id: conversationId, text },
    },
    opts.signals,
  );
}
