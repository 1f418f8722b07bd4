import { createHash, randomBytes } from 'node:crypto';
import type { User } from '../db/types.ts';
import type { Conn } from './context.ts';
import { normalizeEmail } from './users.ts';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Creates an account-level API token; the plaintext is returned once and only its hash is kept. */
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

/**
 * The user an `email/token:TOKEN` credential names, when TOKEN is an active API token. One
 * statement answers both questions: every API request authenticates, and on PostgreSQL each
 * statement is a network round trip.
 */
export async function findUserByApiToken(
  db: Conn,
  email: string,
  token: string,
): Promise<User | undefined> {
  return db
    .selectFrom('user_identities')
    .innerJoin('users', 'users.id', 'user_identities.user_id')
    .selectAll('users')
    .where('user_identities.type', '=', 'email')
    .where('user_identities.value', '=', normalizeEmail(email))
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('api_tokens')
          .select('api_tokens.id')
          .where('api_tokens.token_hash', '=', hashToken(token))
          .where('api_tokens.active', '=', 1),
      ),
    )
    .executeTakeFirst();
}
