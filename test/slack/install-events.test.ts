import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { it } from 'node:test';
import { signSlackRequest } from '../../src/channels/slack/verify.ts';
import { forEachDatabase, type TestDesk } from '../helpers/harness.ts';
import { fixtures } from './fixtures.ts';
import {
  ALICE,
  commentsOf,
  sandboxOf,
  sessionCookie,
  settle,
  ticketsOf,
  userIdForSlack,
  waitFor,
} from './helpers.ts';

/**
 * Follows an install the way a signed-in admin's browser does: install link → Slack → back to
 * Parley (followBack, with the same cookie).
 */
async function browserInstall(
  desk: TestDesk,
  installUrl: string,
  action: 'allow' | 'cancel',
  cookie: string,
) {
  const start = await fetch(installUrl.replace(/^https?:\/\/[^/]+/, desk.url), {
    redirect: 'manual',
    headers: { cookie },
  });
  assert.equal(start.status, 302);
  const authorize = new URL(start.headers.get('location')!);
  const page = await fetch(authorize.toString().replace(/^https?:\/\/[^/]+/, desk.url));
  assert.equal(page.status, 200);
  assert.match(await page.text(), /Allow/);
  const form = new URLSearchParams({
    action,
    client_id: authorize.searchParams.get('client_id')!,
    redirect_uri: authorize.searchParams.get('redirect_uri')!,
    state: authorize.searchParams.get('state') ?? '',
    scope: authorize.searchParams.get('scope') ?? '',
    user_scope: authorize.searchParams.get('user_scope') ?? '',
  });
  const decided = await fetch(`${desk.url}/sandbox/oauth/v2/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
    redirect: 'manual',
  });
  return { authorize, decided };
}

async function followBack(desk: TestDesk, location: string, cookie: string) {
  const res = await fetch(location.replace(/^https?:\/\/[^/]+/, desk.url), {
    headers: { cookie },
  });
  return { status: res.status, text: await res.text() };
}

const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');

async function signedPost(
  desk: TestDesk,
  body: string,
  opts: { secret?: string; timestamp?: number } = {},
) {
  const secret =
    opts.secret ??
    (await desk.parley.slack.ctx.apps()).find((a) => a.source === 'sandbox')!.signingSecret;
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  return fetch(`${desk.url}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': signSlackRequest(secret, ts, body),
    },
    body,
  });
}

/** Installs a new account-mode connection named `name` the way an admin does in a browser. */
async function installAccountConnection(desk: TestDesk, name: string): Promise<void> {
  const created = await desk.api('POST', '/api/v2/slack/connections', {
    connection: { name, mode: 'account' },
  });
  if (created.status !== 201) throw new Error(`creating ${name}: ${JSON.stringify(created.body)}`);
  const cookie = await sessionCookie(desk);
  const install = await browserInstall(desk, created.body.connection.install_url, 'allow', cookie);
  const back = await followBack(desk, install.decided.headers.get('location')!, cookie);
  if (back.status !== 200) throw new Error(`installing ${name}: ${back.status} ${back.text}`);
}

