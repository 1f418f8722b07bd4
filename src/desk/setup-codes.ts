import { createHash, randomInt } from 'node:crypto';
import type { Conn } from './context.ts';

/** Long enough to set Parley up the day it is installed; a restart prints a fresh code. */
export const SETUP_CODE_HOURS = 24;

/** No 0/O or 1/I/L, so a code read off a terminal is typed right the first time. */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
const GROUPS = 3;
const GROUP_LENGTH = 4;

/** Case, spaces and dashes do not matter: people copy codes in all sorts of ways. */
function normalize(code: string): string {
  return code.toUpperCase().replace(/[\s-]+/g, '');
}

function hashCode(code: string): string {
  // The code has ~59 random bits and lives a day: a plain hash is enough, no slow KDF needed.
  return createHash('sha256')
    .update(`parley-setup:${normalize(code)}`)
    .digest('hex');
}

function newCode(): string {
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    let group = '';
    for (let i = 0; i < GROUP_LENGTH; i++) group += ALPHABET[randomInt(ALPHABET.length)];
    groups.push(group);
  }
  return groups.join('-');
}

/**
 * Makes the one-time code that /setup asks for and stores only its hash, with an expiry, so
 * whichever node serves the form can check it. Expired codes are dropped on the way.
 */
export async function createSetupCode(db: Conn, now: Date): Promise<string> {
  const code = newCode();
  await db.deleteFrom('setup_codes').where('expires_at', '<=', now.toISOString()).execute();
  await db
    .insertInto('setup_codes')
    .values({
      code_hash: hashCode(code),
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + SETUP_CODE_HOURS * 3600_000).toISOString(),
    })
    .execute();
  return code;
}

/** Whether the code is one printed at start and not yet expired. */
export async function setupCodeIsValid(db: Conn, code: string, now: Date): Promise<boolean> {
  if (!normalize(code)) return false;
  const row = await db
    .selectFrom('setup_codes')
    .select('code_hash')
    .where('code_hash', '=', hashCode(code))
    .where('expires_at', '>', now.toISOString())
    .executeTakeFirst();
  return row !== undefined;
}

/** Once an administrator exists no code may open setup again, so none is kept. */
export async function clearSetupCodes(db: Conn): Promise<void> {
  await db.deleteFrom('setup_codes').execute();
}
