import { createHash, randomBytes } from 'node:crypto';
import type { Conn } from './context.ts';

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
