import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Folders and files Parley creates in its data directory hold the database, attachments,
 * the secret key and the sandbox's tokens: only the account Parley runs as may read them.
 * A mode given on create is narrowed by the process umask (and a umask of 0 would leave
 * nothing narrowed by policy), so each creation is followed by a chmod to the exact mode.
 * Existing folders and files are left as the operator set them.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** The folders a recursive mkdir made: from `dir` up to `first`, the topmost one it created. */
function createdFolders(first: string | undefined, dir: string): string[] {
  if (!first) return [];
  const top = path.resolve(first);
  const out: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    out.push(d);
    if (d === top || path.dirname(d) === d) break;
  }
  return out;
}

/** `mkdir -p`, every folder it creates private. */
export function mkdirPrivateSync(dir: string): void {
  const first = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  for (const d of createdFolders(first, dir)) chmodSync(d, PRIVATE_DIR_MODE);
}

export async function mkdirPrivate(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  for (const d of createdFolders(first, dir)) await chmod(d, PRIVATE_DIR_MODE);
}

/** Writes a file readable by the owner only (`flag: 'wx'` refuses to replace one). */
export async function writePrivateFile(
  file: string,
  data: string | Buffer,
  flag: 'w' | 'wx' = 'w',
): Promise<void> {
  await writeFile(file, data, { mode: PRIVATE_FILE_MODE, flag });
  await chmod(file, PRIVATE_FILE_MODE);
}

/**
 * Creates an empty file, owner-only, unless it exists; true when this call created it.
 * SQLite gives its -wal and -shm files the mode of the database file, so a database file
 * created this way before SQLite opens it keeps all three private.
 */
export function createPrivateFileSync(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', PRIVATE_FILE_MODE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  closeSync(fd);
  chmodSync(file, PRIVATE_FILE_MODE);
  return true;
}
