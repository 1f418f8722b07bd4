import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachDatabase } from '../helpers/harness.ts';

/** What ticket writes do with what they are sent: nothing is dropped without saying so. */
forEachDatabase('ticket writes', (ctx) => {
  const create = async (ticket: Record<string, unknown> = {}) => {
    const res = await ctx.desk.api('POST', '/api/v2/tickets', {
      ticket: { subject: 'Guarded', comment: { body: 'first' }, ...ticket },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.ticket;
  };
  const audits = async (id: number) =>
    (await ctx.desk.api('GET', `/api/v2/tickets/${id}/audits`)).body.audits as any[];

  it('refuses a safe update with a stale stamp with 409 UpdateConflict and writes nothing', async () => {
    const { api, parley } = ctx.desk;
    const ticket = await create();
    // Last changed a while ago (so that the next change cannot land in the same second)...
    await parley.db
      .updateTable('tickets')
      .set({ updated_at: '2026-01-01T00:00:00.000Z' })
      .where('id', '=', ticket.id)
      .execute();
    const read = (await api('GET', `/api/v2/tickets/${ticket.id}`)).body.ticket;
    assert.equal(read.updated_at, '2026-01-01T00:00:00Z');
    // ...then another agent changes it after this client read it. Without safe_update a
    // stamp is no guard.
    const moved = await api('PUT', `/api/v2/tickets/${ticket.id}`, {
      ticket: { updated_stamp: read.updated_at, priority: 'low' },
    });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    const stale = await api('PUT', `/api/v2/tickets/${ticket.id}`, {
      ticket: {
        safe_update: true,
        updated_stamp: read.updated_at,
        priority: 'urgent',
        comment: { body: 'overwrites' },
      },
    });
    assert.equal(stale.status, 409, JSON.stringify(stale.body));
    assert.equal(stale.body.error, 'UpdateConflict');
    assert.match(stale.body.description, /Safe Update prevented the update/);
    const after = await api('GET', `/api/v2/tickets/${ticket.id}`);
    assert.equal(after.body.ticket.priority, 'low');
    assert.equal(after.body.ticket.updated_at, moved.body.ticket.updated_at);
    assert.equal((await audits(ticket.id)).length, 2);
    const comments = await api('GET', `/api/v2/tickets/${ticket.id}/comments`);
    assert.equal(comments.body.comments.length, 1);

    // The tags endpoint takes the same guard.
    const tags = await api('PUT', `/api/v2/tickets/${ticket.id}/tags`, {
      tags: ['late'],
      safe_update: true,
      updated_stamp: read.updated_at,
    });
    assert.equal(tags.status, 409, JSON.stringify(tags.body));
    assert.equal(tags.body.error, 'UpdateConflict');
  });

  it('applies a safe update whose stamp is the ticket’s updated_at', async () => {
    const { api } = ctx.desk;
    const ticket = await create();
    const fresh = await api('PUT', `/api/v2/tickets/${ticket.id}`, {
      ticket: { safe_update: true, updated_stamp: ticket.updated_at, priority: 'high' },
    });
    assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
    assert.equal(fresh.body.ticket.priority, 'high');
    const noStamp = await api('PUT', `/api/v2/tickets/${ticket.id}`, {
      ticket: { safe_update: true, priority: 'low' },
    });
    assert.equal(noStamp.status, 422, JSON.stringify(noStamp.body));
    assert.ok(noStamp.body.details.updated_stamp);
    const badStamp = await api('PUT', `/api/v2/tickets/${ticket.id}`, {
      ticket: { safe_update: true, updated_stamp: 'yesterday', priority: 'low' },
    });
    assert.equal(badStamp.status, 422, JSON.stringify(badStamp.body));
    const tags = await api('PUT', `/api/v2/tickets/${ticket.id}/tags`, {
      tags: ['fresh'],
      safe_update: true,
      updated_stamp: fresh.body.ticket.updated_at,
    });
    assert.equal(tags.status, 200, JSON.stringify(tags.body));
  });
});
