/**
 * `GET /api/v2/users/{id}/slack_profiles`: the Slack profile the channel recorded for a person
 * (the agent workspace's requester panel), for a colleague, a Slack Connect partner and after
 * a merge into an existing user.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachDatabase } from '../helpers/harness.ts';
import { ALICE, PARTNER, sandboxOf, settle, userIdForSlack } from './helpers.ts';

forEachDatabase('Slack profiles of users', (ctx) => {
  async function dm(slackUser: string, text: string): Promise<number> {
    const sent = await sandboxOf(ctx.desk).sendMessage({ user: slackUser, text });
    assert.equal(sent.delivery.status, 'acked');
    await settle(ctx.desk);
    const userId = await userIdForSlack(ctx.desk, slackUser);
    assert.ok(userId, `no Parley user for ${slackUser}`);
    return userId;
  }

  it('shows a colleague’s recorded profile: names, title, email, time zone, team', async () => {
    const userId = await dm(ALICE, 'my laptop will not start');
    const res = await ctx.desk.api('GET', `/api/v2/users/${userId}/slack_profiles`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.count, 1);
    const [p] = res.body.slack_profiles;
    assert.equal(p.slack_user_id, ALICE);
    assert.equal(p.display_name, 'alice');
    assert.equal(p.real_name, 'Alice Example');
    assert.equal(p.title, 'Accountant');
    assert.equal(p.email, 'alice@sandbox.example');
    assert.equal(p.time_zone, 'Europe/Paris');
    assert.match(p.avatar_url, /^http/);
    assert.deepEqual(p.team, { id: 'T0SANDBOX', name: 'Sandbox Workspace', external: false });
    assert.equal(typeof p.connection.id, 'number');
    assert.equal(typeof p.connection.name, 'string');
  });

  it('marks a Slack Connect partner external, with their team’s name', async () => {
    const userId = await dm(PARTNER, 'the shared channel is down');
    const [p] = (await ctx.desk.api('GET', `/api/v2/users/${userId}/slack_profiles`)).body
      .slack_profiles;
    assert.equal(p.slack_user_id, PARTNER);
    assert.equal(p.title, 'Operations');
    assert.equal(p.time_zone, 'America/New_York');
    assert.deepEqual(p.team, { id: 'T0PARTNER', name: 'Partner Co', external: true });
  });

  it('keeps the recorded profile when the Slack-made user is merged into another', async () => {
    const sb = sandboxOf(ctx.desk);
    const slackId = `U0MERGE${ctx.desk.kind === 'sqlite' ? 'S' : 'P'}`;
    sb.addUser({ id: slackId, name: 'Marta Rossi', email: null });
    const source = await dm(slackId, 'ciao, la stampante non va');
    const target = await ctx.desk.api('POST', '/api/v2/users', {
      user: { name: 'Marta Rossi', email: `marta.${ctx.desk.kind}@example.com` },
    });
    assert.equal(target.status, 201, JSON.stringify(target.body));
    const targetId = target.body.user.id as number;
    const none = await ctx.desk.api('GET', `/api/v2/users/${targetId}/slack_profiles`);
    assert.deepEqual(none.body, { slack_profiles: [], count: 0 });
    const merged = await ctx.desk.api('PUT', `/api/v2/users/${source}/merge`, {
      user: { id: targetId },
    });
    assert.equal(merged.status, 200, JSON.stringify(merged.body));
    const after = await ctx.desk.api('GET', `/api/v2/users/${targetId}/slack_profiles`);
    assert.equal(after.body.count, 1);
    assert.equal(after.body.slack_profiles[0].slack_user_id, slackId);
    assert.equal(after.body.slack_profiles[0].real_name, 'Marta Rossi');
    assert.equal(after.body.slack_profiles[0].team.external, false);
  });

  it('is for agents: an end user is refused, an unknown user is a 404', async () => {
    const endUser = await ctx.desk.createEndUser();
    const refused = await ctx.desk.api(
      'GET',
      `/api/v2/users/${endUser.id}/slack_profiles`,
      undefined,
      {
        auth: endUser.auth,
      },
    );
    assert.equal(refused.status, 403);
    const missing = await ctx.desk.api('GET', '/api/v2/users/999999/slack_profiles');
    assert.equal(missing.status, 404);
    const bad = await ctx.desk.api('GET', '/api/v2/users/abc/slack_profiles');
    assert.ok(bad.status >= 400 && bad.status < 500, String(bad.status));
  });
});
