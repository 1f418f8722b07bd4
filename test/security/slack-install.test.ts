/**
 * A Slack install is an admin's act, bound to that admin: it needs a sign-in to start, its
 * state is short-lived, single-use and finished only by whoever started it, it re-authorizes
 * an active connection only when asked, and it never binds a connection to another workspace.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { it } from 'node:test';
import { createApiToken } from '../../src/desk/api-tokens.ts';
import { nowIso } from '../../src/desk/time.ts';
import { forEachDatabase, type TestDesk } from '../helpers/harness.ts';
import { sandboxOf, sessionCookie } from '../slack/helpers.ts';

const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');
const local = (desk: TestDesk, url: string) => url.replace(/^https?:\/\/[^/]+/, desk.url);

/** A browser opening the connection's install link. */
async function openInstallLink(desk: TestDesk, id: number, cookie?: string, query = '') {
  return fetch(`${desk.url}/slack/install/${id}${query}`, {
    redirect: 'manual',
    headers: cookie ? { cookie } : {},
  });
}

/** Clicks Allow on the sandbox's authorize page; returns where Slack sends the browser back. */
async function allow(desk: TestDesk, authorizeUrl: string): Promise<string> {
  const a = new URL(authorizeUrl);
  const res = await fetch(`${desk.url}/sandbox/oauth/v2/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      action: 'allow',
      client_id: a.searchParams.get('client_id')!,
      redirect_uri: a.searchParams.get('redirect_uri')!,
      state: a.searchParams.get('state')!,
      scope: a.searchParams.get('scope') ?? '',
      user_scope: a.searchParams.get('user_scope') ?? '',
    }),
    redirect: 'manual',
  });
  assert.equal(res.status, 302);
  return res.headers.get('location')!;
}

async function finish(desk: TestDesk, callback: string, cookie?: string) {
  const res = await fetch(local(desk, callback), { headers: cookie ? { cookie } : {} });
  return { status: res.status, text: await res.text() };
}

async function browserStart(desk: TestDesk, id: number, cookie: string): Promise<string> {
  const res = await openInstallLink(desk, id, cookie);
  assert.equal(res.status, 302, await res.text());
  return res.headers.get('location')!;
}

async function connection(desk: TestDesk, id: number) {
  return (await desk.api('GET', `/api/v2/slack/connections/${id}`)).body.connection;
}

async function stateCount(desk: TestDesk): Promise<number> {
  const rows = await desk.parley.db.selectFrom('slack_oauth_states').select('state_hash').execute();
  return rows.length;
}

forEachDatabase('Slack install: sign-in, state and workspace binding', (ctx) => {
  let id: number;

  it('refuses to start an install without an admin sign-in', async () => {
    const created = await ctx.desk.api('POST', '/api/v2/slack/connections', {
      connection: { name: 'Bound Desk', mode: 'account' },
    });
    assert.equal(created.status, 201);
    id = created.body.connection.id;
    const before = await stateCount(ctx.desk);

    const anonymous = await openInstallLink(ctx.desk, id);
    assert.equal(anonymous.status, 401);
    assert.match(await anonymous.text(), /Sign in to Parley/);
    // The old standing link's MAC is no credential.
    const oldLink = await openInstallLink(ctx.desk, id, undefined, '?k=anything');
    assert.equal(oldLink.status, 401);

    const agent = await ctx.desk.createAgent('Alma Agent');
    const agentBrowser = await openInstallLink(
      ctx.desk,
      id,
      await sessionCookie(ctx.desk, agent.id),
    );
    assert.equal(agentBrowser.status, 403);

    const api = await ctx.desk.api(
      'POST',
      `/api/v2/slack/connections/${id}/install`,
      {},
      {
        auth: null,
      },
    );
    assert.equal(api.status, 401);
    const agentApi = await ctx.desk.api(
      'POST',
      `/api/v2/slack/connections/${id}/install`,
      {},
      {
        auth: agent.auth,
      },
    );
    assert.equal(agentApi.status, 403);
    assert.equal(agentApi.body.error, 'Forbidden');
    assert.equal(await stateCount(ctx.desk), before, 'no install attempt was made');
  });

  it('validates the API call and answers in Zendesk errors', async () => {
    const bad = await ctx.desk.api('POST', `/api/v2/slack/connections/${id}/install`, {
      reauthorize: 'yes',
    });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error, 'RecordInvalid');
    const missing = await ctx.desk.api('POST', '/api/v2/slack/connections/999999/install', {});
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error, 'RecordNotFound');
  });

  it('binds states to a hash of the credential, never the credential itself', async () => {
    const byToken = await ctx.desk.api('POST', `/api/v2/slack/connections/${id}/install`);
    assert.equal(byToken.status, 200, JSON.stringify(byToken.body));
    const byPassword = await ctx.desk.api(
      'POST',
      `/api/v2/slack/connections/${id}/install`,
      {},
      {
        auth: `${ctx.desk.adminEmail}:correct horse`,
      },
    );
    assert.equal(byPassword.status, 200);
    const rows = await ctx.desk.parley.db
      .selectFrom('slack_oauth_states')
      .selectAll()
      .where('connection_id', '=', id)
      .execute();
    const of = (res: typeof byToken) =>
      rows.find(
        (r) => r.state_hash === sha256(new URL(res.body.authorize_url).searchParams.get('state')!),
      )!;
    assert.equal(of(byToken).bound_to, 'api');
    assert.equal(of(byToken).credential_hash, sha256(ctx.desk.token));
    assert.equal(of(byToken).user_id, ctx.desk.adminId);
    // A password is never stored, not even hashed: the state alone proves that install.
    assert.equal(of(byPassword).bound_to, 'api');
    assert.equal(of(byPassword).credential_hash, null);
    for (const row of rows) {
      assert.ok(!JSON.stringify(row).includes(ctx.desk.token));
    }
  });

  it('binds a browser install to the session that started it', async () => {
    const ada = await sessionCookie(ctx.desk);
    const other = await ctx.desk.createAgent('Otto Admin', { role: 'admin' });
    const otto = await sessionCookie(ctx.desk, other.id);

    // Slack's redirect arrives without the session (another browser): refused, and spent.
    const callback1 = await allow(ctx.desk, await browserStart(ctx.desk, id, ada));
    const noSession = await finish(ctx.desk, callback1);
    assert.equal(noSession.status, 403);
    assert.match(noSession.text, /another sign-in/);
    assert.equal((await finish(ctx.desk, callback1, ada)).status, 400, 'a state is single-use');

    // Another admin's session, even a signed-in one, is not the installer's.
    const callback2 = await allow(ctx.desk, await browserStart(ctx.desk, id, ada));
    assert.equal((await finish(ctx.desk, callback2, otto)).status, 403);
    // A second session of the same admin is another sign-in too.
    const callback3 = await allow(ctx.desk, await browserStart(ctx.desk, id, ada));
    assert.equal((await finish(ctx.desk, callback3, await sessionCookie(ctx.desk))).status, 403);
    assert.equal((await connection(ctx.desk, id)).status, 'pending');

    const callback4 = await allow(ctx.desk, await browserStart(ctx.desk, id, ada));
    const done = await finish(ctx.desk, callback4, ada);
    assert.equal(done.status, 200, done.text);
    const c = await connection(ctx.desk, id);
    assert.equal(c.status, 'active');
    assert.equal(c.team_id, 'T0SANDBOX');
  });

  it('re-authorizes an active connection only when asked', async () => {
    const ada = await sessionCookie(ctx.desk);
    const link = await openInstallLink(ctx.desk, id, ada);
    assert.equal(link.status, 409);
    assert.match(await link.text(), /reauthorize=1/);
    const api = await ctx.desk.api('POST', `/api/v2/slack/connections/${id}/install`, {});
    assert.equal(api.status, 422);
    assert.ok(api.body.details.reauthorize, JSON.stringify(api.body));

    const asked = await ctx.desk.api('POST', `/api/v2/slack/connections/${id}/install`, {
      reauthorize: true,
    });
    assert.equal(asked.status, 200, JSON.stringify(asked.body));
    const expires = Date.parse(asked.body.expires_at);
    assert.ok(expires > Date.now() && expires <= Date.now() + 10 * 60_000 + 1000);
    // A token-started install: the state handed to the token is the proof, no session needed.
    const back = await finish(ctx.desk, await allow(ctx.desk, asked.body.authorize_url));
    assert.equal(back.status, 200, back.text);
    assert.equal((await connection(ctx.desk, id)).status, 'active');

    const viaLink = await openInstallLink(ctx.desk, id, ada, '?reauthorize=1');
    assert.equal(viaLink.status, 302);
  });

  it('does not let an ordinary attempt replace an install that became active meanwhile', async () => {
    const del = await ctx.desk.api('DELETE', `/api/v2/slack/connections/${id}`);
    assert.equal(del.body.connection.status, 'disconnected');
    const ada = await sessionCookie(ctx.desk);
    const first = await allow(ctx.desk, await browserStart(ctx.desk, id, ada));
    const second = await allow(ctx.desk, await browserStart(ctx.desk, id, ada));
    assert.equal((await finish(ctx.desk, first, ada)).status, 200);
    const late = await finish(ctx.desk, second, ada);
    assert.equal(late.status, 400);
    assert.match(late.text, /already active/);
  });

  it('refuses an expired state and one whose API token was revoked', async () => {
    await ctx.desk.api('DELETE', `/api/v2/slack/connections/${id}`);
    const started = await ctx.desk.api('POST', `/api/v2/slack/connections/${id}/install`, {});
    assert.equal(started.status, 200);
    const state = new URL(started.body.authorize_url).searchParams.get('state')!;
    await ctx.desk.parley.db
      .updateTable('slack_oauth_states')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('state_hash', '=', sha256(state))
      .execute();
    const expired = await finish(ctx.desk, await allow(ctx.desk, started.body.authorize_url));
    assert.equal(expired.status, 400);
    assert.match(expired.text, /expired/);

    const { token } = await createApiToken(ctx.desk.parley.db, {
      description: 'short-lived script',
      createdById: ctx.desk.adminId,
      now: nowIso(),
    });
    const scripted = await ctx.desk.api(
      'POST',
      `/api/v2/slack/connections/${id}/install`,
      {},
      {
        auth: `${ctx.desk.adminEmail}/token:${token}`,
      },
    );
    assert.equal(scripted.status, 200);
    await ctx.desk.parley.db
      .updateTable('api_tokens')
      .set({ active: 0 })
      .where('token_hash', '=', sha256(token))
      .execute();
    const revoked = await finish(ctx.desk, await allow(ctx.desk, scripted.body.authorize_url));
    assert.equal(revoked.status, 403);
    assert.equal((await connection(ctx.desk, id)).status, 'disconnected');
  });

  it('refuses a workspace other than the one the connection is bound to', async () => {
    // The connection serves workspace T0ELSEWHERE; Slack comes back from the sandbox's.
    await ctx.desk.parley.db
      .updateTable('slack_connections')
      .set({ team_id: 'T0ELSEWHERE', team_name: 'Elsewhere' })
      .where('id', '=', id)
      .execute();
    const sb = sandboxOf(ctx.desk);
    sb.calls.length = 0;
    const started = await ctx.desk.api('POST', `/api/v2/slack/connections/${id}/install`, {});
    assert.equal(new URL(started.body.authorize_url).searchParams.get('team'), 'T0ELSEWHERE');
    const back = await finish(ctx.desk, await allow(ctx.desk, started.body.authorize_url));
    assert.equal(back.status, 400);
    assert.match(back.text, /Elsewhere/);
    const c = await connection(ctx.desk, id);
    assert.equal(c.status, 'disconnected');
    assert.equal(c.team_id, 'T0ELSEWHERE');
    // The token Slack issued for the wrong workspace was handed straight back.
    assert.ok(sb.calls.some((call) => call.method === 'auth.revoke'));
  });
});
