import type { BlobStore } from '../blobs/index.ts';
import type { Db } from '../db/index.ts';
import { UPLOAD_TTL_MS } from '../desk/uploads.ts';

/**
 * Removes uploads whose token expired before any comment took them, and their bytes.
 *
 * Safe beside ticket writes and other sweeps on other nodes:
 * - A ticket write claims a token's files with one conditional UPDATE (`comment_id is null`
 *   and not expired); the sweep deletes with the same `comment_id is null` re-checked on each
 *   row. On PostgreSQL the second of the two waits for the first's row lock and re-reads the
 *   row, so a file is either attached or deleted, never deleted once attached. SQLite runs
 *   one writer at a time.
 * - Files are swept only SWEEP_GRACE_MS after they expired, so a write on a node whose clock
 *   runs a little behind cannot be claiming a token's files while they go.
 * - Bytes are shared by every attachment with the same content. A blob goes only when no
 *   attachment names it and nothing stored it in the last BLOB_GRACE_MS (an upload or a
 *   Slack file whose row is about to be written), which is shorter than the age a swept
 *   upload has, so the blob of a swept upload is never "too fresh" and left behind.
 * - Two sweeps may pick the same rows; the DELETE decides, and deleting a blob twice is
 *   harmless.
 */

/** How long after its expiry an unattached upload is swept. */
export const SWEEP_GRACE_MS = 5 * 60_000;
/** A blob stored more recently than this is kept even when nothing names it yet. */
export const BLOB_GRACE_MS = UPLOAD_TTL_MS;
/** Rows per DELETE, and DELETEs per run: a long backlog is worked off over several runs. */
const BATCH_SIZE = 200;
const MAX_BATCHES = 25;

export interface SweepOptions {
  batchSize?: number;
  maxBatches?: number;
}

export interface SweepResult {
  /** Upload files (attachment rows) removed. */
  attachments: number;
  /** Blobs removed (bytes no attachment uses any more). */
  blobs: number;
  /** True when the run stopped at maxBatches with expired uploads left. */
  more: boolean;
}

export async function sweepExpiredUploads(
  db: Db,
  blobs: BlobStore,
  now: Date = new Date(),
  opts: SweepOptions = {},
): Promise<SweepResult> {
  const batchSize = opts.batchSize ?? BATCH_SIZE;
  const maxBatches = opts.maxBatches ?? MAX_BATCHES;
  const expiredBefore = new Date(now.getTime() - SWEEP_GRACE_MS).toISOString();
  // A token deleted through the API expires at once; its files still wait as long as an
  // expired one (see BLOB_GRACE_MS above).
  const uploadedBefore = new Date(now.getTime() - UPLOAD_TTL_MS - SWEEP_GRACE_MS).toISOString();
  const storedBefore = new Date(now.getTime() - BLOB_GRACE_MS).toISOString();
  const inUse = async (key: string) =>
    (await db
      .selectFrom('attachments')
      .select('id')
      .where('blob_key', '=', key)
      .limit(1)
      .executeTakeFirst()) !== undefined;

  const result: SweepResult = { attachments: 0, blobs: 0, more: false };
  for (let batch = 0; batch < maxBatches; batch++) {
    const candidates = await db
      .selectFrom('attachments')
      .select('id')
      .where('upload_expires_at', '<=', expiredBefore)
      .where('created_at', '<=', uploadedBefore)
      .where('comment_id', 'is', null)
      .orderBy('upload_expires_at')
      .limit(batchSize)
      .execute();
    if (candidates.length === 0) return result;
    const deleted = await db
      .deleteFrom('attachments')
      .where(
        'id',
        'in',
        candidates.map((c) => c.id),
      )
      // Re-checked on each row as it is deleted: a ticket write may have claimed it since.
      .where('comment_id', 'is', null)
      .where('upload_expires_at', '<=', expiredBefore)
      .returning('blob_key')
      .execute();
    result.attachments += deleted.length;
    for (const key of new Set(deleted.map((d) => d.blob_key))) {
      if (await blobs.deleteUnused(key, storedBefore, inUse)) result.blobs++;
    }
    if (candidates.length < batchSize) return result;
  }
  result.more = true;
  return result;
}

/** How often the scheduler runs the sweep. */
export const SWEEP_EVERY_MS = 5 * 60_000;
