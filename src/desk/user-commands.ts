/**
 * Writing users: create, update, create-or-update, delete. Who may change whom is the user
 * policies' answer (policies/users.ts).
 */
import { transaction } from '../db/transaction.ts';
import type { Role, User, UserUpdate } from '../db/types.ts';
import type { Actor, Conn } from './context.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { authorize } from './policies/authorize.ts';
import {
  assertIdentityFree,
  type IdentityType,
  insertIdentity,
  normalizeIdentityValue,
} from './user-identity-values.ts';
import { listUsersQuery } from './user-queries.ts';
import {
  countAdmins,
  createUser,
  type CreateUserInput,
  findUserByEmail,
  loadUser,
  lockUser,
} from './users.ts';
import { reindexUser, reindexUserAndTickets } from './search/search-index.ts';

export interface UserInput {
  name?: string;
  /** On create: the primary email. On update: adds a secondary email identity (Zendesk). */
  email?: string | null;
  role?: Role;
  external_id?: string | null;
  organization_id?: number | null;
  phone?: string | null;
  locale?: string;
  time_zone?: string | null;
  details?: string | null;
  notes?: string | null;
  tags?: string[];
  user_fields?: Record<string, unknown>;
  verified?: boolean;
  suspended?: boolean;
  custom_role_id?: number | null;
  default_group_id?: number | null;
  alias?: string | null;
  signature?: string | null;
  /** Create only: further identities, as Zendesk's `user.identities`. */
  identities?: { type: IdentityType; value: string }[];
}

function normalizeTagList(tags: readonly string[]): string[] {
  const out = new Set<string>();
  for (const raw of tags) {
    for (const part of raw.split(/[\s,]+/)) {
      const tag = part.trim().toLowerCase();
      if (tag) out.add(tag);
    }
  }
  return [...out];
}

/** Role-gated fields: who may set them, and that they make sense for the resulting role. */
async function assertRoleRules(
  db: Conn,
  actor: Actor,
  before: User | null,
  input: UserInput,
): Promise<void> {
  const roleChanges =
    input.role !== undefined && input.role !== (before ? before.role : 'end-user');
  if (roleChanges) await authorize(db, actor, 'user:set-role');
  const customRoleChanges =
    input.custom_role_id !== undefined &&
    input.custom_role_id !== (before ? before.custom_role_id : null);
  if (customRoleChanges) await authorize(db, actor, 'user:set-role');
  if (input.suspended !== undefined && input.suspended !== !!before?.suspended) {
    await authorize(db, actor, 'user:suspend');
  }
  if (before && input.suspended && before.id === actor.user.id) {
    throw ValidationError.field('suspended', 'Suspended: you cannot suspend yourself');
  }
  const role = input.role ?? before?.role ?? 'end-user';
  if (role === 'end-user') {
    if (input.custom_role_id) {
      throw ValidationError.field(
        'custom_role_id',
        'Custom role: only agents can have a custom role',
      );
    }
    if (input.default_group_id) {
      throw ValidationError.field(
        'default_group_id',
        'Default group: only agents can have a default group',
      );
    }
  }
}

/** Ids the input points at must exist; external ids are unique among active users. */
async function assertReferences(
  db: Conn,
  input: UserInput,
  selfId: number | null,
  externalIdLookedUp = false,
): Promise<void> {
  if (input.organization_id) {
    const org = await db
      .selectFrom('organizations')
      .select('id')
      .where('id', '=', input.organization_id)
      .executeTakeFirst();
    if (!org) {
      throw ValidationError.field('organization_id', 'Organization: does not exist');
    }
  }
  if (input.custom_role_id) {
    const role = await db
      .selectFrom('custom_roles')
      .select('id')
      .where('id', '=', input.custom_role_id)
      .executeTakeFirst();
    if (!role) throw ValidationError.field('custom_role_id', 'Custom role: does not exist');
  }
  if (input.default_group_id) {
    const group = await db
      .selectFrom('groups')
      .select('id')
      .where('id', '=', input.default_group_id)
      .where('deleted', '=', 0)
      .executeTakeFirst();
    if (!group) throw ValidationError.field('default_group_id', 'Default group: does not exist');
  }
  if (input.external_id && !externalIdLookedUp) {
    let q = listUsersQuery(db, { externalId: input.external_id }).select('users.id');
    if (selfId !== null) q = q.where('id', '!=', selfId);
    if (await q.executeTakeFirst()) {
      throw ValidationError.field(
        'external_id',
        `External: ${input.external_id} has already been taken`,
        'DuplicateValue',
      );
    }
  }
}

