import type { Kysely } from 'kysely';
import type { DB, User } from '../db/types.ts';
import { type Via, via } from './via.ts';

/** Who does something, through which door, at what time; handed to every desk command. */
export interface Actor {
  user: User;
  via: Via;
}

export type Conn = Kysely<DB>;

/** An account that may sign in at all: active and not suspended. */
export function canSignIn(user: User | undefined): user is User {
  return !!user && user.active === 1 && user.suspended === 0;
}

export function isAgent(user: Pick<User, 'role'>): boolean {
  return user.role === 'agent' || user.role === 'admin';
}

/**
 * The machine's operator: whoever runs the `parley` command on the server. They already hold
 * the database and the configuration, so the desk answers them as an admin; no user row stands
 * behind them (id 0 is no user's), which is why what they create names no creator.
 */
export const operatorActor: Actor = Object.freeze({
  user: Object.freeze({
    id: 0,
    name: 'Operator',
    email: null,
    role: 'admin',
    custom_role_id: null,
    organization_id: null,
    default_group_id: null,
    external_id: null,
    alias: null,
    details: null,
    notes: null,
    phone: null,
    locale: 'en-US',
    time_zone: null,
    photo_url: null,
    signature: null,
    verified: 1,
    suspended: 0,
    active: 1,
    shared: 0,
    tags: '[]',
    user_fields: '{}',
    password_hash: null,
    merged_into_id: null,
    last_login_at: null,
    created_at: '1970-01-01T00:00:00.000Z',
    updated_at: '1970-01-01T00:00:00.000Z',
  }),
  via: via('cli'),
});

export function isOperator(actor: Actor): boolean {
  return actor === operatorActor;
}
