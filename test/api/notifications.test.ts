/**
 * Rule notifications in-app: a notification_user / notification_group effect written with a
 * ticket update reaches the right agents (resolved when sent), once, and each agent manages
 * their own through /api/v2/notifications.
 */
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import type { FiredEffect, RuleEffect } from '../../src/desk/events.ts';
import { API_VIA } from '../../src/desk/via.ts';
import { systemUser } from '../../src/desk/system-user.ts';
import { nowIso } from '../../src/desk/time.ts';
import { updateTicket } from '../../src/desk/tickets/update-ticket.ts';
import { forEachDatabase, type TestDesk } from '../helpers/harness.ts';
import { deactivateDefaultTriggers } from '../helpers/rules.ts';

const RULE = { kind: 'trigger' as const, id: 7, title: 'Tell them' };

function fired(...effects: RuleEffect[]): FiredEffect[] {
  return effects.map((effect) => ({ rule: RULE, effect }));
}

/** An update of `ticketId` by `actorId` carrying `effects` (a real ticket write). */
async function update(
  desk: TestDesk,
  ticketId: number,
  actorId: number,
  effects: FiredEffect[],
): Promise<void> {
  const { parley } = desk;
  const user = await parley.db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', actorId)
    .executeTakeFirstOrThrow();
  await updateTicket(
    parley.db,
    { user, via: API_VIA },
    ticketId,
    {},
    { body: `note ${Math.random()}`, public: false },
    nowIso(),
    { events: parley.events, effects },
  );
}

/** The update, then every notification job it made run. */
async function writeWithEffects(
  desk: TestDesk,
  ticketId: number,
  actorId: number,
  effects: FiredEffect[],
): Promise<void> {
  await update(desk, ticketId, actorId, effects);
  await desk.parley.notifications.notify!.drained();
}

async function subjectsOf(desk: TestDesk, userId: number): Promise<string[]> {
  const rows = await desk.parley.db
    .selectFrom('notifications')
    .select('subject')
    .where('user_id', '=', userId)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.subject);
}