/** The columns a UserInput sets (email, identities and role rules are handled apart). */
function columnsOf(input: UserInput): UserUpdate {
  const set: UserUpdate = {};
  const copy = [
    'name',
    'role',
    'external_id',
    'organization_id',
    'phone',
    'locale',
    'time_zone',
    'details',
    'notes',
    'custom_role_id',
    'default_group_id',
    'alias',
    'signature',
  ] as const;
  for (const key of copy) {
    if (input[key] !== undefined) (set as Record<string, unknown>)[key] = input[key];
  }
  if (input.name !== undefined) set.name = input.name.trim();
  if (input.tags !== undefined) set.tags = JSON.stringify(normalizeTagList(input.tags));
  if (input.user_fields !== undefined) set.user_fields = JSON.stringify(input.user_fields);
  if (input.verified !== undefined) set.verified = input.verified ? 1 : 0;
  if (input.suspended !== undefined) set.suspended = input.suspended ? 1 : 0;
  return set;
}

function requireName(input: UserInput): string {
  const name = input.name?.trim();
  if (!name) throw ValidationError.field('name', 'Name: cannot be blank', 'BlankValue');
  return name;
}

/**
 * Creates a user on behalf of an actor, inside the caller's transaction. `keysLookedUp`: the
 * caller has just looked up `external_id` and `email` and found nobody (see createUser).
 */
