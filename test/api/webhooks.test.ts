import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import type { FiredEffect } from '../../src/desk/events.ts';
import { updateTicket } from '../../src/desk/tickets/update-ticket.ts';
import { nowIso } from '../../src/desk/time.ts';
import { via } from '../../src/desk/via.ts';
import type { Job } from '../../src/db/types.ts';
import { createSecretBox } from '../../src/crypto/secret-box.ts';
import { MAX_ATTEMPTS, webhookHandler } from '../../src/rules/webhook-delivery.ts';
import { forEachDatabase, type TestDesk } from '../helpers/harness.ts';

/**
 * A receiver as Zendesk documents it: the signature is base64(HMAC-SHA256(secret, timestamp +
 * body)), compared in constant time. Written here from the documentation, not from Parley's code.
 */
function zendeskSignatureValid(secret: string, headers: http.IncomingHttpHeaders, body: string) {
  const signature = headers['x-zendesk-webhook-signature'];
  const timestamp = headers['x-zendesk-webhook-signature-timestamp'];
  if (typeof signature !== 'string' || typeof timestamp !== 'string') return false;
  const expected = createHmac('sha256', secret)
    .update(timestamp + body)
    .digest('base64');
  const a = Buffer.from(signature);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A real HTTP receiver on 127.0.0.1 answering the queued statuses (then 200). */
class Receiver {
  readonly received: Received[] = [];
  readonly answers: number[] = [];
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const status = this.answers.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'application/json', 'x-receiver': 'yes' });
      res.end(JSON.stringify({ got: status }));
    });
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function newTicket(desk: TestDesk): Promise<number> {
  const res = await desk.api('POST', '/api/v2/tickets', {
    ticket: { subject: 'Printer on fire', comment: { body: 'It burns' } },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.ticket.id as number;
}

/** A ticket update carrying the effects a rule fired (triggers fill them on another branch). */
async function updateWithEffects(desk: TestDesk, ticketId: number, effects: FiredEffect[]) {
  const { parley, adminId } = desk;
  const admin = await parley.db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', adminId)
    .executeTakeFirstOrThrow();
  await updateTicket(
    parley.db,
    { user: admin, via: via('api') },
    ticketId,
    { priority: 'high' },
    null,
    nowIso(),
    { events: parley.events, effects },
  );
}

function webhookEffect(webhookId: string, body: string): FiredEffect {
  return {
    rule: { kind: 'trigger', id: 7, title: 'Tell the receiver' },
    effect: { type: 'notification_webhook', webhookId: Number(webhookId), body },
  };
}

async function drained(desk: TestDesk): Promise<void> {
  await desk.parley.webhooks.worker!.drained(60_000);
}

forEachDatabase(
  'webhooks API',
  (ctx) => {
    const receiver = new Receiver();
    before(() => receiver.start());
    after(() => receiver.stop());

    const hook = (extra: Record<string, unknown> = {}) => ({
      name: 'Receiver',
      endpoint: `${receiver.url}/hook`,
      http_method: 'POST',
      request_format: 'json',
      status: 'active',
      subscriptions: ['conditional_ticket_events'],
      ...extra,
    });

    async function createHook(extra: Record<string, unknown> = {}) {
      const res = await ctx.desk.api('POST', '/api/v2/webhooks', { webhook: hook(extra) });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.webhook as { id: string; [k: string]: unknown };
    }

    it('creates, lists, shows, patches, replaces and deletes, never showing credentials', async () => {
      const { api } = ctx.desk;
      const created = await createHook({
        name: 'Ops receiver',
        description: 'Pages the on-call',
        authentication: {
          type: 'basic_auth',
          data: { username: 'ops', password: 'hunter2-secret' },
          add_position: 'header',
        },
        custom_headers: { 'X-Team': 'ops' },
      });
      assert.equal(typeof created.id, 'string');
      assert.equal(created.name, 'Ops receiver');
      assert.equal(created.description, 'Pages the on-call');
      assert.equal(created.status, 'active');
      assert.deepEqual(created.subscriptions, ['conditional_ticket_events']);
      assert.deepEqual(created.authentication, { type: 'basic_auth', add_position: 'header' });
      assert.deepEqual(created.custom_headers, { 'X-Team': 'ops' });
      assert.equal(created.created_by, String(ctx.desk.adminId));
      assert.ok(!JSON.stringify(created).includes('hunter2'), 'password never returned');

      const row = await ctx.desk.parley.db
        .selectFrom('webhooks')
        .selectAll()
        .where('id', '=', Number(created.id))
        .executeTakeFirstOrThrow();
      assert.ok(!JSON.stringify(row).includes('hunter2'), 'password sealed at rest');

      const other = await createHook({ name: 'Billing', status: 'inactive' });
      const list = await api('GET', '/api/v2/webhooks');
      assert.equal(list.status, 200);
      const names = list.body.webhooks.map((w: any) => w.name);
      assert.ok(names.includes('Ops receiver') && names.includes('Billing'));
      assert.equal(typeof list.body.meta.has_more, 'boolean');
      assert.ok('next' in list.body.links && 'prev' in list.body.links);
      assert.ok(!JSON.stringify(list.body).includes('hunter2'));

      const byName = await api('GET', '/api/v2/webhooks?filter[name_contains]=ops');
      assert.deepEqual(
        byName.body.webhooks.map((w: any) => w.id),
        [created.id],
      );
      const inactive = await api('GET', '/api/v2/webhooks?filter[status]=inactive');
      assert.ok(inactive.body.webhooks.every((w: any) => w.status === 'inactive'));
      assert.ok(inactive.body.webhooks.some((w: any) => w.id === other.id));
      const sorted = await api('GET', '/api/v2/webhooks?sort=-name&page[size]=100');
      const sortedNames = sorted.body.webhooks.map((w: any) => w.name);
      assert.deepEqual(sortedNames, [...sortedNames].sort().reverse());

      const shown = await api('GET', `/api/v2/webhooks/${created.id}`);
      assert.deepEqual(shown.body.webhook, created);

      const patched = await api('PATCH', `/api/v2/webhooks/${created.id}`, {
        webhook: { status: 'inactive', custom_headers: { 'X-Extra': '1' } },
      });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal(patched.body.webhook.status, 'inactive');
      assert.equal(patched.body.webhook.name, 'Ops receiver');
      assert.deepEqual(patched.body.webhook.custom_headers, { 'X-Team': 'ops', 'X-Extra': '1' });
      assert.deepEqual(patched.body.webhook.authentication, created.authentication);

      const replaced = await api('PUT', `/api/v2/webhooks/${created.id}`, {
        webhook: hook({ name: 'Ops v2' }),
      });
      assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
      assert.equal(replaced.body.webhook.name, 'Ops v2');
      assert.equal(replaced.body.webhook.authentication, undefined, 'PUT replaces');
      assert.deepEqual(replaced.body.webhook.custom_headers, {});

      assert.equal((await api('DELETE', `/api/v2/webhooks/${created.id}`)).status, 204);
      assert.equal((await api('GET', `/api/v2/webhooks/${created.id}`)).status, 404);
      assert.equal((await api('GET', '/api/v2/webhooks/01GDXYD7ZTWYP6QX5SHP5BHD6G')).status, 404);
    });

    it('refuses bad webhooks with a 422 naming the field', async () => {
      const { api } = ctx.desk;
      const cases: [Record<string, unknown>, string][] = [
        [{ endpoint: 'ftp://example.com/' }, 'endpoint'],
        [{ endpoint: undefined }, 'endpoint'],
        [{ name: '  ' }, 'name'],
        [{ http_method: 'TRACE' }, 'http_method'],
        [{ subscriptions: ['zen:event-type:user.created'] }, 'subscriptions[0]'],
        [
          { authentication: { type: 'bearer_token', add_position: 'header' } },
          'authentication.data',
        ],
        [{ custom_headers: { Authorization: 'x' } }, 'custom_headers.Authorization'],
        [{ custom_headers: { 'X-A': 'a\r\nX-Evil: 1' } }, 'custom_headers.X-A'],
        [
          { authentication: { type: 'bearer_token', data: { token: 'a\r\nX-Evil: 1' } } },
          'authentication.data',
        ],
        [
          { authentication: { type: 'api_key', data: { name: 'Not a name', value: 'v' } } },
          'authentication.data.name',
        ],
      ];
      for (const [extra, field] of cases) {
        const res = await api('POST', '/api/v2/webhooks', { webhook: hook(extra) });
        assert.equal(res.status, 422, `${JSON.stringify(extra)}: ${JSON.stringify(res.body)}`);
        assert.ok(field in res.body.details, `${field} in ${JSON.stringify(res.body.details)}`);
      }
    });

    it('shows the signing secret and resets it', async () => {
      const { api } = ctx.desk;
      const created = await createHook();
      const first = await api('GET', `/api/v2/webhooks/${created.id}/signing_secret`);
      assert.equal(first.status, 200);
      assert.equal(first.body.signing_secret.algorithm, 'SHA256');
      assert.ok(first.body.signing_secret.secret.length >= 32);
      const reset = await api('POST', `/api/v2/webhooks/${created.id}/signing_secret`);
      assert.equal(reset.status, 201);
      assert.notEqual(reset.body.signing_secret.secret, first.body.signing_secret.secret);
      const again = await api('GET', `/api/v2/webhooks/${created.id}/signing_secret`);
      assert.equal(again.body.signing_secret.secret, reset.body.signing_secret.secret);
      assert.ok(
        !JSON.stringify((await api('GET', `/api/v2/webhooks/${created.id}`)).body).includes(
          reset.body.signing_secret.secret,
        ),
      );
    });

    it('delivers a rule’s call signed as Zendesk signs, with its placeholders rendered', async () => {
      const { api } = ctx.desk;
      const created = await createHook({
        authentication: { type: 'bearer_token', data: { token: 'tok-123' } },
        custom_headers: { 'X-Team': 'ops' },
      });
      const secret = (await api('GET', `/api/v2/webhooks/${created.id}/signing_secret`)).body
        .signing_secret.secret as string;
      const ticketId = await newTicket(ctx.desk);
      const before = receiver.received.length;
      await updateWithEffects(ctx.desk, ticketId, [
        webhookEffect(created.id, '{"id": "{{ticket.id}}", "subject": "{{ticket.title}}"}'),
      ]);
      await drained(ctx.desk);
      const got = receiver.received.slice(before);
      assert.equal(got.length, 1);
      const req = got[0]!;
      assert.equal(req.method, 'POST');
      assert.equal(req.url, '/hook');
      assert.deepEqual(JSON.parse(req.body), { id: String(ticketId), subject: 'Printer on fire' });
      assert.ok(zendeskSignatureValid(secret, req.headers, req.body), 'signature verifies');
      assert.ok(!zendeskSignatureValid('another secret', req.headers, req.body));
      assert.match(
        String(req.headers['x-zendesk-webhook-signature-timestamp']),
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
      );
      assert.equal(req.headers['x-zendesk-webhook-id'], created.id);
      assert.equal(req.headers.authorization, 'Bearer tok-123');
      assert.equal(req.headers['x-team'], 'ops');
      assert.match(String(req.headers['content-type']), /^application\/json/);

      const invocations = await api('GET', `/api/v2/webhooks/${created.id}/invocations`);
      assert.equal(invocations.status, 200);
      assert.equal(invocations.body.invocations.length, 1);
      const inv = invocations.body.invocations[0];
      assert.equal(inv.status, 'success');
      assert.equal(inv.status_code, 200);
      assert.equal(inv.ticket_id, ticketId);
      assert.deepEqual(inv.source, { type: 'trigger', id: '7', title: 'Tell the receiver' });
      assert.ok(inv.latest_completed_at);
      assert.equal(req.headers['x-zendesk-webhook-invocation-id'], inv.id);
      const attempts = await api(
        'GET',
        `/api/v2/webhooks/${created.id}/invocations/${inv.id}/attempts`,
      );
      assert.equal(attempts.body.attempts.length, 1);
      assert.equal(attempts.body.attempts[0].status, 'success');
    });

    it('sends a GET webhook’s body as query parameters, signed over the empty body', async () => {
      const { api } = ctx.desk;
      const created = await createHook({ http_method: 'GET' });
      const secret = (await api('GET', `/api/v2/webhooks/${created.id}/signing_secret`)).body
        .signing_secret.secret as string;
      const ticketId = await newTicket(ctx.desk);
      const before = receiver.received.length;
      await updateWithEffects(ctx.desk, ticketId, [
        webhookEffect(created.id, '[["ticket", "{{ticket.id}}"], ["state", "{{ticket.status}}"]]'),
      ]);
      await drained(ctx.desk);
      const req = receiver.received[before]!;
      assert.equal(req.method, 'GET');
      assert.equal(req.url, `/hook?ticket=${ticketId}&state=new`);
      assert.equal(req.body, '');
      assert.ok(zendeskSignatureValid(secret, req.headers, ''));
    });

    it('retries after a 503 and records both attempts', async () => {
      const { api } = ctx.desk;
      const created = await createHook();
      const ticketId = await newTicket(ctx.desk);
      const before = receiver.received.length;
      receiver.answers.push(503);
      await updateWithEffects(ctx.desk, ticketId, [webhookEffect(created.id, '{"n": 1}')]);
      await drained(ctx.desk);
      assert.equal(receiver.received.length - before, 2);
      const inv = (await api('GET', `/api/v2/webhooks/${created.id}/invocations`)).body
        .invocations[0];
      assert.equal(inv.status, 'success');
      const attempts = (
        await api('GET', `/api/v2/webhooks/${created.id}/invocations/${inv.id}/attempts`)
      ).body.attempts;
      assert.deepEqual(
        attempts.map((a: any) => [a.attempt, a.status, a.status_code]),
        [
          [1, 'failed', 503],
          [2, 'success', 200],
        ],
      );
    });

    it('gives up after its last attempt and shows why', async () => {
      const { api, parley } = ctx.desk;
      const created = await createHook();
      const ticketId = await newTicket(ctx.desk);
      const inv = await parley.db
        .insertInto('webhook_invocations')
        .values({
          webhook_id: Number(created.id),
          ticket_id: ticketId,
          status: 'in_progress',
          created_at: nowIso(),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      // The job as the queue hands it over after MAX_ATTEMPTS - 1 failed attempts.
      const handle = webhookHandler({
        db: parley.db,
        box: createSecretBox(parley.config.secretKey),
        guard: { allowPrivate: true },
        publicUrl: parley.config.publicUrl,
        logger: parley.logger,
      });
      const payload = {
        invocation_id: inv.id,
        ticket_id: ticketId,
        actor_user_id: ctx.desk.adminId,
        body: '{}',
      };
      receiver.answers.push(503);
      const early = await handle({ attempts: 0 } as Job, payload);
      assert.equal(early.kind, 'retry');
      receiver.answers.push(503);
      const last = await handle({ attempts: MAX_ATTEMPTS - 1 } as Job, payload);
      assert.equal(last.kind, 'failed');
      const shown = (await api('GET', `/api/v2/webhooks/${created.id}/invocations`)).body
        .invocations[0];
      assert.equal(shown.status, 'failed');
      assert.equal(shown.status_code, 503);
      assert.match(shown.error, /503 \(gave up after 5 attempts\)/);
    });

    it('does not retry a 400, and shows why the call failed', async () => {
      const { api } = ctx.desk;
      const created = await createHook();
      const ticketId = await newTicket(ctx.desk);
      const before = receiver.received.length;
      receiver.answers.push(400);
      await updateWithEffects(ctx.desk, ticketId, [webhookEffect(created.id, '{}')]);
      await drained(ctx.desk);
      assert.equal(receiver.received.length - before, 1);
      const invs = await api(
        'GET',
        `/api/v2/webhooks/${created.id}/invocations?filter[status]=failed`,
      );
      assert.equal(invs.body.invocations.length, 1);
      const inv = invs.body.invocations[0];
      assert.equal(inv.status_code, 400);
      assert.match(inv.error, /400/);
      const attempts = (
        await api('GET', `/api/v2/webhooks/${created.id}/invocations/${inv.id}/attempts`)
      ).body.attempts;
      assert.equal(attempts.length, 1);
    });

    it('skips an inactive webhook and says so', async () => {
      const { api } = ctx.desk;
      const created = await createHook({ status: 'inactive' });
      const ticketId = await newTicket(ctx.desk);
      const before = receiver.received.length;
      await updateWithEffects(ctx.desk, ticketId, [webhookEffect(created.id, '{}')]);
      await drained(ctx.desk);
      assert.equal(receiver.received.length, before);
      const inv = (await api('GET', `/api/v2/webhooks/${created.id}/invocations`)).body
        .invocations[0];
      assert.equal(inv.status, 'skipped');
      assert.match(inv.error, /inactive/);
    });

    it('tests a new endpoint with Zendesk’s test secret, and a stored webhook with its own', async () => {
      const { api } = ctx.desk;
      const before = receiver.received.length;
      const res = await api('POST', '/api/v2/webhooks/test', {
        request: {
          endpoint: `${receiver.url}/try`,
          http_method: 'POST',
          request_format: 'json',
          payload: '{"hello": "world"}',
        },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.response.status, 200);
      assert.equal(res.body.response.body, '{"got":200}');
      assert.ok(res.body.response.headers.some((h: any) => h.key === 'x-receiver'));
      const sent = receiver.received[before]!;
      assert.equal(sent.body, '{"hello": "world"}');
      assert.ok(
        zendeskSignatureValid(
          'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==',
          sent.headers,
          sent.body,
        ),
      );

      const created = await createHook();
      const secret = (await api('GET', `/api/v2/webhooks/${created.id}/signing_secret`)).body
        .signing_secret.secret as string;
      receiver.answers.push(418);
      const stored = await api('POST', `/api/v2/webhooks/test?webhook_id=${created.id}`, {
        request: { payload: '{}' },
      });
      assert.equal(stored.body.response.status, 418);
      const last = receiver.received[receiver.received.length - 1]!;
      assert.equal(last.url, '/hook');
      assert.ok(zendeskSignatureValid(secret, last.headers, last.body));
    });

    it('lets triggers name existing webhooks only (422 naming the action otherwise)', async () => {
      const { api } = ctx.desk;
      const created = await createHook();
      const trigger = (webhookId: string) => ({
        title: `Notify ${webhookId}`,
        conditions: { all: [{ field: 'status', operator: 'is', value: 'new' }], any: [] },
        actions: [
          { field: 'priority', value: 'high' },
          { field: 'notification_webhook', value: [webhookId, '{"id": "{{ticket.id}}"}'] },
        ],
      });
      const missing = await api('POST', '/api/v2/triggers', { trigger: trigger('987654') });
      assert.equal(missing.status, 422, JSON.stringify(missing.body));
      assert.match(missing.body.details['actions[1].value'][0].description, /987654/);
      const huge = await api('POST', '/api/v2/triggers', { trigger: trigger('99999999999999') });
      assert.equal(huge.status, 422, JSON.stringify(huge.body));
      assert.ok('actions[1].value' in huge.body.details);
      const ok = await api('POST', '/api/v2/triggers', { trigger: trigger(created.id) });
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
      assert.deepEqual(ok.body.trigger.actions[1].value, [created.id, '{"id": "{{ticket.id}}"}']);
      const changed = await api('PUT', `/api/v2/triggers/${ok.body.trigger.id}`, {
        trigger: { actions: trigger('987655').actions },
      });
      assert.equal(changed.status, 422);
      assert.ok('actions[1].value' in changed.body.details);
    });

    it('is for admins only', async () => {
      const agent = await ctx.desk.createAgent('Webhook Agent');
      const res = await ctx.desk.api('GET', '/api/v2/webhooks', undefined, { auth: agent.auth });
      assert.equal(res.status, 403);
    });
  },
  { env: { PARLEY_WEBHOOK_ALLOW_PRIVATE: 'on' } },
);

forEachDatabase('webhooks SSRF guard at save', (ctx) => {
  it('refuses private, loopback and metadata endpoints without PARLEY_WEBHOOK_ALLOW_PRIVATE', async () => {
    for (const endpoint of [
      'http://127.0.0.1:9/hook',
      'http://localhost/hook',
      'http://2130706433/',
      'http://0x7f.1/',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/',
      'http://[::ffff:10.0.0.1]/',
      'http://192.168.1.10/',
    ]) {
      const res = await ctx.desk.api('POST', '/api/v2/webhooks', {
        webhook: { name: 'x', endpoint, http_method: 'POST', request_format: 'json' },
      });
      assert.equal(res.status, 422, `${endpoint}: ${JSON.stringify(res.body)}`);
      assert.ok('endpoint' in res.body.details, endpoint);
    }
    const test = await ctx.desk.api('POST', '/api/v2/webhooks/test', {
      request: { endpoint: 'http://127.0.0.1:9/', http_method: 'POST', request_format: 'json' },
    });
    assert.equal(test.status, 422);
    assert.ok('endpoint' in test.body.details);
  });
});
