import assert from 'node:assert/strict';
import { it } from 'node:test';
import { presentTicket } from '../../src/http/shared/read-model/ticket-json.ts';
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

forEachDatabase('private first comments', (ctx) => {
  const internal = 'Internal: the requester is on the watch list';

  /** A ticket for `requesterId` that begins with an internal note. */
  async function privateTicket(requesterId: number) {
    const res = await ctx.desk.api('POST', '/api/v2/tickets', {
      ticket: {
        subject: 'Account review',
        requester_id: requesterId,
        comment: { body: internal, public: false },
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.ticket;
  }

  it('hides a ticket of internal notes from its requester, and its description after', async () => {
    const { api } = ctx.desk;
    const person = await ctx.desk.createEndUser('Quinn Quiet');
    const as = { auth: person.auth };
    const ticket = await privateTicket(person.id);
    assert.equal(ticket.is_public, false);
    assert.equal(ticket.description, internal);

    // Not public: to the requester it does not exist.
    const ids = (r: any) => (r.body.tickets as any[]).map((t) => t.id);
    assert.equal((await api('GET', `/api/v2/tickets/${ticket.id}`, undefined, as)).status, 404);
    assert.deepEqual(ids(await api('GET', '/api/v2/tickets', undefined, as)), []);
    const many = await api('GET', `/api/v2/tickets/show_many?ids=${ticket.id}`, undefined, as);
    assert.deepEqual(ids(many), []);
    const requested = `/api/v2/users/${person.id}/tickets/requested`;
    assert.deepEqual(ids(await api('GET', requested, undefined, as)), []);
    const comments = `/api/v2/tickets/${ticket.id}/comments`;
    assert.equal((await api('GET', comments, undefined, as)).status, 404);
    const write = await api(
      'PUT',
      `/api/v2/tickets/${ticket.id}`,
      { ticket: { comment: { body: 'hello?' } } },
      as,
    );
    assert.equal(write.status, 404, JSON.stringify(write.body));

    // An agent's public reply makes it public; the note stays internal.
    const reply = await api('PUT', `/api/v2/tickets/${ticket.id}`, {
      ticket: { comment: { body: 'Please confirm your address' } },
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.ticket.is_public, true);
    const shown = await api('GET', `/api/v2/tickets/${ticket.id}`, undefined, as);
    assert.equal(shown.status, 200, JSON.stringify(shown.body));
    assert.equal(shown.body.ticket.is_public, true);
    assert.equal(shown.body.ticket.description, '');
    assert.deepEqual(ids(await api('GET', requested, undefined, as)), [ticket.id]);
    const theirs = await api('GET', comments, undefined, as);
    assert.deepEqual(
      theirs.body.comments.map((c: any) => c.body),
      ['Please confirm your address'],
    );
    const answer = await api(
      'PUT',
      `/api/v2/tickets/${ticket.id}`,
      { ticket: { comment: { body: 'Confirmed' } } },
      as,
    );
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.doesNotMatch(JSON.stringify(answer.body), /watch list/);
    // Agents still read the description.
    const agentView = await api('GET', `/api/v2/tickets/${ticket.id}`);
    assert.equal(agentView.body.ticket.description, internal);
  });

  it('never serves a rendering kept for agents to an end user, nor the reverse', async () => {
    const { api, parley } = ctx.desk;
    const person = await ctx.desk.createEndUser('Casey Cached');
    const as = { auth: person.auth };
    const make = async () => {
      const t = await privateTicket(person.id);
      const r = await api('PUT', `/api/v2/tickets/${t.id}`, {
        ticket: { comment: { body: 'public now' } },
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return t.id as number;
    };
    // Lists first: they serve kept renderings, where a show renders afresh (and keeps that).
    const descriptions = async (id: number, opts?: { auth: string }) => {
      const many = await api('GET', `/api/v2/tickets/show_many?ids=${id}`, undefined, opts);
      const list = await api('GET', '/api/v2/tickets?page[size]=100', undefined, opts);
      const listed = (list.body.tickets as any[]).find((t) => t.id === id);
      const one = await api('GET', `/api/v2/tickets/${id}`, undefined, opts);
      return [many.body.tickets[0].description, listed.description, one.body.ticket.description];
    };
    const cache = parley.renderedTickets;

    // Kept for agents first (a ticket is kept from its second rendering on)...
    const first = await make();
    assert.deepEqual(await descriptions(first), [internal, internal, internal]);
    const hits = cache.hits;
    assert.deepEqual(await descriptions(first), [internal, internal, internal]);
    assert.ok(cache.hits > hits, 'the agent rendering is served from the cache');
    // ...then read by the requester.
    assert.deepEqual(await descriptions(first, as), ['', '', '']);

    // Kept for the requester first, then read by an agent.
    const second = await make();
    assert.deepEqual(await descriptions(second, as), ['', '', '']);
    const before = cache.hits;
    assert.deepEqual(await descriptions(second, as), ['', '', '']);
    assert.ok(cache.hits > before, 'the end-user rendering is served from the cache');
    assert.deepEqual(await descriptions(second), [internal, internal, internal]);

    // The end user's rendering is the same JSON on every path and database.
    const row = await parley.db
      .selectFrom('tickets')
      .selectAll()
      .where('id', '=', second)
      .executeTakeFirstOrThrow();
    const want = presentTicket(row, parley.config.publicUrl, { audience: 'end-user' });
    const got = await api('GET', `/api/v2/tickets/${second}`, undefined, as);
    assert.equal(JSON.stringify(got.body.ticket), JSON.stringify(want));
  });
});
