/**
 * Files Slack will not hand over must not cost the person their message, nor hold back the
 * conversation: a deleted file is left out at once (a note names it, the person is told), an
 * outage is retried within the bound and then left out the same way, and anything given up
 * is listed for an admin, who can replay it.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { TestDesk } from '../helpers/harness.ts';
import { forEachDatabase } from '../helpers/harness.ts';
import {
  PARTNER_TEAM,
  botMessages,
  commentsOf,
  newPerson,
  partnerWithTicket,
  personWithTicket,
  sandboxOf,
  settle,
  ticketsOf,
  userIdForSlack,
  waitFor,
} from './helpers.ts';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
).toString('base64');
const PDF = Buffer.from('%PDF-1.4\n%%EOF\n').toString('base64');
/** Short enough for a test, long enough for a few retries (Parley's default is 2 minutes). */
const BOUND_MS = 2000;

async function inboxRow(desk: TestDesk, eventId: string) {
  return desk.parley.db
    .selectFrom('slack_inbox')
    .selectAll()
    .where('event_id', '=', eventId)
    .executeTakeFirstOrThrow();
}

async function ticketOf(desk: TestDesk, slackUser: string) {
  const userId = await waitFor(`user ${slackUser}`, () => userIdForSlack(desk, slackUser));
  const [ticket] = await ticketsOf(desk, userId);
  return ticket;
}

