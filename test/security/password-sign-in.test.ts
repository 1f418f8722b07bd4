/**
 * Basic `email:password` sign-in under attack: failures throttled per account and per client
 * address (shared through the database, so across nodes), unknown emails costing a hash like
 * known ones, argon2id hashes, and old scrypt hashes upgraded on the next sign-in.
 */
import assert from 'node:assert/strict';
import { randomBytes, scryptSync } from 'node:crypto';
import { beforeEach, it } from 'node:test';
import { parseOptions } from '@node-rs/argon2';
import { openDatabase } from '../../src/db/index.ts';
import { TooManyRequestsError } from '../../src/desk/errors.ts';
import { hashPassword, passwordChecksRun } from '../../src/desk/passwords.ts';
import { passwordHashSlots } from '../../src/desk/hash-slots.ts';
import type { SignInLimits } from '../../src/desk/sign-in-throttle.ts';
import { UnauthorizedError } from '../../src/http/shared/errors.ts';
import { signInWithPassword } from '../../src/http/password-sign-in.ts';
import { forEachDatabase, type TestDesk } from '../helpers/harness.ts';

const WINDOW_MS = 60_000;
/** The throttle's clock: each test starts in a fresh window by moving it, never by waiting. */
let clock = Date.now();
const limits: SignInLimits = {
  account: { failures: 3, windowMs: WINDOW_MS },
  address: { failures: 6, windowMs: WINDOW_MS },
  now: () => clock,
};

