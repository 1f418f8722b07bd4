/**
 * The sandbox's Socket Mode, driven by the official @slack/socket-mode client the way Parley
 * drives it: apps.connections.open with the app-level token, the WebSocket, hello, envelopes,
 * acks, redelivery of unacked envelopes, disconnect/reconnect. No database.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { LogLevel, SocketModeClient } from '@slack/socket-mode';
import { WebAPIPlatformError, WebClient } from '@slack/web-api';
import WebSocket from 'ws';
import {
  type Sandbox,
  sandboxAppToken,
  startSandboxServer,
} from '../../src/channels/slack/sandbox/server.ts';

const SIGNING_SECRET = 'socket-signing-secret';
const CLIENT_ID = '3333.4444';
const CLIENT_SECRET = 'socket-client-secret';

interface Envelope {
  ack: (response?: Record<string, unknown>) => Promise<void>;
  envelope_id: string;
  type: string;
  body: any;
  retry_num?: number;
  retry_reason?: string;
}

async function until<T>(what: string, fn: () => T | undefined | null | false): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** An app on Socket Mode: the official client, recording every envelope it gets. */
class SocketApp {
  readonly client: SocketModeClient;
  readonly envelopes: Envelope[] = [];
  /** Whether the app acks an envelope; it always does unless told otherwise. */
  acks: (e: Envelope) => boolean = () => true;

  constructor(apiUrl: string, token: string) {
    this.client = new SocketModeClient({
      appToken: token,
      clientOptions: { slackApiUrl: apiUrl, retryConfig: { retries: 0 } },
      logLevel: LogLevel.ERROR,
      // Pings every 100 ms and a quick reconnect after a disconnect.
      clientPingTimeout: 300,
    });
    this.client.on('slack_event', async (e: Envelope) => {
      this.envelopes.push(e);
      if (this.acks(e)) await e.ack();
    });
  }

  start() {
    return this.client.start();
  }

  stop() {
    return this.client.disconnect();
  }

  texts(): string[] {
    return this.envelopes.map((e) => e.body.event.text);
  }

  envelope(pred: (e: Envelope) => boolean): Promise<Envelope> {
    return until('an envelope', () => this.envelopes.find(pred));
  }
}

