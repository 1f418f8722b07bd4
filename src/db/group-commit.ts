import type { Transaction } from 'kysely';
import { isPostgres } from './dialect.ts';
import type { Db } from './index.ts';
import { retryingConflicts } from './transaction.ts';
import type { DB } from './types.ts';

export type Work<T> = (trx: Transaction<DB>) => Promise<T>;

interface Member {
  work: Work<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** Writes that commit together at most; the connection is theirs until the commit. */
const MAX_GROUP = 8;

/**
 * Runs `work` in a write transaction. On PostgreSQL that is its own transaction (the pool runs
 * several at once), run again when a concurrent writer made PostgreSQL abort it (see
 * retryingConflicts). On SQLite, whose one connection takes one transaction at a time, writes
 * that arrive together commit together: about a third of a ticket create's CPU was its own
 * COMMIT (writing some twenty WAL frames, two system calls each, most of them the same pages
 * the next create writes), and eight creates in one transaction cost a fifth less each,
 * measured on the 2-core VM.
 *
 * Each caller still gets its own outcome. A member that throws rolls the whole group back;
 * then every member runs again alone, so the others commit and only the failing one fails.
 * Savepoints per member would give the same isolation without a second run, but SQLite then
 * journals every page a member touches, which cost more than the group saved. So `work` must
 * be safe to run twice: it may write only through `trx`.
 */
export function writeTransaction<T>(db: Db, work: Work<T>): Promise<T> {
  if (isPostgres(db)) return retryingConflicts(() => db.transaction().execute(work));
  let committer = committers.get(db);
  if (!committer) {
    committer = new GroupCommitter(db);
    committers.set(db, committer);
  }
  return committer.run(work);
}

const committers = new WeakMap<Db, GroupCommitter>();

class GroupCommitter {
  private queue: Member[] = [];
  private scheduled = false;

  constructor(private readonly db: Db) {}

  run<T>(work: Work<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  /**
   * Drains on the next check phase, after the poll phase has handed every request that arrived
   * meanwhile to its handler: those that write are in the queue by then and join the group.
   */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    const group = this.queue.splice(0, MAX_GROUP);
    try {
      if (group.length === 1) await this.alone(group[0]!);
      else await this.together(group);
    } finally {
      this.scheduled = false;
      if (this.queue.length > 0) this.schedule();
    }
  }

  private async together(group: Member[]): Promise<void> {
    let results: unknown[];
    try {
      results = await this.db.transaction().execute(async (trx) => {
        const out: unknown[] = [];
        for (const m of group) out.push(await m.work(trx));
        return out;
      });
    } catch {
      for (const m of group) await this.alone(m);
      return;
    }
    group.forEach((m, i) => m.resolve(results[i]));
  }

  private async alone(m: Member): Promise<void> {
    try {
      m.resolve(await this.db.transaction().execute(m.work));
    } catch (err) {
      m.reject(err);
    }
  }
}
