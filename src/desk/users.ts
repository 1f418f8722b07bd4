import { isPostgres } from '../db/dialect.ts';
import type { NewUser, Role, User } from '../db/types.ts';
import type { Conn } from './context.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { reindexUser } from './search/search-index.ts';

export const ROLES: Role[] = ['end-user', 'agent', 'admin'];

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function emailDomain(email: string): string | null {
  const at = email.lastIndexOf('@');
  return at > 0 ? email.slice(at + 1).toLowerCase() : null;
}

export async function getUser(db: Conn, id: number): Promise<User> {
  const user = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  if (!user || !user.active) throw new NotFoundError('User');
  return user;
}

export async function findUserByIdentity(
  db: Conn,
  type: string,
  value: string,
): Promise<User | undefined> {
  return db
    .selectFrom('user_identities')
    .innerJoin('users', 'users.id', 'user_identities.user_id')
    .selectAll('users')
    .where('user_identities.type', '=', type)
    .where('user_identities.value', '=', value)
    .executeTakeFirst();
}

export function findUserByEmail(db: Conn, email: string): Promise<User | undefined> {
  return findUserByIdentity(db, 'email', normalizeEmail(email));
}

/** The organization that owns the email's domain, if any (Zendesk's domain mapping). */
export async function organizationForEmail(db: Conn, email: string): Promise<number | null> {
  const domain = emailDomain(email);
  if (!domain) return null;
  const row = await db
    .selectFrom('organization_domains')
    .select('organization_id')
    .where('domain', '=', domain)
    .executeTakeFirst();
  return row?.organization_id ?? null;
}

export type CreateUserInput = Omit<NewUser, 'created_at' | 'updated_at' | 'email'> & {
  email?: string | null;
};

/**
 * Creates a user and, when an email is given, its primary email identity. The email must not
 * belong to anyone yet; an organization is picked from the email domain when none is given.
 *
 * `emailLookedUp`: the caller has just looked this email up in the same transaction and found
 * nobody, so it is not looked up again. Looking twice would leave a window in which a concurrent
 * create commits the email and the second look refuses it with a 422 the caller did not mean;
 * without it, the unique index refuses the insert and transaction() runs the caller's work again,
 * which then finds the new owner.
 */
export async function createUser(
  db: Conn,
  input: CreateUserInput,
  now: string,
  opts: { emailLookedUp?: boolean } = {},
): Promise<User> {
  const email = input.email ? normalizeEmail(input.email) : null;
  if (email && !opts.emailLookedUp) {
    const taken = await findUserByEmail(db, email);
    if (taken) {
      throw ValidationError.field(
        'email',
        `Email: ${email} is already being used by another user`,
        'DuplicateValue',
      );
    }
  }
  const organizationId =
    input.organization_id ?? (email ? await organizationForEmail(db, email) : null);
  const user = await db
    .insertInto('users')
    .values({
      ...input,
      email,
      organization_id: organizationId,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  if (email) {
    await db
      .insertInto('user_identities')
      .values({
        user_id: user.id,
        type: 'email',
        value: email,
        is_primary: 1,
        verified: user.verified,
        created_at: now,
        updated_at: now,
      })
      .execute();
  }
  await reindexUser(db, user.id);
  return user;
}

export async function countAdmins(db: Conn): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role', '=', 'admin')
    .where('active', '=', 1)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A user row by id, deleted (inactive) ones included: agents still read them, as in Zendesk. */
export async function loadUser(db: Conn, id: number): Promise<User> {
  const user = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  if (!user) throw new NotFoundError('User');
  return user;
}

/** The user's row, locked for update on PostgreSQL until the transaction ends. */
export async function lockUser(trx: Conn, id: number): Promise<User | undefined> {
  let q = trx.selectFrom('users').selectAll().where('id', '=', id);
  if (isPostgres(trx)) q = q.forUpdate();
  return q.executeTakeFirst();
}
