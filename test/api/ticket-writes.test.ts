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

  it('assigns by assignee_email, and refuses an address that names no agent', async () => {
    const { api } = ctx.desk;
    const agent = await ctx.desk.createAgent('Emma Email');
    const other = await ctx.desk.createAgent('Otto Other');
    const person = await ctx.desk.createEndUser('Ned Enduser');
    const created = await api('POST', '/api/v2/tickets', {
      ticket: { comment: { body: 'assign me' }, assignee_email: agent.email.toUpperCase() },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.ticket.assignee_id, agent.id);
    assert.equal(created.body.ticket.status, 'open');
    const id = created.body.ticket.id;
    const moved = await api('PUT', `/api/v2/tickets/${id}`, {
      ticket: { assignee_email: other.email },
    });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.equal(moved.body.ticket.assignee_id, other.id);
    for (const [email, why] of [
      ['nobody@example.com', /no user/],
      [person.email, /must be an agent/],
    ] as const) {
      const res = await api('PUT', `/api/v2/tickets/${id}`, { ticket: { assignee_email: email } });
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.match(res.body.details.assignee_email[0].description, why);
    }
    const both = await api('PUT', `/api/v2/tickets/${id}`, {
      ticket: { assignee_email: agent.email, assignee_id: other.id },
    });
    assert.equal(both.status, 422, JSON.stringify(both.body));
    assert.ok(both.body.details.assignee_email);
    const malformed = await api('POST', '/api/v2/tickets', {
      ticket: { comment: { body: 'x' }, assignee_email: 'not an email' },
    });
    assert.equal(malformed.status, 422, JSON.stringify(malformed.body));
    assert.equal((await api('GET', `/api/v2/tickets/${id}`)).body.ticket.assignee_id, other.id);
  });

  it('keeps the recipient and shows it on every read', async () => {
    const { api } = ctx.desk;
    const created = await create({ recipient: 'help@example.com' });
    assert.equal(created.recipient, 'help@example.com');
    const id = created.id;
    const show = await api('GET', `/api/v2/tickets/${id}`);
    assert.equal(show.body.ticket.recipient, 'help@example.com');
    const list = await api('GET', `/api/v2/tickets/show_many?ids=${id}`);
    assert.equal(list.body.tickets[0].recipient, 'help@example.com');
    const changed = await api('PUT', `/api/v2/tickets/${id}`, {
      ticket: { recipient: 'it@example.com' },
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(changed.body.ticket.recipient, 'it@example.com');
    const event = changed.body.audit.events.find((e: any) => e.field_name === 'recipient');
    assert.deepEqual([event.previous_value, event.value], ['help@example.com', 'it@example.com']);
    assert.equal(
      (await api('GET', `/api/v2/tickets/${id}`)).body.ticket.recipient,
      'it@example.com',
    );
    const bad = await api('PUT', `/api/v2/tickets/${id}`, { ticket: { recipient: 'nope' } });
    assert.equal(bad.status, 422, JSON.stringify(bad.body));
    assert.ok(bad.body.details.recipient);
  });

  it("keeps a write's metadata in its audit as metadata.custom", async () => {
    const { api } = ctx.desk;
    const created = await api('POST', '/api/v2/tickets', {
      ticket: { comment: { body: 'timed' }, metadata: { time_spent: '4m12s', source: 'crm' } },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body.audit.metadata.custom, { time_spent: '4m12s', source: 'crm' });
    const id = created.body.ticket.id;
    const updated = await api('PUT', `/api/v2/tickets/${id}`, {
      ticket: { priority: 'low', metadata: { account: 'integrations' } },
    });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.deepEqual(updated.body.audit.metadata.custom, { account: 'integrations' });
    const all = await audits(id);
    assert.deepEqual(
      all.map((a) => a.metadata.custom),
      [{ time_spent: '4m12s', source: 'crm' }, { account: 'integrations' }],
    );
    const bad = await api('PUT', `/api/v2/tickets/${id}`, { ticket: { metadata: 'text' } });
    assert.equal(bad.status, 422, JSON.stringify(bad.body));
    assert.ok(bad.body.details.metadata);
  });

  it('refuses a value for a field Parley does not keep yet, naming it, and writes nothing', async () => {
    const { api } = ctx.desk;
    const ticket = await create();
    const values: Record<string, unknown> = {
      custom_fields: [{ id: 360001, value: 'gold' }],
      fields: [{ id: 360001, value: 'gold' }],
      collaborator_ids: [ctx.desk.adminId],
      email_ccs: [{ user_email: 'cc@example.com', action: 'put' }],
      problem_id: ticket.id,
      ticket_form_id: 42,
      macro_ids: [7],
    };
    const count = async () => (await api('GET', '/api/v2/tickets/count')).body.count.value;
    const before = await count();
    for (const [field, value] of Object.entries(values)) {
      const created = await api('POST', '/api/v2/tickets', {
        ticket: { comment: { body: 'with extras' }, [field]: value },
      });
      assert.equal(created.status, 422, `${field}: ${JSON.stringify(created.body)}`);
      assert.equal(created.body.error, 'RecordInvalid');
      assert.match(created.body.details[field][0].description, /not supported/, field);
      const updated = await api('PUT', `/api/v2/tickets/${ticket.id}`, {
        ticket: { subject: 'changed', [field]: value },
      });
      assert.equal(updated.status, 422, `${field}: ${JSON.stringify(updated.body)}`);
      assert.ok(updated.body.details[field], field);
    }
    assert.equal(await count(), before);
    assert.equal((await audits(ticket.id)).length, 1);
    assert.equal((await api('GET', `/api/v2/tickets/${ticket.id}`)).body.ticket.subject, 'Guarded');

    // Empty values, as clients send them by default, are accepted; so is a ticket read back.
    const empty = await api('POST', '/api/v2/tickets', {
      ticket: {
        comment: { body: 'defaults' },
        custom_fields: [],
        fields: [],
        collaborator_ids: [],
        email_ccs: [],
        problem_id: null,
        ticket_form_id: null,
        macro_ids: [],
      },
    });
    assert.equal(empty.status, 201, JSON.stringify(empty.body));
    const roundTrip = await api('PUT', `/api/v2/tickets/${empty.body.ticket.id}`, {
      ticket: { ...empty.body.ticket, subject: 'read and written back' },
    });
    assert.equal(roundTrip.status, 200, JSON.stringify(roundTrip.body));
    assert.equal(roundTrip.body.ticket.subject, 'read and written back');
  });

  it('refuses an end user the fields agents triage with, naming each, and creates nothing', async () => {
    const { api } = ctx.desk;
    const person = await ctx.desk.createEndUser('Rhea Requester');
    const agent = await ctx.desk.createAgent('Triage Agent');
    const as = { auth: person.auth };
    const triage: Record<string, unknown> = {
      status: 'solved',
      priority: 'urgent',
      type: 'incident',
      tags: ['vip'],
      due_at: '2030-01-01T00:00:00Z',
      external_id: 'crm-1',
      assignee_id: agent.id,
      requester_id: agent.id,
    };
    const requested = `/api/v2/users/${person.id}/tickets/requested`;
    const mine = async () => (await api('GET', requested)).body.tickets.length;
    for (const [field, value] of Object.entries(triage)) {
      const res = await api(
        'POST',
        '/api/v2/tickets',
        { ticket: { subject: 'Help', comment: { body: 'please' }, [field]: value } },
        as,
      );
      assert.equal(res.status, 422, `${field}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error, 'RecordInvalid');
      assert.match(res.body.details[field][0].description, /end users cannot set/, field);
    }
    const all = await api(
      'POST',
      '/api/v2/tickets',
      { ticket: { comment: { body: 'everything' }, ...triage } },
      as,
    );
    assert.equal(all.status, 422, JSON.stringify(all.body));
    assert.deepEqual(Object.keys(all.body.details).sort(), Object.keys(triage).sort());
    assert.equal(await mine(), 0);

    // Empty values, and naming themselves, are no triage.
    const plain = await api(
      'POST',
      '/api/v2/tickets',
      {
        ticket: {
          subject: 'Help',
          comment: { body: 'please' },
          priority: null,
          type: null,
          tags: [],
          external_id: null,
          requester_id: person.id,
        },
      },
      as,
    );
    assert.equal(plain.status, 201, JSON.stringify(plain.body));
    const t = plain.body.ticket;
    assert.deepEqual(
      [t.status, t.priority, t.type, t.tags, t.due_at, t.external_id, t.requester_id],
      ['new', null, null, [], null, null, person.id],
    );
    assert.equal(await mine(), 1);
  });
});
