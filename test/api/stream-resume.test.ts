import assert from 'node:assert/strict';
import { before, after, it } from 'node:test';
import { forEachDatabase, type TestDesk } from '../helpers/harness.ts';
import { openSse, type SseClient } from '../helpers/sse-client.ts';

/**
 * X-Parley-Event-Id: an agent's GET answer says where its read stands in the stream's
 * sequence, and a stream opened from it is replayed what the answer may have missed.
 */

forEachDatabase('stream resume position', (ctx) => {
  let desk: TestDesk;
  let agent: { id: number; auth: string };
  let endUser: { id: number; auth: string };
  const open: SseClient[] = [];

  const newTicket = async (subject: string) => {
    const res = await desk.api('POST', '/api/v2/tickets', {
      ticket: { subject, requester_id: endUser.id, comment: { body: subject, public: true } },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.ticket.id as number;
  };
  const newest = async () => {
    const row = await desk.parley.db
      .selectFrom('stream_events')
      .select((eb) => eb.fn.max('id').as('id'))
      .executeTakeFirst();
    return Number(row?.id ?? 0);
  };
  const position = (res: { headers: Headers }) => {
    const v = res.headers.get('x-parley-event-id');
    assert.ok(v !== null && /^\d+$/.test(v), `x-parley-event-id: ${v}`);
    return Number(v);
  };

  before(async () => {
    desk = ctx.desk;
    agent = await desk.createAgent('Giulia Agent');
    endUser = await desk.createEndUser('Erin Enduser');
  });

  after(() => {
    for (const c of open) c.close();
  });

  it('is the newest event id on an agent GET, and absent for end users and changes', async () => {
    const id = await newTicket('Position one');
    const res = await desk.api('GET', `/api/v2/tickets/${id}`, undefined, { auth: agent.auth });
    assert.equal(res.status, 200);
    assert.equal(position(res), await newest());
    const session = await desk.api('GET', '/api/v2/session', undefined, { auth: agent.auth });
    assert.equal(position(session), await newest());
    const mine = await desk.api('GET', '/api/v2/users/me', undefined, { auth: endUser.auth });
    assert.equal(mine.status, 200);
    assert.equal(mine.headers.get('x-parley-event-id'), null);
    const put = await desk.api('PUT', `/api/v2/tickets/${id}`, { ticket: { priority: 'low' } });
    assert.equal(put.status, 200);
    assert.equal(put.headers.get('x-parley-event-id'), null);
  });

  it('opens a stream that delivers a change written between the read and the open, once', async () => {
    const id = await newTicket('Read then changed');
    const read = await desk.api('GET', `/api/v2/tickets/${id}`, undefined, { auth: agent.auth });
    const from = position(read);
    assert.equal(read.body.ticket.status, 'new');
    const put = await desk.api('PUT', `/api/v2/tickets/${id}`, { ticket: { status: 'pending' } });
    assert.equal(put.status, 200);
    const s = await openSse(`${desk.url}/api/v2/stream?last_event_id=${from}`, {
      auth: agent.auth,
    });
    open.push(s);
    assert.equal(s.status, 200);
    const got = await s.next((e) => e.event === 'ticket.updated' && e.data?.ticket_id === id);
    assert.ok(got.id! > from);
    assert.deepEqual(
      got.data.changes.find((c: any) => c.field === 'status'),
      { field: 'status', previous: 'new', value: 'pending' },
    );
    // Nothing the read already reflected comes again.
    assert.ok(s.events.every((e) => e.id == null || e.id > from));
    assert.ok(!s.events.some((e) => e.event === 'reset'));
  });

  it('replays after the Last-Event-ID header when the address also names an older id', async () => {
    const id = await newTicket('Reconnected');
    const from = position(
      await desk.api('GET', `/api/v2/tickets/${id}`, undefined, { auth: agent.auth }),
    );
    await desk.api('PUT', `/api/v2/tickets/${id}`, { ticket: { priority: 'high' } });
    const seen = await newest();
    await desk.api('PUT', `/api/v2/tickets/${id}`, { ticket: { priority: 'low' } });
    const s = await openSse(`${desk.url}/api/v2/stream?follow=false&last_event_id=${from}`, {
      auth: agent.auth,
      lastEventId: seen,
    });
    open.push(s);
    await s.ended;
    const got = s.events.filter((e) => e.event === 'ticket.updated' && e.data?.ticket_id === id);
    assert.deepEqual(
      got.map((e) => e.id),
      [await newest()],
    );
  });

  it('is a lower bound while writes commit during reads', async () => {
    const id = await newTicket('Busy');
    const writes = Array.from({ length: 8 }, (_, i) =>
      desk.api('PUT', `/api/v2/tickets/${id}`, { ticket: { tags: [`t${i}`] } }),
    );
    const reads = Array.from({ length: 8 }, () =>
      desk.api('GET', `/api/v2/tickets/${id}`, undefined, { auth: agent.auth }),
    );
    const done = await Promise.all([...writes, ...reads]);
    for (const r of done) assert.equal(r.status, 200);
    // Each read's data reflects every write whose event id is at or below its position.
    const events = await desk.parley.db
      .selectFrom('stream_events')
      .select(['id', 'payload'])
      .where('ticket_id', '=', id)
      .where('kind', '=', 'ticket.updated')
      .orderBy('id')
      .execute();
    assert.equal(events.length, 8);
    for (const r of done.slice(8)) {
      const at = position(r);
      const seen = events.filter((e) => e.id <= at);
      if (seen.length === 0) continue;
      const last = JSON.parse(seen[seen.length - 1]!.payload).data.changes.find(
        (c: any) => c.field === 'tags',
      );
      assert.deepEqual(r.body.ticket.tags, last.value);
    }
  });
});
