/**
 * The Slack channel over Socket Mode, end to end: Parley in sandbox mode with
 * PARLEY_SLACK_SOCKET_MODE=on connects to the sandbox with the official SocketModeClient, and
 * DMs become tickets without a single HTTP event delivery.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachDatabase } from '../helpers/harness.ts';
import {
  ALICE,
  botMessages,
  commentsOf,
  personWithTicket,
  sandboxOf,
  settle,
  ticketsOf,
  userIdForSlack,
  waitFor,
} from './helpers.ts';

const SOCKET_MODE = { env: { PARLEY_SLACK_SOCKET_MODE: 'on' } };

// Each test that needs a conversation starts its own with a new person (personWithTicket), so
// any test runs alone and in any order; only the first-DM test speaks as Alice.
forEachDatabase(
  'Slack DM channel over Socket Mode',
  (ctx) => {
    /** Socket Mode envelopes Parley has acked so far. */
    const acked = () =>
      sandboxOf(ctx.desk)
        .socketDeliveries()
        .filter((d) => d.outcome === 'acked');

    it('connects to the sandbox with the sandbox app’s app-level token', async () => {
      const sb = sandboxOf(ctx.desk);
      assert.equal(sb.socketMode, true);
      await waitFor('the Socket Mode connection', async () => sb.socketConnections === 1);
      const apps = (await ctx.desk.api('GET', '/api/v2/slack/apps')).body.apps;
      const app = apps.find((a: any) => a.source === 'sandbox');
      assert.equal(app.socket_mode, true);
      assert.deepEqual(ctx.desk.parley.slack.socketMode!.appIds, [app.id]);
      const row = await ctx.desk.parley.db
        .selectFrom('slack_apps')
        .select('app_token_enc')
        .where('id', '=', app.id)
        .executeTakeFirstOrThrow();
      assert.ok(row.app_token_enc);
      assert.equal(row.app_token_enc.includes('xapp-'), false, 'stored sealed');
      const opens = sb.calls.filter((c) => c.method === 'apps.connections.open');
      assert.equal(opens.length, 1);
    });

    it('turns a DM into a ticket with no HTTP event delivery', async () => {
      const sb = sandboxOf(ctx.desk);
      const sent = await sb.sendMessage({ user: ALICE, text: 'The printer is on fire' });
      assert.equal(sent.delivery.status, 'acked');
      assert.equal(sent.delivery.transport, 'socket');
      await settle(ctx.desk);
      const aliceId = (await userIdForSlack(ctx.desk, ALICE))!;
      assert.ok(aliceId, 'requester created');
      const [ticket] = await ticketsOf(ctx.desk, aliceId);
      const ticketId = ticket.id;
      assert.equal(ticket.via.source.from.slack_user_id, ALICE);
      const [comment] = await commentsOf(ctx.desk, ticketId);
      assert.equal(comment.author_id, aliceId);
      assert.equal(comment.plain_body, 'The printer is on fire');
      // Stored in the same inbox as HTTP events, under the sandbox app.
      const inbox = await ctx.desk.parley.db
        .selectFrom('slack_inbox')
        .select(['app_id', 'team_id', 'conversation_key'])
        .where('event_id', '=', sent.event_id)
        .executeTakeFirstOrThrow();
      const app = await ctx.desk.parley.db
        .selectFrom('slack_apps')
        .select('id')
        .where('source', '=', 'sandbox')
        .executeTakeFirstOrThrow();
      assert.deepEqual(inbox, {
        app_id: app.id,
        team_id: 'T0SANDBOX',
        conversation_key: sent.channel,
      });
      assert.deepEqual(sb.deliveries(), [], 'no HTTP delivery');
      assert.deepEqual(
        sb.socketDeliveries(sent.event_id).map((d) => [d.retry_num, d.outcome]),
        [[0, 'acked']],
      );
    });

    it('applies an envelope Slack sends again (lost ack) once', async () => {
      const sb = sandboxOf(ctx.desk);
      const { person, ticketId } = await personWithTicket(ctx.desk, 'The printer is on fire');
      sb.dropSocketAcks(1);
      const sent = await sb.sendMessage({ user: person, text: 'is anyone there?' });
      assert.equal(sent.delivery.status, 'failed', 'the ack was lost');
      assert.equal(sent.delivery.reason, 'timeout');
      await waitFor('the redelivery to be acked', async () =>
        sb.socketDeliveries(sent.event_id).find((d) => d.outcome === 'acked'),
      );
      assert.deepEqual(
        sb.socketDeliveries(sent.event_id).map((d) => [d.retry_num, d.retry_reason, d.outcome]),
        [
          [0, null, 'timeout'],
          [1, 'timeout', 'acked'],
        ],
      );
      await settle(ctx.desk);
      const comments = await commentsOf(ctx.desk, ticketId);
      assert.equal(comments.filter((c: any) => c.plain_body === 'is anyone there?').length, 1);
      assert.equal(comments.length, 2);
      assert.deepEqual(sb.deliveries(), []);
    });

    it('posts agent replies to the DM, and ignores their echo', async () => {
      const sb = sandboxOf(ctx.desk);
      const { person, ticketId } = await personWithTicket(
        ctx.desk,
        'The printer is on fire',
        'is anyone there?',
      );
      const before = botMessages(sb, person).length;
      const echoesBefore = acked().length;
      const res = await ctx.desk.api('PUT', `/api/v2/tickets/${ticketId}`, {
        ticket: { comment: { body: 'Please step away from the **printer**.' } },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      await settle(ctx.desk);
      const posted = botMessages(sb, person).slice(before);
      assert.deepEqual(
        posted.map((m) => m.text),
        ['Please step away from the *printer*.'],
      );
      // Slack echoes the bot's post back over the socket; it must not become a comment.
      await waitFor('the echo to be acked', async () => acked().length === echoesBefore + 1);
      await settle(ctx.desk);
      const comments = await commentsOf(ctx.desk, ticketId);
      assert.equal(comments.length, 3);
      const reply = comments.find((c: any) => c.body.startsWith('Please step away'));
      assert.deepEqual(reply.delivery, { status: 'delivered', error: null });
      assert.deepEqual(sb.deliveries(), [], 'still no HTTP delivery');
    });
  },
  SOCKET_MODE,
);

