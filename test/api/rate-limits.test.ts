import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { startTestDesk, type TestDesk } from '../helpers/harness.ts';

/**
 * @fastify/rate-limit in front of the unauthenticated doors (per address) and on /api/v2 (per
 * signed-in user): Zendesk's 429 with Retry-After, and nothing else changes below the limits.
 * The limits are per process, so the database makes no difference: SQLite only.
 */
describe('rate limits', () => {
  let desk: TestDesk & { stop(): Promise<void> };
  before(async () => {
    desk = await startTestDesk('sqlite', {
      env: { PARLEY_RATE_LIMIT_PER_MINUTE: '8', PARLEY_PUBLIC_RATE_LIMIT_PER_MINUTE: '3' },
    });
  });
  after(async () => {
    await desk?.stop();
  });

  const signIn = (password: string) =>
    fetch(`${desk.url}/api/v2/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: desk.url },
      body: JSON.stringify({ email: desk.adminEmail, password }),
    });

  it('has defaults a desk in normal use never reaches, and 0 turns a limit off', () => {
    const defaults = loadConfig({ PARLEY_SECRET_KEY: 'a'.repeat(64) }).rateLimits;
    assert.ok(defaults.perUser >= 1000, 'per user: above any person clicking around');
    assert.ok(defaults.publicPerAddress >= 60, 'per address: an office signs in together');
    const off = loadConfig({
      PARLEY_SECRET_KEY: 'a'.repeat(64),
      PARLEY_RATE_LIMIT_PER_MINUTE: '0',
      PARLEY_PUBLIC_RATE_LIMIT_PER_MINUTE: '0',
    }).rateLimits;
    assert.deepEqual(off, { perUser: 0, publicPerAddress: 0 });
    assert.throws(() =>
      loadConfig({ PARLEY_SECRET_KEY: 'a'.repeat(64), PARLEY_RATE_LIMIT_PER_MINUTE: '-1' }),
    );
  });

  it('answers sign-ins below the limit as usual, then 429 in Zendesk’s shape with Retry-After', async () => {
    const first = await signIn('correct horse');
    assert.equal(first.status, 201);
    assert.equal((await signIn('wrong password')).status, 401);
    assert.equal((await signIn('correct horse')).status, 201);
    const limited = await signIn('correct horse');
    assert.equal(limited.status, 429);
    assert.match(limited.headers.get('content-type') ?? '', /application\/json/);
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    const body = (await limited.json()) as { error: string; description: string };
    assert.equal(body.error, 'TooManyRequests');
    assert.match(body.description, /try again in \d+ seconds?/);
    // No session was made for the refused attempt.
    assert.equal(limited.headers.get('set-cookie'), null);
  });

  it('counts each door on its own: the OAuth redirect still answers after sign-in is limited', async () => {
    const res = await fetch(`${desk.url}/slack/oauth_redirect?state=nope`);
    assert.equal(res.status, 400, 'an unknown state, not a rate limit');
    for (let i = 0; i < 2; i++) await fetch(`${desk.url}/slack/oauth_redirect?state=nope`);
    const limited = await fetch(`${desk.url}/slack/oauth_redirect?state=nope`);
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  });

  it('limits each signed-in user’s API requests on their own, not other users’', async () => {
    const agent = await desk.createAgent('Rita Rate');
    const statuses: number[] = [];
    for (let i = 0; i < 9; i++) {
      statuses.push(
        (await desk.api('GET', '/api/v2/users/me', undefined, { auth: agent.auth })).status,
      );
    }
    assert.deepEqual(statuses.slice(0, 8), new Array(8).fill(200));
    assert.equal(statuses[8], 429);
    const limited = await desk.api('GET', '/api/v2/tickets', undefined, { auth: agent.auth });
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error, 'TooManyRequests');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    // Another user (the admin) is not held back by Rita's requests.
    assert.equal((await desk.api('GET', '/api/v2/users/me')).status, 200);
  });

  it('does not count requests nobody authenticated as anyone’s', async () => {
    const res = await desk.api('GET', '/api/v2/users/me', undefined, { auth: null });
    assert.equal(res.status, 401);
  });
});

describe('rate limits in the test harness', () => {
  let desk: TestDesk & { stop(): Promise<void> };
  before(async () => {
    desk = await startTestDesk('sqlite');
  });
  after(async () => {
    await desk?.stop();
  });

  it('are off, so that suites may send as much as they need', async () => {
    for (let i = 0; i < 150; i++) {
      const res = await fetch(`${desk.url}/slack/oauth_redirect?state=nope`);
      assert.equal(res.status, 400);
    }
  });
});
