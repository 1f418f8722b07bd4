import path from 'node:path';
import SQLite from 'better-sqlite3';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  type SqliteDatabase,
  type SqliteStatement,
} from 'kysely';
import pg from 'pg';
import type { DatabaseConfig } from '../config.ts';
import { createPrivateFileSync, mkdirPrivateSync } from '../private-files.ts';
import { migrationProvider } from './migrations/index.ts';
import { useNamedStatements } from './pg-statements.ts';
import { type Checkpointer, startCheckpointer } from './sqlite-checkpointer.ts';
import type { DB } from './types.ts';

export type Db = Kysely<DB>;

// COUNT(*) and SUM() come back from PostgreSQL as int8 strings; every count here fits a JS number.
pg.types.setTypeParser(20, (v) => Number(v));

/** WAL frames (pages) past which the writer checkpoints by itself although a worker does it. */
const BACKSTOP_PAGES = 10_000;
/** SQLite's own default threshold. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1_000;

export interface OpenOptions {
  /** SQLite: checkpoint the WAL on a worker thread (long-running servers; see sqlite-checkpointer). */
  backgroundCheckpoints?: boolean;
}

export function openDatabase(config: DatabaseConfig, opts: OpenOptions = {}): Db {
  if (config.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: config.url, max: config.poolSize });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    if (config.preparedStatements !== false) useNamedStatements(pool);
    return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  }
  if (config.file !== ':memory:') {
    // Created owner-only before SQLite opens it; its -wal and -shm files follow its mode.
    mkdirPrivateSync(path.dirname(config.file));
    createPrivateFileSync(config.file);
  }
  const sqlite = new SQLite(config.file);
  sqlite.pragma('journal_mode = WAL');
  // NORMAL in WAL mode is durable across process crashes; only an OS crash can lose the last
  // commits. FULL fsyncs every commit, which callers that must be power-loss durable can ask for.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // Pages read through a memory map cost no system call and no copy; on the 2-core VM a
  // ticket read took 16% less CPU. Only address space is reserved, not memory.
  if (config.mmapMb) sqlite.pragma(`mmap_size = ${config.mmapMb * 1024 * 1024}`);
  let checkpointer: Checkpointer | null = null;
  if (opts.backgroundCheckpoints && config.file !== ':memory:') {
    sqlite.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    checkpointer = startCheckpointer(config.file, () => {
      if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
    });
  }
  const database = cachingStatements(sqlite, () => checkpointer?.stop());
  return new Kysely<DB>({ dialect: new SqliteDialect({ database }) });
}

/**
 * Kysely's SQLite driver prepares every statement anew, and preparing costs as much as running
 * an indexed lookup: a ticket create runs about twenty statements. Prepared statements are
 * kept per SQL text instead; the bound (least recently used goes first) keeps the `in (?, ?…)`
 * variants from piling up. Reusing a statement is safe because the driver runs one statement
 * at a time on its single connection. A schema change (a migration) empties the cache, so
 * that no statement outlives the columns it was prepared for.
 */
function cachingStatements(
  sqlite: SQLite.Database,
  onClose: () => void,
  max = 500,
): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => {
      onClose();
      sqlite.close();
    },
    prepare(text: string) {
      if (DDL.test(text)) cache.clear();
      let stmt = cache.get(text);
      if (stmt) {
        // Re-insert to mark it most recently used (a Map iterates in insertion order).
        cache.delete(text);
      } else {
        stmt = rowsAsObjects(sqlite.prepare(text));
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
      }
      cache.set(text, stmt);
      return stmt;
    },
  };
}

const DDL = /^\s*(create|alter|drop)\b/i;

/**
 * Reads rows as arrays and builds each object with a function compiled for the statement's
 * columns. better-sqlite3 builds row objects key by key; for a 100-ticket page of 22 columns that
 * took 520 µs, against 230 µs for arrays turned into objects of one fixed shape (measured on the
 * 2-core VM). The objects are the same: same keys in the same order, the last of two equally
 * named columns winning.
 */
function rowsAsObjects(stmt: SQLite.Statement): SqliteStatement {
  if (!stmt.reader) return stmt;
  const raw = stmt.raw(true);
  let build: ((row: unknown[]) => unknown) | null = null;
  const builder = () => {
    const names = raw.columns().map((c) => c.name);
    const fields = names.map((n, i) => `${JSON.stringify(n)}: r[${i}]`).join(', ');
    // Keys come from the statement's own column names, quoted by JSON.stringify.
    return new Function('r', `return { ${fields} };`) as (row: unknown[]) => unknown;
  };
  return {
    reader: true,
    all(parameters) {
      build ??= builder();
      return (raw.all(parameters) as unknown[][]).map(build);
    },
    run: (parameters) => raw.run(parameters),
    *iterate(parameters) {
      build ??= builder();
      for (const row of raw.iterate(parameters) as IterableIterator<unknown[]>) yield build(row);
    },
  };
}

export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
