import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { SecretBox } from '../crypto/secret-box.ts';
import { transaction } from '../db/transaction.ts';
import type { Webhook } from '../db/types.ts';
import type { Actor, Conn } from '../desk/context.ts';
import { NotFoundError, ValidationError } from '../desk/errors.ts';
import { authorize } from '../desk/policies/authorize.ts';
import type { Action } from './actions.ts';
import {
  AddressRefused,
  type GuardOptions,
  parseEndpoint,
  resolveEndpoint,
} from './webhook-address.ts';

/**
 * Zendesk's webhooks (`/api/v2/webhooks`): where `notification_webhook` actions send. The
 * authentication data and the signing secret are sealed at rest and never leave through the
 * API, except the secret through its own admin-only endpoint, as in Zendesk.
 */

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export const REQUEST_FORMATS = ['json', 'xml', 'form_encoded'] as const;
export const AUTH_TYPES = ['basic_auth', 'bearer_token', 'api_key'] as const;
/** Trigger and automation webhooks; Zendesk's event subscriptions are not supported yet. */
export const SUBSCRIPTIONS = ['conditional_ticket_events'] as const;

export type AuthData =
  | { type: 'basic_auth'; data: { username: string; password: string } }
  | { type: 'bearer_token'; data: { token: string } }
  | { type: 'api_key'; data: { name: string; value: string } };

/** A webhook as a door sends it (already shaped by its schema). */
export interface WebhookInput {
  name?: string;
  description?: string | null;
  status?: 'active' | 'inactive';
  endpoint?: string;
  http_method?: (typeof HTTP_METHODS)[number];
  request_format?: (typeof REQUEST_FORMATS)[number];
  subscriptions?: string[];
  /** `data` may be left out when the type is unchanged: the stored data is kept. */
  authentication?: { type: AuthData['type']; data?: unknown; add_position?: 'header' } | null;
  /** A null value removes that header (PATCH, JSON merge patch). */
  custom_headers?: Record<string, string | null> | null;
}

export interface WebhookServices {
  box: SecretBox;
  guard: GuardOptions;
}

export interface WebhookFilter {
  nameContains?: string;
  status?: 'active' | 'inactive';
}

/** Headers a webhook may not set: the request's own, its authentication and its signature. */
const RESERVED_HEADERS = new Set([
  'authorization',
  'content-length',
  'content-type',
  'host',
  'connection',
  'transfer-encoding',
  'proxy-authorization',
  'cookie',
]);
const HEADER_NAME = /^[!#$%&'*+.^`|~\w-]{1,128}$/;

/** A header a webhook may not set itself (custom headers, API key names, test headers). */
export function isReservedHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return RESERVED_HEADERS.has(lower) || lower.startsWith('x-zendesk-webhook');
}

/** The largest id a webhook can have (ids are PostgreSQL int4). */
export const MAX_STORED_ID = 2_147_483_647;

/** Zendesk allows five custom headers (reference: webhooks limits). */
const MAX_CUSTOM_HEADERS = 5;

export async function getWebhook(db: Conn, id: number): Promise<Webhook> {
  const row = await db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError('Webhook');
  return row;
}

