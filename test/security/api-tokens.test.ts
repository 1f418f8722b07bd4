/**
 * API tokens as an admin manages them: listed (description, hint, created, last used, never the
 * token or its hash) and revoked, the revoked token refused on the very next request.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createApiToken, hashToken } from '../../src/desk/api-tokens.ts';
import { nowIso } from '../../src/desk/time.ts';
import { forgetTokenUsers } from '../../src/http/auth.ts';
import { forEachDatabase, type TestDesk } from '../helpers/harness.ts';

async function newToken(desk: TestDesk, description: string) {
  return createApiToken(desk.parley.db, { description, createdById: desk.adminId, now: nowIso() });
}

async function lastUsed(desk: TestDesk, id: number): Promise<string | null> {
  const row = await desk.parley.db
    .selectFrom('api_tokens')
    .select('last_used_at')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return row.last_used_at;
}

forEachDatabase('API tokens', (ctx) => {
  it('lists tokens for admins with description and hint, never the token or its hash', async () => {
    const { desk } = ctx;
    const created = await newToken(desk, 'Nightly export');
    const list = await desk.api('GET', '/api/v2/api_tokens.json');
    assert.equal(list.status, 200);
    const row = list.body.api_tokens.find((t: { id: number }) => t.id === created.id);
    assert.deepEqual(Object.keys(row).sort(), [
      'active',
      'created_at',
      'created_by_id',
      'description',
      'hint',
      'id',
      'last_used_at',
      'url',
    ]);
    assert.equal(row.description, 'Nightly export');
    assert.equal(row.hint, created.token.slice(0, 4));
    assert.equal(row.created_by_id, desk.adminId);
    assert.match(row.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(row.last_used_at, null);
    assert.equal(row.url, `${desk.url}/api/v2/api_tokens/${created.id}.json`);
    assert.equal(list.body.count, list.body.api_tokens.length);
    const text = JSON.stringify(list.body);
    for (const secret of [created.token, desk.token, hashToken(created.token)]) {
      assert.ok(!text.includes(secret), 'no token or hash in the answer');
    }
    const one = await desk.api('GET', `/api/v2/api_tokens/${created.id}`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.body.api_token, row);
  });

  it('is for admins only', async () => {
    const { desk } = ctx;
    const agent = await desk.createAgent();
    const endUser = await desk.createEndUser();
    for (const auth of [agent.auth, endUser.auth]) {
      assert.equal((await desk.api('GET', '/api/v2/api_tokens', undefined, { auth })).status, 403);
      const del = await desk.api('DELETE', '/api/v2/api_tokens/1', undefined, { auth });
      assert.equal(del.status, 403);
    }
    assert.equal(
      (await desk.api('GET', '/api/v2/api_tokens', undefined, { auth: null })).status,
      401,
    );
  });

  it('records last use at most once a minute, not on every request', async () => {
    const { desk } = ctx;
    const agent = await desk.createAgent('Script Runner');
    const { id, token } = await newToken(desk, 'Script');
    const auth = `${agent.email}/token:${token}`;
    assert.equal((await desk.api('GET', '/api/v2/users/me', undefined, { auth })).status, 200);
    const first = await lastUsed(desk, id);
    assert.ok(first && first <= nowIso(), 'the first use is recorded');
    for (let i = 0; i < 3; i++) {
      // Past the second the credential is remembered: each request looks the token up again.
      forgetTokenUsers();
      assert.equal((await desk.api('GET', '/api/v2/users/me', undefined, { auth })).status, 200);
    }
    assert.equal(await lastUsed(desk, id), first, 'no write within the minute');

    const twoMinutesAgo = new Date(Date.now() - 120_000).toISOString();
    await desk.parley.db
      .updateTable('api_tokens')
      .set({ last_used_at: twoMinutesAgo })
      .where('id', '=', id)
      .execute();
    forgetTokenUsers();
    assert.equal((await desk.api('GET', '/api/v2/users/me', undefined, { auth })).status, 200);
    const later = await lastUsed(desk, id);
    assert.ok(later && later > twoMinutesAgo, 'a stale record is refreshed');
    const shown = await desk.api('GET', `/api/v2/api_tokens/${id}`);
    assert.equal(shown.body.api_token.last_used_at, later.replace(/\.\d{3}Z$/, 'Z'));
  });

  it('revokes a token: refused on the very next request, gone from the list, 404 after', async () => {
    const { desk } = ctx;
    const { id, token } = await newToken(desk, 'Leaked');
    const auth = `${desk.adminEmail}/token:${token}`;
    // Accepted just now, so this process remembers the credential.
    assert.equal((await desk.api('GET', '/api/v2/users/me', undefined, { auth })).status, 200);
    const del = await desk.api('DELETE', `/api/v2/api_tokens/${id}.json`, undefined, {
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(del.status, 204);
    const refused = await desk.api('GET', '/api/v2/users/me', undefined, { auth });
    assert.equal(refused.status, 401);
    assert.deepEqual(refused.body, { error: "Couldn't authenticate you" });
    const list = await desk.api('GET', '/api/v2/api_tokens');
    assert.ok(!list.body.api_tokens.some((t: { id: number }) => t.id === id));
    assert.equal((await desk.api('GET', `/api/v2/api_tokens/${id}`)).status, 404);
    const again = await desk.api('DELETE', `/api/v2/api_tokens/${id}`);
    assert.equal(again.status, 404);
    assert.equal(again.body.error, 'RecordNotFound');
    for (const bad of ['abc', '0', '99999999999']) {
      assert.equal((await desk.api('DELETE', `/api/v2/api_tokens/${bad}`)).status, 404);
    }
    // The admin's own token is untouched.
    assert.equal((await desk.api('GET', '/api/v2/users/me')).status, 200);
  });
});
