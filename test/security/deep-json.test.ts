/**
 * JSON nested deeper than MAX_JSON_DEPTH is refused where it enters: a 422 from the API, an
 * acked-and-dropped event from Slack (over HTTP and Socket Mode), a Slack error from the
 * sandbox. Never a 500, never a stack overflow further in.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectionToken } from '../../src/channels/slack/context.ts';
import { signSlackRequest } from '../../src/channels/slack/verify.ts';
import { MAX_JSON_DEPTH } from '../../src/json-depth.ts';
import { forEachDatabase, startTestDesk, type TestDesk } from '../helpers/harness.ts';
import { ALICE, sandboxOf, waitFor } from '../slack/helpers.ts';

/** `levels` nested arrays, as JSON text (built as text: JSON.stringify would overflow). */
const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

let counter = 0;
/** A user create whose whole body nests `3 + levels` deep: {user:{user_fields:{a:[[…]]}}}. */
function userBody(levels: number): string {
  const email = `deep${++counter}@example.com`;
  return `{"user":{"name":"Deep","email":"${email}","user_fields":{"a":${nested(levels)}}}}`;
}

const asJson = { headers: { 'content-type': 'application/json' } };

async function signedEvent(desk: TestDesk, body: string): Promise<Response> {
  const apps = await desk.parley.slack.ctx.apps();
  const secret = apps.find((a) => a.source === 'sandbox')!.signingSecret;
  const ts = Math.floor(Date.now() / 1000);
  return fetch(`${desk.url}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': signSlackRequest(secret, ts, body),
    },
    body,
  });
}

async function inboxHas(desk: TestDesk, eventId: string): Promise<boolean> {
  const row = await desk.parley.db
    .selectFrom('slack_inbox')
    .select('id')
    .where('event_id', '=', eventId)
    .executeTakeFirst();
  return row !== undefined;
}

forEachDatabase('deeply nested JSON', (ctx) => {
  it('refuses user_fields 5,000 levels deep with a 422, not a 500', async () => {
    const res = await ctx.desk.api('POST', '/api/v2/users', undefined, {
      ...asJson,
      raw: userBody(5000),
    });
    assert.equal(res.status, 422, JSON.stringify(res.body));
    assert.equal(res.body.error, 'RecordInvalid');
    assert.match(res.body.details.base[0].description, /deeper than 64 levels/);
    assert.equal(res.body.details.base[0].error, 'InvalidValue');
  });

  it('accepts a body nested exactly to the limit and refuses one level more', async () => {
    const at = await ctx.desk.api('POST', '/api/v2/users', undefined, {
      ...asJson,
      raw: userBody(MAX_JSON_DEPTH - 3),
    });
    assert.equal(at.status, 201, JSON.stringify(at.body));
    const over = await ctx.desk.api('POST', '/api/v2/users', undefined, {
      ...asJson,
      raw: userBody(MAX_JSON_DEPTH - 2),
    });
    assert.equal(over.status, 422);
  });

  it('does not count brackets inside strings', async () => {
    const res = await ctx.desk.api('POST', '/api/v2/tickets', {
      ticket: { subject: '['.repeat(200), comment: { body: '{"[\\"'.repeat(200) } },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  });

  it('refuses a deep ticket update the same way', async () => {
    const created = await ctx.desk.api('POST', '/api/v2/tickets', {
      ticket: { subject: 'Deep', comment: { body: 'hello' } },
    });
    const raw = `{"ticket":{"custom_fields":${nested(20_000)}}}`;
    const res = await ctx.desk.api('PUT', `/api/v2/tickets/${created.body.ticket.id}`, undefined, {
      ...asJson,
      raw,
    });
    assert.equal(res.status, 422);
    assert.equal(res.body.error, 'RecordInvalid');
  });

  it('acks a deep signed Slack event without storing it, and keeps serving events', async () => {
    const raw = `{"type":"event_callback","event_id":"EvDEEP1","team_id":"T0SANDBOX","event":{"type":"message","channel":"D1","blocks":${nested(5000)}}}`;
    const res = await signedEvent(ctx.desk, raw);
    assert.equal(res.status, 200);
    assert.equal(await inboxHas(ctx.desk, 'EvDEEP1'), false);
    const challenge = await signedEvent(
      ctx.desk,
      JSON.stringify({ type: 'url_verification', challenge: 'still-here' }),
    );
    assert.deepEqual(await challenge.json(), { challenge: 'still-here' });
  });

  it('refuses deep JSON in the Slack sandbox Web API, as a body and as an argument', async () => {
    const body = await fetch(`${ctx.desk.url}/sandbox/api/chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"channel":"D1","blocks":${nested(5000)}}`,
    });
    assert.deepEqual(await body.json(), { ok: false, error: 'invalid_json' });

    const connection = await ctx.desk.parley.db
      .selectFrom('slack_connections')
      .selectAll()
      .executeTakeFirstOrThrow();
    const token = connectionToken(ctx.desk.parley.slack.ctx, connection)!;
    const call = (method: string, args: Record<string, string>) =>
      fetch(`${ctx.desk.url}/sandbox/api/${method}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Bearer ${token}`,
        },
        body: new URLSearchParams(args),
      });
    const opened = (await (await call('conversations.open', { users: ALICE })).json()) as any;
    assert.equal(opened.ok, true, JSON.stringify(opened));
    const channel: string = opened.channel.id;
    const form = await call('chat.postMessage', { channel, text: 'hi', blocks: nested(5000) });
    assert.deepEqual(await form.json(), { ok: false, error: 'invalid_blocks' });
  });
});

describe('deeply nested JSON over Slack Socket Mode', () => {
  let desk: TestDesk & { stop(): Promise<void> };
  before(async () => {
    desk = await startTestDesk('sqlite', { env: { PARLEY_SLACK_SOCKET_MODE: 'on' } });
  });
  after(async () => {
    await desk.stop();
  });

  it('acks a deep envelope and drops it, so Slack does not send it again', async () => {
    const sb = sandboxOf(desk);
    await waitFor('the Socket Mode connection', async () => sb.socketConnections === 1);
    let blocks: unknown[] = [];
    for (let i = 0; i < MAX_JSON_DEPTH * 2; i++) blocks = [blocks];
    // The sandbox's own event path refuses deep blocks, so the envelope goes out directly.
    const send = (sb as unknown as { transmit(p: unknown): Promise<{ status: string }> }).transmit;
    const result = await send.call(sb, {
      type: 'event_callback',
      event_id: 'EvDEEPSOCKET',
      team_id: 'T0SANDBOX',
      event: { type: 'message', channel: 'D1', blocks },
    });
    assert.equal(result.status, 'acked');
    assert.equal(await inboxHas(desk, 'EvDEEPSOCKET'), false);
  });
});
