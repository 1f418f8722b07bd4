import { createHash } from 'node:crypto';
import { readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../db/index.ts';
import { mkdirPrivate, writePrivateFile } from '../private-files.ts';

/**
 * Attachment bytes, addressed by their sha256: the same file stored twice is kept once.
 * The filesystem store suits one node; the database store lets several nodes share blobs.
 */
export interface BlobStore {
  put(data: Buffer): Promise<{ key: string; sha256: string }>;
  get(key: string): Promise<Buffer | null>;
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function fsBlobStore(root: string): BlobStore {
  const file = (key: string) => path.join(root, key.slice(0, 2), key);
  return {
    async put(data) {
      const sha256 = sha256Hex(data);
      const target = file(sha256);
      await mkdirPrivate(path.dirname(target));
      // Write then rename, so a crash never leaves a half-written blob under its final name.
      const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
      await writePrivateFile(tmp, data);
      await rename(tmp, target);
      return { key: sha256, sha256 };
    },
    async get(key) {
      if (!/^[0-9a-f]{64}$/.test(key)) return null;
      try {
        return await readFile(file(key));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
  };
}

export function dbBlobStore(db: Db): BlobStore {
  return {
    async put(data) {
      const sha256 = sha256Hex(data);
      await db
        .insertInto('blobs')
        .values({ key: sha256, data, created_at: new Date().toISOString() })
        .onConflict((oc) => oc.column('key').doNothing())
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
  };
}
