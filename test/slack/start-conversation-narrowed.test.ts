import assert from 'node:assert/strict';
import { it } from 'node:test';
import { nowIso } from '../../src/desk/time.ts';
import { forEachDatabase, type TestDesk } from '../helpers/harness.ts';
import { partnerWithTicket, personWithTicket, sandboxOf, settle } from './helpers.ts';

const OTHER_TEAM = 'T0OTHERWS';

/** The sandbox's own active connection. */
async function sandboxConnection(desk: TestDesk): Promise<{ id: number; team_id: string }> {
  const res = await desk.api('GET', '/api/v2/slack/conversations/connections');
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.connections.find((c: { team_id: string }) => c.team_id === 'T0SANDBOX');
}

/**
 * An active connection in another Slack workspace (the sandbox has one workspace of its own):
 * as an admin would have installed it; no DM is ever opened through it here.
 */
async function otherWorkspaceConnection(desk: TestDesk): Promise<number> {
  const own = await desk.parley.db
    .selectFrom('slack_connections')
    .select(['app_id', 'brand_id'])
    .where('team_id', '=', 'T0SANDBOX')
    .executeTakeFirstOrThrow();
  const now = nowIso();
  const row = await desk.parley.db
    .insertInto('slack_connections')
    .values({
      name: 'Other Co Desk',
      brand_id: own.brand_id,
      app_id: own.app_id,
      mode: 'bot',
      status: 'active',
      status_reason: null,
      team_id: OTHER_TEAM,
      team_name: 'Other Co',
      enterprise_id: null,
      slack_app_id: null,
      identity_user_id: null,
      bot_id: null,
      token_enc: null,
      scopes: null,
      installed_at: now,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A person the channel recorded from the other workspace (as its ingest would have). */
async function otherWorkspacePerson(desk: TestDesk, name: string): Promise<number> {
  const slackId = `U0OTHER${Math.floor(Math.random() * 1e9)}`;
  const made = await desk.api('POST', '/api/v2/users', {
    user: { name, identities: [{ type: 'messaging', value: slackId }] },
  });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const id = made.body.user.id as number;
  await desk.parley.db
    .updateTable('users')
    .set({ user_fields: JSON.stringify({ slack_user_id: slackId, slack_team_id: OTHER_TEAM }) })
    .where('id', '=', id)
    .execute();
  return id;
}

async function people(desk: TestDesk, query: string, connectionId: number | string) {
  const params = new URLSearchParams({ query, connection_id: String(connectionId) });
  const res = await desk.api('GET', `/api/v2/slack/conversations/people?${params.toString()}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.people as {
    id: number;
    slack_user_id: string | null;
    unreachable: string | null;
  }[];
}

/** An agent whose custom role withholds the messaging permission. */
async function restrictedAgent(desk: TestDesk) {
  const agent = await desk.createAgent('Rita Restricted');
  const role = await desk.api('POST', '/api/v2/custom_roles', {
    custom_role: { name: 'No chat', configuration: { ticket_access: 'all', chat_access: false } },
  });
  assert.equal(role.status, 201, JSON.stringify(role.body));
  await desk.parley.db
    .updateTable('users')
    .set({ custom_role_id: role.body.custom_role.id })
    .where('id', '=', agent.id)
    .execute();
  return agent;
}

forEachDatabase('starting a Slack conversation: narrowed to the connection', (ctx) => {
  it('lists people with the identity the chosen connection reaches, the others disabled with why', async () => {
    const own = (await sandboxConnection(ctx.desk)).id;
    const other = await otherWorkspaceConnection(ctx.desk);
    const { userId: local } = await personWithTicket(ctx.desk, 'hello');
    const { userId: partner } = await partnerWithTicket(ctx.desk, 'hi from a partner');
    const remote = await otherWorkspacePerson(ctx.desk, 'Remo Narrowed');
    const plain = await ctx.desk.createEndUser('Nora Narrowed');
    const local1 = (await ctx.desk.api('GET', `/api/v2/users/${local}`)).body.user;
    const partner1 = (await ctx.desk.api('GET', `/api/v2/users/${partner}`)).body.user;

    // The sandbox's own connection: its workspace's person, and a partner who has a DM with it.
    const onOwn = await people(ctx.desk, local1.name, own);
    assert.equal(onOwn.find((p) => p.id === local)?.unreachable, null);
    assert.match(onOwn.find((p) => p.id === local)!.slack_user_id!, /^U0PERSON/);
    const partnerOnOwn = (await people(ctx.desk, partner1.name, own)).find((p) => p.id === partner);
    assert.equal(partnerOnOwn?.unreachable, null, 'a Slack Connect partner with a DM');
    const narrowed = await people(ctx.desk, 'Narrowed', own);
    assert.deepEqual(
      narrowed.map((p) => [p.id, p.slack_user_id, p.unreachable]),
      [
        [plain.id, null, 'no_slack_identity'],
        [remote, null, 'other_workspace'],
      ],
    );

    // The other workspace's connection: the other way round.
    assert.deepEqual(
      (await people(ctx.desk, 'Narrowed', other)).map((p) => [p.id, p.unreachable]),
      [
        [remote, null],
        [plain.id, 'no_slack_identity'],
      ],
    );
    const localOnOther = (await people(ctx.desk, local1.name, other)).find((p) => p.id === local);
    assert.deepEqual(localOnOther && [localOnOther.slack_user_id, localOnOther.unreachable], [
      null,
      'other_workspace',
    ]);
    const partnerOnOther = (await people(ctx.desk, partner1.name, other)).find(
      (p) => p.id === partner,
    );
    assert.equal(partnerOnOther?.unreachable, 'other_workspace');
  });

  it('requires an active connection_id for people, with a 422 naming it', async () => {
    const made = await ctx.desk.api('POST', '/api/v2/slack/connections', {
      connection: { name: 'Pending Desk' },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    for (const [suffix, words] of [
      ['', /is required/],
      ['&connection_id=', /is required/],
      ['&connection_id=abc', /must be a connection id/],
      ['&connection_id=999999', /no Slack connection with id 999999/],
      [`&connection_id=${made.body.connection.id}`, /is not active/],
    ] as const) {
      const res = await ctx.desk.api('GET', `/api/v2/slack/conversations/people?query=a${suffix}`);
      assert.equal(res.status, 422, suffix);
      assert.equal(res.body.error, 'RecordInvalid');
      assert.match(res.body.details.connection_id[0].description, words, suffix);
    }
  });

  it('refuses to start a conversation with a person the connection cannot reach, before Slack', async () => {
    const own = (await sandboxConnection(ctx.desk)).id;
    const other = await otherWorkspaceConnection(ctx.desk);
    const sb = sandboxOf(ctx.desk);
    const { person, userId } = await personWithTicket(ctx.desk, 'hello');
    const remote = await otherWorkspacePerson(ctx.desk, 'Remo Refused');
    const opened = sb.conversationView(person).messages.length;
    const cases: [number, number, RegExp][] = [
      [other, userId, /no Slack identity in this connection's workspace/],
      [own, remote, /no Slack identity in this connection's workspace/],
      [own, (await ctx.desk.createEndUser('Nobody Slack')).id, /^User: has no Slack identity$/],
    ];
    for (const [connectionId, user, words] of cases) {
      const res = await ctx.desk.api('POST', '/api/v2/slack/conversations', {
        conversation: { connection_id: connectionId, user_id: user, comment: { body: 'Hi' } },
      });
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.equal(res.body.error, 'RecordInvalid');
      assert.match(res.body.details.user_id[0].description, words);
    }
    await settle(ctx.desk);
    assert.equal(sb.conversationView(person).messages.length, opened);
    // The connection is checked as for people.
    const res = await ctx.desk.api('POST', '/api/v2/slack/conversations', {
      conversation: { connection_id: 999999, user_id: userId, comment: { body: 'Hi' } },
    });
    assert.equal(res.status, 422);
    assert.match(res.body.details.connection_id[0].description, /no Slack connection/);
  });

  it('refuses agents whose role withholds messaging: no connections, no people, no new ticket', async () => {
    const own = (await sandboxConnection(ctx.desk)).id;
    const { userId } = await personWithTicket(ctx.desk, 'hello');
    const rita = await restrictedAgent(ctx.desk);
    const opts = { auth: rita.auth };
    const reads = [
      '/api/v2/slack/conversations/connections',
      `/api/v2/slack/conversations/people?query=a&connection_id=${own}`,
    ];
    for (const path of reads) {
      const res = await ctx.desk.api('GET', path, undefined, opts);
      assert.equal(res.status, 403, path);
      assert.equal(res.body.error, 'Forbidden');
    }
    const count = async () =>
      (await ctx.desk.api('GET', `/api/v2/users/${userId}/tickets/requested`)).body.count as number;
    const before = await count();
    const res = await ctx.desk.api(
      'POST',
      '/api/v2/slack/conversations',
      { conversation: { connection_id: own, user_id: userId, comment: { body: 'Hi' } } },
      opts,
    );
    assert.equal(res.status, 403, JSON.stringify(res.body));
    assert.equal(res.body.error, 'Forbidden');
    assert.match(res.body.description, /messaging/);
    assert.equal(await count(), before);
  });

  it("names a conversation started without a subject in the starting agent's language", async () => {
    const own = (await sandboxConnection(ctx.desk)).id;
    const { userId } = await personWithTicket(ctx.desk, 'hello');
    const name = (await ctx.desk.api('GET', `/api/v2/users/${userId}`)).body.user.name;
    // The person's own ticket, from their DM: the desk's default language.
    const [first] = (await ctx.desk.api('GET', `/api/v2/users/${userId}/tickets/requested`)).body
      .tickets;
    assert.equal(first.subject, `Conversation with ${name}`);
    await ctx.desk.api('PUT', `/api/v2/tickets/${first.id}`, { ticket: { status: 'solved' } });
    const giulia = await ctx.desk.createAgent('Giulia Agente');
    await ctx.desk.parley.db
      .updateTable('users')
      .set({ locale: 'it-IT' })
      .where('id', '=', giulia.id)
      .execute();
    const started = await ctx.desk.api(
      'POST',
      '/api/v2/slack/conversations',
      { conversation: { connection_id: own, user_id: userId, comment: { body: 'Ciao!' } } },
      { auth: giulia.auth },
    );
    assert.equal(started.status, 201, JSON.stringify(started.body));
    assert.equal(started.body.ticket.subject, `Conversazione con ${name}`);
    // The first ticket keeps its subject.
    const again = await ctx.desk.api('GET', `/api/v2/tickets/${first.id}`);
    assert.equal(again.body.ticket.subject, `Conversation with ${name}`);
  });
});
