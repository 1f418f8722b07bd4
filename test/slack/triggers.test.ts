import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { DeskEventOf } from '../../src/desk/events.ts';
import { forEachDatabase } from '../helpers/harness.ts';
import { botMessages, newPerson, sandboxOf, settle, ticketsOf, userIdForSlack } from './helpers.ts';

// Triggers fire on the Slack ingest's writes: a create from a first DM, and an update from a
// later message (batched on PostgreSQL), with the `slack_connection_id` condition. The issue's
// end-to-end case: a DM to an "HR Desk" connection whose words match a trigger lands in the HR
// group, and the default acknowledgement reaches the person's DM through the sandbox.
forEachDatabase('triggers on Slack DMs', (ctx) => {
  it('routes a DM to a connection into the right group, and acknowledges it', async () => {
    const { desk } = ctx;
    const first = (await desk.api('GET', '/api/v2/slack/connections')).body.connections[0];
    const renamed = await desk.api('PUT', `/api/v2/slack/connections/${first.id}`, {
      connection: { name: 'HR Desk' },
    });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    const connection = renamed.body.connection;
    assert.equal(connection.name, 'HR Desk');
    const hr = (await desk.api('POST', '/api/v2/groups', { group: { name: 'HR' } })).body.group;
    const route = await desk.api('POST', '/api/v2/triggers', {
      trigger: {
        title: 'HR Desk payroll questions go to HR',
        conditions: {
          all: [
            { field: 'slack_connection_id', operator: 'is', value: String(connection.id) },
            { field: 'comment_includes_word', operator: 'includes', value: 'payroll payslip' },
          ],
        },
        actions: [{ field: 'group_id', value: String(hr.id) }],
      },
    });
    assert.equal(route.status, 201, JSON.stringify(route.body));
    const elsewhere = await desk.api('POST', '/api/v2/triggers', {
      trigger: {
        title: 'Another connection',
        conditions: {
          all: [
            { field: 'slack_connection_id', operator: 'is', value: String(connection.id + 1000) },
          ],
        },
        actions: [{ field: 'current_tags', value: 'elsewhere' }],
      },
    });
    assert.equal(elsewhere.status, 201);
    const urgent = await desk.api('POST', '/api/v2/triggers', {
      trigger: {
        title: 'Urgent Slack follow-ups',
        conditions: {
          all: [
            { field: 'slack_connection_id', operator: 'is', value: String(connection.id) },
            { field: 'update_type', operator: 'is', value: 'Change' },
            { field: 'comment_includes_word', operator: 'includes', value: 'urgent' },
          ],
        },
        actions: [{ field: 'priority', value: 'high' }],
      },
    });
    assert.equal(urgent.status, 201);

    const seen: DeskEventOf<'ticket.written'>[] = [];
    const off = desk.parley.events.on('ticket.written', (e) => seen.push(e));
    try {
      const sb = sandboxOf(desk);
      const person = newPerson(sb);
      const sent = await sb.sendMessage({ user: person, text: 'Where is my payroll statement?' });
      assert.equal(sent.delivery.status, 'acked');
      await settle(desk);
      const userId = (await userIdForSlack(desk, person))!;
      const [ticket] = await ticketsOf(desk, userId);
      assert.equal(ticket.group_id, hr.id);
      assert.deepEqual(ticket.tags, []);
      assert.equal(ticket.via_id, 91);

      const audits = (await desk.api('GET', `/api/v2/tickets/${ticket.id}/audits`)).body.audits;
      const groupEvent = audits[0].events.find((e: any) => e.field_name === 'group_id');
      assert.equal(groupEvent.value, String(hr.id));
      assert.deepEqual(groupEvent.via, {
        channel: 'rule',
        source: {
          rel: 'trigger',
          from: { id: route.body.trigger.id, title: route.body.trigger.title },
          to: {},
        },
      });
      const created = seen.find((e) => e.ticketId === ticket.id && e.created)!;
      assert.deepEqual(
        created.effects.map((e) => [e.rule.title, e.effect.type]),
        [
          ['Acknowledge a new Slack conversation', 'notification_user'],
          ['Notify group of new unassigned ticket', 'notification_group'],
        ],
      );
      // The acknowledgement, rendered, in the person's DM (posted by the delivery outbox,
      // which settle() drained), exactly once.
      const acks = botMessages(sb, person).filter((m) => m.text?.startsWith('*Request #'));
      const firstName = ticket.subject.replace('Conversation with ', '').split(' ')[0];
      assert.deepEqual(
        acks.map((m) => m.text),
        [
          `*Request #${ticket.id} received*\n` +
            `Thanks for reaching out, ${firstName}! Someone from our team will reply right here.`,
        ],
      );

      // A later message updates the ticket (a batched write on PostgreSQL): the connection
      // is still known, from the ticket's via.
      const again = await sb.sendMessage({ user: person, text: 'This is urgent now' });
      assert.equal(again.delivery.status, 'acked');
      await settle(desk);
      const shown = (await desk.api('GET', `/api/v2/tickets/${ticket.id}`)).body.ticket;
      assert.equal(shown.priority, 'high');
      assert.equal(shown.group_id, hr.id);
    } finally {
      off();
    }
  });
});
