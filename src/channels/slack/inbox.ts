import { sql } from 'kysely';
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
 * A request is answered only after its batch is on disk. On SQLite the batch commits with
 * synchronous=FULL (fsync), while the rest of Parley runs at NORMAL: anything lost with the OS
 * page cache is also unmarked in the inbox, so it is applied again from this durable copy.
 * PostgreSQL fsyncs every commit by default (synchronous_commit=on).
 */
export class InboxWriter {
  private pending: { entry: InboxEntry; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private flushing = false;
  private readonly pg: boolean;
  onWritten: (() => void) | null = null;

  constructor(
    private readonly db: Db,
    private readonly maxBatch = 500,
  ) {
    this.pg = isPostgres(db);
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
          this.onWritten?.();
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
    if (this.pg) {
      await insert(this.db);
      return;
    }
    await sql`PRAGMA synchronous = FULL`.execute(this.db);
    try {
      await insert(this.db);
    } finally {
      await sql`PRAGMA synchronous = NORMAL`.execute(this.db);
    }
  }
}
