/**
 * Kill -9 in the middle of a burst of Slack events, restart, and check that every acked event
 * (and every event Slack would retry) became exactly one comment: none lost, none doubled.
 * Parley runs as a real child process (`bin/parley.js start`) on SQLite and on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openDatabase } from '../../src/db/index.ts';
import { DB_KINDS } from '../helpers/harness.ts';
import { createTestDatabase, freePort, startEmbeddedPostgres } from '../helpers/postgres.ts';
import {
  messageEvent,
  postSlackEvent,
  sandboxSigningSecret,
  startChild,
  waitHealthy,
  waitProcessed,
} from './processes.ts';

const EVENTS = 600;
const KILL_AFTER_ACKS = 250;

function event(i: number, channel: string, user: string) {
  return messageEvent(i, channel, user, { idPrefix: 'Ev0CRASH', text: `burst message ${i}` });
}

let pgServer: { url: string; stop(): Promise<void> } | null = null;
after(async () => {
  if (pgServer) await pgServer.stop();
});

for (const kind of (process.env.CRASH_KINDS?.split(',') as typeof DB_KINDS) ?? DB_KINDS) {
  describe(`events survive SIGKILL [${kind}]`, () => {
    it('loses and duplicates nothing', { timeout: 180_000 }, async () => {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-crash-'));
      let databaseUrl = `sqlite:${path.join(dataDir, 'parley.db')}`;
      let drop: (() => Promise<void>) | null = null;
      if (kind === 'postgres') {
        const server =
          process.env.PARLEY_TEST_PG_URL ?? (pgServer ??= await startEmbeddedPostgres()).url;
        const created = await createTestDatabase(server);
        databaseUrl = created.url;
        drop = created.drop;
      }
      const port = await freePort();
      const secretKey = randomBytes(32).toString('hex');
      const env = {
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: databaseUrl,
        PARLEY_DATA_DIR: dataDir,
        PARLEY_PUBLIC_URL: `http://127.0.0.1:${port}`,
        PARLEY_SECRET_KEY: secretKey,
        PARLEY_LOG_LEVEL: 'silent',
        PARLEY_SLACK_SANDBOX: 'on',
      };
      const url = `http://127.0.0.1:${port}`;
      let child = startChild(env);
      const db = openDatabase(
        kind === 'postgres'
          ? { kind, url: databaseUrl, poolSize: 2 }
          : { kind, file: databaseUrl.slice('sqlite:'.length) },
      );
      try {
        await waitHealthy(url);
        const secret = await sandboxSigningSecret(db, secretKey);
        // Two people, so two conversations interleave in the burst.
        const payloads = Array.from({ length: EVENTS }, (_, i) =>
          JSON.stringify(
            i % 2 ? event(i, 'D0CRASHALICE', 'U0ALICE') : event(i, 'D0CRASHPART', 'U0PARTNER'),
          ),
        );
        const acked = new Set<number>();
        const send = async (i: number) => {
          if ((await postSlackEvent(url, secret, payloads[i]!)) === 200) acked.add(i);
        };
        // Burst with 16 requests in flight; kill -9 once enough are acked.
        let next = 0;
        let killed = false;
        const worker = async () => {
          while (next < EVENTS && !killed) {
            const i = next++;
            try {
              await send(i);
            } catch {
              /* the server died under this request: Slack would retry it */
            }
            if (!killed && acked.size >= KILL_AFTER_ACKS) {
              killed = true;
              child.kill('SIGKILL');
            }
          }
        };
        await Promise.all(Array.from({ length: 16 }, worker));
        await new Promise<void>((resolve) =>
          child.exitCode !== null || child.signalCode
            ? resolve()
            : child.once('exit', () => resolve()),
        );
        assert.ok(
          killed && acked.size >= KILL_AFTER_ACKS && acked.size < EVENTS,
          `killed mid-burst (${acked.size} acked)`,
        );

        child = startChild(env);
        await waitHealthy(url);
        // Slack retries what it never got a 200 for; this resends everything not acked.
        for (let i = 0; i < EVENTS; i++) if (!acked.has(i)) await send(i);
        assert.equal(acked.size, EVENTS);
        await waitProcessed(db, EVENTS, 120_000);
        const counts = await db
          .selectFrom('comments')
          .select(['plain_body', sql<number>`count(*)`.as('n')])
          .where('plain_body', 'like', 'burst message %')
          .groupBy('plain_body')
          .execute();
        const odd = await db
          .selectFrom('slack_inbox')
          .select(['event_id', 'outcome', 'attempts', 'last_error'])
          .where('outcome', 'not like', '%ticket%')
          .execute();
        assert.equal(
          counts.length,
          EVENTS,
          `every event became a comment; others: ${JSON.stringify(odd.slice(0, 5))}`,
        );
        assert.deepEqual(
          counts.filter((c) => Number(c.n) !== 1),
          [],
          'no event became two comments',
        );
        const failed = await db
          .selectFrom('slack_inbox')
          .select('outcome')
          .where('outcome', 'like', 'failed%')
          .execute();
        assert.deepEqual(failed, []);
      } finally {
        child.kill('SIGKILL');
        await db.destroy();
        if (drop) await drop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
}
