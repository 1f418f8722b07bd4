import { open, type FileHandle } from 'node:fs/promises';
import type { Db } from '../../db/index.ts';
import { isPostgres } from '../../db/dialect.ts';

export interface InboxEntry {
  eventId: string;
  appId: number | null;
  teamId: string | null;
  conversationKey: string | null;
  payload: string;
}

/**
 * Writes acked events to the inbox with group commit: requests that arrive while a commit is
 * under way share the next one, so a burst costs one fsync per batch rather than per event.
 * A request is answered only after its batch is on disk. PostgreSQL fsyncs every commit by
 * default (synchronous_commit=on).
 *
 * On SQLite (WAL mode, synchronous=NORMAL) a commit appends the batch to the `-wal` file
 * without syncing it; the batch is then made durable by fsyncing that file from libuv's thread
 * pool. This is what synchronous=FULL does at commit, but FULL would fsync on the event loop's
 * thread (better-sqlite3 is synchronous) and stall every other request for the milliseconds a
 * disk flush takes. The WAL is a log, so the fsync also makes every earlier commit durable; a
 * checkpoint that moves frames into the database file first syncs both files, so frames
 * checkpointed before the fsync are on disk too. Anything committed later (at NORMAL) and lost
 * with the OS page cache is also unmarked in the inbox, so it is applied again from this copy.
 */
export class InboxWriter {
  private pending: { entry: InboxEntry; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private flushing = false;
  private readonly pg: boolean;
  /** Called after each batch is durable, with the number of events it held. */
  onWritten: ((events: number) => void) | null = null;

  private readonly maxBatch: number;
  private readonly walFile: string | null;

  constructor(
    private readonly db: Db,
    opts: {
      maxBatch?: number;
      /** The SQLite database file; its `-wal` is synced. None for PostgreSQL and `:memory:`. */
      sqliteFile?: string | null;
    } = {},
  ) {
    this.pg = isPostgres(db);
    this.maxBatch = opts.maxBatch ?? 500;
    this.walFile =
      !this.pg && opts.sqliteFile && opts.sqliteFile !== ':memory:'
        ? `${opts.sqliteFile}-wal`
        : null;
  }

  add(entry: InboxEntry): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ entry, resolve, reject });
      if (this.flushing) return;
      this.flushing = true;
      // better-sqlite3 runs each statement synchronously, so a batch started right away would
      // commit (and fsync) within this request's microtasks, before the event loop reads the
      // requests already waiting on other sockets: every event would pay a commit of its own.
      // Starting after the I/O phase lets every request read in this turn share the batch.
      setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.maxBatch);
        try {
          await this.write(batch.map((b) => b.entry));
          for (const b of batch) b.resolve();
          this.onWritten?.(batch.length);
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
        // Requests that arrived during the commit are read before the next batch is cut.
        if (this.pending.length < this.maxBatch) await new Promise((r) => setImmediate(r));
      }
    } finally {
      this.flushing = false;
    }
  }

  private async write(entries: InboxEntry[]): Promise<void> {
    const now = new Date().toISOString();
    // A retry of an event already in this batch would violate the unique key twice.
    const unique = [...new Map(entries.map((e) => [e.eventId, e])).values()];
    const insert = (db: Db) =>
      db
        .insertInto('slack_inbox')
        .values(
          unique.map((e) => ({
            event_id: e.eventId,
            app_id: e.appId,
            team_id: e.teamId,
            conversation_key: e.conversationKey,
            payload: e.payload,
            received_at: now,
          })),
        )
        .onConflict((oc) => oc.column('event_id').doNothing())
        .execute();
    await insert(this.db);
    if (this.walFile) await this.syncWal(this.walFile);
  }

  private wal: FileHandle | null = null;

  /** Lets the writes under way finish, then releases the `-wal` descriptor. */
  async close(): Promise<void> {
    while (this.flushing) await new Promise((r) => setTimeout(r, 5));
    const wal = this.wal;
    this.wal = null;
    await wal?.close();
  }

  /**
   * fsync through a descriptor of our own: a write reaches the disk whichever descriptor made
   * it. SQLite removes the `-wal` file only when the last connection closes, and Parley's stays
   * open while it runs, so the descriptor is kept; after a failure it is opened afresh.
   */
  private async syncWal(file: string): Promise<void> {
    this.wal ??= await open(file, 'r');
    try {
      await this.wal.sync();
    } catch (err) {
      const stale = this.wal;
      this.wal = null;
      await stale.close().catch(() => {});
      throw err;
    }
  }
}