async function newTicket(desk: TestDesk, fields: Record<string, unknown> = {}): Promise<number> {
  const res = await desk.api('POST', '/api/v2/tickets', {
    ticket: { subject: 'Printer <b>on fire</b>', comment: { body: 'help' }, ...fields },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.ticket.id;
}

forEachDatabase('Rule notifications in-app', (ctx) => {
  before(() => deactivateDefaultTriggers(ctx.desk));

  it('resolves requester, assignee, current_user, a user id, all_agents and group members', async () => {
    const desk = ctx.desk;
    const assignee = await desk.createAgent('Asha Assignee');
    const member = await desk.createAgent('Gil Groupmember');
    const suspended = await desk.createAgent('Sus Pended');
    const other = await desk.createAgent('Otto Other');
    const requester = await desk.createAgent('Rita Requester');
    const system = await systemUser(desk.parley.db, nowIso());
    await desk.parley.db
      .updateTable('users')
      .set({ suspended: 1 })
      .where('id', '=', suspended.id)
      .execute();
    const group = await desk.api('POST', '/api/v2/groups', { group: { name: `G${Date.now()}` } });
    const groupId = group.body.group.id as number;
    for (const u of [assignee, member, suspended]) {
      const m = await desk.api('POST', '/api/v2/group_memberships', {
        group_membership: { user_id: u.id, group_id: groupId },
      });
      assert.equal(m.status, 201, JSON.stringify(m.body));
    }
    const ticketId = await newTicket(desk, {
      requester_id: requester.id,
      assignee_id: assignee.id,
      group_id: groupId,
    });
    await writeWithEffects(
      desk,
      ticketId,
      other.id,
      fired(
        {
          type: 'notification_user',
          recipient: 'requester_id',
          subject: 'to requester',
          body: 'b',
        },
        { type: 'notification_user', recipient: 'assignee_id', subject: 'to assignee', body: 'b' },
        { type: 'notification_user', recipient: 'current_user', subject: 'to actor', body: 'b' },
        { type: 'notification_user', recipient: String(member.id), subject: 'to id', body: 'b' },
        { type: 'notification_user', recipient: suspended.id, subject: 'to suspended', body: 'b' },
        { type: 'notification_group', recipient: 'group_id', subject: 'to group', body: 'b' },
        { type: 'notification_user', recipient: 'all_agents', subject: 'to all', body: 'b' },
      ),
    );
    assert.deepEqual(await subjectsOf(desk, requester.id), ['to requester', 'to all']);
    assert.deepEqual(await subjectsOf(desk, assignee.id), ['to assignee', 'to group', 'to all']);
    assert.deepEqual(await subjectsOf(desk, other.id), ['to actor', 'to all']);
    assert.deepEqual(await subjectsOf(desk, member.id), ['to id', 'to group', 'to all']);
    assert.deepEqual(await subjectsOf(desk, suspended.id), [], 'a suspended agent is told nothing');
    assert.deepEqual(await subjectsOf(desk, system.id), [], 'Parley itself is told nothing');
  });

  it('renders placeholders as text and skips end users in-app', async () => {
    const desk = ctx.desk;
    const agent = await desk.createAgent('Pia Placeholder');
    const endUser = await desk.createEndUser('Eve Enduser');
    const ticketId = await newTicket(desk, { requester_id: endUser.id, assignee_id: agent.id });
    await writeWithEffects(
      desk,
      ticketId,
      desk.adminId,
      fired(
        {
          type: 'notification_user',
          recipient: 'assignee_id',
          subject: '#{{ticket.id}}: {{ticket.title}}',
          body: '{{ticket.requester.first_name}} wrote; {{no.such.thing}}end',
        },
        { type: 'notification_user', recipient: 'requester_id', subject: 'end user', body: 'b' },
      ),
    );
    const res = await desk.api('GET', '/api/v2/notifications', undefined, { auth: agent.auth });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const [n] = res.body.notifications;
    assert.equal(n.subject, `#${ticketId}: Printer <b>on fire</b>`);
    assert.equal(n.body, 'Eve wrote; end');
    assert.deepEqual(n.rule, { type: 'trigger', id: RULE.id, title: RULE.title });
    assert.equal(n.ticket_id, ticketId);
    assert.deepEqual(await subjectsOf(desk, endUser.id), []);
    const asEndUser = await desk.api('GET', '/api/v2/notifications', undefined, {
      auth: endUser.auth,
    });
    assert.equal(asEndUser.status, 403);
  });

  it('tells an agent without chat access nothing about a messaging ticket', async () => {
    const desk = ctx.desk;
    const role = await desk.api('POST', '/api/v2/custom_roles', {
      custom_role: { name: `NoChat${Date.now()}`, configuration: { chat_access: false } },
    });
    assert.equal(role.status, 201, JSON.stringify(role.body));
    const noChat = await desk.createAgent('Nora Nochat');
    const chat = await desk.createAgent('Carl Chat');
    await desk.parley.db
      .updateTable('users')
      .set({ custom_role_id: role.body.custom_role.id })
      .where('id', '=', noChat.id)
      .execute();
    const messaging = await newTicket(desk);
    const plain = await newTicket(desk);
    await desk.parley.db
      .updateTable('tickets')
      .set({ from_messaging_channel: 1 })
      .where('id', '=', messaging)
      .execute();
    const effects = fired(
      { type: 'notification_user', recipient: noChat.id, subject: 'nochat', body: 'b' },
      { type: 'notification_user', recipient: chat.id, subject: 'chat', body: 'b' },
    );
    await writeWithEffects(desk, messaging, desk.adminId, effects);
    await writeWithEffects(desk, plain, desk.adminId, effects);
    assert.equal((await subjectsOf(desk, noChat.id)).length, 1, 'only the non-messaging ticket');
    assert.equal((await subjectsOf(desk, chat.id)).length, 2);
  });

  it('lists own notifications newest first, pages them, reads, marks and deletes', async () => {
    const desk = ctx.desk;
    const me = await desk.createAgent('Mia Mine');
    const them = await desk.createAgent('Theo Theirs');
    const ticketId = await newTicket(desk);
    const mine = (s: string) =>
      ({ type: 'notification_user', recipient: me.id, subject: s, body: 'b' }) as const;
    await writeWithEffects(desk, ticketId, desk.adminId, fired(mine('one'), mine('two')));
    await writeWithEffects(desk, ticketId, desk.adminId, fired(mine('three')));
    await writeWithEffects(
      desk,
      ticketId,
      desk.adminId,
      fired({ type: 'notification_user', recipient: them.id, subject: 'theirs', body: 'b' }),
    );
    const as = { auth: me.auth };
    const list = await desk.api('GET', '/api/v2/notifications', undefined, as);
    assert.deepEqual(
      list.body.notifications.map((n: any) => n.subject),
      ['three', 'two', 'one'],
    );
    assert.equal(list.body.count, 3);
    assert.equal(list.body.meta.unread_count, 3);

    const first = await desk.api('GET', '/api/v2/notifications?page[size]=2', undefined, as);
    assert.deepEqual(
      first.body.notifications.map((n: any) => n.subject),
      ['three', 'two'],
    );
    assert.equal(first.body.meta.has_more, true);
    const next = await desk.api(
      'GET',
      `/api/v2/notifications?page[size]=2&page[after]=${first.body.meta.after_cursor}`,
      undefined,
      as,
    );
    assert.deepEqual(
      next.body.notifications.map((n: any) => n.subject),
      ['one'],
    );
    const offset = await desk.api('GET', '/api/v2/notifications?per_page=1&page=2', undefined, as);
    assert.deepEqual(
      offset.body.notifications.map((n: any) => n.subject),
      ['two'],
    );

    const one = list.body.notifications[2];
    const read = await desk.api(
      'PUT',
      `/api/v2/notifications/${one.id}.json`,
      { notification: { read: true } },
      as,
    );
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.equal(read.body.notification.read, true);
    assert.ok(read.body.notification.read_at);
    const unread = await desk.api('GET', '/api/v2/notifications?unread=true', undefined, as);
    assert.deepEqual(
      unread.body.notifications.map((n: any) => n.subject),
      ['three', 'two'],
    );
    assert.equal(unread.body.meta.unread_count, 2);
    const again = await desk.api(
      'PUT',
      `/api/v2/notifications/${one.id}`,
      { notification: { read: false } },
      as,
    );
    assert.equal(again.body.notification.read, false);
    const bad = await desk.api(
      'PUT',
      `/api/v2/notifications/${one.id}`,
      { notification: { read: 'maybe' } },
      as,
    );
    assert.equal(bad.status, 422, JSON.stringify(bad.body));
    assert.match(JSON.stringify(bad.body), /read/);
    const badQuery = await desk.api('GET', '/api/v2/notifications?unread=yes', undefined, as);
    assert.equal(badQuery.status, 400, JSON.stringify(badQuery.body));

    const theirs = await desk.api('GET', '/api/v2/notifications', undefined, { auth: them.auth });
    const theirId = theirs.body.notifications[0].id;
    for (const [method, body] of [
      ['GET', undefined],
      ['PUT', { notification: { read: true } }],
      ['DELETE', undefined],
    ] as const) {
      const res = await desk.api(method, `/api/v2/notifications/${theirId}`, body, as);
      assert.equal(res.status, 404, `${method} of another's notification`);
    }

    const all = await desk.api('PUT', '/api/v2/notifications/mark_all_read', undefined, as);
    assert.equal(all.status, 200, JSON.stringify(all.body));
    assert.equal(all.body.marked, 3);
    const after = await desk.api('GET', '/api/v2/notifications?unread=true', undefined, as);
    assert.deepEqual(after.body.notifications, []);
    assert.equal(after.body.meta.unread_count, 0);
    const theirsAfter = await desk.api('GET', '/api/v2/notifications?unread=true', undefined, {
      auth: them.auth,
    });
    assert.equal(theirsAfter.body.meta.unread_count, 1, "another's stay unread");

    const del = await desk.api('DELETE', `/api/v2/notifications/${one.id}`, undefined, as);
    assert.equal(del.status, 204);
    const gone = await desk.api('GET', `/api/v2/notifications/${one.id}`, undefined, as);
    assert.equal(gone.status, 404);
  });

  it('emits notification.created once committed', async () => {
    const desk = ctx.desk;
    const agent = await desk.createAgent('Eli Event');
    const seen: number[] = [];
    const off = desk.parley.events.on('notification.created', (e) => {
      if (e.userId === agent.id) seen.push(e.notificationId);
    });
    try {
      const ticketId = await newTicket(desk);
      await writeWithEffects(
        desk,
        ticketId,
        desk.adminId,
        fired({ type: 'notification_user', recipient: agent.id, subject: 'evt', body: 'b' }),
      );
      const rows = await desk.parley.db
        .selectFrom('notifications')
        .select('id')
        .where('user_id', '=', agent.id)
        .execute();
      assert.deepEqual(
        seen,
        rows.map((r) => r.id),
      );
      assert.equal(seen.length, 1);
    } finally {
      off();
    }
  });

  it('writes one job per effect even when the write transaction runs again', async () => {
    const desk = ctx.desk;
    const agent = await desk.createAgent('Rex Rerun');
    const ticketId = await newTicket(desk);
    const boomTicket = await newTicket(desk);
    let runs = 0;
    // PostgreSQL: a deadlock on the first attempt, after the job was written; the transaction
    // runs again. SQLite: another write of the same group commit fails, so the group rolls
    // back and this write runs again alone.
    const remove = desk.parley.events.register({
      name: 'fails-once',
      handles: ['ticket.written'],
      async inTransaction(_trx, e) {
        if (e.name !== 'ticket.written') return;
        if (e.ticketId === boomTicket) throw new Error('boom');
        if (e.ticketId !== ticketId) return;
        runs++;
        if (desk.kind === 'postgres' && runs === 1) {
          throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
        }
      },
    });
    const effects = fired({
      type: 'notification_user',
      recipient: agent.id,
      subject: 'once',
      body: 'b',
    });
    try {
      if (desk.kind === 'postgres') {
        await update(desk, ticketId, desk.adminId, effects);
      } else {
        const [ok, boom] = await Promise.allSettled([
          update(desk, ticketId, desk.adminId, effects),
          update(desk, boomTicket, desk.adminId, effects),
        ]);
        assert.equal(ok.status, 'fulfilled');
        assert.equal(boom.status, 'rejected');
      }
      await desk.parley.notifications.notify!.drained();
    } finally {
      remove();
    }
    assert.equal(runs, 2, 'the transaction ran twice');
    const jobs = await desk.parley.db
      .selectFrom('jobs')
      .select('id')
      .where('queue', '=', 'rules.notify')
      .where('payload', 'like', `%"ticket_id":${ticketId},%`)
      .execute();
    assert.equal(jobs.length, 1);
    assert.deepEqual(await subjectsOf(desk, agent.id), ['once']);
  });
});
