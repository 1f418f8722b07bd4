import type { Logger } from 'pino';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { Db } from '../db/index.ts';
import type { Job, WebhookInvocation } from '../db/types.ts';
import type { Conn } from '../desk/context.ts';
import { NotFoundError } from '../desk/errors.ts';
import type { FiredEffect, Processor, TicketWritten } from '../desk/events.ts';
import { nowIso } from '../desk/time.ts';
import { backoffMs, enqueueJob, type JobHandler, type JobOutcome } from '../jobs/queue.ts';
import type { JobSignals } from '../jobs/signals.ts';
import { loadPlaceholderContext } from './placeholder-context.ts';
import { renderPlaceholders } from './placeholders.ts';
import type { GuardOptions } from './webhook-address.ts';
import { SendFailure, sendWebhook, type WebhookResponse } from './webhook-send.ts';
import { MAX_STORED_ID, openAuthentication, storedHeaders } from './webhooks.ts';

/**
 * Webhook calls rules asked for, from the outbox: the processor writes one job and one
 * invocation per `notification_webhook` effect inside the ticket write's transaction, so a
 * committed write always calls and a rolled-back one never does; the worker renders the body's
 * placeholders at send time, sends, records each attempt, and retries what may succeed later.
 *
 * Retries (Zendesk's reference is silent on the exact schedule): network errors, timeouts,
 * 408, 409, 429 and 5xx are retried with the queue's backoff (about 1, 2, 4, 8 s; a
 * Retry-After of up to 60 s is honoured), five attempts in all; other answers are final.
 */

export const WEBHOOK_QUEUE = 'webhooks';
export const MAX_ATTEMPTS = 5;
const MAX_RETRY_AFTER_MS = 60_000;

interface WebhookJob {
  invocation_id: number;
  ticket_id: number;
  actor_user_id: number;
  body: string;
}

export interface DeliveryServices {
  db: Db;
  box: SecretBox;
  guard: GuardOptions;
  publicUrl: string;
  logger: Logger;
}

