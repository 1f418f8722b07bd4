import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { forEachDatabase } from '../helpers/harness.ts';
import { openSse, type SseClient, type SseEvent } from '../helpers/sse-client.ts';
import { personWithTicket, sandboxOf } from './helpers.ts';

/** A public reply's delivery to the Slack DM, told live on the stream: sending, then delivered or failed. */
forEachDatabase('delivery states on the realtime stream', (ctx) => {
  const open: SseClient[] = [];
  after(() => {
    for (const c of open) c.close();
  });

  const reply = async (ticketId: number, body: string) => {
    const res = await ctx.desk.api('PUT', `/api/v2/tickets/${ticketId}`, {
      ticket: { comment: { body } },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };
  const deliveryOf = (ticketId: number, status: string) => (e: SseEvent) =>
    e.event === 'comment.delivery' && e.data.ticket_id === ticketId && e.data.status === status;

  it('sends sending then delivered, and failed with Slack’s reason', async () => {
    const s = await openSse(`${ctx.desk.url}/api/v2/stream`, { auth: ctx.desk.auth });
    open.push(s);
    const { ticketId } = await personWithTicket(ctx.desk, 'My screen is dark');
    await reply(ticketId, 'Plug it in');
    const sending = await s.next(deliveryOf(ticketId, 'sending'));
    const delivered = await s.next(deliveryOf(ticketId, 'delivered'));
    assert.equal(delivered.data.comment_id, sending.data.comment_id);
    assert.ok(delivered.id! > sending.id!);
    assert.equal(delivered.data.reason, null);

    sandboxOf(ctx.desk).addFault({
      method: 'chat.postMessage',
      kind: 'error',
      error: 'is_archived',
      times: 1,
    });
    await reply(ticketId, 'into the void');
    const failed = await s.next(deliveryOf(ticketId, 'failed'));
    assert.equal(failed.data.reason, 'is_archived');
    assert.notEqual(failed.data.comment_id, delivered.data.comment_id);
  });
});
