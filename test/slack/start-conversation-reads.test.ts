import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachDatabase } from '../helpers/harness.ts';
import { personWithTicket } from './helpers.ts';

/** The reads an agent starts a Slack conversation with: active connections, people to reach. */
forEachDatabase('reads for starting a Slack conversation', (ctx) => {
  it('lists the active connections to an agent, without the admin fields', async () => {
    const agent = await ctx.desk.createAgent('Connie Agent');
    const res = await ctx.desk.api('GET', '/api/v2/slack/conversations/connections', undefined, {
      auth: agent.auth,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.count, 1);
    const [c] = res.body.connections;
    assert.equal(c.team_id, 'T0SANDBOX');
    assert.deepEqual(Object.keys(c).sort(), ['brand_id', 'id', 'name', 'team_id', 'team_name']);
    // A connection that is not active is not offered.
    const made = await ctx.desk.api('POST', '/api/v2/slack/connections', {
      connection: { name: 'HR Desk' },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const again = await ctx.desk.api('GET', '/api/v2/slack/conversations/connections');
    assert.deepEqual(
      again.body.connections.map((x: { id: number }) => x.id),
      [c.id],
    );
  });

  it('finds people by name or email, with their Slack identity or none', async () => {
    const { userId } = await personWithTicket(ctx.desk, 'hello from Slack');
    const person = (await ctx.desk.api('GET', `/api/v2/users/${userId}`)).body.user;
    const plain = await ctx.desk.createEndUser(`${person.name} Lookalike`);
    const connection = (await ctx.desk.api('GET', '/api/v2/slack/conversations/connections')).body
      .connections[0];
    const on = `&connection_id=${connection.id}`;
    const byName = await ctx.desk.api(
      'GET',
      `/api/v2/slack/conversations/people?query=${encodeURIComponent(person.name)}${on}`,
    );
    assert.equal(byName.status, 200, JSON.stringify(byName.body));
    const ids = byName.body.people.map((p: { id: number }) => p.id);
    assert.deepEqual(ids, [userId, plain.id], 'Slack people first');
    assert.match(byName.body.people[0].slack_user_id, /^U0PERSON/);
    assert.equal(byName.body.people[1].slack_user_id, null);
    assert.deepEqual(
      byName.body.people.map((p: { unreachable: string | null }) => p.unreachable),
      [null, 'no_slack_identity'],
    );
    const byEmail = await ctx.desk.api(
      'GET',
      `/api/v2/slack/conversations/people?query=${encodeURIComponent(person.email)}${on}`,
    );
    assert.deepEqual(
      byEmail.body.people.map((p: { id: number }) => p.id),
      [userId],
    );
    // Search syntax is read as plain words: never a malformed query.
    const odd = await ctx.desk.api(
      'GET',
      `/api/v2/slack/conversations/people?query=${encodeURIComponent('"unclosed created>')}${on}`,
    );
    assert.equal(odd.status, 200, JSON.stringify(odd.body));
    const none = await ctx.desk.api('GET', `/api/v2/slack/conversations/people?${on.slice(1)}`);
    assert.equal(none.status, 400);
    assert.match(none.body.description, /query/);
  });

  it('refuses end users', async () => {
    const erin = await ctx.desk.createEndUser();
    for (const path of ['connections', 'people?query=a']) {
      const res = await ctx.desk.api('GET', `/api/v2/slack/conversations/${path}`, undefined, {
        auth: erin.auth,
      });
      assert.equal(res.status, 403, path);
    }
  });
});
