import type { Kysely } from 'kysely';
import { isPostgres } from './dialect.ts';
import type { DB } from './types.ts';

/**
 * Errors a concurrent writer can cause in a transaction that was right when it began. PostgreSQL
 * aborts one of two transactions that wait for each other (deadlock_detected,
 * serialization_failure): rare, as Parley locks rows in a fixed order where it can choose, but
 * two ticket creates whose server processes share a live-count row (migration 0006) can meet
 * other row locks in opposite orders. And READ COMMITTED lets two transactions both see "no
 * such email" and then both insert it (unique_violation), or insert a row whose parent another
 * has just deleted (foreign_key_violation). Run again, such work sees the other's commit and
 * gives its real answer: the 422 for a taken email, an update in create_or_update, a 404.
 */
const PG_CONFLICTS = new Set(['40P01', '40001', '23505', '23503']);

/**
 * On SQLite one connection runs transactions one after another, so a check inside one holds;
 * these constraint errors can only come from a check Parley lacks. They are still answered as a
 * conflict, not a crash (see isWriteConflict).
 */
const SQLITE_CONFLICTS = new Set([
  'SQLITE_CONSTRAINT_UNIQUE',
  'SQLITE_CONSTRAINT_PRIMARYKEY',
  'SQLITE_CONSTRAINT_FOREIGNKEY',
]);

const ATTEMPTS = 3;

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The database could not serve the request for now: PostgreSQL unreachable, shutting down or out
 * of connections or memory (classes 08, 53, 57P), or SQLite's file locked past busy_timeout by
 * another process (the CLI, a backup) or out of disk. The API answers 503, which clients retry.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const code = errorCode(err);
  if (code === undefined) return false;
  return (
    /^(08|53)[0-9A-Z]{3}$/.test(code) ||
    code.startsWith('57P') ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT'].includes(code) ||
    /^SQLITE_(BUSY|LOCKED|FULL|IOERR)/.test(code)
  );
}

/** A write that lost to a concurrent one: the API answers 409 Conflict rather than 500. */
export function isWriteConflict(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && (PG_CONFLICTS.has(code) || SQLITE_CONFLICTS.has(code));
}

/**
 * A prepared statement planned before a migration changed its table's columns (see
 * pg-statements.ts): run again, it is prepared anew.
 */
function isStalePlan(err: unknown): boolean {
  return (
    errorCode(err) === '0A000' &&
    /cached plan must not change result type/.test((err as Error).message ?? '')
  );
}

/**
 * Runs `run` again, up to three times in all, after a short random pause whenever PostgreSQL
 * aborted it for one of the conflicts above or for a stale prepared plan. `run` must start a
 * fresh transaction and write only through it, so that a failed attempt leaves nothing behind.
 */
export async function retryingConflicts<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      const code = errorCode(err);
      const retry = code !== undefined && (PG_CONFLICTS.has(code) || isStalePlan(err));
      if (attempt >= ATTEMPTS || !retry) throw err;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt));
    }
  }
}

/**
 * The desk's transactions (users, identities, groups, organizations…): on PostgreSQL run again
 * when a concurrent writer aborted them. Inside a transaction already, `work` simply joins it,
 * and the outermost one decides. Ticket writes use writeTransaction, which also groups commits
 * on SQLite.
 */
export function transaction<T>(db: Kysely<DB>, work: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return work(db);
  if (!isPostgres(db)) return db.transaction().execute(work);
  return retryingConflicts(() => db.transaction().execute(work));
}
