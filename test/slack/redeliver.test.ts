import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { forEachDatabase } from '../helpers/harness.ts';
import { openSse, type SseClient } from '../helpers/sse-client.ts';
import { botMessages, commentsOf, personWithTicket, sandboxOf, settle } from './helpers.ts';

/**
 * Retry of a failed reply: POST /api/v2/tickets/{id}/comments/{comment_id}/redeliver re-queues
 * it on the Slack delivery path, and the DM gets it exactly once.
 */
forEachDatabase('redelivering a failed Slack reply', (ctx) => {
  const open: SseClient[] = [];
  after(() => {
    for (const c of open) c.close();
  });

  const reply = async (ticketId: number, body: string, isPublic = true) => {
    const res = await ctx.desk.api('PUT', `/api/v2/tickets/${ticketId}`, {
      ticket: { comment: { body, public: isPublic } },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await settle(ctx.desk);
    const c = (await commentsOf(ctx.desk, ticketId)).find((x: any) => x.body === body);
    assert.ok(c, body);
    return c as { id: number; delivery?: { status: string; error: string | null } };
  };
  const redeliver = (ticketId: number, commentId: number, auth?: string) =>
    ctx.desk.api(
      'POST',
      `/api/v2/tickets/${ticketId}/comments/${commentId}/redeliver`,
      {},
      auth ? { auth } : {},
    );

  it('sends a reply Slack refused again, once, with its states on the stream', async () => {
    const sb = sandboxOf(ctx.desk);
    const { person, ticketId } = await personWithTicket(ctx.desk, 'My badge does not open');
    sb.addFault({ method: 'chat.postMessage', kind: 'error', error: 'is_archived', times: 1 });
    const before = botMessages(sb, person).length;
    const failed = await reply(ticketId, 'Try the side door');
    assert.deepEqual(failed.delivery, { status: 'failed', error: 'is_archived' });
    assert.equal(botMessages(sb, person).length, before);

    const stream = await openSse(`${ctx.desk.url}/api/v2/stream`, { auth: ctx.desk.auth });
    open.push(stream);
    const res = await redeliver(ticketId, failed.id);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.comment.id, failed.id);
    assert.deepEqual(res.body.comment.delivery, { status: 'pending', error: null });
    const of = (status: string) => (e: { event: string; data: any }) =>
      e.event === 'comment.delivery' && e.data.comment_id === failed.id && e.data.status === status;
    const pending = await stream.next(of('pending'));
    assert.equal(pending.data.ticket_id, ticketId);
    assert.equal(pending.data.reason, null);
    await stream.next(of('delivered'));
    await settle(ctx.desk);

    const posted = botMessages(sb, person)
      .slice(before)
      .map((m) => m.text);
    assert.deepEqual(posted, ['Try the side door']);
    const now = (await commentsOf(ctx.desk, ticketId)).find((x: any) => x.id === failed.id);
    assert.deepEqual(now.delivery, { status: 'delivered', error: null });
    // Delivered now: a second retry is refused, and nothing more is posted.
    const again = await redeliver(ticketId, failed.id);
    assert.equal(again.status, 422);
    assert.match(JSON.stringify(again.body.details.comment_id), /delivered, not failed/);
    await settle(ctx.desk);
    assert.equal(botMessages(sb, person).length, before + 1);
  });

  it('finds a post Slack had already taken in the DM’s history, and does not post it twice', async () => {
    const sb = sandboxOf(ctx.desk);
    const { person, ticketId } = await personWithTicket(ctx.desk, 'The VPN drops');
    const before = botMessages(sb, person).length;
    const sent = await reply(ticketId, 'Reinstall the client');
    assert.equal(sent.delivery?.status, 'delivered');
    // As after a post whose answer never came back (a network failure on the last attempt):
    // Slack has the message, Parley recorded neither it nor success.
    const db = ctx.desk.parley.db;
    await db.deleteFrom('slack_messages').where('comment_id', '=', sent.id).execute();
    await db
      .updateTable('comments')
      .set({ delivery_status: 'failed', delivery_error: 'network_error' })
      .where('id', '=', sent.id)
      .execute();
    const res = await redeliver(ticketId, sent.id);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    await settle(ctx.desk);
    const now = (await commentsOf(ctx.desk, ticketId)).find((x: any) => x.id === sent.id);
    assert.deepEqual(now.delivery, { status: 'delivered', error: null });
    assert.deepEqual(
      botMessages(sb, person)
        .slice(before)
        .map((m) => m.text),
      ['Reinstall the client'],
    );
    const recorded = await db
      .selectFrom('slack_messages')
      .select('ts')
      .where('comment_id', '=', sent.id)
      .execute();
    assert.equal(recorded.length, 1, 'the post found in the history is recorded again');
  });

  it('refuses what is not a failed public agent reply of a Slack ticket, saying why', async () => {
    const { ticketId } = await personWithTicket(ctx.desk, 'Printer offline');
    const [fromSlack] = await commentsOf(ctx.desk, ticketId);
    const requesterMessage = await redeliver(ticketId, fromSlack.id);
    assert.equal(requesterMessage.status, 422);
    assert.match(JSON.stringify(requesterMessage.body.details.comment_id), /agent’s public reply/);

    const note = await reply(ticketId, 'Check the toner first', false);
    const noteRes = await redeliver(ticketId, note.id);
    assert.equal(noteRes.status, 422);
    assert.match(JSON.stringify(noteRes.body.details.comment_id), /internal note/);

    const web = await ctx.desk.api('POST', '/api/v2/tickets', {
      ticket: { subject: 'By the web', comment: { body: 'Hello' } },
    });
    const webComment = (await commentsOf(ctx.desk, web.body.ticket.id))[0];
    const webRes = await redeliver(web.body.ticket.id, webComment.id);
    assert.equal(webRes.status, 422);
    assert.match(JSON.stringify(webRes.body.details.comment_id), /not a Slack conversation/);

    // A comment of another ticket is not this ticket's.
    assert.equal((await redeliver(ticketId, webComment.id)).status, 404);
    assert.equal((await redeliver(ticketId, 2_000_000_000)).status, 404);
    assert.equal((await redeliver(ticketId, 'x' as unknown as number)).status, 404);

    const endUser = await ctx.desk.createEndUser('Erin Retry');
    assert.equal((await redeliver(ticketId, note.id, endUser.auth)).status, 403);
  });
});
