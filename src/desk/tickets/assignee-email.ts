import { type Conn, isAgent } from '../context.ts';
import { ValidationError } from '../errors.ts';
import { findUserByEmail } from '../users.ts';
import type { TicketPatch } from './write-ticket.ts';

/**
 * Zendesk's write-only `assignee_email`: the agent with that address becomes the assignee.
 * Turned into `assignee_id` before the write, so the rules and the audit see one field; an
 * address that names nobody, or someone who cannot be assigned, is a 422 on assignee_email
 * rather than a ticket left unassigned without a word. Returns a new patch: a write
 * transaction may run twice, and must find its input as it was.
 */
export async function resolveAssigneeEmail(trx: Conn, given: TicketPatch): Promise<TicketPatch> {
  const { assignee_email: email, ...patch } = given;
  if (email === undefined || email === null) return patch;
  const user = await findUserByEmail(trx, email);
  if (!user || !user.active) {
    throw ValidationError.field(
      'assignee_email',
      `Assignee email: there is no user with the email ${email}`,
    );
  }
  if (!isAgent(user)) {
    throw ValidationError.field('assignee_email', 'Assignee email: must be an agent');
  }
  if (patch.assignee_id !== undefined && patch.assignee_id !== user.id) {
    throw ValidationError.field(
      'assignee_email',
      'Assignee email: names another user than assignee_id',
    );
  }
  return { ...patch, assignee_id: user.id };
}
