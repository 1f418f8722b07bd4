import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { forEachDatabase, startTestDesk, type TestDesk } from '../helpers/harness.ts';
import { signIn, withCookie } from './web-session.ts';

async function sessionRow(desk: TestDesk, userId: number) {
  return desk.parley.db
    .selectFrom('sessions')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
}

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

forEachDatabase('web sessions', (ctx) => {
  it('signs in with an email and a password: an HttpOnly cookie and a CSRF token', async () => {
    const { desk } = ctx;
    const s = await signIn(desk, desk.adminEmail);
    assert.equal(s.status, 201, JSON.stringify(s.body));
    assert.match(s.setCookie!, /^parley_session=[^;]+;/);
    assert.match(s.setCookie!, /; HttpOnly/);
    assert.match(s.setCookie!, /; SameSite=Lax/);
    assert.match(s.setCookie!, /; Path=\//);
    assert.doesNotMatch(s.setCookie!, /; Secure/);
    assert.equal(s.body.user.email, desk.adminEmail);
    assert.equal(s.body.session.user_id, desk.adminId);
    assert.match(s.csrf, /^[\w-]{40,}$/);
    // Neither the password nor the session secret is ever in the answer.
    const text = JSON.stringify(s.body);
    assert.doesNotMatch(text, /correct horse/);
    assert.ok(!text.includes(s.cookie.split('=')[1]!));

    const me = await withCookie(desk, 'GET', '/api/v2/session', s.cookie);
    assert.equal(me.status, 200);
    assert.equal(me.body.csrf_token, s.csrf);
    assert.equal(me.headers.get('cache-control'), 'no-store');
    assert.equal(me.body.user.id, desk.adminId);
    assert.ok(me.body.session.expires_at <= me.body.session.absolute_expires_at);
    assert.equal((await withCookie(desk, 'GET', '/api/v2/tickets', s.cookie)).status, 200);
    const user = await desk.api('GET', `/api/v2/users/${desk.adminId}`);
    assert.ok(user.body.user.last_login_at);
  });

  it('refuses a wrong password, an unknown email and a malformed body', async () => {
    const { desk } = ctx;
    const wrong = await signIn(desk, desk.adminEmail, 'not the password');
    assert.equal(wrong.status, 401);
    assert.equal(wrong.setCookie, null);
    assert.equal((await signIn(desk, 'nobody@example.com')).status, 401);
    const res = await fetch(`${desk.url}/api/v2/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'x@example.com', password: 12 }),
    });
    assert.equal(res.status, 422);
    const body = (await res.json()) as any;
    assert.equal(body.error, 'RecordInvalid');
    assert.ok(body.details.password);
  });

  it('refuses a sign-in posted from another site', async () => {
    const { desk } = ctx;
    const s = await signIn(desk, desk.adminEmail, 'correct horse', {
      origin: 'https://evil.example',
    });
    assert.equal(s.status, 403);
    assert.equal(s.setCookie, null);
    const ok = await signIn(desk, desk.adminEmail, 'correct horse', { origin: desk.url });
    assert.equal(ok.status, 201);
  });

  it('signs out: the session is deleted on the server and the cookie cleared', async () => {
    const { desk } = ctx;
    const s = await signIn(desk, desk.adminEmail);
    const before = await desk.parley.db.selectFrom('sessions').select('token_hash').execute();
    const out = await withCookie(desk, 'DELETE', '/api/v2/session', s.cookie, {
      headers: { 'x-csrf-token': s.csrf, origin: desk.url },
    });
    assert.equal(out.status, 204);
    assert.match(out.headers.get('set-cookie')!, /^parley_session=;.*Expires=Thu, 01 Jan 1970/);
    const afterRows = await desk.parley.db.selectFrom('sessions').select('token_hash').execute();
    assert.equal(afterRows.length, before.length - 1);
    assert.equal((await withCookie(desk, 'GET', '/api/v2/session', s.cookie)).status, 401);
    assert.equal((await withCookie(desk, 'GET', '/api/v2/tickets', s.cookie)).status, 401);
  });

  it('does not sign out on a request without the CSRF token', async () => {
    const { desk } = ctx;
    const s = await signIn(desk, desk.adminEmail);
    const out = await withCookie(desk, 'DELETE', '/api/v2/session', s.cookie);
    assert.equal(out.status, 403);
    assert.equal(out.body.error, 'InvalidCsrfToken');
    assert.equal((await withCookie(desk, 'GET', '/api/v2/session', s.cookie)).status, 200);
  });

  it('replaces the session a browser already had when it signs in again', async () => {
    const { desk } = ctx;
    const first = await signIn(desk, desk.adminEmail);
    const second = await signIn(desk, desk.adminEmail, 'correct horse', { cookie: first.cookie });
    assert.equal(second.status, 201);
    assert.notEqual(second.cookie, first.cookie);
    assert.equal((await withCookie(desk, 'GET', '/api/v2/session', first.cookie)).status, 401);
    assert.equal((await withCookie(desk, 'GET', '/api/v2/session', second.cookie)).status, 200);
  });

  it('ends a session left idle longer than the idle limit, and deletes it', async () => {
    const { desk } = ctx;
    const agent = await desk.createAgent('Idle Agent');
    const s = await signIn(desk, agent.email);
    assert.equal((await withCookie(desk, 'GET', '/api/v2/tickets', s.cookie)).status, 200);
    // The default idle limit is 8 hours.
    await desk.parley.db
      .updateTable('sessions')
      .set({ last_seen_at: minutesAgo(8 * 60 + 1) })
      .where('user_id', '=', agent.id)
      .execute();
    assert.equal((await withCookie(desk, 'GET', '/api/v2/tickets', s.cookie)).status, 401);
    assert.equal(await sessionRow(desk, agent.id), undefined);
  });

  it('keeps a session in use alive, writing "last seen" at most once a minute', async () => {
    const { desk } = ctx;
    const agent = await desk.createAgent('Busy Agent');
    const s = await signIn(desk, agent.email);
    const signedInAt = (await sessionRow(desk, agent.id))!.last_seen_at;
    for (let i = 0; i < 3; i++) await withCookie(desk, 'GET', '/api/v2/tickets', s.cookie);
    assert.equal((await sessionRow(desk, agent.id))!.last_seen_at, signedInAt);

    // Seven hours idle is within the limit; using it moves "last seen" to now.
    const sevenHoursAgo = minutesAgo(7 * 60);
    await desk.parley.db
      .updateTable('sessions')
      .set({ last_seen_at: sevenHoursAgo })
      .where('user_id', '=', agent.id)
      .execute();
    assert.equal((await withCookie(desk, 'GET', '/api/v2/tickets', s.cookie)).status, 200);
    const seen = (await sessionRow(desk, agent.id))!.last_seen_at!;
    assert.ok(seen > minutesAgo(1), `last_seen_at ${seen} was not moved to now`);
  });

  it('ends a session past its absolute limit however busy it is', async () => {
    const { desk } = ctx;
    const agent = await desk.createAgent('Long Agent');
    const s = await signIn(desk, agent.email);
    await desk.parley.db
      .updateTable('sessions')
      .set({ created_at: minutesAgo(14 * 24 * 60 + 1), expires_at: minutesAgo(1) })
      .where('user_id', '=', agent.id)
      .execute();
    assert.equal((await withCookie(desk, 'GET', '/api/v2/session', s.cookie)).status, 401);
    assert.equal(await sessionRow(desk, agent.id), undefined);
  });

  it('refuses the session of a user suspended since signing in', async () => {
    const { desk } = ctx;
    const agent = await desk.createAgent('Soon Suspended');
    const s = await signIn(desk, agent.email);
    const suspend = await desk.api('PUT', `/api/v2/users/${agent.id}`, {
      user: { suspended: true },
    });
    assert.equal(suspend.status, 200);
    assert.equal((await withCookie(desk, 'GET', '/api/v2/tickets', s.cookie)).status, 401);
  });

  it("answers Zendesk's session endpoints: show, renew and logout", async () => {
    const { desk } = ctx;
    const s = await signIn(desk, desk.adminEmail);
    const shown = await withCookie(desk, 'GET', '/api/v2/users/me/session.json', s.cookie);
    assert.equal(shown.status, 200);
    assert.equal(shown.body.session.user_id, desk.adminId);
    const renew = await withCookie(desk, 'GET', '/api/v2/users/me/session/renew', s.cookie);
    assert.equal(renew.status, 200);
    assert.equal(renew.body.authenticity_token, s.csrf);
    const refused = await withCookie(desk, 'DELETE', '/api/v2/users/me/logout', s.cookie);
    assert.equal(refused.status, 403);
    const out = await withCookie(desk, 'DELETE', '/api/v2/users/me/logout.json', s.cookie, {
      headers: { 'x-csrf-token': renew.body.authenticity_token },
    });
    assert.equal(out.status, 204);
    assert.equal((await withCookie(desk, 'GET', '/api/v2/users/me', s.cookie)).status, 401);
    assert.equal((await desk.api('GET', '/api/v2/users/me/session')).status, 404);
  });

  it('has no session to show or end for a call authenticated by an API token', async () => {
    const { desk } = ctx;
    assert.equal((await desk.api('GET', '/api/v2/session')).status, 404);
    assert.equal((await desk.api('DELETE', '/api/v2/session')).status, 404);
  });
});

describe('Secure session cookies behind a proxy', () => {
  let trusting: TestDesk & { stop(): Promise<void> };
  let untrusting: TestDesk & { stop(): Promise<void> };
  let httpsUrl: TestDesk & { stop(): Promise<void> };
  before(async () => {
    trusting = await startTestDesk('sqlite', { env: { PARLEY_TRUST_PROXY: '127.0.0.1' } });
    untrusting = await startTestDesk('sqlite');
    httpsUrl = await startTestDesk('sqlite', {
      env: { PARLEY_PUBLIC_URL: 'https://help.example.com' },
    });
  });
  after(async () => {
    await trusting?.stop();
    await untrusting?.stop();
    await httpsUrl?.stop();
  });

  const https = { 'x-forwarded-proto': 'https' };

  it('marks the cookie Secure when a trusted proxy says the request came over HTTPS', async () => {
    const s = await signIn(trusting, trusting.adminEmail, 'correct horse', https);
    assert.equal(s.status, 201);
    assert.match(s.setCookie!, /; Secure/);
    const plain = await signIn(trusting, trusting.adminEmail);
    assert.doesNotMatch(plain.setCookie!, /; Secure/);
  });

  it('ignores X-Forwarded-Proto when PARLEY_TRUST_PROXY is off', async () => {
    const s = await signIn(untrusting, untrusting.adminEmail, 'correct horse', https);
    assert.equal(s.status, 201);
    assert.doesNotMatch(s.setCookie!, /; Secure/);
  });

  it('marks the cookie Secure whenever PARLEY_PUBLIC_URL is https', async () => {
    const s = await signIn(httpsUrl, httpsUrl.adminEmail);
    assert.equal(s.status, 201);
    assert.match(s.setCookie!, /; Secure/);
  });

  it('accepts the Origin of the public URL and of a trusted proxy, no other', async () => {
    const viaPublicUrl = await signIn(httpsUrl, httpsUrl.adminEmail, 'correct horse', {
      origin: 'https://help.example.com',
    });
    assert.equal(viaPublicUrl.status, 201);
    const viaProxy = await signIn(trusting, trusting.adminEmail, 'correct horse', {
      ...https,
      'x-forwarded-host': 'desk.example.org',
      origin: 'https://desk.example.org',
    });
    assert.equal(viaProxy.status, 201);
    const spoofed = await signIn(untrusting, untrusting.adminEmail, 'correct horse', {
      ...https,
      'x-forwarded-host': 'desk.example.org',
      origin: 'https://desk.example.org',
    });
    assert.equal(spoofed.status, 403);
  });
});
