import { Algorithm, hash, parseOptions, verify } from '@node-rs/argon2';
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { passwordHashSlots } from './hash-slots.ts';

/**
 * argon2id at OWASP's Password Storage Cheat Sheet minimum (19 MiB, 2 passes, 1 lane), the
 * first of its equivalent settings and the one that costs the least memory per check: about
 * 15-60 ms on the project's VM. Raise these and every stored hash is upgraded at its owner's
 * next sign-in (needsRehash).
 */
const ARGON2 = {
  algorithm: Algorithm.Argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/** Parley's first hashes: Node's scrypt defaults (N = 2^14, r = 8, p = 1), 32-byte keys. */
const LEGACY_SCRYPT = 'scrypt';

const scryptAsync = (pw: string, salt: Buffer, len: number) =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(pw, salt, len, (err, key) => (err ? reject(err) : resolve(key))),
  );

/** An argon2id PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) with a fresh salt. */
export async function hashPassword(password: string): Promise<string> {
  return passwordHashSlots.run(() => hash(password, ARGON2));
}

const phcBase64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');

/**
 * A hash no password matches (its digest is random bytes, not the output of any input), in the
 * current settings: checking a password for an email with no account, or an account with no
 * password, costs what checking a wrong one costs, so the answer's timing does not tell which
 * emails have accounts. Built rather than hashed, so no request pays for making it.
 */
const DUMMY_HASH =
  `$argon2id$v=19$m=${ARGON2.memoryCost},t=${ARGON2.timeCost},p=${ARGON2.parallelism}` +
  `$${phcBase64(randomBytes(16))}$${phcBase64(randomBytes(32))}`;

let checksRun = 0;

/** Passwords checked (hashes computed to compare) since the process started; tests count them. */
export function passwordChecksRun(): number {
  return checksRun;
}

async function checkArgon2(stored: string, password: string): Promise<boolean> {
  checksRun++;
  try {
    return await verify(stored, password);
  } catch {
    // A stored value that is not a valid PHC string matches no password.
    return false;
  }
}

async function checkScrypt(stored: string, password: string): Promise<boolean> {
  checksRun++;
  const [, salt, key] = stored.split('$');
  if (!salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  if (expected.length === 0) return false;
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), expected.length);
  return timingSafeEqual(expected, actual);
}

/**
 * Whether `password` matches `stored` (argon2id, or a legacy `scrypt$salt$key`). A missing or
 * unreadable hash still costs one check against a dummy, and answers false. Anyone can make
 * Parley check a password, so when too many checks already wait this throws
 * TooManyRequestsError rather than queueing (see HashSlots).
 */
export async function verifyPassword(
  password: string,
  stored: string | null,
  /**
   * Wraps the check inside its slot (it may skip it by throwing). Sign-in asks the throttle
   * again and counts a failure there, so attempts queued together cannot all slip past a
   * throttle that looked before any of them had failed.
   */
  inSlot: (check: () => Promise<boolean>) => Promise<boolean> = (check) => check(),
): Promise<boolean> {
  const readable =
    !!stored && (stored.startsWith('$argon2') || stored.startsWith(`${LEGACY_SCRYPT}$`));
  const against = readable ? stored : DUMMY_HASH;
  const check = async () => {
    if (!readable) {
      // The dummy is checked for its cost alone: it never matches.
      await checkArgon2(against, password);
      return false;
    }
    return against.startsWith(`${LEGACY_SCRYPT}$`)
      ? checkScrypt(against, password)
      : checkArgon2(against, password);
  };
  return passwordHashSlots.run(() => inSlot(check), true);
}

/** Whether a stored hash is weaker than what hashPassword makes now (scrypt, or older argon2). */
export function needsRehash(stored: string): boolean {
  if (!stored.startsWith('$argon2id$')) return true;
  try {
    const o = parseOptions(stored);
    return (
      o.memoryCost < ARGON2.memoryCost ||
      o.timeCost < ARGON2.timeCost ||
      o.parallelism !== ARGON2.parallelism
    );
  } catch {
    return true;
  }
}