// Each lifecycle test that changes which connections are live (installing the account
// connection, disconnecting the sandbox's, revoking tokens) gets a desk of its own, so any test
// runs alone and in any order; the others share one desk whose sandbox connection stays live.
forEachDatabase('Slack install, events endpoint and lifecycle', (ctx) => {
  it('installs a bot connection through OAuth and lands on a success page', async () => {
    const created = await ctx.desk.api('POST', '/api/v2/slack/connections', {
      connection: { name: 'IT Help', mode: 'bot' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const c = created.body.connection;
    assert.equal(c.status, 'pending');
    assert.equal(c.install_url, `${ctx.desk.url}/slack/install/${c.id}`);
    const cookie = await sessionCookie(ctx.desk);
    // The sandbox connection already serves the bot identity: a second one is refused.
    const { authorize, decided } = await browserInstall(ctx.desk, c.install_url, 'allow', cookie);
    assert.equal(
      authorize.searchParams.get('redirect_uri'),
      `${ctx.desk.url}/slack/oauth_redirect`,
    );
    assert.ok(authorize.searchParams.get('scope')!.includes('im:history'));
    assert.equal(decided.status, 302);
    const back = await followBack(ctx.desk, decided.headers.get('location')!, cookie);
    assert.equal(back.status, 400);
    assert.match(back.text, /already serves the connection/);
    assert.equal(
      (await ctx.desk.api('GET', `/api/v2/slack/connections/${c.id}`)).body.connection.status,
      'pending',
    );
  });

  it('refuses unsigned, wrongly signed and stale requests and answers url_verification', async () => {
    const body = JSON.stringify({ type: 'url_verification', challenge: 'abc123', token: 'x' });
    const ok = await signedPost(ctx.desk, body);
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { challenge: 'abc123' });
    assert.equal((await signedPost(ctx.desk, body, { secret: 'wrong' })).status, 401);
    assert.equal(
      (await signedPost(ctx.desk, body, { timestamp: Math.floor(Date.now() / 1000) - 400 })).status,
      401,
    );
    assert.equal(
      (await signedPost(ctx.desk, body, { timestamp: Math.floor(Date.now() / 1000) + 400 })).status,
      401,
    );
    const unsigned = await fetch(`${ctx.desk.url}/slack/events`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(unsigned.status, 401);
    assert.equal((await signedPost(ctx.desk, '{not json')).status, 400);
  });

  it('replays real Slack payloads: message with rich text, duplicates, mpim, bot message, thread reply', async () => {
    const sb = sandboxOf(ctx.desk);
    sb.addUser({ id: 'U043H11ES4V', name: 'Riley Fixture', email: 'riley@sandbox.example' });
    const f = fixtures({ team: 'T0SANDBOX', botUser: 'U0BOT', channel: 'D0442US94JD' });
    for (const payload of [
      f.messageIm,
      f.messageIm,
      f.mpim,
      f.botMessage,
      f.threadReply,
      f.messageChanged,
    ]) {
      const res = await signedPost(ctx.desk, JSON.stringify(payload));
      assert.equal(res.status, 200);
    }
    await settle(ctx.desk);
    const riley = (await userIdForSlack(ctx.desk, 'U043H11ES4V'))!;
    const [ticket] = await ticketsOf(ctx.desk, riley);
    const comments = await commentsOf(ctx.desk, ticket.id);
    assert.equal(
      comments.length,
      1,
      'the duplicate delivery, mpim, bot message and thread reply add nothing',
    );
    assert.equal(comments[0].body, '**test** again', 'the edit replaced the text');
    const audits = (await ctx.desk.api('GET', `/api/v2/tickets/${ticket.id}/audits`)).body.audits;
    const edit = audits
      .flatMap((a: any) => a.events)
      .find((e: any) => e.action === 'comment_edited_in_slack');
    assert.equal(edit.previous_body, '**test** @Alice Example');
    const outcomes = await ctx.desk.parley.db
      .selectFrom('slack_inbox')
      .select(['event_id', 'outcome'])
      .execute();
    assert.ok(outcomes.some((o) => /group DM/.test(o.outcome ?? '')));
    assert.ok(outcomes.some((o) => /bot/.test(o.outcome ?? '')));
    assert.ok(outcomes.some((o) => /thread reply/.test(o.outcome ?? '')));
  });

  it('keeps channel administration to admins and validates input', async () => {
    const agent = await ctx.desk.createAgent('Plain Agent');
    const denied = await ctx.desk.api('GET', '/api/v2/slack/connections', undefined, {
      auth: agent.auth,
    });
    assert.equal(denied.status, 403);
    const bad = await ctx.desk.api('POST', '/api/v2/slack/connections', {
      connection: { name: '', mode: 'robot' },
    });
    assert.equal(bad.status, 422);
    assert.ok(bad.body.details.name && bad.body.details.mode);
    const types = await ctx.desk.api('POST', '/api/v2/slack/connections', {
      connection: { name: 'x', allowed_file_types: ['../etc'] },
    });
    assert.equal(types.status, 422);
    const res = await ctx.desk.api('PUT', '/api/v2/slack/connections/1', {
      connection: { allowed_file_types: ['pdf', '.JPG', 'docx'] },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.connection.allowed_file_types, ['pdf', 'jpeg', 'docx']);
  });
});

forEachDatabase('Slack install: an account-mode connection', (ctx) => {
  it('installs an account-mode connection with user scopes, and keeps a cancelled one pending', async () => {
    const created = await ctx.desk.api('POST', '/api/v2/slack/connections', {
      connection: { name: 'HR Desk', mode: 'account' },
    });
    const c = created.body.connection;
    const cookie = await sessionCookie(ctx.desk);
    const cancelled = await browserInstall(ctx.desk, c.install_url, 'cancel', cookie);
    const denied = await followBack(ctx.desk, cancelled.decided.headers.get('location')!, cookie);
    assert.equal(denied.status, 400);
    assert.match(denied.text, /cancelled/);
    assert.equal(
      (await ctx.desk.api('GET', `/api/v2/slack/connections/${c.id}`)).body.connection.status,
      'pending',
    );

    const { authorize, decided } = await browserInstall(ctx.desk, c.install_url, 'allow', cookie);
    assert.equal(authorize.searchParams.get('scope'), null);
    assert.ok(authorize.searchParams.get('user_scope')!.includes('im:history'));
    const back = await followBack(ctx.desk, decided.headers.get('location')!, cookie);
    assert.equal(back.status, 200, back.text);
    const after = (await ctx.desk.api('GET', `/api/v2/slack/connections/${c.id}`)).body.connection;
    assert.equal(after.status, 'active');
    assert.equal(after.identity_user_id, 'U0HELP');
    // A state is single-use.
    const replay = await followBack(ctx.desk, decided.headers.get('location')!, cookie);
    assert.equal(replay.status, 400);
  });
});

forEachDatabase('Slack install: an install approved later', (ctx) => {
  it('completes an install approved within the attempt, and starts anew after a longer wait', async () => {
    const sb = sandboxOf(ctx.desk);
    const created = await ctx.desk.api('POST', '/api/v2/slack/connections', {
      connection: { name: 'Sales', mode: 'bot' },
    });
    const c = created.body.connection;
    const cookie = await sessionCookie(ctx.desk);
    // Free the bot identity first so this install can take it.
    const sandboxConn = (
      await ctx.desk.api('GET', '/api/v2/slack/connections')
    ).body.connections.find((x: any) => x.name === 'Sandbox Help Desk');
    sb.setRequireApproval(true);
    const first = await browserInstall(ctx.desk, c.install_url, 'allow', cookie);
    assert.equal(first.decided.status, 200, 'the request waits for an admin');
    assert.match(await first.decided.text(), /waiting|request/i);
    const second = await browserInstall(ctx.desk, c.install_url, 'allow', cookie);
    assert.equal(second.decided.status, 200);
    assert.equal(
      (await ctx.desk.api('GET', `/api/v2/slack/connections/${c.id}`)).body.connection.status,
      'pending',
    );
    const del = await ctx.desk.api('DELETE', `/api/v2/slack/connections/${sandboxConn.id}`);
    assert.equal(del.status, 200);
    assert.equal(del.body.connection.status, 'disconnected');
    // Slack's approval came after the first attempt's ten minutes: that state is worthless.
    await ctx.desk.parley.db
      .updateTable('slack_oauth_states')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('state_hash', '=', sha256(first.authorize.searchParams.get('state')!))
      .execute();
    const late = await followBack(ctx.desk, sb.approve().redirect, cookie);
    assert.equal(late.status, 400);
    assert.match(late.text, /expired/);
    // The admin starts again; the workspace has approved the app by now.
    const again = await browserInstall(ctx.desk, c.install_url, 'allow', cookie);
    assert.equal(again.decided.status, 302);
    const back = await followBack(ctx.desk, again.decided.headers.get('location')!, cookie);
    assert.equal(back.status, 200, back.text);
    assert.equal(
      (await ctx.desk.api('GET', `/api/v2/slack/connections/${c.id}`)).body.connection.status,
      'active',
    );
    sb.setRequireApproval(false);
  });
});

forEachDatabase('Slack install: revoked and uninstalled', (ctx) => {
  it('disconnects on tokens_revoked and app_uninstalled, keeping every ticket', async () => {
    const sb = sandboxOf(ctx.desk);
    await installAccountConnection(ctx.desk, 'HR Desk');
    await sb.sendMessage({ user: ALICE, text: 'before the end', to: 'account' });
    await settle(ctx.desk);
    const alice = (await userIdForSlack(ctx.desk, ALICE))!;
    const before = await ticketsOf(ctx.desk, alice);
    assert.ok(before.length >= 1);
    await sb.revoke({ user: 'U0HELP' });
    await settle(ctx.desk);
    const hr = (await ctx.desk.api('GET', '/api/v2/slack/connections')).body.connections.find(
      (x: any) => x.name === 'HR Desk',
    );
    assert.equal(hr.status, 'disconnected');
    assert.equal(hr.status_reason, 'tokens_revoked');
    // The bot's side, replayed as Slack's own payloads: tokens_revoked, then app_uninstalled.
    const f = fixtures({ team: 'T0SANDBOX', botUser: 'U0BOT', channel: 'D0442US94JD' });
    for (const payload of [f.tokensRevoked, f.appUninstalled]) {
      assert.equal((await signedPost(ctx.desk, JSON.stringify(payload))).status, 200);
    }
    await waitFor('all disconnected', async () => {
      const all = (await ctx.desk.api('GET', '/api/v2/slack/connections')).body.connections;
      return all.every((x: any) => x.status !== 'active');
    });
    assert.equal((await ticketsOf(ctx.desk, alice)).length, before.length);
  });
});
