import { createSecretBox } from '../../../crypto/secret-box.ts';
import type { Webhook, WebhookInvocation, WebhookInvocationAttempt } from '../../../db/types.ts';
import { authorize } from '../../../desk/policies/authorize.ts';
import { nowIso, parseJson, presentTime } from '../../../desk/time.ts';
import { listAttempts, listInvocations } from '../../../rules/webhook-invocations.ts';
import { testWebhook } from '../../../rules/webhook-test.ts';
import {
  createWebhook,
  deleteWebhook,
  listWebhooks,
  resetSigningSecret,
  showSigningSecret,
  showWebhook,
  storedHeaders,
  updateWebhook,
  type WebhookServices,
} from '../../../rules/webhooks.ts';
import type { RoutePlugin } from '../../context.ts';
import { actorOf } from '../../shared/actor.ts';
import { HttpError, parseWith } from '../../shared/errors.ts';
import { paginate } from '../../shared/pagination.ts';
import { parseQuery } from '../../shared/query.ts';
import { idParam } from '../../shared/schemas/common.ts';
import {
  listInvocationsQuery,
  listWebhooksQuery,
  testQuery,
  testSchema,
  webhookSchema,
} from './schemas.ts';

/**
 * Zendesk's webhook JSON. Ids are strings, as Zendesk's are; the authentication shows its type
 * and position but never its data, and the signing secret has its own endpoint.
 */
export function presentWebhook(row: Webhook) {
  return {
    id: String(row.id),
    name: row.name,
    description: row.description,
    status: row.status,
    subscriptions: parseJson<string[]>(row.subscriptions, []),
    endpoint: row.endpoint,
    http_method: row.http_method,
    request_format: row.request_format,
    ...(row.auth_type
      ? { authentication: { type: row.auth_type, add_position: row.auth_add_position ?? 'header' } }
      : {}),
    custom_headers: storedHeaders(row),
    created_at: presentTime(row.created_at),
    created_by: row.created_by === null ? null : String(row.created_by),
    updated_at: presentTime(row.updated_at),
    updated_by: row.updated_by === null ? null : String(row.updated_by),
  };
}

export function presentInvocation(row: WebhookInvocation) {
  return {
    id: String(row.id),
    status: row.status,
    status_code: row.status_code,
    latest_completed_at: presentTime(row.completed_at),
    created_at: presentTime(row.created_at),
    ticket_id: row.ticket_id,
    source: row.rule_kind
      ? {
          type: row.rule_kind,
          id: row.rule_id === null ? null : String(row.rule_id),
          title: row.rule_title,
        }
      : null,
    error: row.error,
  };
}

export function presentAttempt(row: WebhookInvocationAttempt) {
  return {
    id: String(row.id),
    invocation_id: String(row.invocation_id),
    attempt: row.attempt,
    status: row.status,
    status_code: row.status_code,
    error: row.error,
    duration: row.duration_ms,
    completed_at: presentTime(row.completed_at),
  };
}

const webhookPages = {
  sortable: { name: 'name', status: 'status' },
  defaultSort: 'name',
  cursorOnly: true,
};
const invocationPages = {
  sortable: { latest_completed_at: 'completed_at' },
  defaultSort: '-id',
  cursorOnly: true,
};

/** `?webhook_id=` as Zendesk's test takes it: a stored webhook's id (a string or a number). */
function optionalId(raw: string | undefined): number | null {
  if (raw === undefined) return null;
  if (!/^\d{1,10}$/.test(raw)) throw new HttpError(404, 'RecordNotFound', 'Not found');
  return idParam({ id: raw });
}

/*
 * Writes authorize before reading the path or body, so a caller without the right gets a 403
 * whatever they sent; the rules' commands authorize again, for every other door.
 */
export const webhookRoutes: RoutePlugin = (app, { db, config }) => {
  const base = config.publicUrl;
  const services: WebhookServices = {
    box: createSecretBox(config.secretKey),
    guard: { allowPrivate: config.webhooks.allowPrivate },
  };

  app.get('/webhooks', async (req) => {
    const q = parseQuery(listWebhooksQuery, req.query);
    const query = await listWebhooks(db, actorOf(req), {
      nameContains: q['filter[name_contains]'],
      status: q['filter[status]'],
    });
    const page = await paginate(req, base, query, webhookPages);
    return { webhooks: page.rows.map(presentWebhook), ...page.meta };
  });

  app.post('/webhooks', async (req, reply) => {
    await authorize(db, actorOf(req), 'webhook:manage');
    const input = parseWith(webhookSchema, req.body).webhook;
    const row = await createWebhook(db, actorOf(req), input, services, nowIso());
    reply.status(201).header('location', `${base}/api/v2/webhooks/${row.id}`);
    return { webhook: presentWebhook(row) };
  });

  app.post('/webhooks/test', async (req) => {
    await authorize(db, actorOf(req), 'webhook:manage');
    const webhookId = optionalId(parseQuery(testQuery, req.query).webhook_id);
    const { request } = parseWith(testSchema, req.body ?? {});
    return { response: await testWebhook(db, actorOf(req), webhookId, request, services) };
  });

  app.get('/webhooks/:id', async (req) => {
    return { webhook: presentWebhook(await showWebhook(db, actorOf(req), idParam(req.params))) };
  });

  for (const method of ['put', 'patch'] as const) {
    app[method]('/webhooks/:id', async (req) => {
      await authorize(db, actorOf(req), 'webhook:manage');
      const id = idParam(req.params);
      const input = parseWith(webhookSchema, req.body).webhook;
      const mode = method === 'put' ? 'replace' : 'merge';
      const row = await updateWebhook(db, actorOf(req), id, input, mode, services, nowIso());
      return { webhook: presentWebhook(row) };
    });
  }

  app.delete('/webhooks/:id', async (req, reply) => {
    await authorize(db, actorOf(req), 'webhook:manage');
    await deleteWebhook(db, actorOf(req), idParam(req.params));
    return reply.status(204).send();
  });

  app.get('/webhooks/:id/signing_secret', async (req) => {
    const secret = await showSigningSecret(db, actorOf(req), idParam(req.params), services.box);
    return { signing_secret: { algorithm: 'SHA256', secret } };
  });

  app.post('/webhooks/:id/signing_secret', async (req, reply) => {
    await authorize(db, actorOf(req), 'webhook:manage');
    const id = idParam(req.params);
    const secret = await resetSigningSecret(db, actorOf(req), id, services.box, nowIso());
    reply.status(201);
    return { signing_secret: { algorithm: 'SHA256', secret } };
  });

  app.get('/webhooks/:id/invocations', async (req) => {
    const q = parseQuery(listInvocationsQuery, req.query);
    const query = await listInvocations(db, actorOf(req), idParam(req.params), {
      status: q['filter[status]'],
    });
    const page = await paginate(req, base, query, invocationPages);
    return { invocations: page.rows.map(presentInvocation), ...page.meta };
  });

  app.get('/webhooks/:id/invocations/:invocation_id/attempts', async (req) => {
    const rows = await listAttempts(
      db,
      actorOf(req),
      idParam(req.params),
      idParam(req.params, 'invocation_id'),
    );
    return { attempts: rows.map(presentAttempt) };
  });
};
