import { sql } from 'kysely';
import { isPostgres } from '../db/dialect.ts';
import { transaction } from '../db/transaction.ts';
import type { NewUser, Role, User, UserIdentity, UserUpdate } from '../db/types.ts';
import { type Conn, isAgent } from './context.ts';
import { ForbiddenError, NotFoundError, ValidationError } from './errors.ts';
import { externalIdIs } from './external-ids.ts';

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

// ---------------------------------------------------------------------------------------------
// Identities as the user commands need them (the identity endpoints live in identities.ts).

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
}

// ---------------------------------------------------------------------------------------------
// Reading users.

/** A user row by id, deleted (inactive) ones included: agents still read them, as in Zendesk. */
export async function loadUser(db: Conn, id: number): Promise<User> {
  const user = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  if (!user) throw new NotFoundError('User');
  return user;
}

/** Escapes LIKE wildcards; callers add `escape '\'` (SQLite has no default escape character). */
function likePattern(text: string, mode: 'contains' | 'prefix'): string {
  const escaped = text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
  return mode === 'prefix' ? `${escaped}%` : `%${escaped}%`;
}

export interface UserListFilter {
  roles?: Role[];
  externalId?: string;
  customRoleId?: number;
}

/** Active users, filtered as `GET /users` filters them. */
export function listUsersQuery(db: Conn, filter: UserListFilter = {}) {
  let q = db.selectFrom('users').selectAll().where('active', '=', 1);
  if (filter.roles && filter.roles.length > 0) q = q.where('role', 'in', filter.roles);
  if (filter.externalId !== undefined) {
    q = q.where(externalIdIs(filter.externalId));
  }
  if (filter.customRoleId !== undefined) q = q.where('custom_role_id', '=', filter.customRoleId);
  return q;
}

/**
 * `GET /users/search?query=`: an exact match on any email identity, or the text inside the
 * name or primary email, case-insensitively (PostgreSQL's LIKE is case-sensitive, so lower()).
 */
export function searchUsersQuery(db: Conn, query: string) {
  const text = query.trim();
  const pattern = likePattern(text, 'contains');
  return db
    .selectFrom('users')
    .selectAll()
    .where('active', '=', 1)
    .where((eb) =>
      eb.or([
        eb(sql<string>`lower(name)`, 'like', sql<string>`${pattern} escape '\\'`),
        eb(sql<string>`lower(email)`, 'like', sql<string>`${pattern} escape '\\'`),
        eb(
          'id',
          'in',
          eb
            .selectFrom('user_identities')
            .select('user_id')
            .where('value', '=', text.toLowerCase())
            .where('type', '=', 'email'),
        ),
      ]),
    );
}

/** `GET /users/autocomplete?name=`: users whose name starts with the text. */
export function autocompleteUsersQuery(db: Conn, name: string) {
  const pattern = likePattern(name.trim(), 'prefix');
  return db
    .selectFrom('users')
    .selectAll()
    .where('active', '=', 1)
    .where(sql<string>`lower(name)`, 'like', sql<string>`${pattern} escape '\\'`);
}

// ---------------------------------------------------------------------------------------------
// Who may change whom.

/**
 * Admins edit anyone; agents edit end users and their own profile; end users edit nobody
 * through the users API.
 */
export function assertMayEdit(actor: User, target: User): void {
  if (actor.role === 'admin') return;
  if (actor.role === 'agent' && (target.role === 'end-user' || target.id === actor.id)) return;
  throw new ForbiddenError();
}

// ---------------------------------------------------------------------------------------------
// Writing users.

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
function assertRoleRules(actor: User, before: User | null, input: UserInput): void {
  const isAdmin = actor.role === 'admin';
  const roleChanges =
    input.role !== undefined && input.role !== (before ? before.role : 'end-user');
  if (!isAdmin && roleChanges) throw new ForbiddenError('Only admins can set roles.');
  const customRoleChanges =
    input.custom_role_id !== undefined &&
    input.custom_role_id !== (before ? before.custom_role_id : null);
  if (!isAdmin && customRoleChanges) throw new ForbiddenError('Only admins can set roles.');
  if (!isAdmin && input.suspended !== undefined && input.suspended !== !!before?.suspended) {
    throw new ForbiddenError('Only admins can suspend users.');
  }
  if (before && input.suspended && before.id === actor.id) {
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
  actor: User,
  input: UserInput,
  now: string,
  opts: { keysLookedUp?: boolean } = {},
): Promise<User> {
  if (!isAgent(actor)) throw new ForbiddenError();
  assertRoleRules(actor, null, input);
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
  actor: User,
  before: User,
  input: UserInput,
  now: string,
): Promise<User> {
  if (!before.active) throw new NotFoundError('User');
  assertMayEdit(actor, before);
  assertRoleRules(actor, before, input);
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
  return loadUser(trx, before.id);
}

/** Locks a user row for the rest of the transaction on PostgreSQL (SQLite serializes writers). */
/** The user's row, locked for update on PostgreSQL until the transaction ends. */
export async function lockUser(trx: Conn, id: number): Promise<User | undefined> {
  let q = trx.selectFrom('users').selectAll().where('id', '=', id);
  if (isPostgres(trx)) q = q.forUpdate();
  return q.executeTakeFirst();
}

/** `POST /users`. */
export async function createUserAs(
  db: Conn,
  actor: User,
  input: UserInput,
  now: string,
): Promise<User> {
  return transaction(db, (trx) => createUserIn(trx, actor, input, now));
}

/** `PUT /users/{id}`. */
export async function updateUser(
  db: Conn,
  actor: User,
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
  actor: User,
  input: UserInput,
  now: string,
): Promise<{ user: User; created: boolean }> {
  return transaction(db, async (trx) => {
    if (!isAgent(actor)) throw new ForbiddenError();
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
export async function deleteUser(db: Conn, actor: User, id: number, now: string): Promise<User> {
  return transaction(db, async (trx) => {
    const user = await lockUser(trx, id);
    if (!user || !user.active) throw new NotFoundError('User');
    if (!isAgent(actor)) throw new ForbiddenError();
    if (user.id === actor.id) {
      throw ValidationError.field('base', 'You cannot delete yourself', 'InvalidValue');
    }
    if (actor.role !== 'admin' && user.role !== 'end-user') throw new ForbiddenError();
    await trx.deleteFrom('user_identities').where('user_id', '=', id).execute();
    await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
    await trx.deleteFrom('group_memberships').where('user_id', '=', id).execute();
    await trx
      .updateTable('users')
      .set({ active: 0, updated_at: now })
      .where('id', '=', id)
      .execute();
    return loadUser(trx, id);
  });
}