async function enqueueEffect(
  trx: Conn,
  event: TicketWritten,
  fired: FiredEffect,
  index: number,
  signals: JobSignals,
): Promise<void> {
  const { effect, rule } = fired;
  if (effect.type !== 'notification_webhook') return;
  // The audit and the effect's place in it name the call: a rerun of this write never adds it twice.
  const dedupeKey = `webhook:${event.auditId}:${index}`;
  const queued = await trx
    .selectFrom('jobs')
    .select('id')
    .where('dedupe_key', '=', dedupeKey)
    .executeTakeFirst();
  if (queued || effect.webhookId > MAX_STORED_ID) return;
  const webhook = await trx
    .selectFrom('webhooks')
    .select('id')
    .where('id', '=', effect.webhookId)
    .executeTakeFirst();
  // Rules naming a webhook are checked when saved; one deleted since has nowhere to go.
  if (!webhook) return;
  const now = nowIso();
  const invocation = await trx
    .insertInto('webhook_invocations')
    .values({
      webhook_id: webhook.id,
      ticket_id: event.ticketId,
      rule_kind: rule.kind,
      rule_id: rule.id,
      rule_title: rule.title,
      status: 'in_progress',
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const payload: WebhookJob = {
    invocation_id: invocation.id,
    ticket_id: event.ticketId,
    actor_user_id: event.actor.userId,
    body: effect.body,
  };
  await enqueueJob(
    trx,
    { queue: WEBHOOK_QUEUE, orderKey: `invocation:${invocation.id}`, payload, dedupeKey },
    signals,
  );
}

/** The desk-bus processor: webhook effects of a ticket write become outbox jobs. */
export function webhookProcessor(signals: JobSignals): Processor {
  return {
    name: 'rules.webhooks',
    handles: ['ticket.written'],
    async inTransaction(trx, event) {
      if (event.name !== 'ticket.written') return;
      const effects = event.effects;
      for (let i = 0; i < effects.length; i++) {
        await enqueueEffect(trx, event, effects[i]!, i, signals);
      }
    },
  };
}

async function finish(
  db: Db,
  invocationId: number,
  status: 'success' | 'failed' | 'skipped',
  statusCode: number | null,
  error: string | null,
): Promise<void> {
  await db
    .updateTable('webhook_invocations')
    .set({ status, status_code: statusCode, error, completed_at: nowIso() })
    .where('id', '=', invocationId)
    .execute();
}

async function recordAttempt(
  db: Db,
  invocationId: number,
  attempt: number,
  outcome: { ok: boolean; statusCode: number | null; error: string | null; durationMs: number },
): Promise<void> {
  const now = nowIso();
  await db
    .insertInto('webhook_invocation_attempts')
    .values({
      invocation_id: invocationId,
      attempt,
      status: outcome.ok ? 'success' : 'failed',
      status_code: outcome.statusCode,
      error: outcome.error,
      duration_ms: outcome.durationMs,
      completed_at: now,
    })
    .execute();
  await db
    .updateTable('webhook_invocations')
    .set({ status_code: outcome.statusCode, error: outcome.error })
    .where('id', '=', invocationId)
    .execute();
}

function retryable(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

function retryAfterMs(res: WebhookResponse): number | null {
  const raw = res.headers['retry-after'];
  if (!raw) return null;
  const seconds = Number(raw);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(raw) - Date.now();
  return Number.isFinite(ms) && ms >= 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : null;
}

/** What the queue does after an attempt that did not succeed. */
async function afterFailure(
  db: Db,
  inv: WebhookInvocation,
  attempt: number,
  statusCode: number | null,
  error: string,
  again: boolean,
  waitMs: number | null,
): Promise<JobOutcome> {
  if (again && attempt < MAX_ATTEMPTS) {
    return { kind: 'retry', delayMs: Math.max(backoffMs(attempt - 1), waitMs ?? 0), error };
  }
  const reason = again ? `${error} (gave up after ${attempt} attempts)` : error;
  await finish(db, inv.id, 'failed', statusCode, reason);
  return { kind: 'failed', error: reason };
}

async function renderBody(s: DeliveryServices, p: WebhookJob, format: string): Promise<string> {
  const context = await loadPlaceholderContext(s.db, p.ticket_id, p.actor_user_id, {
    publicUrl: s.publicUrl,
  });
  // A JSON body keeps its shape whatever the values hold; other formats get plain text.
  return renderPlaceholders(p.body, context, format === 'json' ? 'json' : 'text');
}

async function deliver(s: DeliveryServices, job: Job, p: WebhookJob): Promise<JobOutcome> {
  const { db } = s;
  const inv = await db
    .selectFrom('webhook_invocations')
    .selectAll()
    .where('id', '=', p.invocation_id)
    .executeTakeFirst();
  // Gone with its webhook (deleted since): nothing left to call or to record.
  if (!inv) return { kind: 'done' };
  const hook = await db
    .selectFrom('webhooks')
    .selectAll()
    .where('id', '=', inv.webhook_id)
    .executeTakeFirst();
  if (!hook) return { kind: 'done' };
  if (hook.status !== 'active') {
    await finish(db, inv.id, 'skipped', null, 'the webhook is inactive');
    return { kind: 'done' };
  }
  let body: string;
  try {
    body = await renderBody(s, p, hook.request_format);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    await finish(db, inv.id, 'failed', null, 'the ticket no longer exists');
    return { kind: 'failed', error: 'ticket gone' };
  }
  const attempt = job.attempts + 1;
  try {
    const res = await sendWebhook({
      endpoint: hook.endpoint,
      method: hook.http_method,
      format: hook.request_format,
      body,
      authentication: openAuthentication(hook, s.box),
      customHeaders: storedHeaders(hook),
      secret: s.box.open(hook.signing_secret_sealed),
      webhookId: String(hook.id),
      invocationId: String(inv.id),
      guard: s.guard,
    });
    const ok = res.status >= 200 && res.status < 300;
    const error = ok ? null : `the endpoint answered ${res.status}`;
    await recordAttempt(db, inv.id, attempt, {
      ok,
      statusCode: res.status,
      error,
      durationMs: res.durationMs,
    });
    if (ok) {
      await finish(db, inv.id, 'success', res.status, null);
      return { kind: 'done' };
    }
    return afterFailure(
      db,
      inv,
      attempt,
      res.status,
      error!,
      retryable(res.status),
      retryAfterMs(res),
    );
  } catch (err) {
    if (!(err instanceof SendFailure)) throw err;
    await recordAttempt(db, inv.id, attempt, {
      ok: false,
      statusCode: null,
      error: err.message,
      durationMs: err.durationMs,
    });
    const again = err.kind === 'network' || err.kind === 'timeout';
    return afterFailure(db, inv, attempt, null, err.message, again, null);
  }
}

/** The worker's handler for the webhook queue. */
export function webhookHandler(s: DeliveryServices): JobHandler {
  return (job, payload) => deliver(s, job, payload as WebhookJob);
}
