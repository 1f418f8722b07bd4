import { type Kysely, sql } from 'kysely';
import { isPostgres } from '../db/dialect.ts';
import { transaction } from '../db/transaction.ts';
import type { DB, User } from '../db/types.ts';
import type { Conn } from './context.ts';
import { createUser } from './users.ts';

/** Any number, as long as every Parley process uses the same one for this lock. */
const FIRST_ADMIN_LOCK = 7_011_001;

/**
 * Whether an administrator was ever created. Deactivated admins count too: the one-time setup
 * must never reopen on a live install just because its admins were switched off.
 */
export async function anyAdminExists(db: Conn): Promise<boolean> {
  const row = await db
    .selectFrom('users')
    .select('id')
    .where('role', '=', 'admin')
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export interface FirstAdminInput {
  name: string;
  email: string;
  /** Hashed by the caller, so the slow scrypt runs outside the transaction and its lock. */
  passwordHash: string;
}

/**
 * Creates the install's first administrator, or returns null when one already exists. The
 * check and the insert share one transaction; on PostgreSQL an advisory lock makes racing
 * requests (on any node) wait for each other, so two submissions can never both see "no admin".
 * On SQLite the single connection already runs transactions one after another.
 */
export async function createFirstAdmin(
  db: Kysely<DB>,
  input: FirstAdminInput,
  now: string,
): Promise<User | null> {
  return transaction(db, async (trx) => {
    if (isPostgres(trx)) await sql`select pg_advisory_xact_lock(${FIRST_ADMIN_LOCK})`.execute(trx);
    if (await anyAdminExists(trx)) return null;
    return createUser(
      trx,
      {
        name: input.name,
        email: input.email,
        role: 'admin',
        verified: 1,
        password_hash: input.passwordHash,
      },
      now,
    );
  });
}
