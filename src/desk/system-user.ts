import type { User } from '../db/types.ts';
import type { Conn } from './context.ts';

export const SYSTEM_EMAIL = 'system@parley.invalid';

/**
 * The author of notes Parley writes itself (e.g. a channel's refused files): an agent with no
 * password and no identity rows, found by its email and made on first use. No actor and no
 * policy: Parley itself asks for its own author, on a channel's behalf, not a person at a door.
 */
export async function systemUser(trx: Conn, now: string): Promise<User> {
  const existing = await findSystemUser(trx);
  if (existing) return existing;
  return trx
    .insertInto('users')
    .values({
      name: 'Parley',
      email: SYSTEM_EMAIL,
      role: 'agent',
      verified: 1,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The system user if it was made already: for work that must not make it for nothing. */
export async function findSystemUser(db: Conn): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', SYSTEM_EMAIL).executeTakeFirst();
}
