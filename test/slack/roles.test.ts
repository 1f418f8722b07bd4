/**
 * `parley start --role web` and `--role worker` as two processes on one PostgreSQL: the web
 * node takes Slack's events (signed, from its sandbox) and API calls; the worker node, which
 * serves no HTTP but /healthz, turns the event into a ticket and delivers the agent's reply
 * into the person's DM. The web node alone does neither.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/index.ts';
import { createApiToken } from '../../src/desk/api-tokens.ts';
import { nowIso } from '../../src/desk/time.ts';
import { createUser } from '../../src/desk/users.ts';
import { createLogger } from '../../src/log.ts';
import { startParley } from '../../src/server.ts';
import { postgresServerUrl } from '../helpers/harness.ts';
import { createTestDatabase, freePort } from '../helpers/postgres.ts';
import { waitFor } from './helpers.ts';
import { SANDBOX_SECRET, startChild, waitHealthy, waitProcessed } from './processes.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Runs `parley` to completion; resolves with its exit code and output. */
function parley(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const clean: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (!k.startsWith('PARLEY_') && k !== 'DATABASE_URL' && k !== 'PORT') clean[k] = v;
    }
    const child = spawn(process.execPath, ['bin/parley.js', ...args], {
      env: { ...clean, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('roles: web and worker processes on one PostgreSQL', () => {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  after(() => {
    for (const c of children) c.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const tmp = () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'parley-roles-'));
    dirs.push(d);
    return d;
  };

  it(
    'the web node takes a DM and a reply; the worker node makes the ticket and delivers the reply',
    // Generous: three Parley processes start on a machine that other suites share.
    { timeout: 300_000 },
    async () => {
      const { url: databaseUrl, drop } = await createTestDatabase(await postgresServerUrl());
      const db = openDatabase({ kind: 'postgres', url: databaseUrl, poolSize: 2 });
      try {
        const secret = randomBytes(32).toString('hex');
        const [webPort, workerPort] = [await freePort(), await freePort()];
        const webUrl = `http://127.0.0.1:${webPort}`;
        const workerUrl = `http://127.0.0.1:${workerPort}`;
        const common = {
          HOST: '127.0.0.1',
          DATABASE_URL: databaseUrl,
          PARLEY_SECRET_KEY: secret,
          PARLEY_LOG_LEVEL: 'silent',
          PARLEY_SLACK_SANDBOX: 'on',
          PARLEY_SLACK_SANDBOX_SECRET: SANDBOX_SECRET,
        };
        const web = startChild(
          {
            ...common,
            PORT: String(webPort),
            PARLEY_DATA_DIR: tmp(),
            PARLEY_PUBLIC_URL: webUrl,
          },
          'web',
        );
        children.push(web);
        await waitHealthy(webUrl);
        const workerEnv = {
          ...common,
          PORT: String(workerPort),
          PARLEY_DATA_DIR: tmp(),
          PARLEY_PUBLIC_URL: webUrl,
          // Sandbox mode: the worker reaches Slack as the web node's sandbox.
          PARLEY_SLACK_API_URL: `${webUrl}/sandbox/api/`,
        };

        // Alice writes to the help desk: the sandbox signs the event and posts it to the web node.
        const sent = await fetch(`${webUrl}/sandbox/control/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-sandbox-secret': SANDBOX_SECRET },
          body: JSON.stringify({ user: 'U0ALICE', text: 'roles: my laptop will not boot' }),
        });
        const sentBody = (await sent.json()) as any;
        assert.equal(sent.status, 200, JSON.stringify(sentBody));
        assert.equal(sentBody.delivery.status, 'acked');

        const now = nowIso();
        const admin = await createUser(
          db,
          { name: 'Ada Admin', email: 'ada@roles.example', role: 'admin', verified: 1 },
          now,
        );
        const { token } = await createApiToken(db, {
          description: 'roles test',
          createdById: admin.id,
          now,
        });
        const headers = {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${admin.email}/token:${token}`).toString('base64')}`,
        };

        // The web node acked and stored the event, and does no more: its inbox row stays
        // unapplied for several of a worker's poll intervals.
        await sleep(1500);
        const inbox = await db.selectFrom('slack_inbox').select('processed_at').execute();
        assert.equal(inbox.length, 1);
        assert.equal(inbox[0]!.processed_at, null, 'the web node applied no event');
        const none = await db.selectFrom('tickets').select('id').execute();
        assert.equal(none.length, 0);

        const worker = startChild(workerEnv, 'worker');
        children.push(worker);
        await waitHealthy(workerUrl);
        const health = await fetch(`${workerUrl}/healthz`);
        assert.deepEqual(await health.json(), { ok: true, role: 'worker' });
        // The worker serves nothing but its health: no API, no Slack events, no sandbox.
        for (const p of ['/api/v2/tickets', '/slack/events', '/sandbox/control/calls']) {
          const res = await fetch(`${workerUrl}${p}`, { headers });
          assert.equal(res.status, 404, p);
        }

        await waitProcessed(db, 1, 30_000);
        const conv = await db
          .selectFrom('slack_conversations')
          .select(['current_ticket_id', 'channel_id'])
          .executeTakeFirstOrThrow();
        const ticketId = conv.current_ticket_id!;
        assert.ok(ticketId, 'the worker made a ticket of the DM');

        const botTexts = async () => {
          const res = await fetch(`${webUrl}/sandbox/control/conversation?user=U0ALICE`, {
            headers: { 'x-sandbox-secret': SANDBOX_SECRET },
          });
          const view = (await res.json()) as { messages: { bot_id?: string; text: string }[] };
          return view.messages.filter((m) => m.bot_id).map((m) => m.text);
        };
        const reply = async (body: string) => {
          const res = await fetch(`${webUrl}/api/v2/tickets/${ticketId}`, {
            method: 'PUT',
            headers,
            body: JSON.stringify({ ticket: { comment: { body } } }),
          });
          assert.equal(res.status, 200, await res.text());
        };
        await reply('Try holding the power button');
        await waitFor(
          'the reply in the DM',
          async () => (await botTexts()).includes('Try holding the power button'),
          30_000,
        );

        // Without the worker, a reply taken by the web node waits in the outbox…
        await stop(worker);
        await reply('Any luck?');
        await sleep(1500);
        assert.equal((await botTexts()).includes('Any luck?'), false, 'the web node sent nothing');
        const waiting = await db
          .selectFrom('comments')
          .select('delivery_status')
          .where('plain_body', '=', 'Any luck?')
          .executeTakeFirstOrThrow();
        assert.equal(waiting.delivery_status, 'pending');
        // …and goes out once a worker runs again.
        children.push(startChild(workerEnv, 'worker'));
        await waitFor(
          'the second reply in the DM',
          async () => (await botTexts()).includes('Any luck?'),
          30_000,
        );
      } finally {
        for (const c of children.splice(0)) await stop(c);
        await db.destroy();
        await drop();
      }
    },
  );

  it('runs each part where its role says: scheduler and worker nodes serve only /healthz', async () => {
    const { url: databaseUrl, drop } = await createTestDatabase(await postgresServerUrl());
    const started: Awaited<ReturnType<typeof startParley>>[] = [];
    try {
      const config = loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: databaseUrl,
        PARLEY_DATA_DIR: tmp(),
        PARLEY_SECRET_KEY: randomBytes(32).toString('hex'),
        PARLEY_SLACK_SANDBOX: 'on',
        PARLEY_SLACK_API_URL: 'http://127.0.0.1:9/sandbox/api/',
      });
      const logger = createLogger('silent', { pretty: false });
      const scheduler = await startParley(config, { role: 'scheduler', logger });
      started.push(scheduler);
      const worker = await startParley(config, { role: 'worker', logger });
      started.push(worker);

      assert.ok(scheduler.scheduler, 'the scheduler node runs the scheduler');
      assert.equal(scheduler.slack.ingest, null, 'and no Slack workers');
      assert.equal(scheduler.slack.delivery, null);
      assert.equal(worker.scheduler, null, 'the worker node runs no scheduler');
      assert.ok(worker.slack.ingest && worker.slack.delivery, 'but the Slack workers');
      for (const node of [scheduler, worker]) {
        assert.equal(node.sandbox, null, 'only web nodes host the sandbox');
        const health = await fetch(`${node.url}/healthz`);
        assert.deepEqual(await health.json(), { ok: true, role: node.role });
        const api = await fetch(`${node.url}/api/v2/tickets`);
        assert.equal(api.status, 404);
        assert.equal(((await api.json()) as any).error, 'RecordNotFound');
      }
      // The scheduler node has run the built-in tasks.
      await waitFor('the pace sweep', async () => {
        const row = await scheduler.db
          .selectFrom('scheduled_tasks')
          .select('last_finished_at')
          .where('name', '=', 'jobs.forget-idle-paces')
          .executeTakeFirst();
        return row?.last_finished_at;
      });
    } finally {
      for (const p of started) await p.close();
      await drop();
    }
  });

  it(
    'refuses an unknown role, and a split role on SQLite, with a clear error',
    { timeout: 120_000 },
    async () => {
      const dir = tmp();
      const unknown = await parley(['start', '--role', 'cron'], { PARLEY_DATA_DIR: dir });
      assert.equal(unknown.code, 1);
      assert.match(
        unknown.stderr,
        /--role must be one of all, web, worker, scheduler \(got "cron"\)/,
      );
      const sqlite = await parley(['start', '--role', 'worker'], { PARLEY_DATA_DIR: dir });
      assert.equal(sqlite.code, 1, sqlite.stderr);
      assert.match(sqlite.stderr, /--role worker needs PostgreSQL .*; with SQLite, run --role all/);
    },
  );

  it(
    'refuses a worker in sandbox mode that does not know where the sandbox is',
    { timeout: 60_000 },
    async () => {
      const res = await parley(['start', '--role', 'worker'], {
        PARLEY_DATA_DIR: tmp(),
        DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none',
        PARLEY_SLACK_SANDBOX: 'on',
      });
      assert.equal(res.code, 1, res.stderr);
      assert.match(res.stderr, /PARLEY_SLACK_API_URL: in sandbox mode a --role worker node/);
    },
  );
});