/** `GET /webhooks`: a query the door pages. */
export async function listWebhooks(db: Conn, actor: Actor, filter: WebhookFilter = {}) {
  await authorize(db, actor, 'webhook:read');
  let q = db.selectFrom('webhooks').selectAll();
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.nameContains) {
    const pattern = `%${filter.nameContains.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where(sql<boolean>`lower(name) like ${pattern} escape '\\'`);
  }
  return q;
}

export async function showWebhook(db: Conn, actor: Actor, id: number): Promise<Webhook> {
  await authorize(db, actor, 'webhook:read');
  return getWebhook(db, id);
}

/** The endpoint checked by the SSRF guard at save (it is checked again at every send). */
export async function checkEndpoint(endpoint: string, guard: GuardOptions): Promise<string> {
  let url: URL;
  try {
    url = parseEndpoint(endpoint.trim());
  } catch (err) {
    throw ValidationError.field('endpoint', `Endpoint ${(err as Error).message}`);
  }
  const host = url.hostname.toLowerCase();
  if (!guard.allowPrivate && (host === 'localhost' || host.endsWith('.localhost'))) {
    throw ValidationError.field('endpoint', 'Endpoint is a loopback name webhooks may not call');
  }
  try {
    await resolveEndpoint(url, guard);
  } catch (err) {
    if (!(err instanceof AddressRefused)) throw err;
    // A name that does not resolve now may later; every send checks again. What resolves to
    // an address webhooks may not call is refused at once.
    if (!/could not be resolved|has no address/.test(err.message)) {
      throw ValidationError.field('endpoint', `Endpoint ${err.message}`);
    }
  }
  return url.toString();
}

function authData(auth: NonNullable<WebhookInput['authentication']>): AuthData {
  const d = (auth.data ?? {}) as Record<string, unknown>;
  // Values go into a header: a line break would smuggle in another one.
  const str = (k: string) =>
    typeof d[k] === 'string' && d[k] !== '' && !/[\r\n\0]/.test(d[k]) ? d[k] : null;
  const need = (...keys: string[]) => {
    const missing = keys.filter((k) => str(k) === null);
    if (missing.length > 0) {
      throw ValidationError.field(
        'authentication.data',
        `Authentication: ${auth.type} needs ${missing.join(' and ')}`,
      );
    }
  };
  if (auth.type === 'basic_auth') {
    need('username', 'password');
    return { type: 'basic_auth', data: { username: str('username')!, password: str('password')! } };
  }
  if (auth.type === 'bearer_token') {
    need('token');
    return { type: 'bearer_token', data: { token: str('token')! } };
  }
  need('name', 'value');
  if (!HEADER_NAME.test(str('name')!) || isReservedHeader(str('name')!)) {
    throw ValidationError.field('authentication.data.name', 'Authentication: a reserved header');
  }
  return { type: 'api_key', data: { name: str('name')!, value: str('value')! } };
}

/** The columns of an authentication: data sealed; given without data, the stored one kept. */
function authColumns(
  auth: WebhookInput['authentication'],
  before: Webhook | null,
  box: SecretBox,
): Pick<Webhook, 'auth_type' | 'auth_add_position' | 'auth_data_sealed'> {
  if (!auth) return { auth_type: null, auth_add_position: null, auth_data_sealed: null };
  const keep = auth.data === undefined && before?.auth_type === auth.type;
  return {
    auth_type: auth.type,
    auth_add_position: auth.add_position ?? 'header',
    auth_data_sealed: keep
      ? before.auth_data_sealed
      : box.seal(JSON.stringify(authData(auth).data)),
  };
}

/** The stored authentication with its data (for sending only). */
export function openAuthentication(row: Webhook, box: SecretBox): AuthData | null {
  if (!row.auth_type || !row.auth_data_sealed) return null;
  return { type: row.auth_type, data: JSON.parse(box.open(row.auth_data_sealed)) } as AuthData;
}

function headersJson(
  given: Record<string, string | null> | null | undefined,
  before: Record<string, string>,
): string {
  const out: Record<string, string> = { ...before };
  for (const [name, value] of Object.entries(given ?? {})) {
    if (!HEADER_NAME.test(name)) {
      throw ValidationError.field(`custom_headers.${name}`, 'Custom header: not a header name');
    }
    if (isReservedHeader(name)) {
      throw ValidationError.field(`custom_headers.${name}`, 'Custom header: a reserved header');
    }
    if (value === null) delete out[name];
    else if (/[\r\n\0]/.test(value) || value.length > 1000) {
      throw ValidationError.field(`custom_headers.${name}`, 'Custom header: not a header value');
    } else out[name] = value;
  }
  if (Object.keys(out).length > MAX_CUSTOM_HEADERS) {
    throw ValidationError.field('custom_headers', 'Custom headers: at most 5');
  }
  return JSON.stringify(out);
}

export function storedHeaders(row: Pick<Webhook, 'custom_headers'>): Record<string, string> {
  try {
    return JSON.parse(row.custom_headers) as Record<string, string>;
  } catch {
    return {};
  }
}

function subscriptionsJson(given: string[] | undefined): string {
  const list = given ?? ['conditional_ticket_events'];
  list.forEach((s, i) => {
    if (!(SUBSCRIPTIONS as readonly string[]).includes(s)) {
      throw ValidationError.field(
        `subscriptions[${i}]`,
        `Subscriptions: ${JSON.stringify(s)} is not supported (only conditional_ticket_events)`,
      );
    }
  });
  return JSON.stringify([...new Set(list)]);
}

function cleanName(name: string | undefined): string {
  const trimmed = name?.trim() ?? '';
  if (!trimmed) throw ValidationError.field('name', 'Name: cannot be blank', 'BlankValue');
  return trimmed;
}

function required<T>(value: T | undefined, field: string): T {
  if (value === undefined) {
    throw ValidationError.field(field, `${field}: is required`, 'BlankValue');
  }
  return value;
}

export function newSigningSecret(): string {
  return randomBytes(32).toString('base64');
}

export async function createWebhook(
  db: Conn,
  actor: Actor,
  input: WebhookInput,
  services: WebhookServices,
  now: string,
): Promise<Webhook> {
  await authorize(db, actor, 'webhook:manage');
  const name = cleanName(input.name);
  const endpoint = await checkEndpoint(required(input.endpoint, 'endpoint'), services.guard);
  return db
    .insertInto('webhooks')
    .values({
      name,
      description: input.description ?? null,
      status: input.status ?? 'active',
      endpoint,
      http_method: required(input.http_method, 'http_method'),
      request_format: required(input.request_format, 'request_format'),
      subscriptions: subscriptionsJson(input.subscriptions),
      ...authColumns(input.authentication, null, services.box),
      custom_headers: headersJson(input.custom_headers, {}),
      signing_secret_sealed: services.box.seal(newSigningSecret()),
      created_by: actor.user.id,
      updated_by: actor.user.id,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * `PUT` replaces the webhook (what it leaves out goes back to its default: no authentication,
 * no custom headers); `PATCH` is Zendesk's JSON merge patch (what it leaves out stays).
 */
export async function updateWebhook(
  db: Conn,
  actor: Actor,
  id: number,
  input: WebhookInput,
  mode: 'replace' | 'merge',
  services: WebhookServices,
  now: string,
): Promise<Webhook> {
  await authorize(db, actor, 'webhook:manage');
  const endpoint =
    input.endpoint !== undefined ? await checkEndpoint(input.endpoint, services.guard) : undefined;
  return transaction(db, async (trx) => {
    const before = await getWebhook(trx, id);
    const replace = mode === 'replace';
    const set: Partial<Webhook> = { updated_at: now, updated_by: actor.user.id };
    if (replace || input.name !== undefined) set.name = cleanName(input.name);
    if (replace || input.description !== undefined) set.description = input.description ?? null;
    if (input.status !== undefined) set.status = input.status;
    if (endpoint !== undefined) set.endpoint = endpoint;
    else if (replace) required(input.endpoint, 'endpoint');
    if (input.http_method !== undefined) set.http_method = input.http_method;
    if (input.request_format !== undefined) set.request_format = input.request_format;
    if (input.subscriptions !== undefined)
      set.subscriptions = subscriptionsJson(input.subscriptions);
    if (replace || input.authentication !== undefined) {
      Object.assign(set, authColumns(input.authentication, before, services.box));
    }
    if (replace) set.custom_headers = headersJson(input.custom_headers, {});
    else if (input.custom_headers === null) set.custom_headers = '{}';
    else if (input.custom_headers !== undefined) {
      set.custom_headers = headersJson(input.custom_headers, storedHeaders(before));
    }
    return trx
      .updateTable('webhooks')
      .set(set)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/** Deletes the webhook and its history; jobs already queued for it find it gone and stop. */
export async function deleteWebhook(db: Conn, actor: Actor, id: number): Promise<void> {
  await authorize(db, actor, 'webhook:manage');
  await transaction(db, async (trx) => {
    await getWebhook(trx, id);
    const invocations = trx
      .selectFrom('webhook_invocations')
      .select('id')
      .where('webhook_id', '=', id);
    await trx
      .deleteFrom('webhook_invocation_attempts')
      .where('invocation_id', 'in', invocations)
      .execute();
    await trx.deleteFrom('webhook_invocations').where('webhook_id', '=', id).execute();
    await trx.deleteFrom('webhooks').where('id', '=', id).execute();
  });
}

/** `GET /webhooks/{id}/signing_secret`. */
export async function showSigningSecret(
  db: Conn,
  actor: Actor,
  id: number,
  box: SecretBox,
): Promise<string> {
  await authorize(db, actor, 'webhook:manage');
  return box.open((await getWebhook(db, id)).signing_secret_sealed);
}

/** `POST /webhooks/{id}/signing_secret`: a new secret; the old one stops verifying at once. */
export async function resetSigningSecret(
  db: Conn,
  actor: Actor,
  id: number,
  box: SecretBox,
  now: string,
): Promise<string> {
  await authorize(db, actor, 'webhook:manage');
  const secret = newSigningSecret();
  const res = await db
    .updateTable('webhooks')
    .set({ signing_secret_sealed: box.seal(secret), updated_at: now, updated_by: actor.user.id })
    .where('id', '=', id)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) throw new NotFoundError('Webhook');
  return secret;
}

/** Which of `ids` name no webhook (for rules naming webhooks, checked at save). */
export async function missingWebhooks(db: Conn, ids: readonly number[]): Promise<number[]> {
  // Ids are int4: a larger one names nothing, and PostgreSQL would refuse it as out of range.
  const storable = ids.filter((id) => id <= MAX_STORED_ID);
  if (storable.length === 0) return [...ids];
  const found = await db.selectFrom('webhooks').select('id').where('id', 'in', storable).execute();
  const have = new Set(found.map((r) => r.id));
  return ids.filter((id) => !have.has(id));
}

/**
 * A rule's `notification_webhook` actions must name webhooks that exist: a trigger exported
 * from Zendesk naming one this desk does not have is refused (422 naming the action), never
 * stored to fail silently at every firing.
 */
export async function refuseUnknownWebhooks(
  db: Conn,
  actions: readonly Action[],
  prefix = 'actions',
): Promise<void> {
  const named = actions.flatMap((a, i) =>
    a.field === 'notification_webhook'
      ? [{ i, id: (a.value as { webhookId: number }).webhookId }]
      : [],
  );
  const missing = new Set(await missingWebhooks(db, [...new Set(named.map((n) => n.id))]));
  const bad = named.find((n) => missing.has(n.id));
  if (bad) {
    throw ValidationError.field(
      `${prefix}[${bad.i}].value`,
      `notification_webhook: no webhook has the id ${bad.id}`,
    );
  }
}
