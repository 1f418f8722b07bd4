/**
 * The Slack sandbox is closed to the network: it answers this machine only (unless opened),
 * its control endpoints want JSON carrying the per-run secret, its authorize page redirects
 * only to the app's redirect URL, and Parley fetches "files" only from the sandbox's file path.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it } from 'node:test';
import { clientPermitted, isLoopbackAddress } from '../../src/channels/slack/sandbox/access.ts';
import Fastify from 'fastify';
import { registerSandbox, startSandboxServer } from '../../src/channels/slack/sandbox/server.ts';
import { downloadFile, FileFetchError, fileUrlAllowed } from '../../src/channels/slack/files.ts';
import { connectionToken } from '../../src/channels/slack/context.ts';
import { forEachDatabase } from '../helpers/harness.ts';
import { sandboxOf } from '../slack/helpers.ts';

const REDIRECT = 'http://127.0.0.1:9/slack/oauth_redirect';

describe('sandbox access predicates', () => {
  it('knows loopback addresses', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1']) {
      assert.equal(isLoopbackAddress(a), true, a);
    }
    for (const a of ['10.0.0.5', '192.168.1.2', '::ffff:10.0.0.1', 'fe80::1', '', undefined]) {
      assert.equal(isLoopbackAddress(a), false, String(a));
    }
  });

  it('permits this machine only, directly and by a name of this machine', () => {
    const closed = { open: false, hostNames: ['desk.internal'] };
    const req = (remoteAddress: string, headers: Record<string, string> = {}) => ({
      remoteAddress,
      headers: { host: 'localhost:3000', ...headers },
    });
    assert.equal(clientPermitted(req('127.0.0.1'), closed), true);
    assert.equal(clientPermitted(req('::1', { host: '[::1]:3000' }), closed), true);
    assert.equal(clientPermitted(req('127.0.0.1', { host: 'desk.internal:3000' }), closed), true);
    assert.equal(clientPermitted(req('10.1.2.3'), closed), false);
    // A reverse proxy on this machine relays someone else.
    assert.equal(
      clientPermitted(req('127.0.0.1', { 'x-forwarded-for': '203.0.113.9' }), closed),
      false,
    );
    // DNS rebinding: another site's name pointed at 127.0.0.1.
    assert.equal(clientPermitted(req('127.0.0.1', { host: 'evil.example:3000' }), closed), false);
    assert.equal(clientPermitted(req('10.1.2.3'), { open: true, hostNames: [] }), true);
  });
});

describe('standalone sandbox', () => {
  async function withSandbox(
    fn: (s: Awaited<ReturnType<typeof startSandboxServer>>) => Promise<void>,
    open = false,
  ) {
    const s = await startSandboxServer({
      eventsUrl: 'http://127.0.0.1:9/slack/events',
      signingSecret: 'signing',
      clientId: '1.2',
      clientSecret: 'client-secret',
      redirectUris: [REDIRECT],
      open,
    });
    try {
      await fn(s);
    } finally {
      await s.close();
    }
  }

  it('refuses control calls without the secret, or as text/plain', async () => {
    await withSandbox(async ({ url, sandbox }) => {
      const body = JSON.stringify({ user: 'U0ALICE', text: 'injected' });
      // What a web page can send to localhost without a preflight.
      const simple = await fetch(`${url}/sandbox/control/messages`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body,
      });
      assert.equal(simple.status, 403);
      const plain = await fetch(`${url}/sandbox/control/messages`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'x-sandbox-secret': sandbox.controlSecret },
        body,
      });
      assert.equal(plain.status, 415);
      const wrong = await fetch(`${url}/sandbox/control/install`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-sandbox-secret': 'guess' },
        body: '{}',
      });
      assert.equal(wrong.status, 403);
      assert.equal(((await wrong.json()) as any).access_token, undefined);
      for (const p of ['/sandbox/control/calls', '/sandbox/ui/state']) {
        assert.equal((await fetch(`${url}${p}`)).status, 403, p);
      }
      assert.equal(sandbox.conversationView('U0ALICE').messages.length, 0);
      const ok = await fetch(`${url}/sandbox/control/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-sandbox-secret': sandbox.controlSecret },
        body,
      });
      assert.equal(ok.status, 200);
      assert.equal(sandbox.conversationView('U0ALICE').messages.length, 1);
    });
  });

  it('embeds the secret in the page it serves this machine', async () => {
    await withSandbox(async ({ url, sandbox }) => {
      const page = await (await fetch(`${url}/sandbox`)).text();
      assert.ok(page.includes(JSON.stringify(sandbox.controlSecret)));
    });
  });

  it('answers no other machine unless opened', async () => {
    for (const open of [false, true]) {
      const app = Fastify();
      const sb = await registerSandbox(app, {
        publicUrl: 'http://127.0.0.1',
        eventsUrl: 'http://127.0.0.1:9/slack/events',
        signingSecret: 'signing',
        clientId: '1.2',
        clientSecret: 'client-secret',
        open,
      });
      await app.ready();
      try {
        const secret = { 'x-sandbox-secret': sb.controlSecret };
        for (const url of ['/sandbox', '/sandbox/ui/state', '/sandbox/control/calls']) {
          // `inject` takes the remote address a real socket would have.
          const remote = await app.inject({ url, remoteAddress: '203.0.113.7', headers: secret });
          assert.equal(remote.statusCode, open ? 200 : 404, `${url} open=${open}`);
          const local = await app.inject({ url, remoteAddress: '127.0.0.1', headers: secret });
          assert.equal(local.statusCode, 200, url);
        }
        const api = await app.inject({
          method: 'POST',
          url: '/sandbox/api/auth.test',
          remoteAddress: '203.0.113.7',
        });
        assert.equal(api.statusCode, open ? 200 : 404);
      } finally {
        await app.close();
      }
    }
  });

  it('refuses a Socket Mode upgrade that names another host', async () => {
    await withSandbox(async ({ url }) => {
      const { port } = new URL(url);
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request({
          host: '127.0.0.1',
          port,
          path: '/sandbox/socket?ticket=x',
          headers: {
            host: 'evil.example',
            connection: 'Upgrade',
            upgrade: 'websocket',
            'sec-websocket-version': '13',
            'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
          },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('upgrade', (_res, socket) => {
          socket.destroy();
          resolve(101);
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(status, 404);
    });
  });

  it('redirects only to the app redirect URL', async () => {
    await withSandbox(async ({ url }) => {
      const q = (redirect: string) =>
        new URLSearchParams({
          client_id: '1.2',
          scope: 'chat:write',
          redirect_uri: redirect,
          state: 's',
        });
      const good = await fetch(`${url}/sandbox/oauth/v2/authorize?${q(REDIRECT)}`);
      assert.equal(good.status, 200);
      for (const evil of [
        'https://evil.example/steal',
        'http://127.0.0.1:9/elsewhere',
        'http://127.0.0.1:10/slack/oauth_redirect',
      ]) {
        const page = await fetch(`${url}/sandbox/oauth/v2/authorize?${q(evil)}`);
        assert.equal(page.status, 400, evil);
        const post = await fetch(`${url}/sandbox/oauth/v2/authorize`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ ...Object.fromEntries(q(evil)), action: 'allow' }).toString(),
          redirect: 'manual',
        });
        assert.equal(post.status, 400, evil);
        assert.equal(post.headers.get('location'), null);
      }
    });
  });
});

forEachDatabase('Parley with the sandbox', (ctx) => {
  it('keeps /sandbox from other machines', async () => {
    const res = await ctx.desk.parley.app.inject({
      url: '/sandbox/ui/state',
      remoteAddress: '198.51.100.4',
      headers: { 'x-sandbox-secret': sandboxOf(ctx.desk).controlSecret },
    });
    assert.equal(res.statusCode, 404);
    // The rest of Parley still answers everyone.
    const health = await ctx.desk.parley.app.inject({
      url: '/healthz',
      remoteAddress: '198.51.100.4',
    });
    assert.equal(health.statusCode, 200);
  });

  it('fetches files from the sandbox file path only, never its other endpoints', async () => {
    const { parley } = ctx.desk;
    const hosts = parley.config.slack.fileHosts;
    const base = parley.url;
    const sb = sandboxOf(ctx.desk);
    const connection = await parley.db
      .selectFrom('slack_connections')
      .selectAll()
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow();
    // The sandbox connection's own bot token: the one ingest downloads with.
    const token = connectionToken(parley.slack.ctx, connection)!;
    for (const p of [
      '/sandbox/control/calls',
      '/healthz',
      '/api/v2/tickets',
      '/sandbox/files/../control/calls',
      '/sandbox/files/%2e%2e/control/calls',
      '/sandbox/filesx/F1/a.txt',
    ]) {
      await assert.rejects(
        downloadFile(`${base}${p}`, token, { allowedHosts: hosts, maxBytes: 1000 }),
        FileFetchError,
        p,
      );
    }
    const sent = await sb.sendMessage({
      user: 'U0ALICE',
      text: 'file',
      files: [{ name: 'a.txt', content_base64: Buffer.from('hello').toString('base64') }],
    });
    const file = sb.conversationView('U0ALICE').messages.find((m) => m.ts === sent.ts)!.files![0]!;
    const url = `${base}/sandbox/files/${file.id}/a.txt`;
    const bytes = await downloadFile(url, token, {
      allowedHosts: hosts,
      maxBytes: 1000,
    });
    assert.equal(bytes.toString(), 'hello');
  });
});

describe('fileUrlAllowed', () => {
  it('takes host entries and host/path entries', () => {
    const allowed = ['files.slack.com', '127.0.0.1:3000/sandbox/files/'];
    assert.equal(fileUrlAllowed(new URL('https://files.slack.com/any/path'), allowed), true);
    assert.equal(
      fileUrlAllowed(new URL('http://127.0.0.1:3000/sandbox/files/F1/a'), allowed),
      true,
    );
    assert.equal(fileUrlAllowed(new URL('http://127.0.0.1:3000/healthz'), allowed), false);
    assert.equal(
      fileUrlAllowed(new URL('http://127.0.0.1:3001/sandbox/files/F1/a'), allowed),
      false,
    );
    assert.equal(fileUrlAllowed(new URL('https://u:p@files.slack.com/x'), allowed), false);
  });
});
