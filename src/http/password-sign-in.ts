import type { User } from '../db/types.ts';
import { canSignIn, type Conn } from '../desk/context.ts';
import { TooManyRequestsError } from '../desk/errors.ts';
import { hashPassword, needsRehash, verifyPassword } from '../desk/passwords.ts';
import {
  clearAccountFailures,
  DEFAULT_SIGN_IN_LIMITS,
  recordSignInFailure,
  type SignInLimits,
  type ThrottleKeys,
  throttleKeys,
  throttleState,
} from '../desk/sign-in-throttle.ts';
import { findUserByEmail } from '../desk/users.ts';
import { UnauthorizedError } from './shared/errors.ts';

/** Who is signing in, as far as throttling needs to know. */
export interface SignInClient {
  /** The client's address (behind a trusted proxy, the forwarded one). */
  ip: string;
}

/** Refuses the attempt, before any hashing, while the account or the address is throttled. */
async function refuseIfThrottled(
  db: Conn,
  keys: ThrottleKeys,
  limits: SignInLimits,
): Promise<number> {
  const state = await throttleState(db, keys, limits);
  if (state.waitSeconds > 0) {
    throw new TooManyRequestsError(
      `Too many failed sign-in attempts; try again in ${state.waitSeconds} seconds`,
      state.waitSeconds,
    );
  }
  return state.accountFailures;
}

/**
 * The one door for an email and a password: Basic `email:password` on the API and the web
 * app's sign-in form both come through here, so they share the same checks.
 *
 * Failed attempts are counted per account and per client address (sign-in-throttle.ts); past
 * the limit the answer is TooManyRequestsError (429 with Retry-After) and no hash is computed.
 * An email without a usable account costs one check against a dummy hash, as a wrong password
 * does, and counts the same. A password stored with older settings is hashed again with the
 * current ones once it has been seen to be right.
 */
export async function signInWithPassword(
  db: Conn,
  email: string,
  password: string,
  client: SignInClient,
  limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS,
): Promise<User> {
  const keys = throttleKeys(email, client.ip);
  await refuseIfThrottled(db, keys, limits);
  const user = await findUserByEmail(db, email);
  const stored = user?.password_hash ?? null;
  let accountFailures = 0;
  const accepted = await verifyPassword(password, stored, async (check) => {
    accountFailures = await refuseIfThrottled(db, keys, limits);
    const ok = (await check()) && canSignIn(user);
    if (!ok) await recordSignInFailure(db, keys, limits);
    return ok;
  });
  if (!accepted || !canSignIn(user)) throw new UnauthorizedError();
  if (accountFailures > 0) await clearAccountFailures(db, keys);
  if (stored && needsRehash(stored)) {
    const upgraded = await hashPassword(password);
    // Only over the hash just checked: a password changed meanwhile is left alone.
    await db
      .updateTable('users')
      .set({ password_hash: upgraded })
      .where('id', '=', user.id)
      .where('password_hash', '=', stored)
      .execute();
    return { ...user, password_hash: upgraded };
  }
  return user;
}
