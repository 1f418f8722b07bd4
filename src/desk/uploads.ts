/**
 * Upload tokens live 60 minutes, as in Zendesk: a token not put on a comment by then can no
 * longer be attached, added to or deleted, its files are not found, and the sweep
 * (jobs/sweep-uploads.ts) removes them.
 */
export const UPLOAD_TTL_MS = 60 * 60_000;

/** When a token created at `now` (ISO time) expires. */
export function uploadExpiresAt(now: string): string {
  return new Date(Date.parse(now) + UPLOAD_TTL_MS).toISOString();
}

/** Whether an upload still waiting for a comment is past its token's expiry at `now`. */
export function uploadExpired(expiresAt: string | null, now: string): boolean {
  return expiresAt === null || expiresAt <= now;
}
