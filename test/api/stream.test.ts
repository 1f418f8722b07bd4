import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createTicket } from '../../src/desk/tickets/create-ticket.ts';
import { nowIso } from '../../src/desk/time.ts';
import { via } from '../../src/desk/via.ts';
import { createNotification } from '../../src/rules/notifications/in-app.ts';
import { periodicTasks } from '../../src/jobs/periodic-tasks.ts';
import { forEachDatabase, type TestDesk } from '../helpers/harness.ts';
import { openSse, type SseClient, type SseEvent } from '../helpers/sse-client.ts';

/** The realtime stream: live events, per-agent filtering, replay on reconnect, presence. */

type Person = { id: number; email: string; auth: string };

forEachDatabase('realtime stream', (ctx) => {
  let desk: TestDesk;
  let agent: Person;
  let other: Person;
  let restricted: Person;
  let endUser: Person;
  const open: SseClient[] = [];
  const stream = async (auth: string, query = '', lastEventId?: number) => {
    const c = await openSse(`${desk.url}/api/v2/stream${query}`, {
      auth,
      ...(lastEventId === undefined ? {} : { lastEventId }),
    });
    open.push(c);
    return c;
  };
  const newTicket = async (subject: string) => {
    const res = await desk.api('POST', '/api/v2/tickets', {
      ticket: { subject, requester_id: endUser.id, comment: { body: subject, public: true } },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.ticket.id as number;
  };
  const update = async (id: number, body: object) => {
    const res = await desk.api('PUT', `/api/v2/tickets/${id}`, { ticket: body });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };
  const slackTicket = async () => {
    const admin = await desk.parley.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', desk.adminId)
      .executeTakeFirstOrThrow();
    const written = await createTicket(
      desk.parley.db,
      { user: admin, via: via('business_messaging_slack_connect') },
      {
        requester_id: endUser.id,
        from_messaging_channel: true,
        comment: { body: 'Hi from Slack', public: true },
      },
      nowIso(),
      { events: desk.parley.events },
    );
    return written.ticket.id;
  };
  const about = (ticketId: number, event?: string) => (e: SseEvent) =>
    e.data?.ticket_id === ticketId && (event === undefined || e.event === event);

  before(async () => {
    desk = ctx.desk;
    agent = await desk.createAgent('Giulia Agent');
    other = await desk.createAgent('Marco Agent');
    restricted = await desk.createAgent('Rita Restricted');
    endUser = await desk.createEndUser('Erin Enduser');
    const role = await desk.api('POST', '/api/v2/custom_roles', {
      custom_role: { name: 'No chat', configuration: { ticket_access: 'all', chat_access: false } },
    });
    assert.equal(role.status, 201, JSON.stringify(role.body));
    await desk.parley.db
      .updateTable('users')
      .set({ custom_role_id: role.body.custom_role.id })
      .where('id', '=', restricted.id)
      .execute();
  });

  after(() => {
    for (const c of open) c.close();
  });

  it('is for agents: an end user gets 403, no one 401 without credentials', async () => {
    const res = await desk.api('GET', '/api/v2/stream', undefined, { auth: endUser.auth });
    assert.equal(res.status, 403);
    const none = await desk.api('GET', '/api/v2/stream', undefined, { auth: null });
    assert.equal(none.status, 401);
    const bad = await desk.api('GET', '/api/v2/stream?last_event_id=abc', undefined, {
      auth: agent.auth,
    });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /last_event_id/);
  });

  it('sends a ticket created and updated through the API, with ids, audit and comments', async () => {
    const s = await stream(agent.auth);
    assert.equal(s.status, 200);
    const id = await newTicket('Live printer');
    const created = await s.next(about(id, 'ticket.created'));
    assert.ok(created.id! > 0);
    assert.equal(created.data.comments.length, 1);
    await update(id, { status: 'pending', comment: { body: 'Internal look', public: false } });
    const updated = await s.next(about(id, 'ticket.updated'));
    assert.ok(updated.id! > created.id!);
    assert.ok(updated.data.audit_id > 0);
    assert.deepEqual(
      updated.data.changes.find((c: any) => c.field === 'status'),
      { field: 'status', previous: 'new', value: 'pending' },
    );
    assert.deepEqual(
      updated.data.comments.map((c: any) => c.public),
      [false],
    );
    assert.equal(updated.data.actor.id, desk.adminId);
    await s.next((e) => e.event === 'view.counts_changed');
  });

  it('never tells an agent without chat access about a Slack ticket', async () => {
    const r = await stream(restricted.auth);
    const a = await stream(agent.auth);
    const slack = await slackTicket();
    const plain = await newTicket('After the Slack one');
    // Events arrive in id order: once the later plain ticket is there, the Slack one was
    // either sent before it or withheld.
    await r.next(about(plain, 'ticket.created'));
    await a.next(about(plain, 'ticket.created'));
    assert.ok(a.events.some(about(slack, 'ticket.created')));
    assert.ok(!r.events.some(about(slack)));
  });

  it('replays exactly the missed events after Last-Event-ID, header or parameter', async () => {
    const s = await stream(agent.auth);
    const id = await newTicket('Before the gap');
    const seen = await s.next(about(id, 'ticket.created'));
    s.close();
    await update(id, { priority: 'high' });
    await update(id, { status: 'open' });
    await update(id, { tags: ['vpn'] });
    const byHeader = await stream(agent.auth, '?follow=false', seen.id!);
    await byHeader.ended;
    const missed = byHeader.events.filter((e) => e.event.startsWith('ticket.'));
    assert.deepEqual(
      missed.map((e) => e.event),
      ['ticket.updated', 'ticket.updated', 'ticket.updated'],
    );
    assert.ok(missed.every(about(id)));
    const ids = missed.map((e) => e.id!);
    assert.deepEqual(
      ids,
      [...ids].sort((x, y) => x - y),
    );
    assert.equal(new Set(ids).size, 3);
    const byParam = await stream(agent.auth, `?follow=false&last_event_id=${seen.id}`);
    await byParam.ended;
    assert.deepEqual(
      byParam.events.filter((e) => e.event.startsWith('ticket.')).map((e) => e.id),
      ids,
    );
  });

  it('has no gap and no duplicate between the replay and live events', async () => {
    const mark = await stream(agent.auth);
    const id = await newTicket('Busy ticket');
    const start = await mark.next(about(id, 'ticket.created'));
    mark.close();
    for (let i = 0; i < 5; i++) await update(id, { tags: [`before${i}`] });
    // Writes committed while the reconnect replays: each must arrive exactly once.
    const writes = Promise.all(
      Array.from({ length: 6 }, (_, i) => update(id, { tags: [`during${i}`] })),
    );
    const s = await stream(agent.auth, '', start.id!);
    await writes;
    const rows = await desk.parley.db
      .selectFrom('stream_events')
      .select('id')
      .where('id', '>', start.id!)
      .where('ticket_id', '=', id)
      .orderBy('id')
      .execute();
    assert.equal(rows.length, 11);
    await s.next((e) => e.id === rows[rows.length - 1]!.id);
    const got = s.events.filter(about(id, 'ticket.updated')).map((e) => e.id);
    assert.deepEqual(
      got,
      rows.map((r) => r.id),
    );
  });

  it('tells a client whose last id was pruned to reset', async () => {
    const first = await newTicket('Old news');
    const oldId = (
      await desk.parley.db
        .selectFrom('stream_events')
        .select('id')
        .where('ticket_id', '=', first)
        .executeTakeFirstOrThrow()
    ).id;
    await desk.parley.db
      .updateTable('stream_events')
      .set({ created_at: '2000-01-01T00:00:00.000Z' })
      .where('id', '<=', oldId)
      .execute();
    // The scheduler's task prunes what is older than the retention window.
    const { db, blobs, logger } = desk.parley;
    const task = periodicTasks(db, blobs, logger).find((t) => t.name === 'stream.prune');
    assert.ok(task);
    await task.run(new Date());
    const left = await db
      .selectFrom('stream_events')
      .select('id')
      .where('id', '<=', oldId)
      .execute();
    assert.deepEqual(left, []);
    const fresh = await newTicket('New news');
    const s = await stream(agent.auth, '', oldId - 1);
    const reset = await s.next((e) => e.event === 'reset');
    assert.ok(reset.id! >= oldId);
    const later = await newTicket('After the reset');
    await s.next(about(later, 'ticket.created'));
    assert.ok(!s.events.some(about(fresh)), 'nothing is replayed after a reset');
  });

  it('sends a notification to its recipient only', async () => {
    const a = await stream(agent.auth);
    const o = await stream(other.auth);
    const t = await newTicket('Notify me');
    const events = desk.parley.events;
    const run = events.begin();
    await desk.parley.db.transaction().execute(async (trx) => {
      await createNotification(
        trx,
        run,
        {
          userId: agent.id,
          ticketId: t,
          rule: null,
          subject: 'Look',
          body: 'here',
          dedupeKey: `stream-test-${t}`,
        },
        nowIso(),
      );
    });
    run.publish();
    const n = await a.next((e) => e.event === 'notification.created');
    assert.equal(n.data.user_id, agent.id);
    const marker = await newTicket('After the notification');
    await o.next(about(marker, 'ticket.created'));
    assert.ok(!o.events.some((e) => e.event === 'notification.created'));
  });

  it('shows presence on a ticket, to those who may see it, until it expires', async () => {
    const hub = desk.parley.stream;
    let now = Date.now();
    hub.now = () => now;
    try {
      const t = await newTicket('Seen together');
      const watcher = await stream(other.auth);
      const posted = await desk.api(
        'POST',
        `/api/v2/tickets/${t}/presence`,
        { presence: { state: 'typing' } },
        { auth: agent.auth },
      );
      assert.equal(posted.status, 200, JSON.stringify(posted.body));
      const seen = await watcher.next((e) => e.event === 'presence' && e.data.ticket_id === t);
      assert.deepEqual(seen.data.user, { id: agent.id, name: 'Giulia Agent' });
      assert.equal(seen.data.state, 'typing');
      const list = await desk.api('GET', `/api/v2/tickets/${t}/presence`, undefined, {
        auth: other.auth,
      });
      assert.deepEqual(
        list.body.presence.map((p: any) => [p.user.id, p.state]),
        [[agent.id, 'typing']],
      );
      now += hub.presenceTtlMs + 1;
      const gone = await desk.api('GET', `/api/v2/tickets/${t}/presence`, undefined, {
        auth: other.auth,
      });
      assert.deepEqual(gone.body.presence, []);
      hub.tick();
      await watcher.next(
        (e) => e.event === 'presence' && e.data.ticket_id === t && e.data.state === 'left',
      );
      const bad = await desk.api(
        'POST',
        `/api/v2/tickets/${t}/presence`,
        { presence: { state: 'dancing' } },
        { auth: agent.auth },
      );
      assert.equal(bad.status, 422);
      assert.match(JSON.stringify(bad.body), /state/);
      const slack = await slackTicket();
      const hidden = await desk.api(
        'POST',
        `/api/v2/tickets/${slack}/presence`,
        { presence: { state: 'viewing' } },
        { auth: restricted.auth },
      );
      assert.equal(hidden.status, 404);
      const enduser = await desk.api(
        'POST',
        `/api/v2/tickets/${t}/presence`,
        { presence: { state: 'viewing' } },
        { auth: endUser.auth },
      );
      assert.equal(enduser.status, 403);
    } finally {
      hub.now = Date.now;
    }
  });

  it('limits the streams one user may hold open', async () => {
    const hub = desk.parley.stream;
    const before = hub.maxConnectionsPerUser;
    const lonely = await desk.createAgent('Lonely Agent');
    hub.maxConnectionsPerUser = 1;
    try {
      const first = await stream(lonely.auth);
      assert.equal(first.status, 200);
      const second = await desk.api('GET', '/api/v2/stream', undefined, { auth: lonely.auth });
      assert.equal(second.status, 429);
    } finally {
      hub.maxConnectionsPerUser = before;
    }
  });
});