// Apps added here stay connected for the rest of the desk's life: a desk of their own keeps
// the connection counts above true whatever runs first.
forEachDatabase(
  'Slack DM channel over Socket Mode, with apps added through the API',
  (ctx) => {
    it('connects apps added through the API at once, and survives a refused token', async () => {
      const sb = sandboxOf(ctx.desk);
      const { person, ticketId } = await personWithTicket(ctx.desk, 'The printer is on fire');
      const add = (clientId: string, appToken: string) =>
        ctx.desk.api('POST', '/api/v2/slack/apps', {
          app: {
            name: `Second ${clientId}`,
            client_id: clientId,
            client_secret: 'second-secret',
            signing_secret: 'second-signing',
            app_token: appToken,
          },
        });
      const opens = () => sb.calls.filter((c) => c.method === 'apps.connections.open').length;
      const before = opens();
      const refused = await add('9999.1', 'xapp-1-A0OTHER-1-refused');
      assert.equal(refused.status, 201, JSON.stringify(refused.body));
      await waitFor('the refused attempt', async () => opens() === before + 1);
      // The sandbox only knows its own app's token, so a second app using it is a second
      // connection of the same Slack app.
      const second = await add('9999.2', sb.appToken);
      assert.equal(second.status, 201);
      await waitFor('the second connection', async () => sb.socketConnections === 2);
      assert.ok(ctx.desk.parley.slack.socketMode!.appIds.includes(second.body.app.id));
      // The sandbox deals envelopes to its open connections in turn, so some of these come in
      // on the second app record, which has no installation of its own: each still lands, by
      // the Slack app id the envelope carries.
      const texts = ['still here', 'hello?', 'anyone?', 'the printer is still on fire'];
      for (const text of texts) {
        const sent = await sb.sendMessage({ user: person, text });
        assert.equal(sent.delivery.status, 'acked');
        await settle(ctx.desk);
      }
      const used = new Set(
        sb
          .socketDeliveries()
          .slice(-texts.length)
          .map((d) => d.connection),
      );
      assert.equal(used.size, 2, 'the messages came in on both connections');
      const comments = await commentsOf(ctx.desk, ticketId);
      assert.deepEqual(
        comments.slice(-texts.length).map((c) => c.plain_body),
        texts,
      );
    });
  },
  SOCKET_MODE,
);
