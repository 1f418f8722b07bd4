/**
 * Upload tokens live 60 minutes, as in Zendesk: an expired token cannot be attached (422
 * naming it), added to or deleted (404), and its files are not found. The sweep removes
 * expired unattached uploads and their bytes in bounded batches, never a file a comment took,
 * not even one taken while the sweep runs, and never bytes another attachment shares.
 */
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { after, before, describe, it } from 'node:test';
import { periodicTasks } from '../../src/jobs/periodic-tasks.ts';
import { sweepExpiredUploads } from '../../src/jobs/sweep-uploads.ts';
import { forEachDatabase, startTestDesk, type TestDesk } from '../helpers/harness.ts';
import { waitFor } from '../slack/helpers.ts';

const MINUTE = 60_000;
const later = (minutes: number) => new Date(Date.now() + minutes * MINUTE);

let counter = 0;

async function upload(desk: TestDesk, opts: { token?: string; bytes?: string } = {}) {
  const name = `file${++counter}.txt`;
  const q = opts.token ? `&token=${encodeURIComponent(opts.token)}` : '';
  return desk.api('POST', `/api/v2/uploads?filename=${name}${q}`, undefined, {
    raw: Buffer.from(opts.bytes ?? `bytes of ${name}`),
    headers: { 'content-type': 'text/plain' },
  });
}

async function newToken(desk: TestDesk, bytes?: string) {
  const res = await upload(desk, { bytes });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.upload as { token: string; expires_at: string; attachment: { id: number } };
}

/** Moves an upload `minutes` into the past, as if it had been made that long ago. */
async function age(desk: TestDesk, token: string, minutes: number) {
  const rows = await desk.parley.db
    .selectFrom('attachments')
    .select(['id', 'created_at', 'upload_expires_at'])
    .where('upload_token', '=', token)
    .execute();
  const back = (iso: string) => new Date(Date.parse(iso) - minutes * MINUTE).toISOString();
  for (const r of rows) {
    await desk.parley.db
      .updateTable('attachments')
      .set({ created_at: back(r.created_at), upload_expires_at: back(r.upload_expires_at!) })
      .where('id', '=', r.id)
      .execute();
  }
}

async function row(desk: TestDesk, id: number) {
  return desk.parley.db
    .selectFrom('attachments')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
}

