import type { User } from '../db/types.ts';
import type { Conn } from '../desk/context.ts';
import { verifyPassword } from '../desk/passwords.ts';
import { findUserByEmail } from '../desk/users.ts';
import { UnauthorizedError } from './errors.ts';

/** Who is signing in, as far as throttling needs to know. */
export interface SignInClient {
  /** The client's address (behind a trusted proxy, the forwarded one). */
  ip: string;
}

function usable(user: User | undefined): user is User {
  return !!user && user.active === 1 && user.suspended === 0;
}

/**
 * The one door for an email and a password: Basic `email:password` on the API and the web
 * app's sign-in form both come through here, so they share the same checks.
 */
export async function signInWithPassword(
  db: Conn,
  email: string,
  password: string,
  _client: SignInClient,
): Promise<User> {
  const user = await findUserByEmail(db, email);
  if (!usable(user) || !(await verifyPassword(password, user.password_hash))) {
    throw new UnauthorizedError();
  }
  return user;
}