forEachDatabase(
  'Slack files that Slack will not hand over',
  (ctx) => {
    // Each test writes as new people (newPerson, personWithTicket), so any test runs alone and
    // in any order.
    // A colleague's files come as full objects (download 404s once deleted); a partner's
    // Slack Connect files come as stubs (files.info says file_not_found once deleted).
    for (const [team, label] of [
      [undefined, 'a colleague'],
      [PARTNER_TEAM, 'a Slack Connect partner'],
    ] as const) {
      it(`applies the text of ${label} at once when the file is deleted before the download`, async () => {
        const sb = sandboxOf(ctx.desk);
        const who = newPerson(sb, team);
        // The first message of a new person: Parley looks them up (users.info) before it
        // downloads the file. Holding that call puts the deletion between the event and the
        // download, whatever the timing.
        const release = sb.hold('users.info');
        let sent;
        let name = 'error.png';
        try {
          sent = await sb.sendMessage({
            user: who,
            text: 'The printer shows this error',
            files: [{ name: 'error.png', mimetype: 'image/png', content_base64: PNG }],
          });
          assert.equal(sent.delivery.status, 'acked');
          const shared = sb.conversationView(who).messages.find((m) => m.ts === sent!.ts);
          const fileId = shared!.files![0]!.id;
          // A Slack Connect stub has no name until files.info, which now fails: the id it is.
          if (team === PARTNER_TEAM) name = `file ${fileId}`;
          sb.deleteFile(fileId);
        } finally {
          release();
        }
        // The person writes again right away: nothing may hold this back.
        const next = await sb.sendMessage({ user: who, text: 'Any news?' });
        await settle(ctx.desk);

        const ticket = await ticketOf(ctx.desk, who);
        const comments = await commentsOf(ctx.desk, ticket.id);
        const first = comments.find((c: any) => c.body === 'The printer shows this error');
        assert.ok(first, 'the text reached the ticket');
        assert.equal(first.public, true);
        assert.equal(first.attachments.length, 0);
        const note = comments.find((c: any) => !c.public);
        assert.match(note.body, /could not be fetched from Slack/);
        assert.ok(
          note.body.includes(`${name}: deleted in Slack before the help desk could fetch it`),
          note.body,
        );
        const later = comments.find((c: any) => c.body === 'Any news?');
        assert.ok(later, 'the next message reached the ticket');
        assert.ok(comments.indexOf(first) < comments.indexOf(later), 'in the order sent');

        // Applied on the first try: the conversation never waited for a retry.
        const row = await inboxRow(ctx.desk, sent.event_id);
        assert.equal(row.attempts, 0);
        assert.equal(row.failed_at, null);
        assert.match(row.outcome!, /1 file\(s\) not fetched/);
        assert.equal((await inboxRow(ctx.desk, next.event_id)).attempts, 0);

        // They can do something about it, so they are told.
        const told = botMessages(sb, who).map((m) => m.text);
        assert.ok(
          told.some(
            (t) => t.includes(`${name} did not: it was deleted`) && /send it again/.test(t),
          ),
          JSON.stringify(told),
        );
      });
    }

    it('applies the text at once when the file is on a host outside PARLEY_SLACK_FILE_HOSTS', async () => {
      const sb = sandboxOf(ctx.desk);
      const { person } = await personWithTicket(ctx.desk, 'The printer shows this error');
      const dmsBefore = botMessages(sb, person).length;
      // As if the allowlist did not name the sandbox's file host.
      const hosts = ctx.desk.parley.slack.ctx.config.slack.fileHosts;
      const saved = hosts.splice(0, hosts.length, 'files.slack.com');
      try {
        const sent = await sb.sendMessage({
          user: person,
          text: 'Log attached',
          files: [
            {
              name: 'log.txt',
              mimetype: 'text/plain',
              content_base64: Buffer.from('line 1\n').toString('base64'),
            },
          ],
        });
        await settle(ctx.desk);
        const ticket = await ticketOf(ctx.desk, person);
        const comments = await commentsOf(ctx.desk, ticket.id);
        const first = comments.find((c: any) => c.body === 'Log attached');
        assert.ok(first, 'the text reached the ticket');
        assert.equal(first.attachments.length, 0);
        const note = comments.filter((c: any) => !c.public).at(-1);
        assert.match(
          note.body,
          /- log\.txt: file URL 127\.0\.0\.1:\d+\/\S+ is not on an allowed Slack file host/,
        );
        assert.equal((await inboxRow(ctx.desk, sent.event_id)).attempts, 0);
        // Nothing the person could do about it: only agents are told.
        assert.equal(botMessages(sb, person).length, dmsBefore);
      } finally {
        hosts.splice(0, hosts.length, ...saved);
      }
    });

    it('retries a file Slack fails to hand over for a bounded time, then applies the text without it', async () => {
      const sb = sandboxOf(ctx.desk);
      const { person } = await partnerWithTicket(ctx.desk, 'The printer shows this error');
      const ticket = await ticketOf(ctx.desk, person);
      const dmsBefore = botMessages(sb, person).length;
      // Slack's files.info keeps failing with 503 (the partner's files are stubs).
      sb.addFault({ method: 'files.info', kind: 'server_error', status: 503, times: 10_000 });
      try {
        const sent = await sb.sendMessage({
          user: person,
          text: 'Report attached',
          files: [{ name: 'report.pdf', mimetype: 'application/pdf', content_base64: PDF }],
        });
        const next = await sb.sendMessage({ user: person, text: 'Did you get it?' });
        const fileId = sb.conversationView(person).messages.find((m) => m.ts === sent.ts)!
          .files![0]!.id;
        // Both arrive within the bound (waitFor gives up after 10 s; the bound is 2 s).
        const comments = await waitFor('both messages on the ticket', async () => {
          const all = await commentsOf(ctx.desk, ticket.id);
          return all.some((c: any) => c.body === 'Did you get it?') && all;
        });
        const first = comments.find((c: any) => c.body === 'Report attached');
        const later = comments.find((c: any) => c.body === 'Did you get it?');
        assert.ok(first, 'the text reached the ticket');
        assert.ok(comments.indexOf(first) < comments.indexOf(later), 'in the order sent');
        const note = comments.filter((c: any) => !c.public).at(-1);
        // A stub has no name until files.info answers: the note names it by its id.
        assert.match(
          note.body,
          new RegExp(`file ${fileId}: Slack did not hand it over within \\d+ s`),
        );
        assert.match(note.body, /HTTP 503/);

        const row = await inboxRow(ctx.desk, sent.event_id);
        assert.ok(row.attempts >= 1, 'it was retried');
        assert.equal(row.failed_at, null);
        assert.match(row.outcome!, /not fetched/);
        await settle(ctx.desk);
        assert.equal((await inboxRow(ctx.desk, next.event_id)).failed_at, null);
        // An outage is nothing the person can fix: agents see the note, the DM stays quiet.
        assert.equal(botMessages(sb, person).length, dmsBefore);
      } finally {
        sb.clearFaults();
      }
    });

    it('lists events it gave up to admins, without secrets, and replays them', async () => {
      const sb = sandboxOf(ctx.desk);
      const GHOST = 'U0GHOST';
      sb.addUser({ id: GHOST, name: 'Gus Ghost', email: 'gus@sandbox.example' });
      // Slack cannot tell who wrote: not a file problem, so the event is given up after the
      // bound (and the conversation goes on).
      sb.addFault({ method: 'users.info', kind: 'server_error', status: 500, times: 10_000 });
      let eventId: string;
      try {
        eventId = (await sb.sendMessage({ user: GHOST, text: 'Lost in transit?' })).event_id;
        await settle(ctx.desk);
      } finally {
        sb.clearFaults();
      }
      assert.equal(await userIdForSlack(ctx.desk, GHOST), null);

      const list = await ctx.desk.api('GET', '/api/v2/slack/events?status=failed');
      assert.equal(list.status, 200, JSON.stringify(list.body));
      const failed = list.body.events.find((e: any) => e.event_id === eventId);
      assert.ok(failed, 'the given-up event is listed');
      assert.equal(failed.status, 'failed');
      assert.equal(failed.type, 'message');
      assert.equal(failed.payload.event.text, 'Lost in transit?');
      assert.match(failed.outcome, /^failed: /);
      assert.ok(failed.failed_at);
      assert.ok(list.body.events.every((e: any) => e.status === 'failed'));
      assert.equal(typeof list.body.count, 'number');
      const text = JSON.stringify(list.body);
      assert.equal(failed.payload.token, undefined, 'no verification token');
      assert.ok(!text.includes(sb.verificationToken), 'no verification token anywhere');
      assert.ok(!/xox[abpr]-/.test(text), 'no Slack token');

      // Paginated like the rest of the API.
      const all = await ctx.desk.api('GET', '/api/v2/slack/events?per_page=1');
      assert.equal(all.body.events.length, 1);
      assert.ok(all.body.next_page);
      const cursor = await ctx.desk.api('GET', '/api/v2/slack/events?page[size]=2');
      assert.equal(cursor.body.events.length, 2);
      assert.equal(cursor.body.meta.has_more, true);

      // Only channel admins see the inbox.
      const agent = await ctx.desk.createAgent('Ann Agent');
      const denied = await ctx.desk.api('GET', '/api/v2/slack/events', undefined, {
        auth: agent.auth,
      });
      assert.equal(denied.status, 403);
      const bad = await ctx.desk.api('GET', '/api/v2/slack/events?status=lost');
      assert.equal(bad.status, 422);
      assert.equal(bad.body.error, 'RecordInvalid');
      assert.ok(bad.body.details.status);
      assert.equal((await ctx.desk.api('GET', '/api/v2/slack/events/999999')).status, 404);
      assert.equal(
        (await ctx.desk.api('POST', '/api/v2/slack/events/999999/replay', {})).status,
        404,
      );

      // Slack answers again: the admin replays the event, and the message reaches a ticket.
      const replay = await ctx.desk.api('POST', `/api/v2/slack/events/${failed.id}/replay`, {});
      assert.equal(replay.status, 200, JSON.stringify(replay.body));
      assert.equal(replay.body.event.status, 'pending');
      await settle(ctx.desk);
      const ghostTicket = await ticketOf(ctx.desk, GHOST);
      const comments = await commentsOf(ctx.desk, ghostTicket.id);
      assert.equal(comments[0].body, 'Lost in transit?');
      const shown = await ctx.desk.api('GET', `/api/v2/slack/events/${failed.id}`);
      assert.equal(shown.body.event.status, 'processed');
      assert.match(shown.body.event.outcome, /^created ticket/);

      // A processed event is not replayed.
      const again = await ctx.desk.api('POST', `/api/v2/slack/events/${failed.id}/replay`, {});
      assert.equal(again.status, 422);
      assert.ok(again.body.details.status);
    });
  },
  { slackRetryBoundMs: BOUND_MS },
);
