import type { Conn } from '../../../desk/context.ts';
import { markDisconnected } from '../connections.ts';
import type { SlackContext } from '../context.ts';
import { applyEditOrDelete } from './apply-edit.ts';
import { applyMessage } from './apply-message.ts';
import type { ApplyState } from './apply-state.ts';
import type { Prepared } from './prepared.ts';

/**
 * Application: applies one prepared event inside the batch transaction, with no network, and
 * says what it did (the inbox row's outcome).
 */
export async function applyEvent(
  ctx: SlackContext,
  trx: Conn,
  p: Prepared,
  state: ApplyState,
): Promise<string> {
  const c = p.classified;
  const now = new Date().toISOString();
  switch (c.kind) {
    case 'ignore':
      return `ignored: ${c.reason}`;
    case 'uninstalled':
      for (const conn of p.connections)
        await markDisconnected(trx, conn.id, 'app_uninstalled', now);
      return `disconnected ${p.connections.length} connection(s): app uninstalled`;
    case 'tokens_revoked': {
      const hit = p.connections.filter(
        (conn) => conn.identity_user_id && c.userIds.includes(conn.identity_user_id),
      );
      for (const conn of hit) await markDisconnected(trx, conn.id, 'tokens_revoked', now);
      return `disconnected ${hit.length} connection(s): tokens revoked`;
    }
    default:
      break;
  }
  const connection = p.connections[0];
  if (!connection || connection.status !== 'active') return 'ignored: connection is not active';
  if (c.kind === 'delete' || c.kind === 'edit') {
    return applyEditOrDelete(trx, { p, state, connection, now }, c);
  }
  return applyMessage(ctx, trx, { p, state, connection, now }, c.kind, c.message);
}