function legacyScryptHash(password: string): string {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString('base64')}$${scryptSync(password, salt, 32).toString('base64')}`;
}

async function storedHash(desk: TestDesk, id: number): Promise<string | null> {
  const row = await desk.parley.db
    .selectFrom('users')
    .select('password_hash')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return row.password_hash;
}

forEachDatabase(
  'password sign-in',
  (ctx) => {
    const me = (desk: TestDesk, credentials: string) =>
      desk.api('GET', '/api/v2/users/me', undefined, { auth: credentials });

    beforeEach(() => {
      clock += 10 * WINDOW_MS;
    });

    it('hashes new passwords with argon2id at no less than OWASP minimum cost', async () => {
      const hash = await hashPassword('correct horse');
      assert.match(hash, /^\$argon2id\$/);
      const o = parseOptions(hash);
      assert.ok(o.memoryCost >= 19_456 && o.timeCost >= 2, hash);
    });

    it('locks an account after its failures, answers 429 with Retry-After without hashing, and lets it in once the window ends', async () => {
      const { desk } = ctx;
      const user = await desk.createEndUser('Locked Out');
      for (let i = 0; i < 3; i++) {
        const res = await me(desk, `${user.email}:wrong ${i}`);
        assert.equal(res.status, 401);
        assert.deepEqual(res.body, { error: "Couldn't authenticate you" });
      }
      const hashesBefore = passwordChecksRun();
      const throttled = await me(desk, `${user.email}:correct horse`);
      assert.equal(throttled.status, 429);
      assert.equal(throttled.body.error, 'TooManyRequests');
      assert.match(throttled.body.description, /try again in \d+ seconds/);
      assert.equal(throttled.headers.get('retry-after'), String(WINDOW_MS / 1000));
      assert.equal(passwordChecksRun(), hashesBefore, 'a throttled attempt runs no hash');

      clock += WINDOW_MS / 2;
      const later = await me(desk, `${user.email}:correct horse`);
      assert.equal(later.status, 429);
      assert.equal(later.headers.get('retry-after'), String(WINDOW_MS / 2000));

      clock += WINDOW_MS / 2;
      const ok = await me(desk, `${user.email}:correct horse`);
      assert.equal(ok.status, 200);
      assert.equal(ok.body.user.id, user.id);
    });

    it('throttles the web sign-in endpoint with the same counts as Basic sign-in', async () => {
      const { desk } = ctx;
      const user = await desk.createEndUser('Web Guesser');
      const signIn = (password: string) =>
        desk.api('POST', '/api/v2/session', { email: user.email, password }, { auth: null });
      assert.equal((await signIn('wrong 1')).status, 401);
      assert.equal((await me(desk, `${user.email}:wrong 2`)).status, 401);
      assert.equal((await signIn('wrong 3')).status, 401);
      const before = passwordChecksRun();
      const throttled = await signIn('correct horse');
      assert.equal(throttled.status, 429);
      assert.equal(throttled.body.error, 'TooManyRequests');
      assert.ok(throttled.headers.get('retry-after'));
      assert.equal(passwordChecksRun(), before, 'a throttled attempt runs no hash');
      clock += WINDOW_MS;
      assert.equal((await signIn('correct horse')).status, 201);
    });

    it('forgets an account failures after a successful sign-in', async () => {
      const { desk } = ctx;
      const user = await desk.createEndUser('Sometimes Wrong');
      for (let i = 0; i < 2; i++) assert.equal((await me(desk, `${user.email}:nope`)).status, 401);
      assert.equal((await me(desk, `${user.email}:correct horse`)).status, 200);
      for (let i = 0; i < 3; i++) assert.equal((await me(desk, `${user.email}:nope`)).status, 401);
      assert.equal((await me(desk, `${user.email}:correct horse`)).status, 429);
    });

    it('throttles an unknown email as a known one, and costs one hash for each attempt alike', async () => {
      const { desk } = ctx;
      const known = await desk.createEndUser('Known Person');
      const unknown = `nobody.${randomBytes(4).toString('hex')}@example.com`;
      const hashes = async (credentials: string) => {
        const before = passwordChecksRun();
        const res = await me(desk, credentials);
        assert.equal(res.status, 401);
        return passwordChecksRun() - before;
      };
      assert.equal(await hashes(`${known.email}:wrong`), 1);
      assert.equal(await hashes(`${unknown}:wrong`), 1);
      assert.equal(await hashes(`${unknown}:wrong`), 1);
      assert.equal(await hashes(`${unknown.toUpperCase()}:wrong`), 1);
      const res = await me(desk, `${unknown}:wrong`);
      assert.equal(res.status, 429);
      assert.ok(Number(res.headers.get('retry-after')) > 0);
    });

    it('throttles a client address that fails on many accounts, even for a right password', async () => {
      const { desk } = ctx;
      const users = await Promise.all([1, 2, 3].map((n) => desk.createEndUser(`Sprayed ${n}`)));
      for (const user of users) {
        for (let i = 0; i < 2; i++) {
          assert.equal((await me(desk, `${user.email}:password${i}`)).status, 401);
        }
      }
      const fresh = await desk.createEndUser('Innocent Bystander');
      const res = await me(desk, `${fresh.email}:correct horse`);
      assert.equal(res.status, 429);
      // API tokens are not passwords: the integration on the same address keeps working.
      assert.equal((await desk.api('GET', '/api/v2/users/me')).status, 200);
      clock += WINDOW_MS;
      assert.equal((await me(desk, `${fresh.email}:correct horse`)).status, 200);
    });

    it('counts failures made through another node (a second connection to the database)', async () => {
      const { desk } = ctx;
      const user = await desk.createEndUser('Two Nodes');
      const other = openDatabase(desk.parley.config.database);
      try {
        for (let i = 0; i < 3; i++) {
          await assert.rejects(
            signInWithPassword(other, user.email, 'wrong', { ip: '203.0.113.7' }, limits),
            UnauthorizedError,
          );
        }
      } finally {
        await other.destroy();
      }
      assert.equal((await me(desk, `${user.email}:correct horse`)).status, 429);
    });

    it('lets no more failures through than the limit when attempts arrive at once, hashing one at a time', async () => {
      const { desk } = ctx;
      const user = await desk.createEndUser('Burst Target');
      const startedBefore = passwordHashSlots.started;
      passwordHashSlots.peak = 0;
      const outcomes = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          signInWithPassword(
            desk.parley.db,
            user.email,
            `guess ${i}`,
            { ip: `198.51.100.${i}` },
            limits,
          ),
        ),
      );
      const refused = outcomes.map((o) => {
        assert.equal(o.status, 'rejected');
        return (o as PromiseRejectedResult).reason;
      });
      assert.equal(refused.filter((e) => e instanceof UnauthorizedError).length, 3);
      assert.equal(refused.filter((e) => e instanceof TooManyRequestsError).length, 7);
      assert.ok(passwordHashSlots.started > startedBefore, 'checks go through the slots');
      assert.ok(
        passwordHashSlots.peak <= passwordHashSlots.concurrency,
        `at most ${passwordHashSlots.concurrency} hashing at once, saw ${passwordHashSlots.peak}`,
      );
    });

    it('counts an IPv6 client by its /64', async () => {
      const { desk } = ctx;
      const users = await Promise.all([1, 2].map((n) => desk.createEndUser(`Six ${n}`)));
      for (let i = 0; i < 6; i++) {
        const user = users[i % 2]!;
        await assert.rejects(
          signInWithPassword(
            desk.parley.db,
            user.email,
            'wrong',
            { ip: `2001:db8:1:2::${i + 1}` },
            limits,
          ),
          UnauthorizedError,
        );
      }
      const fresh = await desk.createEndUser('Six Fresh');
      await assert.rejects(
        signInWithPassword(
          desk.parley.db,
          fresh.email,
          'correct horse',
          { ip: '2001:db8:1:2:ffff::9' },
          limits,
        ),
        TooManyRequestsError,
      );
      const user = await signInWithPassword(
        desk.parley.db,
        fresh.email,
        'correct horse',
        { ip: '2001:db8:1:3::1' },
        limits,
      );
      assert.equal(user.id, fresh.id);
    });

    it('upgrades an old scrypt hash to argon2id on the next successful sign-in', async () => {
      const { desk } = ctx;
      const user = await desk.createEndUser('Old Hash');
      const old = legacyScryptHash('old secret');
      await desk.parley.db
        .updateTable('users')
        .set({ password_hash: old })
        .where('id', '=', user.id)
        .execute();
      assert.equal((await me(desk, `${user.email}:not it`)).status, 401);
      assert.equal(await storedHash(desk, user.id), old, 'a wrong password changes nothing');
      assert.equal((await me(desk, `${user.email}:old secret`)).status, 200);
      const upgraded = await storedHash(desk, user.id);
      assert.match(upgraded ?? '', /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      assert.equal((await me(desk, `${user.email}:old secret`)).status, 200);
      assert.equal(await storedHash(desk, user.id), upgraded, 'a current hash is kept');
    });

    it('refuses a suspended user with the right password as any failure', async () => {
      const { desk } = ctx;
      const user = await desk.createEndUser('Suspended Person');
      await desk.parley.db
        .updateTable('users')
        .set({ suspended: 1 })
        .where('id', '=', user.id)
        .execute();
      const before = passwordChecksRun();
      assert.equal((await me(desk, `${user.email}:correct horse`)).status, 401);
      assert.equal(passwordChecksRun() - before, 1);
    });
  },
  { signInLimits: limits },
);
