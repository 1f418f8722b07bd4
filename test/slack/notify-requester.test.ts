/**
 * A rule's notification_user to the requester of a Slack ticket is a message in their DM, sent
 * through the delivery outbox: placeholders rendered for mrkdwn, nothing that pings anyone,
 * retried on a transient failure and posted once, and a final failure shown in-app.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { RuleEffect } from '../../src/desk/events.ts';
import { nowIso } from '../../src/desk/time.ts';
import { updateTicket } from '../../src/desk/tickets/update-ticket.ts';
import { API_VIA } from '../../src/desk/via.ts';
import { forEachDatabase, type TestDesk } from '../helpers/harness.ts';
import { botMessages, personWithTicket, sandboxOf, settle } from './helpers.ts';

const RULE = { kind: 'trigger' as const, id: 3, title: 'Acknowledge' };
/** An internal note: a write with an audit, which Slack delivery does not send. */
const NOTE = { body: 'internal note', public: false };

async function notifyRequester(desk: TestDesk, ticketId: number, effect: RuleEffect) {
  const { parley } = desk;
  const admin = await parley.db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', desk.adminId)
    .executeTakeFirstOrThrow();
  await updateTicket(parley.db, { user: admin, via: API_VIA }, ticketId, {}, NOTE, nowIso(), {
    events: parley.events,
    effects: [{ rule: RULE, effect }],
  });
  await settle(desk);
  await parley.notifications.notify!.drained();
}

const ack = (subject: string, body: string): RuleEffect => ({
  type: 'notification_user',
  recipient: 'requester_id',
  subject,
  body,
});

forEachDatabase('Rule notifications to a Slack requester', (ctx) => {
  it('arrives in the DM rendered for mrkdwn, with nothing that pings', async () => {
    const sb = sandboxOf(ctx.desk);
    const { person, userId, ticketId } = await personWithTicket(ctx.desk, 'VPN is down');
    await ctx.desk.parley.db
      .updateTable('users')
      .set({ name: '<!here> Eve' })
      .where('id', '=', userId)
      .execute();
    const before = botMessages(sb, person).length;
    await notifyRequester(
      ctx.desk,
      ticketId,
      ack(
        'Request #{{ticket.id}} received <!channel>',
        'Hi {{ticket.requester.first_name}}, *we are on it*: {{ticket.title}}',
      ),
    );
    const posted = botMessages(sb, person).slice(before);
    const { subject } = (await ctx.desk.api('GET', `/api/v2/tickets/${ticketId}`)).body.ticket;
    assert.deepEqual(
      posted.map((m) => m.text),
      [
        `*Request #${ticketId} received &lt;!channel&gt;*\nHi &lt;!here&gt;, *we are on it*: ${subject}`,
      ],
    );
    // Claimed by the Slack channel: no generic job, so no email or in-app copy of it.
    const generic = await ctx.desk.parley.db
      .selectFrom('jobs')
      .select('id')
      .where('queue', '=', 'rules.notify')
      .where('payload', 'like', `%"ticket_id":${ticketId},%`)
      .execute();
    assert.deepEqual(generic, []);
  });

  it('retries a failed post and posts it once', async () => {
    const sb = sandboxOf(ctx.desk);
    const { person, ticketId } = await personWithTicket(ctx.desk, 'Printer jam');
    sb.addFault({ method: 'chat.postMessage', kind: 'server_error', status: 503, times: 1 });
    const calls = sb.calls.length;
    const before = botMessages(sb, person).length;
    await notifyRequester(ctx.desk, ticketId, ack('Got it', 'Working on #{{ticket.id}}'));
    const posts = sb.calls.slice(calls).filter((c) => c.method === 'chat.postMessage');
    assert.equal(posts.filter((c) => c.fault).length, 1, 'the first post failed');
    assert.deepEqual(
      botMessages(sb, person)
        .slice(before)
        .map((m) => m.text),
      [`*Got it*\nWorking on #${ticketId}`],
    );
  });

  it('shows a final failure to the admins in-app when the ticket has no assignee', async () => {
    const sb = sandboxOf(ctx.desk);
    const { ticketId } = await personWithTicket(ctx.desk, 'Badge broken');
    sb.addFault({ method: 'chat.postMessage', kind: 'error', error: 'is_archived', times: 1 });
    await notifyRequester(ctx.desk, ticketId, ack('Seen', 'We will call you'));
    const res = await ctx.desk.api('GET', '/api/v2/notifications');
    const failure = res.body.notifications.find((n: any) => n.ticket_id === ticketId);
    assert.ok(failure, JSON.stringify(res.body));
    assert.match(failure.subject, /^Notification to Person \d+ could not be sent$/);
    assert.match(failure.body, /Slack notification "Seen".*failed: is_archived/);
  });

  it('claims a messaging ticket not linked yet, and shows it when no conversation turns up', async () => {
    const endUser = await ctx.desk.createEndUser('Lena Unlinked');
    const created = await ctx.desk.api('POST', '/api/v2/tickets', {
      ticket: { subject: 'no DM', comment: { body: 'x' }, requester_id: endUser.id },
    });
    const ticketId = created.body.ticket.id as number;
    await ctx.desk.parley.db
      .updateTable('tickets')
      .set({ from_messaging_channel: 1 })
      .where('id', '=', ticketId)
      .execute();
    await notifyRequester(ctx.desk, ticketId, ack('Hello', 'b'));
    const jobs = await ctx.desk.parley.db
      .selectFrom('jobs')
      .select(['queue', 'status', 'last_error'])
      .where('payload', 'like', `%"ticket_id":${ticketId},%`)
      .execute();
    assert.deepEqual(jobs, [
      { queue: 'slack.deliver', status: 'failed', last_error: 'conversation_not_found' },
    ]);
    const res = await ctx.desk.api('GET', '/api/v2/notifications');
    const failure = res.body.notifications.find((n: any) => n.ticket_id === ticketId);
    assert.equal(failure?.subject, 'Notification to Lena Unlinked could not be sent');
  });
});