async function createUserIn(
  trx: Conn,
  actor: Actor,
  input: UserInput,
  now: string,
  opts: { keysLookedUp?: boolean } = {},
): Promise<User> {
  await authorize(trx, actor, 'user:write');
  await assertRoleRules(trx, actor, null, input);
  const name = requireName(input);
  await assertReferences(trx, input, null, opts.keysLookedUp);
  const extra = (input.identities ?? []).map((i) => ({
    type: i.type,
    value: normalizeIdentityValue(i.type, i.value),
  }));
  let email = input.email ? normalizeIdentityValue('email', input.email) : null;
  // Zendesk takes the first email identity as the primary email when `email` is absent.
  if (!email) {
    const firstEmail = extra.find((i) => i.type === 'email');
    if (firstEmail) email = firstEmail.value;
  }
  const columns = columnsOf(input);
  const user = await createUser(
    trx,
    {
      ...columns,
      name,
      role: input.role ?? 'end-user',
      email,
      // createUser picks the organization from the email domain when none is given.
      organization_id: input.organization_id ?? undefined,
    } as CreateUserInput,
    now,
    // Only `email` was looked up; an email taken from `identities` is checked here.
    { emailLookedUp: Boolean(opts.keysLookedUp && input.email) },
  );
  const seen = new Set(email ? [`email:${email}`] : []);
  for (const identity of extra) {
    const key = `${identity.type}:${identity.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    await assertIdentityFree(trx, identity.type, identity.value, user.id, 'identities');
    await insertIdentity(trx, user, identity.type, identity.value, now, {
      verified: input.verified,
    });
  }
  return loadUser(trx, user.id);
}

/** Applies an update on behalf of an actor, inside the caller's transaction. */
async function updateUserIn(
  trx: Conn,
  actor: Actor,
  before: User,
  input: UserInput,
  now: string,
): Promise<User> {
  if (!before.active) throw new NotFoundError('User');
  await authorize(trx, actor, 'user:edit', before);
  await assertRoleRules(trx, actor, before, input);
  if (input.name !== undefined) requireName(input);
  await assertReferences(trx, input, before.id);

  const demotedAdmin =
    before.role === 'admin' && input.role !== undefined && input.role !== 'admin';
  if (demotedAdmin && (await countAdmins(trx)) <= 1) {
    throw ValidationError.field('role', 'Role: the account needs at least one admin');
  }
  const set = columnsOf(input);
  if (input.role === 'end-user' && before.role !== 'end-user') {
    // An end user has no agent-only settings and belongs to no agent group.
    set.custom_role_id = null;
    set.default_group_id = null;
    await trx.deleteFrom('group_memberships').where('user_id', '=', before.id).execute();
  }
  await trx
    .updateTable('users')
    .set({ ...set, updated_at: now })
    .where('id', '=', before.id)
    .execute();

  if (input.email) {
    // Zendesk: `email` on update adds a (secondary) email identity; make_primary promotes it.
    const email = normalizeIdentityValue('email', input.email);
    await assertIdentityFree(trx, 'email', email, before.id, 'email');
    const owned = await trx
      .selectFrom('user_identities')
      .select('id')
      .where('user_id', '=', before.id)
      .where('type', '=', 'email')
      .where('value', '=', email)
      .executeTakeFirst();
    if (!owned) await insertIdentity(trx, before, 'email', email, now);
  }
  if (input.verified === true) {
    await trx
      .updateTable('user_identities')
      .set({ verified: 1, updated_at: now })
      .where('user_id', '=', before.id)
      .where('is_primary', '=', 1)
      .where('type', '=', 'email')
      .execute();
  }
  if (input.suspended) {
    // A suspended user is signed out at once; API tokens are checked per request already.
    await trx.deleteFrom('sessions').where('user_id', '=', before.id).execute();
  }
  // Tickets' documents hold their requester's name and email.
  if (input.name !== undefined || input.email) await reindexUserAndTickets(trx, before.id);
  else await reindexUser(trx, before.id);
  return loadUser(trx, before.id);
}

/** `POST /users`. */
export async function createUserAs(
  db: Conn,
  actor: Actor,
  input: UserInput,
  now: string,
): Promise<User> {
  return transaction(db, (trx) => createUserIn(trx, actor, input, now));
}

/** `PUT /users/{id}`. */
export async function updateUser(
  db: Conn,
  actor: Actor,
  id: number,
  input: UserInput,
  now: string,
): Promise<User> {
  return transaction(db, async (trx) => {
    const before = await lockUser(trx, id);
    if (!before) throw new NotFoundError('User');
    return updateUserIn(trx, actor, before, input, now);
  });
}

/**
 * `POST /users/create_or_update`: the user with that external id, else the one owning that
 * email (any of their email identities), is updated; otherwise a user is created.
 */
export async function createOrUpdateUser(
  db: Conn,
  actor: Actor,
  input: UserInput,
  now: string,
): Promise<{ user: User; created: boolean }> {
  return transaction(db, async (trx) => {
    await authorize(trx, actor, 'user:write');
    let match: User | undefined;
    if (input.external_id) {
      match = await listUsersQuery(trx, { externalId: input.external_id }).executeTakeFirst();
    }
    if (!match && input.email) {
      match = await findUserByEmail(trx, input.email);
      // A deleted user's email was released with its identities, so this is an active user.
    }
    if (match) {
      const locked = await lockUser(trx, match.id);
      if (!locked) throw new NotFoundError('User');
      return { user: await updateUserIn(trx, actor, locked, input, now), created: false };
    }
    // Both keys were looked up just above; a racer that commits one of them since makes the
    // insert fail on its unique index, and transaction() runs this again to update it.
    const user = await createUserIn(trx, actor, input, now, { keysLookedUp: true });
    return { user, created: true };
  });
}

/**
 * `DELETE /users/{id}`: Zendesk's delete is soft. The row stays (`active` false) so tickets,
 * comments and audits keep their author, but the identities are released: the email or Slack
 * account can sign up or write in again as a new user, and a deleted user can no longer sign in.
 */
export async function deleteUser(db: Conn, actor: Actor, id: number, now: string): Promise<User> {
  return transaction(db, async (trx) => {
    const user = await lockUser(trx, id);
    if (!user || !user.active) throw new NotFoundError('User');
    await authorize(trx, actor, 'user:write');
    if (user.id === actor.user.id) {
      throw ValidationError.field('base', 'You cannot delete yourself', 'InvalidValue');
    }
    await authorize(trx, actor, 'user:delete', user);
    await trx.deleteFrom('user_identities').where('user_id', '=', id).execute();
    await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
    await trx.deleteFrom('group_memberships').where('user_id', '=', id).execute();
    await trx
      .updateTable('users')
      .set({ active: 0, updated_at: now })
      .where('id', '=', id)
      .execute();
    await reindexUser(trx, id);
    return loadUser(trx, id);
  });
}
