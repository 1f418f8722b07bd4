import assert from 'node:assert/strict';
import { it } from 'node:test';
import { editCommentFromChannel } from '../../src/desk/comments/edit-comment-from-channel.ts';
import { markCommentDeleted } from '../../src/desk/comments/mark-comment-deleted.ts';
import type { Actor } from '../../src/desk/context.ts';
import { createEndUserFromChannel } from '../../src/desk/create-end-user-from-channel.ts';
import { systemUser } from '../../src/desk/system-user.ts';
import { nowIso } from '../../src/desk/time.ts';
import { via } from '../../src/desk/via.ts';
import { transaction } from '../../src/db/transaction.ts';
import { forEachDatabase } from '../helpers/harness.ts';

/** The desk commands a messaging channel changes desk data through, and what they record. */
forEachDatabase('channel commands', (ctx) => {
  const channelVia = via('business_messaging_slack_connect', {
    from: { slack_user_id: 'U0CMD' },
    to: { slack_connection_id: 1, channel_id: 'D0CMD' },
    rel: 'slack_dm',
  });
  const profile = (value: string, extra: Record<string, unknown> = {}) => ({
    identity: { type: 'slack' as const, value },
    name: `Person ${value}`,
    email: null,
    photoUrl: null,
    timeZone: null,
    locale: null,
    externalTeam: null,
    userFields: { slack_user_id: value },
    ...extra,
  });
  const audits = async (ticketId: number) =>
    (await ctx.desk.api('GET', `/api/v2/tickets/${ticketId}/audits`)).body.audits as any[];

  /** A ticket the person requested, with its one comment. */
  const ticketBy = async (requesterId: number) => {
    const res = await ctx.desk.api('POST', '/api/v2/tickets', {
      ticket: {
        subject: 'From a channel',
        comment: { body: 'typo herre' },
        requester_id: requesterId,
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const ticketId: number = res.body.ticket.id;
    const comments = (await ctx.desk.api('GET', `/api/v2/tickets/${ticketId}/comments`)).body
      .comments;
    return { ticketId, commentId: comments[0].id as number };
  };

  it('creates an end user with the channel identity, or gives the identity to the email owner', async () => {
    const { db } = ctx.desk.parley;
    const now = nowIso();
    const created = await transaction(db, (trx) =>
      createEndUserFromChannel(trx, profile('U0NEW', { locale: 'de' }), now),
    );
    assert.equal(created.role, 'end-user');
    assert.equal(created.locale, 'de');
    assert.deepEqual(JSON.parse(created.user_fields), { slack_user_id: 'U0NEW' });
    const agent = await ctx.desk.createAgent('Known Agent');
    const joined = await transaction(db, (trx) =>
      createEndUserFromChannel(trx, profile('U0KNOWN', { email: agent.email }), now),
    );
    assert.equal(joined.id, agent.id);
    const identities = (await ctx.desk.api('GET', `/api/v2/users/${agent.id}/identities`)).body
      .identities;
    assert.ok(identities.some((i: any) => i.value === 'U0KNOWN'));
  });

  it('puts people from another team in that team’s organization, marked shared', async () => {
    const { db } = ctx.desk.parley;
    const team = {
      externalId: 'slack:T0CMD',
      name: 'Partner Team',
      nameIfTaken: 'Partner Team (T0CMD)',
      details: 'Slack Connect team T0CMD',
    };
    const [a, b] = await transaction(db, async (trx) => [
      await createEndUserFromChannel(trx, profile('U0EXT1', { externalTeam: team }), nowIso()),
      await createEndUserFromChannel(trx, profile('U0EXT2', { externalTeam: team }), nowIso()),
    ]);
    assert.equal(a.shared, 1);
    assert.ok(a.organization_id);
    assert.equal(b.organization_id, a.organization_id);
  });

  it('edits a comment from the channel, keeping the first text in an Info event by the actor', async () => {
    const { db } = ctx.desk.parley;
    const user = await transaction(db, (trx) =>
      createEndUserFromChannel(trx, profile('U0EDIT'), nowIso()),
    );
    const { ticketId, commentId } = await ticketBy(user.id);
    const actor: Actor = { user, via: channelVia };
    const comment = {
      id: commentId,
      ticketId,
      body: 'typo herre',
      channel: 'slack',
      reference: { slack_ts: '1.000100' },
    };
    await transaction(db, (trx) =>
      editCommentFromChannel(trx, actor, comment, 'typo **here**', nowIso()),
    );
    const comments = (await ctx.desk.api('GET', `/api/v2/tickets/${ticketId}/comments`)).body
      .comments;
    assert.equal(comments[0].body, 'typo **here**');
    const audit = (await audits(ticketId)).at(-1);
    assert.equal(audit.author_id, user.id);
    assert.equal(audit.via.channel, 'business_messaging_slack_connect');
    assert.deepEqual(audit.events, [
      {
        id: audit.events[0].id,
        type: 'Info',
        action: 'comment_edited_in_slack',
        comment_id: commentId,
        slack_ts: '1.000100',
        previous_body: 'typo herre',
        body: 'typo **here**',
      },
    ]);
  });

  it('marks a comment deleted from the channel, with an Info event by the actor', async () => {
    const { db } = ctx.desk.parley;
    const user = await transaction(db, (trx) =>
      createEndUserFromChannel(trx, profile('U0DEL'), nowIso()),
    );
    const { ticketId, commentId } = await ticketBy(user.id);
    const comment = {
      id: commentId,
      ticketId,
      body: 'typo herre',
      channel: 'slack',
      reference: { slack_ts: '2.000200' },
    };
    await transaction(db, (trx) =>
      markCommentDeleted(trx, { user, via: channelVia }, comment, nowIso()),
    );
    const comments = (await ctx.desk.api('GET', `/api/v2/tickets/${ticketId}/comments`)).body
      .comments;
    assert.equal(comments[0].deleted, true);
    const audit = (await audits(ticketId)).at(-1);
    assert.equal(audit.author_id, user.id);
    assert.deepEqual(audit.events, [
      {
        id: audit.events[0].id,
        type: 'Info',
        action: 'comment_deleted_in_slack',
        comment_id: commentId,
        slack_ts: '2.000200',
      },
    ]);
  });

  it('makes the system user once and finds it again', async () => {
    const { db } = ctx.desk.parley;
    const first = await transaction(db, (trx) => systemUser(trx, nowIso()));
    const again = await transaction(db, (trx) => systemUser(trx, nowIso()));
    assert.equal(again.id, first.id);
    assert.equal(first.role, 'agent');
    assert.equal(first.password_hash, null);
  });
});
