import { sql } from 'kysely';
import type { Actor, Conn } from './context.ts';
import { isPostgres } from '../db/dialect.ts';
import { authorize } from './policies/authorize.ts';
import { ticketScope } from './policies/tickets.ts';

/**
 * The account's tags, read from the counts migration 0027 keeps per tag (never from
 * ticket_tags, which holds a row per tagged ticket).
 *
 * Who learns which tags: Zendesk shows every agent the account-wide list. Counting over the
 * exact tickets each agent may see would mean visiting every tagged ticket on each keystroke;
 * the one limit Parley's agents have on tickets is the messaging permission, so the counts are
 * kept split by `from_messaging_channel` and an agent without it is answered from the
 * non-Slack tickets only: a tag that exists only on Slack tickets is never suggested to them,
 * and the counts they see are of tickets they may open. Everyone else gets the whole account.
 */

/** Zendesk starts suggesting from two characters. */
export const MIN_PREFIX = 2;
export const SUGGESTIONS = 20;

/** The counts table limited to the rows `actor` may learn about. */
async function visibleCounts(db: Conn, actor: Actor) {
  await authorize(db, actor, 'tag:read');
  const scope = await ticketScope(db, actor);
  let q = db.selectFrom('tag_counts');
  if (scope.kind !== 'all') q = q.where('from_messaging_channel', '=', 0);
  return q;
}

const total = sql<number | string>`sum(tickets)`;

/**
 * Tags starting with `prefix` (lowercased, as tags are stored), most used first, then by
 * name: up to 20. A prefix shorter than two characters suggests nothing.
 */
export async function suggestTags(db: Conn, actor: Actor, prefix: string): Promise<string[]> {
  const q = await visibleCounts(db, actor);
  const p = prefix.trim().toLowerCase();
  if ([...p].length < MIN_PREFIX) return [];
  // A range of the primary key: tags are compared byte-wise (migration 0027), and every tag
  // starting with p sorts from p to before p followed by the highest code point.
  const rows = await q
    .select('tag')
    .where('tag', '>=', p)
    .where('tag', '<', `${p}\u{10FFFF}`)
    .groupBy('tag')
    .having(total, '>', 0)
    .orderBy(total, 'desc')
    .orderBy('tag')
    .limit(SUGGESTIONS)
    .execute();
  return rows.map((r) => r.tag);
}

export interface TagCount {
  name: string;
  count: number;
}

/** One page of the tags `actor` may learn about, most used first, and how many there are. */
export async function listTags(
  db: Conn,
  actor: Actor,
  page: { offset: number; limit: number },
): Promise<{ tags: TagCount[]; count: number }> {
  const q = await visibleCounts(db, actor);
  const grouped = q
    .select(['tag', total.as('n')])
    .groupBy('tag')
    .having(total, '>', 0);
  const rows = await grouped
    .orderBy('n', 'desc')
    .orderBy('tag')
    .offset(page.offset)
    .limit(page.limit)
    .execute();
  const counted = await db
    .selectFrom(grouped.as('g'))
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirst();
  return {
    tags: rows.map((r) => ({ name: r.tag, count: Number(r.n) })),
    count: Number(counted?.n ?? 0),
  };
}

/**
 * Counts every tag anew into the kept counts. Only for rows written with triggers disabled
 * (PostgreSQL's `session_replication_role = replica`, as the benchmark's bulk copy does),
 * which the kept counts cannot see. Writers wait for it.
 */
export async function recountTags(db: Conn): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (isPostgres(trx)) await sql`lock table ticket_tags in share mode`.execute(trx);
    await trx.deleteFrom('tag_counts').execute();
    await sql`
      insert into tag_counts (tag, from_messaging_channel, shard, tickets)
      select tt.tag, t.from_messaging_channel, 0, count(*)
      from ticket_tags tt join tickets t on t.id = tt.ticket_id
      group by tt.tag, t.from_messaging_channel`.execute(trx);
  });
}
