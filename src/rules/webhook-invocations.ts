import type { WebhookInvocationAttempt } from '../db/types.ts';
import type { Actor, Conn } from '../desk/context.ts';
import { NotFoundError } from '../desk/errors.ts';
import { authorize } from '../desk/policies/authorize.ts';
import { getWebhook } from './webhooks.ts';

/** The history of a webhook's calls: invocations (one per rule firing) and their attempts. */

/** `GET /webhooks/{id}/invocations`: a query the door pages. */
export async function listInvocations(
  db: Conn,
  actor: Actor,
  webhookId: number,
  filter: { status?: string } = {},
) {
  await authorize(db, actor, 'webhook:read');
  await getWebhook(db, webhookId);
  let q = db.selectFrom('webhook_invocations').selectAll().where('webhook_id', '=', webhookId);
  if (filter.status) q = q.where('status', '=', filter.status);
  return q;
}

/** `GET /webhooks/{id}/invocations/{invocation_id}/attempts`, in the order they were made. */
export async function listAttempts(
  db: Conn,
  actor: Actor,
  webhookId: number,
  invocationId: number,
): Promise<WebhookInvocationAttempt[]> {
  await authorize(db, actor, 'webhook:read');
  const inv = await db
    .selectFrom('webhook_invocations')
    .select('id')
    .where('id', '=', invocationId)
    .where('webhook_id', '=', webhookId)
    .executeTakeFirst();
  if (!inv) throw new NotFoundError('Invocation');
  return db
    .selectFrom('webhook_invocation_attempts')
    .selectAll()
    .where('invocation_id', '=', invocationId)
    .orderBy('attempt')
    .orderBy('id')
    .execute();
}
