import type { Actor, Conn } from '../desk/context.ts';
import { ValidationError } from '../desk/errors.ts';
import { authorize } from '../desk/policies/authorize.ts';
import { SendFailure, sendWebhook } from './webhook-send.ts';
import {
  type AuthData,
  checkEndpoint,
  getWebhook,
  isReservedHeader,
  openAuthentication,
  storedHeaders,
  type WebhookInput,
  type WebhookServices,
} from './webhooks.ts';

/**
 * `POST /webhooks/test`: one request to a webhook being written (or a stored one, whose values
 * fill what the request leaves out), answered with what the endpoint said. Nothing is recorded.
 */

/**
 * Zendesk signs test requests of unsaved webhooks with this published secret
 * ("this_secret_is_for_testing_only"), so a receiver can be tried before the real one exists.
 */
export const TEST_SIGNING_SECRET = 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==';

export interface TestRequest {
  endpoint?: string;
  http_method?: NonNullable<WebhookInput['http_method']>;
  request_format?: NonNullable<WebhookInput['request_format']>;
  authentication?: { type: AuthData['type']; data?: Record<string, unknown> } | null;
  custom_headers?: Record<string, string>;
  headers?: { key: string; value: string }[];
  params?: { key: string; value: string }[];
  payload?: string;
}

export interface TestResponse {
  status: number | null;
  headers: { key: string; value: string }[];
  body: string;
  error?: string;
}

function testAuth(req: TestRequest): AuthData | null {
  const a = req.authentication;
  if (!a) return null;
  const d = a.data ?? {};
  const s = (k: string) => (typeof d[k] === 'string' ? d[k] : '');
  if (a.type === 'basic_auth') {
    return { type: a.type, data: { username: s('username'), password: s('password') } };
  }
  if (a.type === 'bearer_token') return { type: a.type, data: { token: s('token') } };
  return { type: a.type, data: { name: s('name') || 'x-api-key', value: s('value') } };
}

function withParams(endpoint: string, params: TestRequest['params']): string {
  if (!params?.length) return endpoint;
  const url = new URL(endpoint);
  for (const p of params) url.searchParams.append(p.key, p.value);
  return url.toString();
}

export async function testWebhook(
  db: Conn,
  actor: Actor,
  webhookId: number | null,
  req: TestRequest,
  services: WebhookServices,
): Promise<TestResponse> {
  await authorize(db, actor, 'webhook:manage');
  const stored = webhookId === null ? null : await getWebhook(db, webhookId);
  const endpoint = req.endpoint ?? stored?.endpoint;
  if (!endpoint) throw ValidationError.field('endpoint', 'endpoint: is required', 'BlankValue');
  const checked = await checkEndpoint(endpoint, services.guard);
  const headers: Record<string, string> = stored ? storedHeaders(stored) : {};
  for (const h of [
    ...Object.entries(req.custom_headers ?? {}),
    ...(req.headers ?? []).map((x) => [x.key, x.value] as const),
  ]) {
    const [key, value] = h;
    if (/[\r\n\0]/.test(value) || isReservedHeader(key)) {
      throw ValidationError.field(`headers.${key}`, 'Header: reserved, or not a header value');
    }
    headers[key] = value;
  }
  try {
    const res = await sendWebhook({
      endpoint: withParams(checked, req.params),
      method: req.http_method ?? stored?.http_method ?? 'POST',
      format: req.request_format ?? stored?.request_format ?? 'json',
      body: req.payload ?? '',
      authentication:
        req.authentication !== undefined
          ? testAuth(req)
          : stored
            ? openAuthentication(stored, services.box)
            : null,
      customHeaders: headers,
      secret: stored ? services.box.open(stored.signing_secret_sealed) : TEST_SIGNING_SECRET,
      webhookId: stored ? String(stored.id) : 'test',
      invocationId: 'test',
      guard: services.guard,
    });
    return {
      status: res.status,
      headers: Object.entries(res.headers).map(([key, value]) => ({ key, value })),
      body: res.body,
    };
  } catch (err) {
    if (!(err instanceof SendFailure)) throw err;
    if (err.kind === 'refused' || err.kind === 'invalid')
      throw ValidationError.field('endpoint', `Endpoint ${err.message}`);
    return { status: null, headers: [], body: '', error: err.message };
  }
}
