import { createHash } from 'node:crypto';

/** SHA-256 in hex: how Parley stores bearer secrets (tokens, sessions, states) it must recognize. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