async function ticketCount(desk: TestDesk): Promise<number> {
  const r = await desk.parley.db
    .selectFrom('tickets')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

const sweep = (desk: TestDesk, now: Date, opts = {}) =>
  sweepExpiredUploads(desk.parley.db, desk.parley.blobs, now, opts);

forEachDatabase('upload expiry and the expired-upload sweep', (ctx) => {
  it('gives a token that expires 60 minutes after the upload, kept when files are added', async () => {
    const before = Date.now();
    const first = await newToken(ctx.desk);
    const after = Date.now();
    const expires = Date.parse(first.expires_at);
    // Presented to the second, like every Zendesk time.
    assert.ok(expires >= Math.floor(before / 1000) * 1000 + 60 * MINUTE, first.expires_at);
    assert.ok(expires <= after + 60 * MINUTE, first.expires_at);
    const second = await upload(ctx.desk, { token: first.token });
    assert.equal(second.status, 201);
    assert.equal(second.body.upload.expires_at, first.expires_at);
    assert.equal(second.body.upload.attachments.length, 2);
  });

  it('refuses to attach an expired token with a 422 naming it, writing nothing', async () => {
    const live = await newToken(ctx.desk);
    const expired = await newToken(ctx.desk);
    await age(ctx.desk, expired.token, 61);
    const tickets = await ticketCount(ctx.desk);
    const res = await ctx.desk.api('POST', '/api/v2/tickets', {
      ticket: {
        subject: 'Late',
        comment: { body: 'see files', uploads: [live.token, expired.token] },
      },
    });
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.error, 'RecordInvalid');
    const [detail] = res.body.details.uploads;
    assert.ok(detail.description.includes(expired.token), detail.description);
    assert.ok(!detail.description.includes(live.token), 'only the expired token is named');
    assert.equal(await ticketCount(ctx.desk), tickets, 'no ticket written');
    // The live token was not taken by the refused write.
    assert.equal((await row(ctx.desk, live.attachment.id))!.comment_id, null);

    const ticket = await ctx.desk.api('POST', '/api/v2/tickets', {
      ticket: { subject: 'On time', comment: { body: 'first' } },
    });
    const id = ticket.body.ticket.id;
    const update = await ctx.desk.api('PUT', `/api/v2/tickets/${id}`, {
      ticket: { comment: { body: 'late file', uploads: [expired.token] } },
    });
    assert.equal(update.status, 422);
    const comments = await ctx.desk.api('GET', `/api/v2/tickets/${id}/comments`);
    assert.equal(comments.body.comments.length, 1, 'no comment added');

    const attached = await ctx.desk.api('PUT', `/api/v2/tickets/${id}`, {
      ticket: { comment: { body: 'on time', uploads: [live.token] } },
    });
    assert.equal(attached.status, 200, JSON.stringify(attached.body));
  });

  it('answers 404 for an expired token and its files: no delete, no adding, no reading', async () => {
    const up = await newToken(ctx.desk);
    await age(ctx.desk, up.token, 61);
    assert.equal((await ctx.desk.api('DELETE', `/api/v2/uploads/${up.token}`)).status, 404);
    assert.equal((await upload(ctx.desk, { token: up.token })).status, 404);
    assert.equal(
      (await ctx.desk.api('GET', `/api/v2/attachments/${up.attachment.id}`)).status,
      404,
    );
    const content = await ctx.desk.api('GET', `/api/v2/attachments/${up.attachment.id}/content`);
    assert.equal(content.status, 404);
  });

  it('makes a deleted token unusable at once', async () => {
    const up = await newToken(ctx.desk);
    assert.equal((await ctx.desk.api('DELETE', `/api/v2/uploads/${up.token}`)).status, 204);
    assert.equal((await ctx.desk.api('DELETE', `/api/v2/uploads/${up.token}`)).status, 404);
    assert.equal(
      (await ctx.desk.api('GET', `/api/v2/attachments/${up.attachment.id}`)).status,
      404,
    );
    const res = await ctx.desk.api('POST', '/api/v2/tickets', {
      ticket: { subject: 'Deleted', comment: { body: 'x', uploads: [up.token] } },
    });
    assert.equal(res.status, 422);
  });

  it('sweeps expired uploads and their bytes, after a grace, and leaves the rest', async () => {
    // Everything older is out of the way first, so the counts below are this test's own.
    await sweep(ctx.desk, later(24 * 60));
    const abandoned = await newToken(ctx.desk);
    const kept = await newToken(ctx.desk);
    const ticket = await ctx.desk.api('POST', '/api/v2/tickets', {
      ticket: { subject: 'Kept', comment: { body: 'attached', uploads: [kept.token] } },
    });
    assert.equal(ticket.status, 201);
    const key = (await row(ctx.desk, abandoned.attachment.id))!.blob_key;
    assert.ok(await ctx.desk.parley.blobs.get(key));

    // Not yet expired, then expired but within the grace: nothing goes.
    assert.deepEqual(await sweep(ctx.desk, later(30)), { attachments: 0, blobs: 0, more: false });
    assert.deepEqual(await sweep(ctx.desk, later(62)), { attachments: 0, blobs: 0, more: false });

    assert.deepEqual(await sweep(ctx.desk, later(66)), { attachments: 1, blobs: 1, more: false });
    assert.equal(await row(ctx.desk, abandoned.attachment.id), undefined);
    assert.equal(await ctx.desk.parley.blobs.get(key), null);

    // The attached file outlives any sweep.
    assert.deepEqual(await sweep(ctx.desk, later(365 * 24 * 60)), {
      attachments: 0,
      blobs: 0,
      more: false,
    });
    const content = await ctx.desk.api('GET', `/api/v2/attachments/${kept.attachment.id}/content`);
    assert.equal(content.status, 200);
  });

  it('keeps bytes that an attached file shares with a swept one', async () => {
    await sweep(ctx.desk, later(24 * 60));
    const bytes = `shared bytes ${Date.now()}`;
    const abandoned = await newToken(ctx.desk, bytes);
    const attached = await newToken(ctx.desk, bytes);
    const a = (await row(ctx.desk, abandoned.attachment.id))!;
    assert.equal(a.blob_key, (await row(ctx.desk, attached.attachment.id))!.blob_key);
    const ticket = await ctx.desk.api('POST', '/api/v2/tickets', {
      ticket: { subject: 'Shared', comment: { body: 'x', uploads: [attached.token] } },
    });
    assert.equal(ticket.status, 201);
    assert.deepEqual(await sweep(ctx.desk, later(120)), { attachments: 1, blobs: 0, more: false });
    const content = await ctx.desk.api(
      'GET',
      `/api/v2/attachments/${attached.attachment.id}/content`,
    );
    assert.equal(content.status, 200);
    assert.equal(content.body, bytes);
  });

  it('sweeps a deleted token with its bytes once its files are old enough', async () => {
    await sweep(ctx.desk, later(24 * 60));
    const up = await newToken(ctx.desk);
    const key = (await row(ctx.desk, up.attachment.id))!.blob_key;
    assert.equal((await ctx.desk.api('DELETE', `/api/v2/uploads/${up.token}`)).status, 204);
    // Bytes stored minutes ago may be another upload's too, in the middle of being written.
    assert.equal((await sweep(ctx.desk, later(10))).attachments, 0);
    assert.deepEqual(await sweep(ctx.desk, later(66)), { attachments: 1, blobs: 1, more: false });
    assert.equal(await ctx.desk.parley.blobs.get(key), null);
  });

  it('works through a backlog in bounded batches', async () => {
    await sweep(ctx.desk, later(24 * 60));
    for (let i = 0; i < 5; i++) await newToken(ctx.desk);
    const first = await sweep(ctx.desk, later(120), { batchSize: 2, maxBatches: 2 });
    assert.deepEqual(first, { attachments: 4, blobs: 4, more: true });
    const second = await sweep(ctx.desk, later(120), { batchSize: 2, maxBatches: 2 });
    assert.deepEqual(second, { attachments: 1, blobs: 1, more: false });
  });

  it('sweeps as a periodic task of the scheduler', async () => {
    const { db, blobs, logger } = ctx.desk.parley;
    // The test desk runs every role, so its scheduler has run the task once already.
    await waitFor('the scheduler to run the upload sweep', async () => {
      const task = await db
        .selectFrom('scheduled_tasks')
        .select('last_finished_at')
        .where('name', '=', 'uploads.sweep-expired')
        .executeTakeFirst();
      return task?.last_finished_at;
    });
    const up = await newToken(ctx.desk);
    await age(ctx.desk, up.token, 2 * 60);
    const task = periodicTasks(db, blobs, logger).find((t) => t.name === 'uploads.sweep-expired');
    await task!.run(new Date());
    assert.equal(await row(ctx.desk, up.attachment.id), undefined);
  });

  it('never deletes a file that a ticket write attaches while the sweep runs', async () => {
    await sweep(ctx.desk, later(24 * 60));
    for (let i = 0; i < 12; i++) {
      const up = await newToken(ctx.desk);
      const key = (await row(ctx.desk, up.attachment.id))!.blob_key;
      // The sweep's clock says the token expired long ago; the writer's says it is live. The
      // sweep starts a varying number of event-loop turns after the write, so that the two
      // meet at different points of the write (on SQLite both outcomes come up; on
      // PostgreSQL the sweep mostly wins, and the test below makes the other moment certain).
      const writing = ctx.desk.api('POST', '/api/v2/tickets', {
        ticket: { subject: `Race ${i}`, comment: { body: 'x', uploads: [up.token] } },
      });
      for (let turn = 0; turn < i * i * 4; turn++) await new Promise((r) => setImmediate(r));
      const [write] = await Promise.all([writing, sweep(ctx.desk, later(120))]);
      const after = await row(ctx.desk, up.attachment.id);
      if (write.status === 201) {
        assert.ok(after, 'an attached file is kept');
        assert.equal(after.comment_id !== null, true);
        assert.ok(await ctx.desk.parley.blobs.get(key), 'with its bytes');
        const comments = await ctx.desk.api(
          'GET',
          `/api/v2/tickets/${write.body.ticket.id}/comments`,
        );
        assert.equal(comments.body.comments[0].attachments.length, 1);
      } else {
        assert.equal(write.status, 422, JSON.stringify(write.body));
        assert.equal(after, undefined, 'refused because the sweep took it first');
      }
    }
  });
});

