/** Identities as the user commands need them (the identity endpoints live in identities.ts). */
import type { User, UserIdentity } from '../db/types.ts';
import { type Conn } from './context.ts';
import { ValidationError } from './errors.ts';
import { normalizeEmail } from './users.ts';
import { reindexUser, reindexUserAndTickets } from './search/search-index.ts';

/** Stored identity types. Slack users are `slack` here and `messaging` on the API. */
export type IdentityType = 'email' | 'phone_number' | 'slack';
export const IDENTITY_TYPES: IdentityType[] = ['email', 'phone_number', 'slack'];

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE_RE = /^\+?[0-9][0-9 ().-]{3,28}[0-9]$/;
const SLACK_RE = /^[A-Za-z0-9][A-Za-z0-9:._-]{0,254}$/;

/** The stored form of an identity value, or a 422 on `value` when it cannot be one. */
export function normalizeIdentityValue(type: IdentityType, raw: string): string {
  const value = raw.trim();
  const ok =
    type === 'email'
      ? EMAIL_RE.test(value) && value.length <= 255
      : type === 'phone_number'
        ? PHONE_RE.test(value)
        : SLACK_RE.test(value);
  if (!ok) {
    throw ValidationError.field('value', `Value: ${raw} is not a valid ${type}`, 'InvalidValue');
  }
  // Emails compare case-insensitively everywhere (sign-in, requester lookup), so store them lower.
  return type === 'email' ? normalizeEmail(value) : value;
}

/** A value belongs to one user; `field` names the input the value came from in the 422. */
export async function assertIdentityFree(
  db: Conn,
  type: IdentityType,
  value: string,
  ownerId: number | null,
  field = 'value',
): Promise<void> {
  const taken = await db
    .selectFrom('user_identities')
    .select('user_id')
    .where('type', '=', type)
    .where('value', '=', value)
    .executeTakeFirst();
  if (taken && taken.user_id !== ownerId) {
    const label = field.charAt(0).toUpperCase() + field.slice(1).replace(/_/g, ' ');
    throw ValidationError.field(
      field,
      `${label}: ${value} is already being used by another user`,
      'DuplicateValue',
    );
  }
}

/**
 * Adds an identity the caller has checked with `assertIdentityFree`. The first identity of a
 * type is the primary one, and the primary email (phone) is mirrored on `users.email` (`phone`).
 */
export async function insertIdentity(
  db: Conn,
  user: User,
  type: IdentityType,
  value: string,
  now: string,
  opts: { verified?: boolean } = {},
): Promise<UserIdentity> {
  const primary = await db
    .selectFrom('user_identities')
    .select('id')
    .where('user_id', '=', user.id)
    .where('type', '=', type)
    .where('is_primary', '=', 1)
    .executeTakeFirst();
  const identity = await db
    .insertInto('user_identities')
    .values({
      user_id: user.id,
      type,
      value,
      is_primary: primary ? 0 : 1,
      verified: opts.verified ? 1 : 0,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  if (!primary) await mirrorPrimary(db, user.id, type, value, now);
  else await reindexUser(db, user.id);
  return identity;
}

/** Keeps `users.email` / `users.phone` equal to the primary identity of that type. */
export async function mirrorPrimary(
  db: Conn,
  userId: number,
  type: string,
  value: string | null,
  now: string,
): Promise<void> {
  if (type === 'email') {
    await db
      .updateTable('users')
      .set({ email: value, updated_at: now })
      .where('id', '=', userId)
      .execute();
  } else if (type === 'phone_number') {
    await db
      .updateTable('users')
      .set({ phone: value, updated_at: now })
      .where('id', '=', userId)
      .execute();
  }
  // A new primary email is in the user's document and in their tickets'.
  if (type === 'email') await reindexUserAndTickets(db, userId);
  else await reindexUser(db, userId);
}