/** The Request URL, which must stay silent while Socket Mode is on. */
class HttpReceiver {
  readonly bodies: any[] = [];
  url = '';
  private readonly server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.end('ok');
    });
  });

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/slack/events`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

describe('Slack sandbox Socket Mode', () => {
  let server: Awaited<ReturnType<typeof startSandboxServer>>;
  let sandbox: Sandbox;
  let http: HttpReceiver;
  let apiUrl: string;
  const apps: SocketApp[] = [];

  function app(): SocketApp {
    const a = new SocketApp(apiUrl, sandbox.appToken);
    apps.push(a);
    return a;
  }

  async function control(p: string, body: unknown) {
    const res = await fetch(`${server.url}/sandbox/control/${p}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-sandbox-secret': sandbox.controlSecret },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  }

  beforeEach(async () => {
    http = new HttpReceiver();
    await http.start();
    server = await startSandboxServer({
      eventsUrl: http.url,
      signingSecret: SIGNING_SECRET,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      retrySchedule: [10, 10, 10],
      ackTimeoutMs: 150,
      socketMode: true,
    });
    sandbox = server.sandbox;
    sandbox.install('bot');
    apiUrl = `${server.url}/sandbox/api/`;
  });

  afterEach(async () => {
    for (const a of apps.splice(0)) await a.stop();
    await server.close();
    await http.stop();
  });

  it('derives a stable app-level token from the client secret', () => {
    assert.match(sandbox.appToken, /^xapp-1-A0SANDBOX-\d+-[0-9a-f]{64}$/);
    assert.equal(sandbox.appToken, sandboxAppToken(CLIENT_SECRET));
    assert.notEqual(sandbox.appToken, sandboxAppToken(`${CLIENT_SECRET}x`));
  });

  it('opens connections only for the app-level token, which calls nothing else', async () => {
    const opened = await new WebClient(sandbox.appToken, {
      slackApiUrl: apiUrl,
      retryConfig: { retries: 0 },
      logLevel: LogLevel.ERROR,
    }).apps.connections.open();
    assert.equal(opened.ok, true);
    const url = new URL(opened.url!);
    assert.equal(url.protocol, 'ws:');
    assert.equal(url.pathname, '/sandbox/socket');
    assert.ok(url.searchParams.get('ticket'));

    const errorOf = async (token: string | undefined, method = 'apps.connections.open') => {
      const client = new WebClient(token, {
        slackApiUrl: apiUrl,
        retryConfig: { retries: 0 },
        logLevel: LogLevel.ERROR,
      });
      try {
        await client.apiCall(
          method,
          method === 'chat.postMessage' ? { channel: 'U0ALICE', text: 'x' } : {},
        );
      } catch (err) {
        assert.ok(err instanceof WebAPIPlatformError);
        return err.data.error;
      }
      return 'ok';
    };
    const bot = sandbox.install('bot').access_token as string;
    assert.equal(await errorOf(undefined), 'not_authed');
    assert.equal(await errorOf(bot), 'not_allowed_token_type');
    assert.equal(await errorOf(`${sandbox.appToken.slice(0, -1)}0`), 'invalid_auth');
    assert.equal(await errorOf('xoxb-nonsense'), 'invalid_auth');
    assert.equal(await errorOf(sandbox.appToken, 'chat.postMessage'), 'not_allowed_token_type');
  });

  it('accepts each WebSocket URL once', async () => {
    const opened = await new WebClient(sandbox.appToken, {
      slackApiUrl: apiUrl,
      retryConfig: { retries: 0 },
    }).apps.connections.open();
    const status = (url: string) =>
      new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(url);
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          ws.terminate();
        });
        ws.on('error', (err) => {
          if (!/Unexpected server response/.test(err.message)) reject(err);
        });
      });
    assert.equal(await status(opened.url!), 101);
    assert.equal(await status(opened.url!), 401);
    assert.equal(await status(opened.url!.replace(/ticket=[^&]+/, 'ticket=forged')), 401);
    const plain = await fetch(`${server.url}/sandbox/socket`);
    assert.equal(plain.status, 426);
  });

  it('pushes events as events_api envelopes the app acks, with no HTTP delivery', async () => {
    const a = app();
    const connected = await a.start();
    assert.equal(connected.ok, true);
    assert.equal(sandbox.socketConnections, 1);

    const sent = await sandbox.sendMessage({ user: 'U0ALICE', text: 'hello over the socket' });
    assert.equal(sent.delivery.status, 'acked');
    assert.equal(sent.delivery.transport, 'socket');
    const e = a.envelopes[0]!;
    assert.equal(e.type, 'events_api');
    assert.equal(e.retry_num, 0);
    assert.equal(e.body.type, 'event_callback');
    assert.equal(e.body.event_id, sent.event_id);
    assert.equal(e.body.api_app_id, 'A0SANDBOX');
    assert.equal(e.body.authorizations[0].team_id, 'T0SANDBOX');
    assert.equal(e.body.event.type, 'message');
    assert.equal(e.body.event.channel_type, 'im');
    assert.equal(e.body.event.channel, sent.channel);
    assert.equal(e.body.event.text, 'hello over the socket');

    assert.deepEqual(sandbox.deliveries(), []);
    assert.deepEqual(http.bodies, []);
    const log = sandbox.socketDeliveries(sent.event_id);
    assert.deepEqual(
      log.map((d) => [d.envelope_id, d.retry_num, d.outcome, d.connection]),
      [[e.envelope_id, 0, 'acked', 1]],
    );
  });

  it('sends an unacked envelope again with retry_attempt and retry_reason "timeout", three times at most', async () => {
    const a = app();
    await a.start();
    a.acks = (e) => e.body.event.text !== 'never acked' || e.retry_num === 2;
    const sent = await sandbox.sendMessage({ user: 'U0ALICE', text: 'never acked' });
    assert.equal(sent.delivery.status, 'failed');
    assert.equal(sent.delivery.reason, 'timeout');
    assert.equal(sent.delivery.will_retry, true);
    await until('the acked retry', () =>
      sandbox.socketDeliveries(sent.event_id).find((d) => d.outcome === 'acked'),
    );
    const got = a.envelopes.filter((e) => e.body.event_id === sent.event_id);
    assert.deepEqual(
      got.map((e) => [e.retry_num, e.retry_reason]),
      [
        [0, ''],
        [1, 'timeout'],
        [2, 'timeout'],
      ],
    );
    assert.equal(new Set(got.map((e) => e.envelope_id)).size, 3, 'a new envelope each time');
    assert.deepEqual(
      sandbox.socketDeliveries(sent.event_id).map((d) => [d.retry_num, d.outcome]),
      [
        [0, 'timeout'],
        [1, 'timeout'],
        [2, 'acked'],
      ],
    );

    a.acks = (e) => e.body.event.text !== 'doomed';
    const doomed = await sandbox.sendMessage({ user: 'U0ALICE', text: 'doomed' });
    await until('four attempts', () => sandbox.socketDeliveries(doomed.event_id).length === 4);
    await until('nothing left to send', () => sandbox.socketPending === 0);
    assert.deepEqual(
      sandbox.socketDeliveries(doomed.event_id).map((d) => d.retry_reason),
      [null, 'timeout', 'timeout', 'timeout'],
    );
    assert.deepEqual(http.bodies, []);
  });

  it('loses acks on request, so a delivered event arrives twice with one event_id', async () => {
    const a = app();
    await a.start();
    const res = await control('socket-mode', { on: true, drop_acks: 1 });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { ok: true, on: true, connections: 1 });
    const sent = await sandbox.sendMessage({ user: 'U0ALICE', text: 'lost ack' });
    assert.equal(sent.delivery.status, 'failed');
    await until('the retry', () =>
      sandbox.socketDeliveries(sent.event_id).find((d) => d.outcome === 'acked'),
    );
    assert.deepEqual(
      a.envelopes.map((e) => [e.body.event_id, e.retry_num]),
      [
        [sent.event_id, 0],
        [sent.event_id, 1],
      ],
    );
    assert.equal(sandbox.socketDeliveries(sent.event_id)[0]!.ack_dropped, true);
  });

  it('holds events while no app is connected and sends them when one connects', async () => {
    const first = await sandbox.sendMessage({ user: 'U0ALICE', text: 'while away 1' });
    const second = await sandbox.sendMessage({ user: 'U0ALICE', text: 'while away 2' });
    assert.equal(first.delivery.status, 'queued');
    assert.equal(second.delivery.status, 'queued');
    assert.equal(sandbox.socketPending, 2);
    const a = app();
    await a.start();
    await until('both', () => a.envelopes.length === 2);
    assert.deepEqual(a.texts(), ['while away 1', 'while away 2'], 'in order');
    await until('acks', () => sandbox.socketPending === 0);
    assert.deepEqual(http.bodies, []);
  });

  it('spreads envelopes over several connections', async () => {
    const a = app();
    const b = app();
    await a.start();
    await b.start();
    assert.equal(sandbox.socketConnections, 2);
    for (let i = 1; i <= 4; i++) {
      const sent = await sandbox.sendMessage({ user: 'U0ALICE', text: `spread ${i}` });
      assert.equal(sent.delivery.status, 'acked');
    }
    assert.equal(a.envelopes.length, 2);
    assert.equal(b.envelopes.length, 2);
    assert.deepEqual(
      [...new Set(sandbox.socketDeliveries().map((d) => d.connection))].sort(),
      [1, 2],
    );
  });

  it('asks connections to reconnect, and the client comes back on a new connection', async () => {
    const a = app();
    await a.start();
    let reconnecting = false;
    let back = false;
    a.client.on('reconnecting', () => {
      reconnecting = true;
    });
    a.client.on('connected', () => {
      back = reconnecting;
    });
    const res = await control('socket-mode/reconnect', {});
    assert.deepEqual(res.body, { ok: true, disconnected: 1 });
    await until('the client to reconnect', () => back);
    assert.equal(sandbox.socketConnections, 1);
    const sent = await sandbox.sendMessage({ user: 'U0ALICE', text: 'after reconnect' });
    assert.equal(sent.delivery.status, 'acked');
    assert.equal(sandbox.socketDeliveries(sent.event_id)[0]!.connection, 2);
    assert.deepEqual(a.texts(), ['after reconnect']);
  });

  it('switches between Socket Mode and HTTP at run time', async () => {
    const off = await control('socket-mode', { on: false });
    assert.equal(off.body.on, false);
    const a = app();
    await a.start();
    const overHttp = await sandbox.sendMessage({ user: 'U0ALICE', text: 'over http' });
    assert.equal(overHttp.delivery.transport, 'http');
    assert.equal(overHttp.delivery.status, 'acked');
    assert.equal(http.bodies.length, 1);
    assert.equal(a.envelopes.length, 0);

    await control('socket-mode', { on: true });
    const overSocket = await sandbox.sendMessage({ user: 'U0ALICE', text: 'over socket' });
    assert.equal(overSocket.delivery.transport, 'socket');
    assert.equal(http.bodies.length, 1);
    assert.deepEqual(a.texts(), ['over socket']);

    // Waiting envelopes go to the Request URL when Socket Mode is switched off.
    await a.stop();
    await until('the connection to close', () => sandbox.socketConnections === 0);
    const waiting = await sandbox.sendMessage({ user: 'U0ALICE', text: 'stranded' });
    assert.equal(waiting.delivery.status, 'queued');
    await control('socket-mode', { on: false });
    await until('the HTTP delivery', () =>
      http.bodies.find((b) => b.event_id === waiting.event_id),
    );
    assert.equal(sandbox.socketPending, 0);

    const bad = await control('socket-mode', { on: 'yes' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, 'invalid_arguments');
  });

  it('keeps URL verification on HTTP while Socket Mode is on', async () => {
    const a = app();
    await a.start();
    const verified = await sandbox.verifyUrl();
    assert.equal(verified.delivery.transport, 'http');
    assert.equal(http.bodies[0].type, 'url_verification');
    assert.equal(a.envelopes.length, 0);
  });
});
