import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AuthData } from './webhooks.ts';
import {
  AddressRefused,
  type GuardOptions,
  parseEndpoint,
  pinnedLookup,
  resolveEndpoint,
} from './webhook-address.ts';

/**
 * One webhook request, signed as Zendesk signs them so that receivers written for Zendesk
 * verify it unchanged: `X-Zendesk-Webhook-Signature` is base64(HMAC-SHA256(secret, timestamp +
 * body)) and `X-Zendesk-Webhook-Signature-Timestamp` the timestamp (ISO 8601, to the second).
 * The connection goes to the address the SSRF guard checked; redirects are not followed (a
 * redirect could lead anywhere the guard would refuse); the answer is read up to a bound.
 */

/** Zendesk's webhooks time out after 12 seconds. */
export const REQUEST_TIMEOUT_MS = 12_000;
/** What is kept of a response body (the invocation's and the test's view of it). */
export const MAX_RESPONSE_BYTES = 64 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  json: 'application/json',
  xml: 'application/xml',
  form_encoded: 'application/x-www-form-urlencoded',
};

export interface WebhookRequest {
  endpoint: string;
  method: string;
  format: string;
  body: string;
  authentication: AuthData | null;
  customHeaders: Record<string, string>;
  secret: string;
  webhookId: string;
  invocationId: string;
  guard: GuardOptions;
  timeoutMs?: number;
}

export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  durationMs: number;
}

/** Why a request got no HTTP answer: refused by the guard, a network error, or a timeout. */
export class SendFailure extends Error {
  constructor(
    /** `refused` by the guard and `invalid` (a request Node will not make) are not retried. */
    readonly kind: 'refused' | 'invalid' | 'network' | 'timeout',
    message: string,
    readonly durationMs: number,
  ) {
    super(message);
    this.name = 'SendFailure';
  }
}

/** Zendesk's timestamp: ISO 8601 in UTC, to the second. */
export function signatureTimestamp(at: Date = new Date()): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function signBody(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret)
    .update(timestamp + body)
    .digest('base64');
}

function authHeader(auth: AuthData | null): Record<string, string> {
  if (!auth) return {};
  switch (auth.type) {
    case 'basic_auth': {
      const pair = `${auth.data.username}:${auth.data.password}`;
      return { authorization: `Basic ${Buffer.from(pair).toString('base64')}` };
    }
    case 'bearer_token':
      return { authorization: `Bearer ${auth.data.token}` };
    case 'api_key':
      return { [auth.data.name]: auth.data.value };
  }
}

/**
 * GET and DELETE carry no body: a JSON object or list of [key, value] pairs in the rule's body
 * becomes the query string, as Zendesk sends query parameters for those methods.
 */
function placeBody(url: URL, method: string, body: string): string {
  if (method !== 'GET' && method !== 'DELETE') return body;
  try {
    const parsed: unknown = JSON.parse(body);
    const pairs = Array.isArray(parsed) ? parsed : Object.entries(parsed ?? {});
    for (const pair of pairs) {
      if (Array.isArray(pair) && pair.length === 2) {
        url.searchParams.append(String(pair[0]), String(pair[1]));
      }
    }
  } catch {
    /* not parameters: nothing to add */
  }
  return '';
}

export async function sendWebhook(req: WebhookRequest): Promise<WebhookResponse> {
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  let url: URL;
  let target;
  try {
    url = parseEndpoint(req.endpoint);
    target = await resolveEndpoint(url, req.guard);
  } catch (err) {
    if (err instanceof AddressRefused) {
      throw new SendFailure('refused', `endpoint ${err.message}`, elapsed());
    }
    throw err;
  }
  const body = placeBody(url, req.method, req.body);
  const timestamp = signatureTimestamp();
  const headers: Record<string, string> = {
    ...req.customHeaders,
    ...authHeader(req.authentication),
    'user-agent': 'Zendesk Webhook',
    'x-zendesk-webhook-id': req.webhookId,
    'x-zendesk-webhook-invocation-id': req.invocationId,
    'x-zendesk-webhook-signature-timestamp': timestamp,
    'x-zendesk-webhook-signature': signBody(req.secret, timestamp, body),
  };
  if (body !== '') {
    headers['content-type'] = `${CONTENT_TYPES[req.format] ?? 'application/json'}; charset=utf-8`;
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  return exchange(
    url,
    req.method,
    headers,
    body,
    target,
    req.timeoutMs ?? REQUEST_TIMEOUT_MS,
    started,
  );
}

/** The response, its body read up to MAX_RESPONSE_BYTES. */
function readResponse(res: http.IncomingMessage, started: number): Promise<WebhookResponse> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      if (size >= MAX_RESPONSE_BYTES) return;
      chunks.push(chunk.subarray(0, MAX_RESPONSE_BYTES - size));
      size += chunk.length;
      // Enough is kept; the rest is not worth waiting for.
      if (size >= MAX_RESPONSE_BYTES) res.destroy();
    });
    const done = () => {
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) {
        if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
      }
      resolve({
        status: res.statusCode ?? 0,
        headers: out,
        body: Buffer.concat(chunks).toString('utf8'),
        durationMs: Date.now() - started,
      });
    };
    res.on('end', done);
    res.on('close', done);
    res.on('error', done);
  });
}

function exchange(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string,
  target: { address: string; family: 4 | 6 },
  timeoutMs: number,
  started: number,
): Promise<WebhookResponse> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    let request: http.ClientRequest;
    try {
      request = client.request(url, { method, headers, lookup: pinnedLookup(target) }, (res) => {
        clearTimeout(timer);
        resolve(readResponse(res, started));
      });
    } catch (err) {
      // A header Node will not send (checked at save, but stored data may predate a check).
      reject(new SendFailure('invalid', (err as Error).message, Date.now() - started));
      return;
    }
    // The whole exchange, answer included, is bounded: a receiver trickling bytes is a timeout.
    const timer = setTimeout(() => {
      request.destroy(new SendFailure('timeout', `no answer within ${timeoutMs} ms`, timeoutMs));
    }, timeoutMs);
    request.on('error', (err) => {
      clearTimeout(timer);
      reject(
        err instanceof SendFailure
          ? err
          : new SendFailure('network', err.message || String(err), Date.now() - started),
      );
    });
    request.end(body === '' ? undefined : body);
  });
}
