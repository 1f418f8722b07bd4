import { createHash } from 'node:crypto';
import { readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../db/index.ts';
import { mkdirPrivate, writePrivateFile } from '../private-files.ts';

/**
 * Attachment bytes, addressed by their sha256: the same file stored twice is kept once.
 * The filesystem store suits one node; the database store lets several nodes share blobs.
 *
 * A blob has no owner: any number of attachments may name it, and a new one may be about to
 * (its bytes are stored first, its row written after). So a blob is only deleted when no
 * attachment names it and it was not stored since `storedBefore`: every put of the same
 * bytes counts as storing them again, which covers the rows still being written.
 */
export interface BlobStore {
  put(data: Buffer): Promise<{ key: string; sha256: string }>;
  get(key: string): Promise<Buffer | null>;
  /**
   * Deletes the blob unless `inUse(key)` or it was stored at or after `storedBefore` (ISO
   * time); true when it was deleted.
   */
  deleteUnused(
    key: string,
    storedBefore: string,
    inUse: (key: string) => Promise<boolean>,
  ): Promise<boolean>;
}

/** The database store renews a blob's stored time on a put at most this often. */
const RENEW_EVERY_MS = 10 * 60_000;

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Runs one task at a time per key. The filesystem cannot check-then-delete atomically, so a
 * put and a delete of the same blob take turns instead (one process owns the folder).
 */
function perKeyQueue() {
  const tails = new Map<string, Promise<unknown>>();
  return async <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const run = (tails.get(key) ?? Promise.resolve()).then(task);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    try {
      return await run;
    } finally {
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}

export function fsBlobStore(root: string): BlobStore {
  const file = (key: string) => path.join(root, key.slice(0, 2), key);
  const isKey = (key: string) => /^[0-9a-f]{64}$/.test(key);
  const inTurn = perKeyQueue();
  return {
    async put(data) {
      const sha256 = sha256Hex(data);
      const target = file(sha256);
      // Written again even when present: the fresh mtime is what tells the sweep that a row
      // naming this blob may be on its way.
      await inTurn(sha256, async () => {
        await mkdirPrivate(path.dirname(target));
        // Write then rename, so a crash never leaves a half-written blob under its final name.
        const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
        await writePrivateFile(tmp, data);
        await rename(tmp, target);
      });
      return { key: sha256, sha256 };
    },
    async get(key) {
      if (!isKey(key)) return null;
      try {
        return await readFile(file(key));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    async deleteUnused(key, storedBefore, inUse) {
      if (!isKey(key)) return false;
      return inTurn(key, async () => {
        try {
          const { mtimeMs } = await stat(file(key));
          if (mtimeMs >= Date.parse(storedBefore) || (await inUse(key))) return false;
          await unlink(file(key));
          return true;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
          throw err;
        }
      });
    },
  };
}

export function dbBlobStore(db: Db): BlobStore {
  return {
    async put(data) {
      const sha256 = sha256Hex(data);
      const now = Date.now();
      await db
        .insertInto('blobs')
        .values({ key: sha256, data, created_at: new Date(now).toISOString() })
        // Present already: only its stored time is renewed, and not on every put, since
        // SQLite rewrites the whole row (bytes included) on an update.
        .onConflict((oc) =>
          oc
            .column('key')
            .doUpdateSet({ created_at: new Date(now).toISOString() })
            .where('blobs.created_at', '<', new Date(now - RENEW_EVERY_MS).toISOString()),
        )
        .execute();
      return { key: sha256, sha256 };
    },
    async get(key) {
      const row = await db
        .selectFrom('blobs')
        .select('data')
        .where('key', '=', key)
        .executeTakeFirst();
      return row ? Buffer.from(row.data) : null;
    },
    async deleteUnused(key, storedBefore) {
      // `inUse` is asked inside the DELETE itself, in one statement. A row being written on
      // another node right now is covered by the stored time: its put came first and renewed
      // it (or it was renewed within RENEW_EVERY_MS, well after any `storedBefore`).
      const res = await db
        .deleteFrom('blobs')
        .where('key', '=', key)
        .where('created_at', '<', storedBefore)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(selectFrom('attachments').select('id').where('attachments.blob_key', '=', key)),
          ),
        )
        .executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
  };
}
