import { transaction } from '../db/transaction.ts';
import type { User, UserIdentity } from '../db/types.ts';
import type { Actor, Conn } from './context.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { authorize } from './policies/authorize.ts';
import {
  assertIdentityFree,
  type IdentityType,
  insertIdentity,
  mirrorPrimary,
  normalizeIdentityValue,
} from './user-identity-values.ts';
import { loadUser } from './users.ts';
import { reindexUser } from './search/search-index.ts';

/** `/users/{id}/identities…`: the ways a user is known (emails, phones, Slack accounts). */

async function activeUser(db: Conn, userId: number): Promise<User> {
  const user = await loadUser(db, userId);
  if (!user.active) throw new NotFoundError('User');
  return user;
}

/** `GET /users/{id}/identities`, for those who may read identities. */
export async function listIdentities(
  db: Conn,
  actor: Actor,
  userId: number,
): Promise<UserIdentity[]> {
  await authorize(db, actor, 'user:read-identities');
  await activeUser(db, userId);
  return db
    .selectFrom('user_identities')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('id')
    .execute();
}

/** `GET /users/{id}/identities/{identityId}`. */
export async function showIdentity(
  db: Conn,
  actor: Actor,
  userId: number,
  identityId: number,
): Promise<UserIdentity> {
  await authorize(db, actor, 'user:read-identities');
  return findIdentity(db, userId, identityId);
}

/** One of the user's identities, for the commands below (which have authorized). */
async function findIdentity(db: Conn, userId: number, identityId: number): Promise<UserIdentity> {
  const identity = await db
    .selectFrom('user_identities')
    .selectAll()
    .where('id', '=', identityId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!identity) throw new NotFoundError('UserIdentity');
  return identity;
}

/** Identities of many users at once, for `include=identities`. */
export async function identitiesOf(db: Conn, userIds: number[]): Promise<UserIdentity[]> {
  if (userIds.length === 0) return [];
  return db
    .selectFrom('user_identities')
    .selectAll()
    .where('user_id', 'in', userIds)
    .orderBy('id')
    .execute();
}

export async function addIdentity(
  db: Conn,
  actor: Actor,
  userId: number,
  input: { type: IdentityType; value: string; verified?: boolean },
  now: string,
): Promise<UserIdentity> {
  return transaction(db, async (trx) => {
    await authorize(trx, actor, 'user:write-identities');
    const user = await activeUser(trx, userId);
    await authorize(trx, actor, 'user:edit', user);
    const value = normalizeIdentityValue(input.type, input.value);
    await assertIdentityFree(trx, input.type, value, null);
    return insertIdentity(trx, user, input.type, value, now, { verified: input.verified });
  });
}

/** The identity becomes its type's primary; a primary email (phone) is the user's `email` (`phone`). */
export async function makePrimary(
  db: Conn,
  actor: Actor,
  userId: number,
  identityId: number,
  now: string,
): Promise<UserIdentity[]> {
  return transaction(db, async (trx) => {
    await authorize(trx, actor, 'user:write-identities');
    const user = await activeUser(trx, userId);
    await authorize(trx, actor, 'user:edit', user);
    const identity = await findIdentity(trx, userId, identityId);
    await trx
      .updateTable('user_identities')
      .set({ is_primary: 0, updated_at: now })
      .where('user_id', '=', userId)
      .where('type', '=', identity.type)
      .where('is_primary', '=', 1)
      .where('id', '!=', identity.id)
      .execute();
    await trx
      .updateTable('user_identities')
      .set({ is_primary: 1, updated_at: now })
      .where('id', '=', identity.id)
      .execute();
    await mirrorPrimary(trx, userId, identity.type, identity.value, now);
    return trx
      .selectFrom('user_identities')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('id')
      .execute();
  });
}

/** Marks an identity verified; a user with a verified identity is a verified user. */
export async function verifyIdentity(
  db: Conn,
  actor: Actor,
  userId: number,
  identityId: number,
  now: string,
): Promise<UserIdentity> {
  return transaction(db, async (trx) => {
    await authorize(trx, actor, 'user:write-identities');
    const user = await activeUser(trx, userId);
    await authorize(trx, actor, 'user:edit', user);
    const identity = await findIdentity(trx, userId, identityId);
    await trx
      .updateTable('user_identities')
      .set({ verified: 1, updated_at: now })
      .where('id', '=', identity.id)
      .execute();
    await trx
      .updateTable('users')
      .set({ verified: 1, updated_at: now })
      .where('id', '=', userId)
      .execute();
    return findIdentity(trx, userId, identityId);
  });
}

/**
 * Removes an identity, refusing what would strand the user:
 *  - the last identity (nobody could reach or recognise the user any more);
 *  - a primary identity while another of its type exists (make that one primary first, so
 *    which address is primary never changes by accident);
 *  - an agent's or admin's only email (it is how they sign in and how API tokens find them).
 * Deleting the only email (phone) of an end user who keeps e.g. a Slack identity clears
 * `users.email` (`phone`).
 */
export async function deleteIdentity(
  db: Conn,
  actor: Actor,
  userId: number,
  identityId: number,
  now: string,
): Promise<void> {
  await transaction(db, async (trx) => {
    await authorize(trx, actor, 'user:write-identities');
    const user = await activeUser(trx, userId);
    await authorize(trx, actor, 'user:edit', user);
    const identity = await findIdentity(trx, userId, identityId);
    const others = await trx
      .selectFrom('user_identities')
      .select(['id', 'type'])
      .where('user_id', '=', userId)
      .where('id', '!=', identity.id)
      .execute();
    const refuse = (description: string) => {
      throw ValidationError.field('base', description, 'InvalidValue');
    };
    if (others.length === 0) refuse('A user must keep at least one identity');
    const sameType = others.filter((o) => o.type === identity.type);
    if (identity.is_primary && sameType.length > 0) {
      refuse('Make another identity primary before deleting the primary one');
    }
    if (identity.type === 'email' && user.role !== 'end-user' && sameType.length === 0) {
      refuse('Agents and admins must keep an email address');
    }
    await trx.deleteFrom('user_identities').where('id', '=', identity.id).execute();
    if (identity.is_primary) await mirrorPrimary(trx, userId, identity.type, null, now);
    else await reindexUser(trx, userId);
  });
}
