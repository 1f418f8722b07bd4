import { sql } from 'kysely';
import { isPostgres } from '../../../db/dialect.ts';
import { EventsAfterCommit } from '../../../desk/events.ts';
import { WriteBatch } from '../../../desk/tickets/write-batch.ts';
import type { SlackContext } from '../context.ts';
import { applyEvent } from './apply.ts';
import { loadState, writeMessages } from './apply-state.ts';
import { lockLanes } from './lanes.ts';
import type { Prepared } from './prepared.ts';

/**
 * Applies prepared events in one transaction (under their lanes' locks on PostgreSQL), skips
 * those another node processed meanwhile, and marks the rest processed with their outcomes.
 */
export async function applyBatch(
  ctx: SlackContext,
  batch: Prepared[],
  lanes: number[],
): Promise<void> {
  const { db } = ctx;
  const events = new EventsAfterCommit(ctx.events);
  const committed = db.transaction().execute(async (trx) => {
    const run = events.attempt();
    const pg = isPostgres(trx);
    if (pg) await lockLanes(trx, lanes);
    const ids = batch.map((p) => p.row.id);
    const still = new Set(
      (
        await trx
          .selectFrom('slack_inbox')
          .select('id')
          .where('id', 'in', ids)
          .where('processed_at', 'is', null)
          .execute()
      ).map((r) => r.id),
    );
    const todo = batch.filter((p) => still.has(p.row.id));
    if (todo.length === 0) return;
    const state = await loadState(trx, todo, pg, run);
    if (pg) state.batch = new WriteBatch(trx, todo.length);
    const outcomes: { id: number; outcome: string }[] = [];
    for (const p of todo)
      outcomes.push({ id: p.row.id, outcome: await applyEvent(ctx, trx, p, state) });
    await writeMessages(trx, state);
    await trx
      .updateTable('slack_inbox')
      .set({
        processed_at: new Date().toISOString(),
        last_error: null,
        outcome: sql<string>`case ${sql.ref('id')} ${sql.join(
          outcomes.map((o) => sql`when ${o.id} then ${o.outcome}`),
          sql` `,
        )} end`,
      })
      .where('id', 'in', ids)
      .where('processed_at', 'is', null)
      .execute();
  });
  await events.publishAfter(committed);
}
