import type { Db } from '../db/index.ts';

/**
 * Paces work per key (a Slack DM: about one message a second, a short burst allowed), with the
 * state in the database so that every node shares each key's pace.
 *
 * A generic cell rate algorithm: each key has a theoretical arrival time (TAT). A slot is free
 * while the TAT is less than `burst` intervals ahead of now; taking it moves the TAT one
 * interval on. The TAT moves by a conditional UPDATE on its old value, so two nodes taking a
 * slot of one key at once cannot both have the last one.
 */
export interface Pace {
  /** Sustained rate: one slot per this many milliseconds. */
  intervalMs: number;
  /** Slots free at once for a key that has been quiet. */
  burst: number;
}

/** Takes a slot of `key`: 0 when taken, otherwise the milliseconds until one is free. */
export async function takePaceSlot(
  db: Db,
  key: string,
  pace: Pace,
  now: number = Date.now(),
): Promise<number> {
  // A lost race means another node took a slot a moment ago: read again and decide again.
  for (let attempt = 0; attempt < 20; attempt++) {
    const row = await db
      .selectFrom('job_paces')
      .select('tat')
      .where('key', '=', key)
      .executeTakeFirst();
    if (!row) {
      const res = await db
        .insertInto('job_paces')
        .values({ key, tat: new Date(now + pace.intervalMs).toISOString() })
        .onConflict((oc) => oc.column('key').doNothing())
        .executeTakeFirst();
      if (Number(res.numInsertedOrUpdatedRows ?? 0) === 1) return 0;
      continue;
    }
    const tat = Math.max(Date.parse(row.tat), now);
    const ahead = tat + pace.intervalMs - now;
    const allowed = pace.burst * pace.intervalMs;
    if (ahead > allowed) return ahead - allowed;
    const res = await db
      .updateTable('job_paces')
      .set({ tat: new Date(tat + pace.intervalMs).toISOString() })
      .where('key', '=', key)
      .where('tat', '=', row.tat)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 1) return 0;
  }
  // Twenty lost races in a row: someone else is sending on this key right now; come back soon.
  return pace.intervalMs;
}

/**
 * Forgets keys whose TAT is long past: they would allow a full burst anyway. Returns how many
 * went. Run now and then (the scheduler), so one row per conversation ever served does not pile up.
 */
export async function forgetIdlePaces(db: Db, before: string): Promise<number> {
  const res = await db.deleteFrom('job_paces').where('tat', '<', before).executeTakeFirst();
  return Number(res.numDeletedRows);
}
