import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Resolver } from '../../src/rules/webhook-address.ts';
import { SendFailure, sendWebhook, type WebhookRequest } from '../../src/rules/webhook-send.ts';

// The send path's own guard: the name is resolved once, checked, and the connection goes to
// the checked address, so a rebinding name never reaches a private one; redirects stay unfollowed.

describe('webhook send', () => {
  let port = 0;
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.headers.host} ${req.url}`);
    if (req.url === '/redirect') {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' });
      res.end();
      return;
    }
    res.writeHead(200);
    res.end('x'.repeat(200_000));
  });
  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const request = (
    endpoint: string,
    resolver: Resolver,
    allowPrivate: boolean,
  ): WebhookRequest => ({
    endpoint,
    method: 'POST',
    format: 'json',
    body: '{}',
    authentication: null,
    customHeaders: {},
    secret: 's',
    webhookId: '1',
    invocationId: '1',
    guard: { allowPrivate, resolver },
  });

  it('connects to the address it checked, not to a second lookup', async () => {
    let lookups = 0;
    const resolver: Resolver = async () => {
      lookups++;
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const res = await sendWebhook(request(`http://hooks.invalid:${port}/in`, resolver, true));
    assert.equal(res.status, 200);
    assert.equal(lookups, 1, 'resolved once');
    assert.equal(seen.at(-1), `POST hooks.invalid:${port} /in`);
    assert.ok(res.body.length <= 64 * 1024, 'the body is read up to its bound');
  });

  it('refuses at send a name that now resolves to a private address (rebinding)', async () => {
    const before = seen.length;
    const rebound: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];
    await assert.rejects(
      sendWebhook(request(`http://hooks.invalid:${port}/in`, rebound, false)),
      (err: unknown) => err instanceof SendFailure && err.kind === 'refused',
    );
    assert.equal(seen.length, before, 'nothing was sent');
  });

  it('does not follow redirects', async () => {
    const resolver: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];
    const res = await sendWebhook(request(`http://hooks.invalid:${port}/redirect`, resolver, true));
    assert.equal(res.status, 302);
    assert.equal(seen.filter((s) => s.includes('meta-data')).length, 0);
  });
});
