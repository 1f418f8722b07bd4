/**
 * Two Parley processes on one PostgreSQL database, as behind a load balancer: Slack's events for
 * eight DMs reach either node, both nodes' ingest workers race for them, and still every event
 * becomes exactly one comment, in the order each person wrote.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { openDatabase } from '../../src/db/index.ts';
import { postgresServerUrl } from '../helpers/harness.ts';
import { createTestDatabase, freePort } from '../helpers/postgres.ts';
import {
  messageEvent,
  postSlackEvent,
  sandboxSigningSecret,
  startChild,
  waitHealthy,
  waitProcessed,
  SANDBOX_SECRET,
} from './processes.ts';

const PER_PERSON = 40;
const PEOPLE = Array.from({ length: 8 }, (_, n) => ({
  user: `U0NODES${n}`,
  channel: `D0NODES${n}`,
}));

describe('several nodes on one PostgreSQL', () => {
  const children: ReturnType<typeof startChild>[] = [];
  after(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  it('applies every event once, in the order each person wrote', { timeout: 120_000 }, async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-nodes-'));
    const { url: databaseUrl, drop } = await createTestDatabase(await postgresServerUrl());
    const db = openDatabase({ kind: 'postgres', url: databaseUrl, poolSize: 2 });
    try {
      const env = (port: number) => ({
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: databaseUrl,
        // One data directory: the same secret key and the sandbox workspace's saved state.
        PARLEY_DATA_DIR: dataDir,
        PARLEY_PUBLIC_URL: `http://127.0.0.1:${port}`,
        PARLEY_SECRET_KEY: secret,
        PARLEY_LOG_LEVEL: 'silent',
        PARLEY_SLACK_SANDBOX: 'on',
        PARLEY_SLACK_SANDBOX_SECRET: SANDBOX_SECRET,
      });
      const secret = randomBytes(32).toString('hex');
      const ports = [await freePort(), await freePort()] as const;
      const urls = ports.map((p) => `http://127.0.0.1:${p}`);
      // The first node installs the sandbox connection; the second finds it.
      children.push(startChild(env(ports[0])));
      await waitHealthy(urls[0]!);
      const stateFile = path.join(dataDir, 'sandbox.json');
      for (let i = 0; i < 100 && !existsSync(stateFile); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      children.push(startChild(env(ports[1])));
      await waitHealthy(urls[1]!);

      const signing = await sandboxSigningSecret(db, secret);
      // Both nodes' sandboxes must know the people (each node asks its own for users.info).
      for (const url of urls) {
        for (const p of PEOPLE) {
          const res = await fetch(`${url}/sandbox/control/users`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-sandbox-secret': SANDBOX_SECRET },
            body: JSON.stringify({ id: p.user, name: `Person ${p.user}` }),
          });
          assert.equal(res.status, 200, await res.text());
        }
      }
      // Each person writes one message after another (each acked before the next is sent, so
      // their order is defined); the eight write at once, and every message goes to the other
      // node than the one before: both nodes' ingest workers find work from both in the inbox.
      const total = PER_PERSON * PEOPLE.length;
      await Promise.all(
        PEOPLE.map(async (p, n) => {
          for (let k = 0; k < PER_PERSON; k++) {
            const i = k * PEOPLE.length + n;
            const payload = JSON.stringify(
              messageEvent(i, p.channel, p.user, {
                idPrefix: 'Ev0NODES',
                text: `node message ${i}`,
              }),
            );
            assert.equal(await postSlackEvent(urls[i % 2]!, signing, payload), 200);
          }
        }),
      );

      await waitProcessed(db, total, 60_000);
      const comments = await db
        .selectFrom('comments')
        .innerJoin('tickets', 'tickets.id', 'comments.ticket_id')
        .select([
          'comments.id',
          'comments.ticket_id',
          'comments.plain_body',
          'tickets.requester_id',
        ])
        .where('comments.plain_body', 'like', 'node message %')
        .orderBy('comments.id')
        .execute();
      const numbers = comments.map((c) => Number(c.plain_body.split(' ')[2]));
      assert.equal(new Set(numbers).size, total, 'every event became a comment');
      assert.equal(comments.length, total, 'no event became two comments');
      const byRequester = new Map<number, number[]>();
      for (const [j, c] of comments.entries()) {
        byRequester.set(c.requester_id, [...(byRequester.get(c.requester_id) ?? []), numbers[j]!]);
      }
      assert.equal(byRequester.size, PEOPLE.length);
      for (const list of byRequester.values()) {
        assert.equal(list.length, PER_PERSON);
        assert.deepEqual(
          list,
          [...list].sort((x, y) => x - y),
          'comments in the order written',
        );
      }
      const tickets = new Set(comments.map((c) => c.ticket_id));
      assert.equal(tickets.size, PEOPLE.length, 'one ticket per conversation');
    } finally {
      for (const c of children.splice(0)) c.kill('SIGKILL');
      await db.destroy();
      await drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
