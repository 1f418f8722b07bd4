import { z } from 'zod';
import { oneString } from '../../shared/query.ts';
import { AUTH_TYPES, HTTP_METHODS, REQUEST_FORMATS } from '../../../rules/webhooks.ts';

/*
 * Zendesk's webhook JSON. What the rules check themselves (the endpoint's address, the
 * authentication's data, header names) they refuse with a 422 naming the field.
 */
const authentication = z
  .object({
    type: z.enum(AUTH_TYPES),
    data: z.record(z.string(), z.unknown()).optional(),
    add_position: z.literal('header').optional(),
  })
  .strip();

const webhookFields = {
  name: z.string().max(255).optional(),
  description: z.string().max(65_536).nullable().optional(),
  status: z.enum(['active', 'inactive']).optional(),
  endpoint: z.string().max(2048).optional(),
  http_method: z.enum(HTTP_METHODS).optional(),
  request_format: z.enum(REQUEST_FORMATS).optional(),
  subscriptions: z.array(z.string().max(255)).max(50).optional(),
  authentication: authentication.nullable().optional(),
  custom_headers: z.record(z.string(), z.string().max(1000).nullable()).nullable().optional(),
};
export const webhookSchema = z.object({ webhook: z.object(webhookFields).strip() });

const pair = z.object({ key: z.string().max(1000), value: z.string().max(10_000) }).strip();

/** `POST /webhooks/test`: a webhook to try (or the stored one's values) and what to send. */
export const testSchema = z.object({
  request: z
    .object({
      endpoint: z.string().max(2048).optional(),
      http_method: z.enum(HTTP_METHODS).optional(),
      request_format: z.enum(REQUEST_FORMATS).optional(),
      authentication: authentication.nullable().optional(),
      custom_headers: z.record(z.string(), z.string().max(1000)).optional(),
      headers: z.array(pair).max(5).optional(),
      params: z.array(pair).max(50).optional(),
      payload: z
        .string()
        .max(256 * 1024)
        .optional(),
    })
    .strip()
    .default({}),
});

const statusFilter = oneString('filter[status]').transform((v, ctx) => {
  if (v === undefined) return undefined;
  if (v !== 'active' && v !== 'inactive') {
    ctx.addIssue({ code: 'custom', message: 'filter[status] must be active or inactive' });
    return z.NEVER;
  }
  return v;
});

/** `GET /webhooks`: `filter[name_contains]`, `filter[status]`; paging keys pass through. */
export const listWebhooksQuery = z
  .object({
    'filter[name_contains]': oneString('filter[name_contains]').optional(),
    'filter[status]': statusFilter.optional(),
  })
  .passthrough();

/** `GET /webhooks/{id}/invocations`: `filter[status]`; paging keys pass through. */
export const listInvocationsQuery = z
  .object({
    'filter[status]': oneString('filter[status]').optional(),
    webhook_id: oneString('webhook_id').optional(),
  })
  .passthrough();

/** `POST /webhooks/test?webhook_id=`: the stored webhook to test. */
export const testQuery = z.object({ webhook_id: oneString('webhook_id').optional() }).passthrough();
