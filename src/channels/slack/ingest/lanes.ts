import { sql } from 'kysely';
import type { SlackInboxRow } from '../../../db/types.ts';
import type { Conn } from '../../../desk/context.ts';
import type { Prepared } from './prepared.ts';

/** Key of the PostgreSQL advisory locks that keep each conversation's events in order. */
const INGEST_LOCK = 7061626;
/**
 * PostgreSQL: conversations are split over this many lanes; a transaction applies the events
 * of one or more lanes under their locks. Every node must split alike, so the number is fixed;
 * how many transactions run at once depends on the connection pool.
 */
const PG_LANES = 16;
/** PostgreSQL: events worth one transaction (see `groupLanes`). */
const PG_EVENTS_PER_TX = 25;

export function laneOf(row: SlackInboxRow): number {
  const key = row.conversation_key ?? `event:${row.event_id}`;
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (Math.imul(h, 31) + key.charCodeAt(i)) | 0;
  return Math.abs(h) % PG_LANES;
}

/** Lanes applied together in one transaction, and their events in order. */
export interface LaneGroup {
  lanes: number[];
  events: Prepared[];
}

/**
 * Splits events by lane, then the lanes into transactions. All of a conversation's events are
 * in one lane, applied in order under that lane's lock, so groups may run at once.
 */
export function groupLanes(applicable: Prepared[]): LaneGroup[] {
  const lanes = new Map<number, Prepared[]>();
  for (const p of applicable) {
    const lane = laneOf(p.row);
    const list = lanes.get(lane);
    if (list) list.push(p);
    else lanes.set(lane, [p]);
  }
  // A transaction's fixed statements (locks, lookups, the batch's inserts) are worth paying
  // for PG_EVENTS_PER_TX events or so: a quiet pass puts every lane in one transaction, a
  // big one spreads them over several. Lanes go to the group with the fewest events so far.
  const groupCount = Math.max(
    1,
    Math.min(lanes.size, Math.ceil(applicable.length / PG_EVENTS_PER_TX)),
  );
  const groups: LaneGroup[] = Array.from({ length: groupCount }, () => ({
    lanes: [] as number[],
    events: [] as Prepared[],
  }));
  for (const [lane, events] of [...lanes].sort((a, b) => b[1].length - a[1].length)) {
    const g = groups.reduce((min, x) => (x.events.length < min.events.length ? x : min));
    g.lanes.push(lane);
    g.events.push(...events);
  }
  return groups;
}

/**
 * One applier per lane across nodes keeps each conversation in order. The locks are taken in
 * one statement, in lane order, so that two nodes sharing lanes do not deadlock (and if
 * PostgreSQL ever detected one, the failed batch is simply retried).
 */
export async function lockLanes(trx: Conn, lanes: number[]): Promise<void> {
  const sorted = [...lanes].sort((a, b) => a - b);
  await sql`SELECT pg_advisory_xact_lock(${INGEST_LOCK}, l)
    FROM (SELECT unnest(${sorted}::int[]) AS l ORDER BY 1) AS ordered`.execute(trx);
}
