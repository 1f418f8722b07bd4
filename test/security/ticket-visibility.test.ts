import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachDatabase } from '../helpers/harness.ts';

/** What an end user may see of tickets and of the people on them. */
forEachDatabase('ticket visibility', (ctx) => {
  it("side-loads users for the reader: an end user gets neither agents' details nor agents' notes", async () => {
    const { api } = ctx.desk;
    const agent = await ctx.desk.createAgent('Nora Notes');
    const person = await ctx.desk.createEndUser('Pat Person');
    const secret = {
      notes: 'internal: difficult customer',
      details: 'internal: VIP contract',
      phone: '+15550100',
    };
    // The person may see their own phone; not the agent's, nor what agents wrote.
    for (const [id, phone] of [
      [agent.id, secret.phone],
      [person.id, '+15550199'],
    ] as const) {
      const res = await api('PUT', `/api/v2/users/${id}`, { user: { ...secret, phone } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
    const org = await api('POST', '/api/v2/organizations', {
      organization: { name: 'Noted Org', notes: 'internal: late payer', details: 'internal' },
    });
    assert.equal(org.status, 201, JSON.stringify(org.body));
    const t = await api('POST', '/api/v2/tickets', {
      ticket: {
        requester_id: person.id,
        assignee_id: agent.id,
        organization_id: org.body.organization.id,
        comment: { body: 'printer' },
      },
    });
    assert.equal(t.status, 201, JSON.stringify(t.body));
    const id = t.body.ticket.id;
    const reply = await api(
      'PUT',
      `/api/v2/tickets/${id}`,
      { ticket: { comment: { body: 'On it' } } },
      { auth: agent.auth },
    );
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const answer = await api(
      'PUT',
      `/api/v2/tickets/${id}`,
      { ticket: { comment: { body: 'Thanks' } } },
      { auth: person.auth },
    );
    assert.equal(answer.status, 200, JSON.stringify(answer.body));

    const include = 'include=users,organizations';
    const paths = [
      `/api/v2/tickets?${include}`,
      `/api/v2/tickets/${id}?${include}`,
      `/api/v2/tickets/show_many?ids=${id}&${include}`,
      `/api/v2/tickets/${id}/comments?include=users`,
    ];
    for (const path of paths) {
      const seen = await api('GET', path, undefined, { auth: person.auth });
      assert.equal(seen.status, 200, `${path}: ${JSON.stringify(seen.body)}`);
      const users = seen.body.users as any[];
      const self = users.find((u) => u.id === person.id);
      const other = users.find((u) => u.id === agent.id);
      assert.ok(self && other, path);
      // Their own profile, as /users/me shows it: nothing agents wrote about them.
      assert.equal(self.notes, undefined, path);
      assert.equal(self.details, undefined, path);
      assert.equal(self.name, 'Pat Person');
      // Of the agent, only what a conversation shows.
      assert.deepEqual(Object.keys(other).sort(), ['id', 'name', 'photo', 'role', 'url'], path);
      assert.equal(other.name, 'Nora Notes');
      assert.doesNotMatch(JSON.stringify(seen.body), /internal|\+15550100/, path);
      for (const o of (seen.body.organizations ?? []) as any[]) {
        assert.equal(o.notes, undefined, path);
        assert.equal(o.details, undefined, path);
      }
    }
    // Agents still see everything.
    for (const path of paths) {
      const seen = await api('GET', path);
      const other = (seen.body.users as any[]).find((u) => u.id === agent.id);
      assert.equal(other.notes, secret.notes, path);
      assert.equal(other.phone, secret.phone, path);
      const self = (seen.body.users as any[]).find((u) => u.id === person.id);
      assert.equal(self.details, secret.details, path);
    }
  });
});
