import type { Kysely } from 'kysely';
import type { DB, User } from '../db/types.ts';
import type { Via } from './via.ts';

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
