import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../crypto/digest.ts';
import type { ApiToken, User } from '../db/types.ts';
import { type Actor, type Conn, isOperator } from './context.ts';
import { NotFoundError } from './errors.ts';
import { authorize } from './policies/authorize.ts';
import { normalizeEmail } from './users.ts';

export function hashToken(token: string): string {
  return sha256Hex(token);
}

/**
 * Creates an API token on behalf of `actor` (the operator's tokens name no creator); the
 * plaintext is returned once.
 */
export async function issueApiToken(
  db: Conn,
  actor: Actor,
  args: { description: string; now: string },
): Promise<{ id: number; token: string }> {
  await authorize(db, actor, 'api-token:manage');
  const createdById = isOperator(actor) ? null : actor.user.id;
  return createApiToken(db, { ...args, createdById });
}

/**
 * Creates an account-level API token; the plaintext is returned once and only its hash is kept.
 * Unchecked: doors call issueApiToken.
 */
export async function createApiToken(
  db: Conn,
  args: { description: string; createdById: number | null; now: string },
): Promise<{ id: number; token: string }> {
  const token = randomBytes(30).toString('base64url');
  const row = await db
    .insertInto('api_tokens')
    .values({
      description: args.description,
      token_hash: hashToken(token),
      token_hint: token.slice(0, 4),
      created_by_id: args.createdById,
      created_at: args.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, token };
}

export async function isValidApiToken(db: Conn, token: string): Promise<boolean> {
  const row = await db
    .selectFrom('api_tokens')
    .select('id')
    .where('token_hash', '=', hashToken(token))
    .where('active', '=', 1)
    .executeTakeFirst();
  return row !== undefined;
}

/** What an API token is, as an admin sees it: never the token or its hash. */
export type ApiTokenInfo = Omit<ApiToken, 'token_hash'>;

const INFO_COLUMNS = [
  'id',
  'description',
  'token_hint',
  'created_by_id',
  'active',
  'created_at',
  'last_used_at',
] as const;

/** Every API token, oldest first: an account has a handful. */
export async function listApiTokens(db: Conn, actor: Actor): Promise<ApiTokenInfo[]> {
  await authorize(db, actor, 'api-token:manage');
  return db.selectFrom('api_tokens').select(INFO_COLUMNS).orderBy('id').execute();
}

export async function showApiToken(db: Conn, actor: Actor, id: number): Promise<ApiTokenInfo> {
  await authorize(db, actor, 'api-token:manage');
  const row = await db
    .selectFrom('api_tokens')
    .select(INFO_COLUMNS)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('API token');
  return row;
}

/**
 * Revokes a token for good: the row goes, hash and all, so nothing can bring it back. Callers
 * that remember accepted credentials must forget them (the HTTP layer's forgetTokenUsers);
 * other processes stop accepting it when their memory of it lapses, within a second.
 */
export async function revokeApiToken(db: Conn, actor: Actor, id: number): Promise<ApiTokenInfo> {
  await authorize(db, actor, 'api-token:manage');
  const row = await db
    .deleteFrom('api_tokens')
    .where('id', '=', id)
    .returning(INFO_COLUMNS)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('API token');
  return row;
}

/** How stale `last_used_at` may grow before a use writes it again. */
export const LAST_USED_GRANULARITY_MS = 60_000;

/**
 * Records that a token was used, at most once a minute per token: `last_used_at` answers
 * "is this integration still alive?", and writing it on every request would add a write to
 * every API call. The condition makes racing requests and nodes write it once.
 */
export async function noteApiTokenUse(
  db: Conn,
  token: Pick<ApiToken, 'id' | 'last_used_at'>,
  nowMs: number,
): Promise<void> {
  const stale = new Date(nowMs - LAST_USED_GRANULARITY_MS).toISOString();
  if (token.last_used_at !== null && token.last_used_at > stale) return;
  await db
    .updateTable('api_tokens')
    .set({ last_used_at: new Date(nowMs).toISOString() })
    .where('id', '=', token.id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', stale)]))
    .execute();
}

/**
 * The user an `email/token:TOKEN` credential names, when TOKEN is an active API token, and
 * that token. One statement answers both questions: every API request authenticates, and on
 * PostgreSQL each statement is a network round trip.
 */
export async function findUserByApiToken(
  db: Conn,
  email: string,
  token: string,
): Promise<{ user: User; token: Pick<ApiToken, 'id' | 'last_used_at'> } | undefined> {
  const row = await db
    .selectFrom('user_identities')
    .innerJoin('users', 'users.id', 'user_identities.user_id')
    .innerJoin('api_tokens', (join) =>
      join.on('api_tokens.token_hash', '=', hashToken(token)).on('api_tokens.active', '=', 1),
    )
    .selectAll('users')
    .select(['api_tokens.id as api_token_id', 'api_tokens.last_used_at as api_token_last_used_at'])
    .where('user_identities.type', '=', 'email')
    .where('user_identities.value', '=', normalizeEmail(email))
    .executeTakeFirst();
  if (!row) return undefined;
  const { api_token_id, api_token_last_used_at, ...user } = row;
  return { user, token: { id: api_token_id, last_used_at: api_token_last_used_at } };
}
