/**
 * Outbound pace: Slack takes about one chat.postMessage a second per DM and answers 429 beyond
 * a short burst. A storm of replies to one person goes out in order at the configured pace,
 * and the sandbox (limiting each channel like Slack) refuses none of them; another person's
 * reply goes out meanwhile instead of queueing behind the storm.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { openDatabase } from '../../src/db/index.ts';
import { takePaceSlot } from '../../src/jobs/pace.ts';
import { forEachDatabase } from '../helpers/harness.ts';
import { ALICE, botMessages, sandboxOf, settle, userIdForSlack, waitFor } from './helpers.ts';

const BOB = 'U0PACEBOB';
const STORM = 14;

forEachDatabase(
  'Outbound pace per Slack DM',
  (ctx) => {
    async function ticketOf(slackUser: string): Promise<number> {
      const userId = await waitFor(`requester ${slackUser}`, () =>
        userIdForSlack(ctx.desk, slackUser),
      );
      const res = await ctx.desk.api('GET', `/api/v2/users/${userId}/tickets/requested`);
      return res.body.tickets[0].id;
    }

    it('sends a storm to one person in order, paced, with no 429; others are not held back', async () => {
      const sb = sandboxOf(ctx.desk);
      // Slack's shape at test speed: the sandbox allows 4 at once, then one per 200 ms per
      // channel; Parley sends 2 at once, then one per 250 ms, inside that limit.
      sb.postLimiter.reset({ intervalMs: 200, burst: 4 });
      sb.addUser({ id: BOB, name: 'Bob Pace' });
      const first = await sb.sendMessage({ user: ALICE, text: 'pace: help me' });
      await sb.sendMessage({ user: BOB, text: 'pace: me too' });
      await settle(ctx.desk);
      const alice = await ticketOf(ALICE);
      const bob = await ticketOf(BOB);
      sb.calls.length = 0;

      for (let i = 0; i < STORM; i++) {
        const res = await ctx.desk.api('PUT', `/api/v2/tickets/${alice}`, {
          ticket: { comment: { body: `storm ${i}` } },
        });
        assert.equal(res.status, 200, JSON.stringify(res.body));
      }
      const res = await ctx.desk.api('PUT', `/api/v2/tickets/${bob}`, {
        ticket: { comment: { body: 'for Bob' } },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      // A notice joins the storm: Alice answers in a thread, and is told where to write.
      await sb.sendMessage({ user: ALICE, text: 'pace: in a thread', thread_ts: first.ts });
      await settle(ctx.desk);

      const posts = sb.calls.filter((c) => c.method === 'chat.postMessage');
      assert.deepEqual(
        posts.filter((c) => c.ratelimited || c.fault),
        [],
        'Slack refused no post',
      );
      assert.equal(posts.length, STORM + 2, 'each reply and the notice posted once');
      const toAlice = posts.filter((c) => c.args.channel === first.channel).map((c) => c.args.text);
      assert.deepEqual(
        toAlice.slice(0, STORM),
        Array.from({ length: STORM }, (_, i) => `storm ${i}`),
        'in the order written',
      );
      assert.match(String(toAlice[STORM]), /^Replies in threads do not reach the help desk/);
      assert.deepEqual(
        botMessages(sb, ALICE)
          .map((m) => m.text)
          .filter((t) => t.startsWith('storm ')),
        Array.from({ length: STORM }, (_, i) => `storm ${i}`),
      );
      // Bob's reply, written after the whole storm, went out before the storm was through.
      const texts = posts.map((c) => String(c.args.text));
      assert.ok(
        texts.indexOf('for Bob') < texts.indexOf(`storm ${STORM - 1}`),
        `Bob's reply waited for Alice's storm: ${texts.join(', ')}`,
      );
      // Waiting for the pace is not a failed attempt: every job ran once, successfully.
      const jobs = await ctx.desk.parley.db
        .selectFrom('jobs')
        .select(['attempts', 'status'])
        .where('queue', '=', 'slack.deliver')
        .execute();
      assert.ok(jobs.length >= STORM + 2);
      assert.deepEqual(
        jobs.filter((j) => j.attempts !== 1 || j.status !== 'done'),
        [],
        'no delivery was retried',
      );
    });

    it('shares a key’s pace between database connections (nodes)', async () => {
      // A second connection pool on the same database stands in for a second node.
      const other = openDatabase(ctx.desk.parley.config.database);
      try {
        const pace = { intervalMs: 60_000, burst: 3 };
        const now = Date.now();
        const key = `test:${ctx.desk.kind}:${now}`;
        const waits = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            takePaceSlot(i % 2 ? other : ctx.desk.parley.db, key, pace, now),
          ),
        );
        assert.equal(waits.filter((w) => w === 0).length, 3, `slots taken: ${waits.join(', ')}`);
        assert.ok(waits.filter((w) => w > 0).every((w) => w === 60_000));
        // One interval later, one more slot is free, and only one.
        const later = await Promise.all(
          [other, ctx.desk.parley.db].map((db) => takePaceSlot(db, key, pace, now + 60_000)),
        );
        assert.deepEqual(later.map((w) => w === 0).sort(), [false, true]);
      } finally {
        await other.destroy();
      }
    });
  },
  { env: { PARLEY_SLACK_PACE_INTERVAL_MS: '250', PARLEY_SLACK_PACE_BURST: '2' } },
);