/**
 * The moment itself, made certain on PostgreSQL (SQLite runs one writer at a time): a ticket
 * write has claimed a file and not committed yet while the sweep's DELETE waits on that row.
 */
describe('the upload sweep against a claim in flight [postgres]', () => {
  let desk: TestDesk & { stop(): Promise<void> };
  before(async () => {
    desk = await startTestDesk('postgres');
  });
  after(async () => {
    await desk.stop();
  });

  it('leaves the file to the claim that holds it, then has nothing to delete', async () => {
    const ticket = await desk.api('POST', '/api/v2/tickets', {
      ticket: { subject: 'Claim', comment: { body: 'first' } },
    });
    const commentId = (await desk.api('GET', `/api/v2/tickets/${ticket.body.ticket.id}/comments`))
      .body.comments[0].id as number;
    const up = await newToken(desk);
    const { db } = desk.parley;
    let sweeping: Promise<unknown> | null = null;
    await db.transaction().execute(async (trx) => {
      // The claim write-ticket makes, left uncommitted while the sweep comes.
      const claimed = await trx
        .updateTable('attachments')
        .set({ comment_id: commentId, upload_expires_at: null })
        .where('upload_token', '=', up.token)
        .where('comment_id', 'is', null)
        .where('upload_expires_at', '>', new Date().toISOString())
        .executeTakeFirst();
      assert.equal(Number(claimed.numUpdatedRows), 1);
      // The sweep's candidates come from before the claim commits: its DELETE must wait.
      sweeping = sweep(desk, later(120));
      await waitFor('the sweep to wait on the claimed row', async () => {
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'`.execute(db);
        return rows[0]!.n > 0;
      });
    });
    assert.deepEqual(await sweeping, { attachments: 0, blobs: 0, more: false });
    const kept = await row(desk, up.attachment.id);
    assert.equal(kept?.comment_id, commentId);
  });
});
