import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachDatabase, type TestDesk } from '../helpers/harness.ts';
import { sandboxOf, sessionCookie } from './helpers.ts';

const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const local = (desk: TestDesk, url: string) => url.replace(/^https?:\/\/[^/]+/, desk.url);

/**
 * An admin's browser install through the sandbox's Allow page: the install link, Slack's
 * decision, and where Slack sends the browser back to (not followed).
 */
async function allowOrCancel(
  desk: TestDesk,
  connectionId: number,
  action: 'allow' | 'cancel',
  cookie: string,
) {
  const start = await fetch(`${desk.url}/slack/install/${connectionId}`, {
    redirect: 'manual',
    headers: { cookie, accept: HTML },
  });
  assert.equal(start.status, 302);
  const authorize = new URL(start.headers.get('location')!);
  const decided = await fetch(`${desk.url}/sandbox/oauth/v2/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      action,
      client_id: authorize.searchParams.get('client_id')!,
      redirect_uri: authorize.searchParams.get('redirect_uri')!,
      state: authorize.searchParams.get('state') ?? '',
      scope: authorize.searchParams.get('scope') ?? '',
      user_scope: authorize.searchParams.get('user_scope') ?? '',
    }),
    redirect: 'manual',
  });
  return decided;
}

async function back(desk: TestDesk, location: string, cookie: string, accept = HTML) {
  return fetch(local(desk, location), { redirect: 'manual', headers: { cookie, accept } });
}

forEachDatabase('Slack install: the browser lands on the admin page', (ctx) => {
  it('sends a browser back to the Slack channel page with the result, scripts still get a page', async () => {
    const created = await ctx.desk.api('POST', '/api/v2/slack/connections', {
      connection: { name: 'HR Desk', mode: 'account' },
    });
    const id: number = created.body.connection.id;
    assert.equal(created.body.connection.install_pending_until, null);
    const cookie = await sessionCookie(ctx.desk);

    const cancelled = await allowOrCancel(ctx.desk, id, 'cancel', cookie);
    const landing = await back(ctx.desk, cancelled.headers.get('location')!, cookie);
    assert.equal(landing.status, 303);
    assert.equal(
      landing.headers.get('location'),
      `/admin/channels/slack?install_failed=cancelled&connection=${id}`,
    );

    const allowed = await allowOrCancel(ctx.desk, id, 'allow', cookie);
    const location = allowed.headers.get('location')!;
    // A client that is no browser (no text/html in Accept) keeps the result page.
    const replay = await back(ctx.desk, location, cookie, '*/*');
    assert.equal(replay.status, 200);
    assert.match(await replay.text(), /Slack is connected/);
    // The state is spent: the browser arriving after it hears so, on the admin page.
    const spent = await back(ctx.desk, location, cookie);
    assert.equal(spent.status, 303);
    assert.equal(
      spent.headers.get('location'),
      '/admin/channels/slack?install_failed=state_invalid',
    );
    const shown = (await ctx.desk.api('GET', `/api/v2/slack/connections/${id}`)).body.connection;
    assert.equal(shown.status, 'active');
  });

  it('lands a successful browser install on the page, naming the connection', async () => {
    const created = await ctx.desk.api('POST', '/api/v2/slack/connections', {
      connection: { name: 'Finance', mode: 'account' },
    });
    const id: number = created.body.connection.id;
    // The account identity serves HR Desk above: disconnect it so this one may take it.
    const hr = (await ctx.desk.api('GET', '/api/v2/slack/connections')).body.connections.find(
      (c: { name: string }) => c.name === 'HR Desk',
    );
    assert.equal((await ctx.desk.api('DELETE', `/api/v2/slack/connections/${hr.id}`)).status, 200);
    const cookie = await sessionCookie(ctx.desk);
    const allowed = await allowOrCancel(ctx.desk, id, 'allow', cookie);
    const landing = await back(ctx.desk, allowed.headers.get('location')!, cookie);
    assert.equal(landing.status, 303);
    assert.equal(landing.headers.get('location'), `/admin/channels/slack?installed=${id}`);
    assert.equal(landing.headers.get('cache-control'), 'no-store');
  });

  it('tells when an install is under way, as while Slack holds it for approval', async () => {
    const sb = sandboxOf(ctx.desk);
    const created = await ctx.desk.api('POST', '/api/v2/slack/connections', {
      connection: { name: 'Legal', mode: 'account' },
    });
    const id: number = created.body.connection.id;
    sb.setRequireApproval(true);
    try {
      const started = await ctx.desk.api('POST', `/api/v2/slack/connections/${id}/install`, {});
      assert.equal(started.status, 200);
      const shown = (await ctx.desk.api('GET', `/api/v2/slack/connections/${id}`)).body.connection;
      assert.equal(shown.status, 'pending');
      assert.equal(shown.install_pending_until, started.body.expires_at);
      const listed = (await ctx.desk.api('GET', '/api/v2/slack/connections')).body.connections;
      assert.equal(
        listed.find((c: { id: number }) => c.id === id).install_pending_until,
        started.body.expires_at,
      );
      // Other connections have no attempt under way.
      assert.ok(
        listed
          .filter((c: { id: number }) => c.id !== id)
          .every((c: { install_pending_until: string | null }) => c.install_pending_until === null),
      );
    } finally {
      sb.setRequireApproval(false);
    }
  });

  it('answers an install link in the browser’s language', async () => {
    const created = await ctx.desk.api('POST', '/api/v2/slack/connections', {
      connection: { name: 'Vendite', mode: 'account' },
    });
    const id: number = created.body.connection.id;
    const italian = { accept: HTML, 'accept-language': 'it-IT,it;q=0.9,en;q=0.5' };
    // Not signed in: the page says so, in Italian.
    const anonymous = await fetch(`${ctx.desk.url}/slack/install/${id}`, { headers: italian });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers.get('content-language'), 'it');
    const html = await anonymous.text();
    assert.match(html, /<html lang="it">/);
    assert.match(html, /<h1>Accedi prima a Parley<\/h1>/);
    assert.match(html, /Torna a Parley/);
    const missing = await fetch(`${ctx.desk.url}/slack/install/999999`, {
      headers: { ...italian, cookie: await sessionCookie(ctx.desk) },
    });
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /Questa connessione Slack non esiste più/);
    // English otherwise, with the refusal's own words.
    const english = await fetch(`${ctx.desk.url}/slack/install/${id}`, {
      headers: { accept: HTML },
    });
    assert.match(await english.text(), /<h1>Sign in to Parley first<\/h1>/);
  });
});
