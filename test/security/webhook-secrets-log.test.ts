/**
 * Webhook credentials and signing secrets never reach the logs: Parley runs at debug level with
 * a logger whose lines are captured while webhooks are saved, tested, called and refused.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { loadConfig } from '../../src/config.ts';
import { createApiToken } from '../../src/desk/api-tokens.ts';
import { updateTicket } from '../../src/desk/tickets/update-ticket.ts';
import { nowIso } from '../../src/desk/time.ts';
import { createUser } from '../../src/desk/users.ts';
import { via } from '../../src/desk/via.ts';
import { type Parley, startParley } from '../../src/server.ts';
import { freePort } from '../helpers/postgres.ts';

describe('webhook secrets in the log', () => {
  const lines: string[] = [];
  let parley: Parley;
  let dataDir: string;
  let auth = '';
  let receiverUrl = '';
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      // A final refusal: the failure is recorded (and may be logged) without a retry.
      res.writeHead(401);
      res.end('no');
    });
  });

  before(async () => {
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-hooklog-'));
    const port = await freePort();
    const config = loadConfig({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${path.join(dataDir, 'parley.db')}`,
      PARLEY_DATA_DIR: dataDir,
      PARLEY_PUBLIC_URL: `http://127.0.0.1:${port}`,
      PARLEY_WEBHOOK_ALLOW_PRIVATE: 'on',
    });
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    parley = await startParley(config, { logger: pino({ level: 'debug' }, sink) });
    const admin = await createUser(
      parley.db,
      { name: 'Ada', email: 'ada@example.com', role: 'admin', verified: 1 },
      nowIso(),
    );
    const { token } = await createApiToken(parley.db, {
      description: 't',
      createdById: admin.id,
      now: nowIso(),
    });
    auth = `Basic ${Buffer.from(`ada@example.com/token:${token}`).toString('base64')}`;
  });

  after(async () => {
    await parley.close();
    await new Promise<void>((r) => receiver.close(() => r()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  const api = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${parley.url}${p}`, {
      method,
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('holds no password, token, API key or signing secret', async () => {
    const secrets = ['PASSWORD-SECRET-1', 'APIKEY-SECRET-2', 'TESTTOKEN-SECRET-3'];
    const created = await api('POST', '/api/v2/webhooks', {
      webhook: {
        name: 'Logged?',
        endpoint: `${receiverUrl}/hook`,
        http_method: 'POST',
        request_format: 'json',
        authentication: { type: 'basic_auth', data: { username: 'u', password: secrets[0] } },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.webhook.id as string;
    await api('PATCH', `/api/v2/webhooks/${id}`, {
      webhook: { authentication: { type: 'api_key', data: { name: 'X-Key', value: secrets[1] } } },
    });
    const secret = (await api('GET', `/api/v2/webhooks/${id}/signing_secret`)).body.signing_secret
      .secret as string;
    await api('POST', '/api/v2/webhooks/test', {
      request: {
        endpoint: `${receiverUrl}/try`,
        http_method: 'POST',
        authentication: { type: 'bearer_token', data: { token: secrets[2] } },
        payload: '{}',
      },
    });
    const ticket = await api('POST', '/api/v2/tickets', {
      ticket: { subject: 'S', comment: { body: 'B' } },
    });
    const admin = await parley.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', 'ada@example.com')
      .executeTakeFirstOrThrow();
    await updateTicket(
      parley.db,
      { user: admin, via: via('api') },
      ticket.body.ticket.id,
      { priority: 'low' },
      null,
      nowIso(),
      {
        events: parley.events,
        effects: [
          {
            rule: { kind: 'trigger', id: 1, title: 'T' },
            effect: { type: 'notification_webhook', webhookId: Number(id), body: '{}' },
          },
        ],
      },
    );
    await parley.webhooks.worker!.drained(30_000);
    const inv = (await api('GET', `/api/v2/webhooks/${id}/invocations`)).body.invocations[0];
    assert.equal(inv.status, 'failed', 'the call was made and failed');
    assert.ok(lines.length > 0, 'the logger captured lines');
    for (const s of [...secrets, secret]) {
      assert.ok(!lines.some((l) => l.includes(s)), `${s} appears in the log`);
    }
  });
});
