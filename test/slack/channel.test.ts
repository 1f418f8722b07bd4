import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachDatabase } from '../helpers/harness.ts';
import {
  ALICE,
  PARTNER,
  botMessages,
  commentsOf,
  personWithTicket,
  sandboxControl,
  sandboxOf,
  settle,
  ticketsOf,
  userIdForSlack,
  waitFor,
} from './helpers.ts';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

// Each test that needs a conversation starts its own with a new person (personWithTicket), so
// any test runs alone and in any order; only the first-DM test speaks as Alice.
forEachDatabase('Slack DM channel through the sandbox', (ctx) => {
  it('starts with the sandbox connection installed and active', async () => {
    const res = await ctx.desk.api('GET', '/api/v2/slack/connections');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.connections.length, 1);
    const c = res.body.connections[0];
    assert.equal(c.status, 'active');
    assert.equal(c.mode, 'bot');
    assert.equal(c.team_id, 'T0SANDBOX');
    assert.equal(c.identity_user_id, 'U0BOT');
    assert.equal(JSON.stringify(res.body).includes('xoxb-'), false, 'no token in the API');
  });

  it('turns a first DM into a ticket with a Slack requester', async () => {
    const sb = sandboxOf(ctx.desk);
    const sent = await sb.sendMessage({
      user: ALICE,
      text: 'My laptop will not boot, see https://example.com/help',
    });
    assert.equal(sent.delivery.status, 'acked');
    await settle(ctx.desk);
    const aliceId = (await userIdForSlack(ctx.desk, ALICE))!;
    assert.ok(aliceId, 'requester created');
    const user = (await ctx.desk.api('GET', `/api/v2/users/${aliceId}`)).body.user;
    assert.equal(user.name, 'Alice Example');
    assert.equal(user.email, 'alice@sandbox.example');
    assert.equal(user.role, 'end-user');
    const identities = (await ctx.desk.api('GET', `/api/v2/users/${aliceId}/identities`)).body
      .identities;
    assert.ok(identities.some((i: any) => i.type === 'messaging' && i.value === ALICE));
    const [ticket] = await ticketsOf(ctx.desk, aliceId);
    const ticketId = ticket.id;
    assert.equal(ticket.subject, 'Conversation with Alice Example');
    assert.equal(ticket.via.channel, 'business_messaging_slack_connect');
    assert.equal(ticket.via_id, 91);
    assert.equal(ticket.from_messaging_channel, true);
    assert.equal(ticket.via.source.from.slack_user_id, ALICE);
    assert.equal(ticket.status, 'new');
    const [comment] = await commentsOf(ctx.desk, ticketId);
    assert.equal(comment.public, true);
    assert.equal(comment.author_id, aliceId);
    assert.match(comment.body, /My laptop will not boot/);
    assert.match(comment.html_body, /<a href="https:\/\/example.com\/help"/);
  });

  it('appends further messages and reopens a pending ticket', async () => {
    const sb = sandboxOf(ctx.desk);
    const { person, ticketId } = await personWithTicket(ctx.desk, 'My laptop will not boot');
    await ctx.desk.api('PUT', `/api/v2/tickets/${ticketId}`, {
      ticket: { status: 'pending', assignee_id: ctx.desk.adminId },
    });
    await sb.sendMessage({ user: person, text: 'still broken' });
    await settle(ctx.desk);
    const t = (await ctx.desk.api('GET', `/api/v2/tickets/${ticketId}`)).body.ticket;
    assert.equal(t.status, 'open');
    const comments = await commentsOf(ctx.desk, ticketId);
    assert.equal(comments.length, 2);
    assert.equal(comments[1].plain_body, 'still broken');
  });

  it('delivers public replies to the DM and keeps internal notes inside', async () => {
    const sb = sandboxOf(ctx.desk);
    const { person, ticketId } = await personWithTicket(
      ctx.desk,
      'My laptop will not boot',
      'still broken',
    );
    const before = botMessages(sb, person).length;
    await ctx.desk.api('PUT', `/api/v2/tickets/${ticketId}`, {
      ticket: { comment: { body: 'Try **holding** the power button. <!channel> & <@U0ALICE>' } },
    });
    await ctx.desk.api('PUT', `/api/v2/tickets/${ticketId}`, {
      ticket: { comment: { body: 'internal: user seems annoyed', public: false } },
    });
    await settle(ctx.desk);
    const posted = botMessages(sb, person).slice(before);
    assert.equal(posted.length, 1, 'exactly one message, no internal note');
    assert.equal(
      posted[0]!.text,
      'Try *holding* the power button. &lt;!channel&gt; &amp; &lt;@U0ALICE&gt;',
    );
    const comments = await commentsOf(ctx.desk, ticketId);
    const reply = comments.find((c: any) => c.body.startsWith('Try'));
    assert.deepEqual(reply.delivery, { status: 'delivered', error: null });
    const note = comments.find((c: any) => c.body.startsWith('internal'));
    assert.equal(note.delivery, undefined);
    // Slack echoes the bot's own post back as message.im: it must not become a comment.
    assert.equal(comments.length, 4);
  });

  it('reopens a solved ticket and opens a follow-up after it is closed', async () => {
    const sb = sandboxOf(ctx.desk);
    const { person, userId, ticketId } = await personWithTicket(
      ctx.desk,
      'My laptop will not boot',
    );
    await ctx.desk.api('PUT', `/api/v2/tickets/${ticketId}`, { ticket: { status: 'solved' } });
    await sb.sendMessage({ user: person, text: 'it broke again' });
    await settle(ctx.desk);
    assert.equal(
      (await ctx.desk.api('GET', `/api/v2/tickets/${ticketId}`)).body.ticket.status,
      'open',
    );
    await ctx.desk.api('PUT', `/api/v2/tickets/${ticketId}`, { ticket: { status: 'closed' } });
    await sb.sendMessage({ user: person, text: 'new problem' });
    await settle(ctx.desk);
    const tickets = await ticketsOf(ctx.desk, userId);
    assert.equal(tickets.length, 2);
    const followup = tickets.find((t: any) => t.id !== ticketId);
    assert.equal(followup.followup_source_id, ticketId);
    assert.equal(followup.via.source.rel, 'follow_up');
    assert.equal(followup.via.source.from.ticket_id, ticketId);
    const closed = (await ctx.desk.api('GET', `/api/v2/tickets/${ticketId}`)).body.ticket;
    assert.deepEqual(closed.followup_ids, [followup.id]);
    // Replies on the follow-up go to the same DM.
    const before = botMessages(sb, person).length;
    await ctx.desk.api('PUT', `/api/v2/tickets/${followup.id}`, {
      ticket: { comment: { body: 'on it' } },
    });
    await settle(ctx.desk);
    assert.equal(botMessages(sb, person).length, before + 1);
    // The agent sees the whole conversation across both tickets, oldest first.
    const history = (await ctx.desk.api('GET', `/api/v2/tickets/${followup.id}/conversation`)).body;
    assert.deepEqual(
      history.tickets.map((t: any) => t.id),
      [ticketId, followup.id],
    );
    // The workspace of the DM, which tells the agent whether the person is from another team.
    assert.equal(history.connection.team_id, 'T0SANDBOX');
    assert.equal(history.connection.team_name, 'Sandbox Workspace');
    assert.equal(typeof history.connection.name, 'string');
    const bodies = history.comments.map((c: any) => c.plain_body);
    assert.ok(bodies.indexOf('it broke again') < bodies.indexOf('new problem'));
    assert.equal(history.comments.at(-1).ticket_id, followup.id);
  });

  it('creates Slack Connect partners as external users in their team organization', async () => {
    const sb = sandboxOf(ctx.desk);
    await sb.sendMessage({ user: PARTNER, text: 'hello from Partner Co' });
    await settle(ctx.desk);
    const partnerId = (await userIdForSlack(ctx.desk, PARTNER))!;
    const user = (await ctx.desk.api('GET', `/api/v2/users/${partnerId}`)).body.user;
    assert.equal(user.shared, true);
    assert.equal(user.email, null);
    const org = (await ctx.desk.api('GET', `/api/v2/organizations/${user.organization_id}`)).body
      .organization;
    assert.equal(org.name, 'Partner Co');
    assert.equal(org.external_id, 'slack:T0PARTNER');
    const [ticket] = await ticketsOf(ctx.desk, partnerId);
    assert.equal(ticket.organization_id, org.id);
  });

  it('ignores thread replies but hints once per thread, and ignores group DMs and mentions', async () => {
    const sb = sandboxOf(ctx.desk);
    const { person, ticketId } = await personWithTicket(ctx.desk, 'new problem');
    // A reply from the desk is the message the person answers in a thread.
    await ctx.desk.api('PUT', `/api/v2/tickets/${ticketId}`, {
      ticket: { comment: { body: 'on it' } },
    });
    await settle(ctx.desk);
    const count = async () => (await commentsOf(ctx.desk, ticketId)).length;
    const before = await count();
    const root = botMessages(sb, person).at(-1)!;
    await sb.sendMessage({ user: person, text: 'reply in thread', thread_ts: root.ts });
    await sb.sendMessage({ user: person, text: 'another one', thread_ts: root.ts });
    await sb.sendMessage({ user: person, text: 'group dm', channel_type: 'mpim' });
    await sb.sendMessage({ user: person, text: '<@U0BOT> help', channel_type: 'channel' });
    await settle(ctx.desk);
    assert.equal(await count(), before);
    const hints = sb
      .conversationView(person)
      .messages.filter((m) => m.bot_id && m.thread_ts === root.ts && m.ts !== root.ts);
    assert.equal(hints.length, 1);
    assert.match(hints[0]!.text, /main conversation/);
  });

  it('applies edits (keeping the original in the audit) and deletions', async () => {
    const sb = sandboxOf(ctx.desk);
    const { person, ticketId } = await personWithTicket(ctx.desk, 'My laptop will not boot');
    const sent = await sb.sendMessage({ user: person, text: 'typo herre' });
    await settle(ctx.desk);
    await sb.editMessage({ channel: sent.channel, ts: sent.ts, text: 'typo here' });
    await settle(ctx.desk);
    let comments = await commentsOf(ctx.desk, ticketId);
    const edited = comments.find((c: any) => c.metadata?.slack?.ts === sent.ts);
    assert.equal(edited.body, 'typo here');
    const audits = (await ctx.desk.api('GET', `/api/v2/tickets/${ticketId}/audits`)).body.audits;
    const info = audits
      .flatMap((a: any) => a.events)
      .find((e: any) => e.action === 'comment_edited_in_slack');
    assert.equal(info.previous_body, 'typo herre');
    // Search follows the edit and the deletion (the ticket's document is rebuilt with them).
    const found = async (word: string) =>
      (await ctx.desk.api('GET', `/api/v2/search?query=${word}%20type%3Aticket`)).body.results.map(
        (r: any) => r.id,
      );
    assert.deepEqual(await found('herre'), []);
    assert.deepEqual(await found('typo'), [ticketId]);
    await sb.deleteMessage({ channel: sent.channel, ts: sent.ts });
    await settle(ctx.desk);
    comments = await commentsOf(ctx.desk, ticketId);
    assert.equal(comments.find((c: any) => c.id === edited.id).deleted, true);
    assert.deepEqual(await found('typo'), []);
  });

  it('stores allowed files and refuses others with a note and a DM', async () => {
    const sb = sandboxOf(ctx.desk);
    const { person, ticketId } = await personWithTicket(ctx.desk, 'My laptop will not boot');
    await sb.sendMessage({
      user: person,
      text: 'screenshot',
      files: [
        { name: 'screen.png', mimetype: 'image/png', content_base64: PNG.toString('base64') },
        {
          name: 'tool.exe',
          mimetype: 'application/octet-stream',
          content_base64: Buffer.from('MZ\x90\x00').toString('base64'),
        },
        {
          name: 'fake.pdf',
          mimetype: 'application/pdf',
          content_base64: Buffer.from('not a pdf').toString('base64'),
        },
      ],
    });
    await settle(ctx.desk);
    const comments = await commentsOf(ctx.desk, ticketId);
    const withFile = comments.find((c: any) => c.body === 'screenshot');
    assert.equal(withFile.attachments.length, 1);
    assert.equal(withFile.attachments[0].file_name, 'screen.png');
    assert.equal(withFile.attachments[0].content_type, 'image/png');
    const bytes = await ctx.desk.api('GET', new URL(withFile.attachments[0].content_url).pathname);
    assert.equal(bytes.status, 200);
    const note = comments.find((c: any) => !c.public && /not accepted/.test(c.body));
    assert.match(note.body, /tool\.exe/);
    assert.match(note.body, /fake\.pdf/);
    const dm = botMessages(sb, person).at(-1)!;
    assert.match(dm.text, /Accepted file types: pdf, png, jpeg, gif, txt/);
  });

  it('resolves a Slack Connect file stub with files.info', async () => {
    const sb = sandboxOf(ctx.desk);
    await sb.sendMessage({
      user: PARTNER,
      text: 'log attached',
      files: [
        {
          name: 'log.txt',
          mimetype: 'text/plain',
          content_base64: Buffer.from('line 1\nline 2\n').toString('base64'),
        },
      ],
    });
    await settle(ctx.desk);
    const partnerId = (await userIdForSlack(ctx.desk, PARTNER))!;
    const [ticket] = await ticketsOf(ctx.desk, partnerId);
    const comments = await commentsOf(ctx.desk, ticket.id);
    const c = comments.find((x: any) => x.body === 'log attached');
    assert.equal(c.attachments[0].file_name, 'log.txt');
    const calls = (await sandboxControl(ctx.desk, 'GET', 'calls')).body;
    assert.ok(
      JSON.stringify(calls).includes('files.info'),
      'the stub was resolved with files.info',
    );
  });

  it('sends files attached to a reply into the DM', async () => {
    const sb = sandboxOf(ctx.desk);
    const { person, ticketId } = await personWithTicket(ctx.desk, 'My laptop will not boot');
    const up = await ctx.desk.api('POST', '/api/v2/uploads?filename=steps.png', undefined, {
      raw: PNG,
      headers: { 'content-type': 'image/png' },
    });
    await ctx.desk.api('PUT', `/api/v2/tickets/${ticketId}`, {
      ticket: { comment: { body: 'See the picture', uploads: [up.body.upload.token] } },
    });
    await settle(ctx.desk);
    const mine = botMessages(sb, person).slice(-2);
    assert.equal(mine[0]!.text, 'See the picture');
    assert.equal(mine[1]!.files?.[0]?.name, 'steps.png');
    const c = (await commentsOf(ctx.desk, ticketId)).find((x: any) => x.body === 'See the picture');
    assert.equal(c.delivery.status, 'delivered');
  });

  it('retries a rate-limited reply and posts it once', async () => {
    const sb = sandboxOf(ctx.desk);
    const { person, ticketId } = await personWithTicket(ctx.desk, 'My laptop will not boot');
    sb.addFault({ method: 'chat.postMessage', kind: 'rate_limited', times: 1, retry_after: 1 });
    const before = botMessages(sb, person).length;
    await ctx.desk.api('PUT', `/api/v2/tickets/${ticketId}`, {
      ticket: { comment: { body: 'after the limit' } },
    });
    await waitFor('delivery after 429', async () => {
      const cs = await commentsOf(ctx.desk, ticketId);
      return cs.find((c: any) => c.body === 'after the limit')?.delivery?.status === 'delivered';
    });
    const posted = botMessages(sb, person).slice(before);
    assert.equal(posted.length, 1);
    assert.equal(posted[0]!.text, 'after the limit');
  });

  it('marks a reply failed with the reason when Slack refuses it for good', async () => {
    const sb = sandboxOf(ctx.desk);
    const { ticketId } = await personWithTicket(ctx.desk, 'My laptop will not boot');
    sb.addFault({ method: 'chat.postMessage', kind: 'error', error: 'is_archived', times: 1 });
    await ctx.desk.api('PUT', `/api/v2/tickets/${ticketId}`, {
      ticket: { comment: { body: 'into the void' } },
    });
    await settle(ctx.desk);
    const c = (await commentsOf(ctx.desk, ticketId)).find((x: any) => x.body === 'into the void');
    assert.deepEqual(c.delivery, { status: 'failed', error: 'is_archived' });
  });

  it('lets an agent start a conversation with a Slack user', async () => {
    const sb = sandboxOf(ctx.desk);
    const { person, userId } = await personWithTicket(ctx.desk, 'My laptop will not boot');
    const connection = (await ctx.desk.api('GET', '/api/v2/slack/connections')).body.connections[0];
    const before = botMessages(sb, person).length;
    const res = await ctx.desk.api('POST', '/api/v2/slack/conversations', {
      conversation: {
        connection_id: connection.id,
        user_id: userId,
        subject: 'Your new laptop',
        comment: { body: 'Your laptop is ready.' },
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.ticket.requester_id, userId);
    await settle(ctx.desk);
    assert.equal(botMessages(sb, person).at(-1)!.text, 'Your laptop is ready.');
    assert.equal(botMessages(sb, person).length, before + 1);
    // The person's answer lands on that ticket.
    await sb.sendMessage({ user: person, text: 'thanks!' });
    await settle(ctx.desk);
    const comments = await commentsOf(ctx.desk, res.body.ticket.id);
    assert.equal(comments.at(-1).body, 'thanks!');
  });

  it('gives the conversation to the new user when an agent writes after the old profile was deleted', async () => {
    const sb = sandboxOf(ctx.desk);
    const { person, userId } = await personWithTicket(ctx.desk, 'my badge stopped working');
    const connection = (await ctx.desk.api('GET', '/api/v2/slack/connections')).body.connections[0];
    const deleted = await ctx.desk.api('DELETE', `/api/v2/users/${userId}`);
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    const again = await ctx.desk.api('POST', '/api/v2/users', {
      user: { name: 'Back Again', identities: [{ type: 'messaging', value: person }] },
    });
    assert.equal(again.status, 201, JSON.stringify(again.body));
    const res = await ctx.desk.api('POST', '/api/v2/slack/conversations', {
      conversation: {
        connection_id: connection.id,
        user_id: again.body.user.id,
        comment: { body: 'Welcome back.' },
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    await settle(ctx.desk);
    // The person's answer lands on that ticket, not on a new one.
    await sb.sendMessage({ user: person, text: 'hello again' });
    await settle(ctx.desk);
    const comments = await commentsOf(ctx.desk, res.body.ticket.id);
    assert.equal(comments.at(-1).body, 'hello again');
  });
});
