/**
 * The built-in Slack sandbox, driven the way Parley drives Slack: through the official
 * @slack/web-api WebClient, with a small local HTTP receiver standing in for Parley's Events
 * Request URL. No database.
 */
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { type IncomingHttpHeaders, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  LogLevel,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebClient,
} from '@slack/web-api';
import Fastify from 'fastify';
import { parseMultipart } from '../../src/channels/slack/sandbox/multipart.ts';
import {
  type Sandbox,
  registerSandbox,
  startSandboxServer,
} from '../../src/channels/slack/sandbox/server.ts';

const SIGNING_SECRET = 'test-signing-secret';
const CLIENT_ID = '1111.2222';
const CLIENT_SECRET = 'client-secret-for-tests';
const REDIRECT = 'http://127.0.0.1:9/slack/oauth_redirect';

interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  body: any;
}

/** Parley's Events Request URL, minus Parley: records requests, answers as told. */
class Receiver {
  readonly received: Received[] = [];
  /** How to answer a request: a status, or 'hang' to never answer. */
  respond: (r: Received) => number | 'hang' = () => 200;
  private readonly waiters: { pred: (r: Received) => boolean; resolve: (r: Received) => void }[] =
    [];
  private readonly hanging: ServerResponse[] = [];
  private readonly server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const rec: Received = { headers: req.headers, raw, body: JSON.parse(raw) };
      this.received.push(rec);
      for (const w of [...this.waiters]) {
        if (w.pred(rec)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(rec);
        }
      }
      const answer = this.respond(rec);
      if (answer === 'hang') {
        this.hanging.push(res);
        return;
      }
      res.statusCode = answer;
      res.end(answer === 200 ? 'ok' : 'nope');
    });
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/slack/events`;
  }

  /**
   * The first request (already received or still to come) that matches. A request that never
   * comes fails the test instead of hanging it.
   */
  waitFor(pred: (r: Received) => boolean): Promise<Received> {
    const seen = this.received.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        pred,
        resolve: (r: Received) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no matching request arrived (${pred.toString().slice(0, 120)})`));
      }, 10_000);
      this.waiters.push(waiter);
    });
  }

  event(pred: (e: any) => boolean): Promise<Received> {
    return this.waitFor((r) => r.body.type === 'event_callback' && pred(r.body.event));
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** What Parley's receiver does (slack.md §1.2). */
function verifySignature(r: Received, secret = SIGNING_SECRET): boolean {
  const ts = String(r.headers['x-slack-request-timestamp']);
  const sig = String(r.headers['x-slack-signature']);
  if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const expected = Buffer.from(
    'v0=' + createHmac('sha256', secret).update(`v0:${ts}:${r.raw}`).digest('hex'),
  );
  const given = Buffer.from(sig);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function quietClient(token?: string, opts: Record<string, unknown> = {}): WebClient {
  return new WebClient(token, {
    slackApiUrl: `${base}/sandbox/api/`,
    logLevel: LogLevel.ERROR,
    retryConfig: { retries: 0 },
    ...opts,
  });
}

let base = '';
let server: Awaited<ReturnType<typeof startSandboxServer>>;
let sandbox: Sandbox;
const receiver = new Receiver();

async function control(method: 'GET' | 'POST', p: string, body?: unknown) {
  const res = await fetch(`${base}/sandbox/control/${p}`, {
    method,
    headers: {
      'x-sandbox-secret': sandbox.controlSecret,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** Clicks through the authorize page like a browser and returns the redirect it ends at. */
async function authorize(params: Record<string, string>, action: 'allow' | 'cancel' = 'allow') {
  const q = new URLSearchParams({ client_id: CLIENT_ID, redirect_uri: REDIRECT, ...params });
  const page = await fetch(`${base}/sandbox/oauth/v2/authorize?${q}`);
  const html = await page.text();
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[m[1]!] = m[2]!
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
  }
  const res = await fetch(`${base}/sandbox/oauth/v2/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...fields, action }).toString(),
    redirect: 'manual',
  });
  return { page, html, res, location: res.headers.get('location') };
}

async function installBot(): Promise<any> {
  const { location } = await authorize({ scope: 'chat:write,im:history,files:read', state: 's1' });
  const code = new URL(location!).searchParams.get('code')!;
  return quietClient().oauth.v2.access({
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    code,
    redirect_uri: REDIRECT,
  });
}

describe('Slack sandbox', () => {
  let tmp: string;

  before(async () => {
    await receiver.start();
    tmp = mkdtempSync(path.join(tmpdir(), 'parley-sandbox-'));
    server = await startSandboxServer({
      eventsUrl: receiver.url,
      signingSecret: SIGNING_SECRET,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      retrySchedule: [50, 100, 150],
      stateFile: path.join(tmp, 'state.json'),
      redirectUris: [REDIRECT],
    });
    base = server.url;
    sandbox = server.sandbox;
  });

  after(async () => {
    await server.close();
    await receiver.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  beforeEach(() => {
    sandbox.reset();
    receiver.respond = () => 200;
  });

  describe('OAuth', () => {
    it('installs the bot: authorize page → Allow → code → oauth.v2.access', async () => {
      const { page, html, location } = await authorize({
        scope: 'chat:write,im:history',
        state: 'xyz',
      });
      assert.equal(page.status, 200);
      assert.match(html, /Install Parley to Sandbox Workspace/);
      assert.match(html, /chat:write/);
      const url = new URL(location!);
      assert.equal(url.origin + url.pathname, REDIRECT);
      assert.equal(url.searchParams.get('state'), 'xyz');
      const code = url.searchParams.get('code')!;
      assert.ok(code);

      const res: any = await quietClient().oauth.v2.access({
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        code,
        redirect_uri: REDIRECT,
      });
      assert.equal(res.ok, true);
      assert.equal(res.app_id, 'A0SANDBOX');
      assert.match(res.access_token, /^xoxb-/);
      assert.equal(res.token_type, 'bot');
      assert.equal(res.scope, 'chat:write,im:history');
      assert.equal(res.bot_user_id, 'U0BOT');
      assert.deepEqual(res.team, { id: 'T0SANDBOX', name: 'Sandbox Workspace' });
      assert.equal(res.enterprise, null);
      assert.equal(res.is_enterprise_install, false);
      assert.equal(res.authed_user.id, 'U0HELP');
      assert.equal(res.authed_user.access_token, undefined);

      // Codes are single-use.
      await assert.rejects(
        quietClient().oauth.v2.access({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, code }),
        (e: any) => e instanceof WebAPIPlatformError && e.data.error === 'invalid_code',
      );
    });

    it('checks client credentials (form or HTTP Basic) and the redirect_uri', async () => {
      const code = () =>
        authorize({ scope: 'chat:write' }).then((r) =>
          new URL(r.location!).searchParams.get('code')!,
        );
      await assert.rejects(
        quietClient().oauth.v2.access({
          client_id: CLIENT_ID,
          client_secret: 'wrong',
          code: await code(),
        }),
        (e: any) => e.data?.error === 'bad_client_secret',
      );
      await assert.rejects(
        quietClient().oauth.v2.access({
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          code: await code(),
          redirect_uri: 'http://elsewhere.example/cb',
        }),
        (e: any) => e.data?.error === 'bad_redirect_uri',
      );
      const basic = Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64');
      const res = await fetch(`${base}/sandbox/api/oauth.v2.access`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ code: await code() }).toString(),
      });
      const body: any = await res.json();
      assert.equal(body.ok, true, JSON.stringify(body));
      assert.match(body.access_token, /^xoxb-/);
    });

    it('installs in account mode when only user scopes are asked for', async () => {
      const { location } = await authorize({ user_scope: 'chat:write,im:history' });
      const code = new URL(location!).searchParams.get('code')!;
      const res: any = await quietClient().oauth.v2.access({
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        code,
      });
      assert.equal(res.access_token, undefined);
      assert.equal(res.authed_user.id, 'U0HELP');
      assert.equal(res.authed_user.token_type, 'user');
      assert.equal(res.authed_user.scope, 'chat:write,im:history');
      assert.match(res.authed_user.access_token, /^xoxp-/);
      const who: any = await quietClient(res.authed_user.access_token).auth.test();
      assert.equal(who.user_id, 'U0HELP');
      assert.equal(who.bot_id, undefined);
    });

    it('redirects with error=access_denied on Cancel, and refuses unknown apps', async () => {
      const { location } = await authorize({ scope: 'chat:write', state: 'st' }, 'cancel');
      const url = new URL(location!);
      assert.equal(url.searchParams.get('error'), 'access_denied');
      assert.equal(url.searchParams.get('state'), 'st');
      assert.equal(url.searchParams.get('code'), null);
      const bad = await fetch(
        `${base}/sandbox/oauth/v2/authorize?client_id=nope&scope=chat:write&redirect_uri=${encodeURIComponent(REDIRECT)}`,
      );
      assert.equal(bad.status, 400);
      assert.match(bad.headers.get('content-type')!, /text\/html/);
    });

    it('holds an install for admin approval, then hands out the redirect', async () => {
      assert.equal((await control('POST', 'require-approval', { on: true })).status, 200);
      const { res, location } = await authorize({ scope: 'chat:write', state: 'later' });
      assert.equal(res.status, 200);
      assert.equal(location, null);
      assert.match(await res.text(), /Request submitted — waiting for a workspace admin/);
      const approved = await control('POST', 'approve', {});
      assert.equal(approved.status, 200);
      const url = new URL(approved.body.redirect);
      assert.equal(url.searchParams.get('state'), 'later');
      const out: any = await quietClient().oauth.v2.access({
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        code: url.searchParams.get('code')!,
        redirect_uri: REDIRECT,
      });
      assert.match(out.access_token, /^xoxb-/);
      assert.equal((await control('POST', 'approve', {})).status, 404);
    });
  });

  describe('Web API', () => {
    it('answers auth.test, users.info (internal and Slack Connect) and team.info', async () => {
      const { access_token } = await installBot();
      const client = quietClient(access_token);
      const who: any = await client.auth.test();
      assert.equal(who.team_id, 'T0SANDBOX');
      assert.equal(who.user_id, 'U0BOT');
      assert.equal(who.bot_id, 'B0BOT');
      assert.equal(who.app_id, 'A0SANDBOX');
      assert.equal(who.is_enterprise_install, false);

      const alice: any = (await client.users.info({ user: 'U0ALICE', include_locale: true })).user;
      assert.equal(alice.team_id, 'T0SANDBOX');
      assert.equal(alice.real_name, 'Alice Example');
      assert.equal(alice.profile.display_name, 'alice');
      assert.equal(alice.profile.email, 'alice@sandbox.example');
      assert.equal(alice.tz, 'Europe/Paris');
      assert.equal(alice.locale, 'en-US');
      assert.equal(alice.is_bot, false);
      assert.equal(alice.deleted, false);
      assert.equal(alice.is_stranger, undefined);
      const avatar = await fetch(alice.profile.image_72);
      assert.equal(avatar.headers.get('content-type'), 'image/png');

      const pat: any = (await client.users.info({ user: 'U0PARTNER' })).user;
      assert.equal(pat.team_id, 'T0PARTNER');
      assert.equal(pat.is_stranger, true);
      assert.equal(pat.profile.email, undefined);
      assert.equal(pat.real_name, 'Pat Partner');

      await assert.rejects(
        client.users.info({ user: 'U0NOBODY' }),
        (e: any) => e.data?.error === 'user_not_found',
      );
      const partner: any = await client.team.info({ team: 'T0PARTNER' });
      assert.equal(partner.team.name, 'Partner Co');
      const home: any = await client.team.info();
      assert.equal(home.team.domain, 'sandbox');
    });

    it('opens the same DM for the same pair, and posts into it with an echo event', async () => {
      const { access_token } = await installBot();
      const client = quietClient(access_token);
      const first: any = await client.conversations.open({ users: 'U0ALICE' });
      const again: any = await client.conversations.open({ users: 'U0ALICE', return_im: true });
      assert.match(first.channel.id, /^D[A-Z0-9]+$/);
      assert.equal(again.channel.id, first.channel.id);
      assert.equal(again.channel.is_im, true);
      assert.equal(again.channel.user, 'U0ALICE');

      const posted: any = await client.chat.postMessage({
        channel: first.channel.id,
        text: 'Hello from the help desk',
        metadata: { event_type: 'parley_comment', event_payload: { comment_id: 7 } },
      });
      assert.equal(posted.channel, first.channel.id);
      assert.match(posted.ts, /^\d{10}\.\d{6}$/);
      assert.equal(posted.message.bot_id, 'B0BOT');

      const echo = await receiver.event((e) => e.ts === posted.ts);
      assert.ok(verifySignature(echo), 'echo is signed with the signing secret');
      assert.equal(verifySignature(echo, 'some-other-secret'), false);
      const env = echo.body;
      assert.equal(env.type, 'event_callback');
      assert.equal(env.team_id, 'T0SANDBOX');
      assert.equal(env.api_app_id, 'A0SANDBOX');
      assert.match(env.event_id, /^Ev[A-Z0-9]+$/);
      assert.equal(typeof env.event_time, 'number');
      assert.deepEqual(env.authorizations, [
        {
          enterprise_id: null,
          team_id: 'T0SANDBOX',
          user_id: 'U0BOT',
          is_bot: true,
          is_enterprise_install: false,
        },
      ]);
      assert.equal(env.is_ext_shared_channel, false);
      assert.equal(env.event.type, 'message');
      assert.equal(env.event.channel_type, 'im');
      assert.equal(env.event.bot_id, 'B0BOT');
      assert.equal(env.event.app_id, 'A0SANDBOX');
      assert.equal(env.event.user, 'U0BOT');
      assert.equal(env.event.bot_profile.id, 'B0BOT');
      assert.equal(env.event.text, 'Hello from the help desk');
      assert.equal(env.event.event_ts, posted.ts);

      const history: any = await client.conversations.history({
        channel: first.channel.id,
        include_all_metadata: true,
      });
      assert.equal(history.messages[0].ts, posted.ts);
      assert.deepEqual(history.messages[0].metadata, {
        event_type: 'parley_comment',
        event_payload: { comment_id: 7 },
      });

      // Posting to a user id lands in the DM with them, like Slack.
      const byUser: any = await client.chat.postMessage({ channel: 'U0ALICE', text: 'hi' });
      assert.equal(byUser.channel, first.channel.id);
    });

    it("answers chat.postMessage's errors like Slack", async () => {
      const { access_token } = await installBot();
      const client = quietClient(access_token);
      const dm: any = await client.conversations.open({ users: 'U0ALICE' });
      const expect = async (args: any, error: string) =>
        assert.rejects(client.chat.postMessage(args), (e: any) => e.data?.error === error);
      await expect({ channel: dm.channel.id }, 'no_text');
      await expect({ channel: 'D0NOTHERE', text: 'x' }, 'channel_not_found');
      await expect(
        { channel: dm.channel.id, text: 'x', markdown_text: '**y**' },
        'markdown_text_conflict',
      );
      const md: any = await client.chat.postMessage({
        channel: dm.channel.id,
        markdown_text: '**Done**',
      });
      assert.equal(md.message.blocks[0].type, 'markdown');
    });

    it('uploads with filesUploadV2, shares into the DM, and serves the bytes to a token only', async () => {
      const { access_token } = await installBot();
      const client = quietClient(access_token);
      const dm: any = await client.conversations.open({ users: 'U0ALICE' });
      const bytes = Buffer.from('line one\nline two\n\u00e9\u0000binary-safe');
      const up: any = await client.filesUploadV2({
        channel_id: dm.channel.id,
        file: bytes,
        filename: 'notes.txt',
        initial_comment: 'Here are the notes',
      });
      assert.equal(up.ok, true);
      const file = up.files[0].files[0];
      assert.match(file.id, /^F[A-Z0-9]+$/);
      assert.equal(file.name, 'notes.txt');
      assert.equal(file.size, bytes.length);
      assert.equal(file.mimetype, 'text/plain');
      assert.equal(file.mode, 'hosted');

      const calls = (await control('GET', 'calls')).body.map((c: any) => c.method);
      assert.deepEqual(
        calls.filter((m: string) => m.startsWith('files.')),
        ['files.getUploadURLExternal', 'files.completeUploadExternal'],
      );
      assert.ok((await control('GET', 'calls')).body.every((c: any) => !('token' in c.args)));

      const info: any = await client.files.info({ file: file.id });
      assert.equal(info.file.user, 'U0BOT');
      assert.equal(info.file.user_team, 'T0SANDBOX');
      assert.equal(info.file.title, 'notes.txt');
      assert.ok(info.file.ims.includes(dm.channel.id));
      const withToken = await fetch(info.file.url_private_download, {
        headers: { authorization: `Bearer ${access_token}` },
      });
      assert.equal(withToken.status, 200);
      assert.equal(withToken.headers.get('content-type'), 'text/plain');
      assert.deepEqual(Buffer.from(await withToken.arrayBuffer()), bytes);
      const noToken = await fetch(info.file.url_private_download);
      assert.equal(noToken.status, 200);
      assert.match(noToken.headers.get('content-type')!, /text\/html/);
      assert.match(await noToken.text(), /Sign in/);

      const share = await receiver.event((e) => e.subtype === 'file_share' && e.user === 'U0BOT');
      assert.equal(share.body.event.files[0].id, file.id);
      assert.equal(share.body.event.text, 'Here are the notes');
    });

    it('updates its own messages only, echoing message_changed', async () => {
      const { access_token } = await installBot();
      const client = quietClient(access_token);
      const posted: any = await client.chat.postMessage({ channel: 'U0ALICE', text: 'draft' });
      const updated: any = await client.chat.update({
        channel: posted.channel,
        ts: posted.ts,
        text: 'final',
      });
      assert.equal(updated.text, 'final');
      assert.equal(updated.message.edited.user, 'B0BOT');
      const changed = await receiver.event(
        (e) => e.subtype === 'message_changed' && e.message?.ts === posted.ts,
      );
      assert.equal(changed.body.event.previous_message.text, 'draft');
      assert.equal(changed.body.event.message.text, 'final');

      const alice = await control('POST', 'messages', { user: 'U0ALICE', text: 'mine' });
      await assert.rejects(
        client.chat.update({ channel: alice.body.channel, ts: alice.body.ts, text: 'hijack' }),
        (e: any) => e.data?.error === 'cant_update_message',
      );
      await assert.rejects(
        client.chat.update({ channel: alice.body.channel, ts: '1.000001', text: 'x' }),
        (e: any) => e.data?.error === 'message_not_found',
      );
      const info: any = await client.conversations.info({ channel: alice.body.channel });
      assert.equal(info.channel.is_im, true);
      assert.equal(info.channel.user, 'U0ALICE');
    });

    it('adds people and revokes tokens through the control API', async () => {
      const { access_token } = await installBot();
      const client = quietClient(access_token);
      const added = await control('POST', 'users', {
        id: 'U0BOB',
        name: 'Bob Builder',
        email: 'bob@sandbox.example',
      });
      assert.equal(added.status, 200, JSON.stringify(added.body));
      const bob: any = (await client.users.info({ user: 'U0BOB' })).user;
      assert.equal(bob.real_name, 'Bob Builder');
      assert.equal(bob.profile.email, 'bob@sandbox.example');
      assert.equal(bob.team_id, 'T0SANDBOX');
      const found: any = await client.users.lookupByEmail({ email: 'bob@sandbox.example' });
      assert.equal(found.user.id, 'U0BOB');
      assert.equal((await control('POST', 'users', { id: 'bad', name: 'x' })).status, 400);

      const revoked = await control('POST', 'revoke', { user: 'U0BOT' });
      assert.equal(revoked.status, 200);
      assert.deepEqual(revoked.body.tokens, { oauth: [], bot: ['U0BOT'] });
      await assert.rejects(client.auth.test(), (e: any) => e.data?.error === 'token_revoked');
    });

    it('kills a revoked token and tells the app', async () => {
      const { access_token } = await installBot();
      const client = quietClient(access_token);
      assert.deepEqual(await client.auth.revoke({ test: true }).then((r: any) => r.revoked), false);
      const res: any = await client.auth.revoke();
      assert.equal(res.revoked, true);
      await assert.rejects(client.auth.test(), (e: any) => e.data?.error === 'token_revoked');
      const revoked = await receiver.event((e) => e.type === 'tokens_revoked');
      assert.deepEqual(revoked.body.event.tokens, { oauth: [], bot: ['U0BOT'] });
      await receiver.event((e) => e.type === 'app_uninstalled');
      await assert.rejects(
        quietClient('xoxb-nonsense').auth.test(),
        (e: any) => e.data?.error === 'invalid_auth',
      );
      await assert.rejects(quietClient().auth.test(), (e: any) => e.data?.error === 'not_authed');
      // A fresh install gets a new, working token.
      const again = await installBot();
      assert.notEqual(again.access_token, access_token);
      assert.equal(((await quietClient(again.access_token).auth.test()) as any).ok, true);
    });

    it('injects faults: rate limits with Retry-After, errors and 5xx', async () => {
      const { access_token } = await installBot();
      await control('POST', 'faults', {
        method: 'chat.postMessage',
        kind: 'rate_limited',
        times: 1,
        retry_after: 7,
      });
      const strict = quietClient(access_token, { rejectRateLimitedCalls: true });
      await assert.rejects(
        strict.chat.postMessage({ channel: 'U0ALICE', text: 'x' }),
        (e: any) => e instanceof WebAPIRateLimitedError && e.retryAfter === 7,
      );
      // The fault was used up: the next call goes through.
      assert.equal(
        ((await strict.chat.postMessage({ channel: 'U0ALICE', text: 'x' })) as any).ok,
        true,
      );

      await control('POST', 'faults', {
        method: '*',
        kind: 'error',
        times: 1,
        error: 'account_inactive',
      });
      await assert.rejects(
        strict.auth.test(),
        (e: any) => e instanceof WebAPIPlatformError && e.data.error === 'account_inactive',
      );

      await control('POST', 'faults', {
        method: 'users.info',
        kind: 'server_error',
        times: 1,
        status: 503,
      });
      await assert.rejects(
        strict.users.info({ user: 'U0ALICE' }),
        (e: any) => e instanceof WebAPIHTTPError && e.statusCode === 503,
      );

      await control('POST', 'faults', { method: 'auth.test', kind: 'error', times: 5 });
      await control('POST', 'faults/clear');
      assert.equal(((await strict.auth.test()) as any).ok, true);

      const bad = await control('POST', 'faults', { method: 'x', kind: 'explode' });
      assert.equal(bad.status, 400);
    });

    it('limits chat.postMessage per channel like Slack: a burst, then 429 with Retry-After', async () => {
      const { access_token } = await installBot();
      const strict = quietClient(access_token, { rejectRateLimitedCalls: true });
      // Slack's own limit by default: a few at once into one DM, then about one a second.
      assert.deepEqual((await control('GET', 'rate-limit')).body, { interval_ms: 1000, burst: 4 });
      // A long interval, so that no slot frees up while the test runs.
      assert.equal(
        (await control('POST', 'rate-limit', { interval_ms: 600_000, burst: 3 })).status,
        200,
      );
      for (let i = 0; i < 3; i++) {
        assert.equal(
          ((await strict.chat.postMessage({ channel: 'U0ALICE', text: `m${i}` })) as any).ok,
          true,
        );
      }
      await assert.rejects(
        strict.chat.postMessage({ channel: 'U0ALICE', text: 'one too many' }),
        (e: any) => e instanceof WebAPIRateLimitedError && e.retryAfter === 600,
      );
      // Per channel: another person's DM is not held back by Alice's.
      await control('POST', 'users', { id: 'U0BOB', name: 'Bob' });
      assert.equal(
        ((await strict.chat.postMessage({ channel: 'U0BOB', text: 'hi Bob' })) as any).ok,
        true,
      );
      const calls = (await control('GET', 'calls?method=chat.postMessage')).body as any[];
      assert.deepEqual(
        calls.map((c) => c.ratelimited === true),
        [false, false, false, true, false],
      );
      // The refused post is not in the conversation.
      const dm = calls[0].args.channel;
      const conv = await control('GET', `conversation?user=U0ALICE`);
      assert.deepEqual(
        conv.body.messages.map((m: any) => m.text),
        ['m0', 'm1', 'm2'],
        `conversation ${dm}`,
      );
      assert.equal((await control('POST', 'rate-limit', { off: true })).status, 200);
      assert.equal(
        ((await strict.chat.postMessage({ channel: 'U0ALICE', text: 'm3' })) as any).ok,
        true,
      );
      assert.equal((await control('POST', 'rate-limit', { interval_ms: 0, burst: 1 })).status, 400);
    });
  });

  describe('events from simulated people', () => {
    it('sends a typed DM as a signed message.im event', async () => {
      await installBot();
      const sent = await control('POST', 'messages', {
        user: 'U0ALICE',
        text: 'My laptop <3 & https://example.com',
      });
      assert.equal(sent.status, 200, JSON.stringify(sent.body));
      assert.equal(sent.body.delivery.status, 'acked');
      assert.equal(sent.body.delivery.attempts, 1);
      const got = await receiver.waitFor((r) => r.body.event_id === sent.body.event_id);
      assert.ok(verifySignature(got));
      assert.equal(got.headers['x-slack-retry-num'], undefined);
      const e = got.body.event;
      assert.equal(e.type, 'message');
      assert.equal(e.subtype, undefined);
      assert.equal(e.channel_type, 'im');
      assert.equal(e.channel, sent.body.channel);
      assert.equal(e.user, 'U0ALICE');
      assert.equal(e.team, 'T0SANDBOX');
      assert.equal(e.ts, sent.body.ts);
      assert.equal(e.event_ts, sent.body.ts);
      assert.match(e.client_msg_id, /^[0-9a-f-]{36}$/);
      // Slack escapes &, < and > in text; the rich_text block carries what was typed.
      assert.equal(e.text, 'My laptop &lt;3 &amp; <https://example.com>');
      assert.equal(e.blocks[0].type, 'rich_text');
      const elements = e.blocks[0].elements[0].elements;
      assert.deepEqual(elements[0], { type: 'text', text: 'My laptop <3 & ' });
      assert.deepEqual(elements[1], { type: 'link', url: 'https://example.com' });

      const convo = await control('GET', 'conversation?user=U0ALICE');
      assert.equal(convo.body.channel, sent.body.channel);
      assert.equal(convo.body.messages.at(-1).ts, sent.body.ts);
    });

    it('sends thread replies, edits and deletions', async () => {
      await installBot();
      const parent = await control('POST', 'messages', { user: 'U0ALICE', text: 'parent' });
      const reply = await control('POST', 'messages', {
        user: 'U0ALICE',
        text: 'in a thread',
        thread_ts: parent.body.ts,
      });
      const r = (await receiver.waitFor((x) => x.body.event_id === reply.body.event_id)).body.event;
      assert.equal(r.thread_ts, parent.body.ts);
      assert.notEqual(r.ts, r.thread_ts);
      assert.equal(r.parent_user_id, 'U0ALICE');
      assert.ok(Number(r.ts) > Number(parent.body.ts));

      const edit = await control('POST', 'edit', {
        channel: parent.body.channel,
        ts: parent.body.ts,
        text: 'parent, edited',
      });
      const ch = (await receiver.waitFor((x) => x.body.event_id === edit.body.event_id)).body.event;
      assert.equal(ch.subtype, 'message_changed');
      assert.equal(ch.hidden, true);
      assert.equal(ch.message.ts, parent.body.ts);
      assert.equal(ch.message.text, 'parent, edited');
      assert.equal(ch.message.edited.user, 'U0ALICE');
      assert.equal(ch.previous_message.text, 'parent');

      const del = await control('POST', 'delete', {
        channel: parent.body.channel,
        ts: parent.body.ts,
      });
      const d = (await receiver.waitFor((x) => x.body.event_id === del.body.event_id)).body.event;
      assert.equal(d.subtype, 'message_deleted');
      assert.equal(d.deleted_ts, parent.body.ts);
      assert.equal(d.previous_message.text, 'parent, edited');
      assert.equal(
        (await control('POST', 'delete', { channel: parent.body.channel, ts: parent.body.ts }))
          .status,
        404,
      );
    });

    it('sends files: full objects from colleagues, stubs from Slack Connect partners', async () => {
      const { access_token } = await installBot();
      const client = quietClient(access_token);
      const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]);
      const internal = await control('POST', 'messages', {
        user: 'U0ALICE',
        text: 'screenshot',
        files: [
          { name: 'shot.png', mimetype: 'image/png', content_base64: png.toString('base64') },
        ],
      });
      const ie = (await receiver.waitFor((x) => x.body.event_id === internal.body.event_id)).body;
      assert.equal(ie.event.subtype, 'file_share');
      const f = ie.event.files[0];
      assert.equal(f.mimetype, 'image/png');
      assert.equal(f.user, 'U0ALICE');
      const dl = await fetch(f.url_private_download, {
        headers: { authorization: `Bearer ${access_token}` },
      });
      assert.deepEqual(Buffer.from(await dl.arrayBuffer()), png);

      const partner = await control('POST', 'messages', {
        user: 'U0PARTNER',
        text: 'from outside',
        files: [
          { name: 'contract.pdf', content_base64: Buffer.from('%PDF-1.4').toString('base64') },
        ],
      });
      const pe = (await receiver.waitFor((x) => x.body.event_id === partner.body.event_id)).body;
      assert.equal(pe.is_ext_shared_channel, true);
      assert.equal(pe.event.team, 'T0PARTNER');
      const stub = pe.event.files[0];
      assert.deepEqual(Object.keys(stub).sort(), ['created', 'file_access', 'id', 'mode', 'user']);
      assert.equal(stub.file_access, 'check_file_info');
      const resolved: any = await client.files.info({ file: stub.id });
      assert.equal(resolved.file.name, 'contract.pdf');
      assert.equal(resolved.file.mimetype, 'application/pdf');
      assert.equal(resolved.file.user_team, 'T0PARTNER');
    });

    it('delivers to the account identity after an account install', async () => {
      const { location } = await authorize({ user_scope: 'chat:write,im:history' });
      const out: any = await quietClient().oauth.v2.access({
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        code: new URL(location!).searchParams.get('code')!,
      });
      const sent = await control('POST', 'messages', { user: 'U0ALICE', text: 'hi IT' });
      const env = (await receiver.waitFor((x) => x.body.event_id === sent.body.event_id)).body;
      assert.equal(env.authorizations[0].user_id, 'U0HELP');
      assert.equal(env.authorizations[0].is_bot, false);
      // The account replies with its user token: a plain user message, echoed too.
      const client = quietClient(out.authed_user.access_token);
      const posted: any = await client.chat.postMessage({
        channel: sent.body.channel,
        text: 'On it',
      });
      const echo = (await receiver.event((e) => e.ts === posted.ts)).body.event;
      assert.equal(echo.user, 'U0HELP');
      assert.equal(echo.bot_id, undefined);
      // The bot is not in that DM.
      const bot = await installBot();
      await assert.rejects(
        quietClient(bot.access_token).chat.postMessage({ channel: sent.body.channel, text: 'x' }),
        (e: any) => e.data?.error === 'channel_not_found',
      );
    });

    it('sends group DMs, channel mentions, bot_message and lifecycle payloads', async () => {
      await installBot();
      const group = await control('POST', 'messages', {
        user: 'U0ALICE',
        text: 'group',
        channel_type: 'mpim',
      });
      const g = (await receiver.waitFor((x) => x.body.event_id === group.body.event_id)).body.event;
      assert.equal(g.channel_type, 'mpim');
      assert.match(g.channel, /^G/);

      const mention = await control('POST', 'messages', {
        user: 'U0ALICE',
        text: 'help',
        channel_type: 'channel',
      });
      assert.equal(mention.body.event_ids.length, 2);
      const [msg, app] = await Promise.all(
        mention.body.event_ids.map((id: string) => receiver.waitFor((x) => x.body.event_id === id)),
      );
      assert.equal(msg.body.event.channel_type, 'channel');
      assert.equal(app.body.event.type, 'app_mention');
      assert.equal(app.body.event.channel_type, undefined);
      assert.match(app.body.event.channel, /^C/);
      assert.match(app.body.event.text, /^<@U0BOT> help$/);

      const other = await control('POST', 'messages', { user: 'B0DEPLOY', text: 'deployed' });
      const o = (await receiver.waitFor((x) => x.body.event_id === other.body.event_id)).body.event;
      assert.equal(o.subtype, 'bot_message');
      assert.equal(o.bot_id, 'B0DEPLOY');
      assert.equal(o.user, undefined);

      const limited = await control('POST', 'events', {
        payload: {
          token: 't',
          type: 'app_rate_limited',
          team_id: 'T0SANDBOX',
          minute_rate_limited: 1518467820,
          api_app_id: 'A0SANDBOX',
        },
      });
      assert.equal(limited.status, 200);
      const rl = await receiver.waitFor((x) => x.body.type === 'app_rate_limited');
      assert.ok(verifySignature(rl));

      const home = await control('POST', 'events', {
        event: { type: 'app_home_opened', user: 'U0ALICE', tab: 'messages' },
      });
      const h = (await receiver.waitFor((x) => x.body.event_id === home.body.event_id)).body;
      assert.equal(h.event.type, 'app_home_opened');
      assert.ok(h.event.event_ts);
    });
  });

  describe('delivery retries', () => {
    it('retries a 500 with X-Slack-Retry-Num and X-Slack-Retry-Reason, keeping the event_id', async () => {
      await installBot();
      let failed = false;
      receiver.respond = (r) => {
        if (r.body.event?.text !== 'retry me' || failed) return 200;
        failed = true;
        return 500;
      };
      const sent = await control('POST', 'messages', { user: 'U0ALICE', text: 'retry me' });
      assert.equal(sent.body.delivery.status, 'failed');
      assert.equal(sent.body.delivery.http_status, 500);
      assert.equal(sent.body.delivery.will_retry, true);
      const retry = await receiver.waitFor(
        (r) => r.body.event_id === sent.body.event_id && r.headers['x-slack-retry-num'] === '1',
      );
      assert.equal(retry.headers['x-slack-retry-reason'], 'http_error');
      assert.ok(verifySignature(retry));
      const all = receiver.received.filter((r) => r.body.event_id === sent.body.event_id);
      assert.equal(all[0]!.raw, retry.raw, 'a retry carries the same body');
      // The log shows both attempts once the retry was answered.
      let log: any[] = [];
      while (log.length < 2) {
        log = (await control('GET', `deliveries?event_id=${sent.body.event_id}`)).body.deliveries;
        if (log.length < 2) await new Promise((r) => setImmediate(r));
      }
      assert.deepEqual(
        log.map((d) => [d.retry_num, d.outcome, d.http_status]),
        [
          [0, 'http_error', 500],
          [1, 'acked', 200],
        ],
      );
    });

    it('gives up after three retries', async () => {
      await installBot();
      receiver.respond = (r) => (r.body.event?.text === 'doomed' ? 503 : 200);
      const sent = await control('POST', 'messages', { user: 'U0ALICE', text: 'doomed' });
      await receiver.waitFor(
        (r) => r.body.event_id === sent.body.event_id && r.headers['x-slack-retry-num'] === '3',
      );
      let log: any[] = [];
      while (log.length < 4) {
        log = (await control('GET', `deliveries?event_id=${sent.body.event_id}`)).body.deliveries;
        if (log.length < 4) await new Promise((r) => setImmediate(r));
      }
      assert.deepEqual(
        log.map((d) => [d.retry_num, d.retry_reason]),
        [
          [0, null],
          [1, 'http_error'],
          [2, 'http_error'],
          [3, 'http_error'],
        ],
      );
      // Nothing more is scheduled: four deliveries at most.
      assert.equal(sandbox.pendingRetries, 0);
    });

    it('retries with http_timeout when the ack does not come in time, and connection_failed when nobody listens', async () => {
      const local = new Receiver();
      await local.start();
      const s = await startSandboxServer({
        eventsUrl: local.url,
        signingSecret: SIGNING_SECRET,
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        retrySchedule: [10, 10, 10],
        ackTimeoutMs: 100,
      });
      try {
        local.respond = (r) => (r.headers['x-slack-retry-num'] ? 200 : 'hang');
        const sent = await s.sandbox.sendMessage({ user: 'U0ALICE', text: 'slow receiver' });
        assert.equal(sent.delivery.status, 'failed');
        assert.equal(sent.delivery.reason, 'http_timeout');
        const retry = await local.waitFor((r) => r.headers['x-slack-retry-num'] === '1');
        assert.equal(retry.headers['x-slack-retry-reason'], 'http_timeout');
        assert.equal(retry.body.event_id, sent.event_id);

        s.sandbox.setUrls({ eventsUrl: 'http://127.0.0.1:1/slack/events' });
        const lost = await s.sandbox.sendMessage({ user: 'U0ALICE', text: 'nobody home' });
        assert.equal(lost.delivery.reason, 'connection_failed');
      } finally {
        await s.close();
        await local.stop();
      }
    });
  });

  describe('hosting and state', () => {
    it('mounts on a host app without touching its JSON parsing', async () => {
      const app = Fastify();
      app.post('/echo', async (req) => ({ got: req.body }));
      const sb = await registerSandbox(app, {
        publicUrl: 'http://127.0.0.1',
        eventsUrl: receiver.url,
        signingSecret: SIGNING_SECRET,
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
      });
      await app.ready();
      const echo = await app.inject({ method: 'POST', url: '/echo', payload: { a: 1 } });
      assert.deepEqual(echo.json(), { got: { a: 1 } });
      const page = await app.inject({ method: 'GET', url: '/sandbox' });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<title>Parley Slack sandbox<\/title>/);
      // Self-contained: no external scripts, styles or images.
      assert.doesNotMatch(page.body, /(src|href)="https?:/);
      const api = await app.inject({
        method: 'POST',
        url: '/sandbox/api/auth.test',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'token=xoxb-bad',
      });
      assert.deepEqual(api.json(), { ok: false, error: 'invalid_auth' });
      await app.close();
      assert.equal(sb.isClosed, true);
    });

    it('keeps tokens and conversations across a restart via the state file', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'parley-sandbox-state-'));
      const opts = {
        eventsUrl: receiver.url,
        signingSecret: SIGNING_SECRET,
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        stateFile: path.join(dir, 'slack.json'),
      };
      try {
        const one = await startSandboxServer(opts);
        const install: any = one.sandbox.install('bot');
        const sent = await one.sandbox.sendMessage({
          user: 'U0ALICE',
          text: 'remember me',
          files: [{ name: 'a.txt', content_base64: Buffer.from('abc').toString('base64') }],
        });
        await one.close();

        const two = await startSandboxServer(opts);
        try {
          const client = new WebClient(install.access_token, {
            slackApiUrl: `${two.url}/sandbox/api/`,
            logLevel: LogLevel.ERROR,
          });
          const history: any = await client.conversations.history({ channel: sent.channel });
          assert.equal(history.messages[0].ts, sent.ts);
          const file = history.messages[0].files[0];
          const dl = await fetch(file.url_private_download, {
            headers: { authorization: `Bearer ${install.access_token}` },
          });
          assert.equal(await dl.text(), 'abc');
        } finally {
          await two.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('serves the page data the /sandbox page polls', async () => {
      await installBot();
      await control('POST', 'messages', { user: 'U0PARTNER', text: '<b>not html</b>' });
      const secret = { 'x-sandbox-secret': sandbox.controlSecret };
      const res = await fetch(`${base}/sandbox/ui/conversation?user=U0PARTNER`, {
        headers: secret,
      });
      const body: any = await res.json();
      assert.equal(body.identity.id, 'U0BOT');
      assert.equal(body.messages[0].name, 'Pat');
      assert.equal(body.messages[0].own, true);
      assert.equal(body.messages[0].text, '&lt;b&gt;not html&lt;/b&gt;');
      const state: any = await (
        await fetch(`${base}/sandbox/ui/state`, { headers: secret })
      ).json();
      assert.deepEqual(
        state.people.map((p: any) => [p.id, p.external]),
        [
          ['U0ALICE', false],
          ['U0PARTNER', true],
        ],
      );
      const bad = await fetch(`${base}/sandbox/ui/send`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...secret },
        body: JSON.stringify({ user: 'nope' }),
      });
      assert.equal(bad.status, 400);
    });
  });

  describe('multipart parser', () => {
    it('parses fields and binary file parts', () => {
      const b = 'XyZ';
      const body = Buffer.concat([
        Buffer.from(
          `preamble\r\n--${b}\r\nContent-Disposition: form-data; name="channel"\r\n\r\nD1\r\n`,
        ),
        Buffer.from(
          `--${b}\r\nContent-Disposition: form-data; name="file"; filename="a \\"q\\".bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
        ),
        Buffer.from([0, 13, 10, 45, 45, 255]),
        Buffer.from(`\r\n--${b}--\r\n`),
      ]);
      const parts = parseMultipart(body, b);
      assert.equal(parts.length, 2);
      assert.equal(parts[0]!.name, 'channel');
      assert.equal(parts[0]!.data.toString(), 'D1');
      assert.equal(parts[1]!.filename, 'a "q".bin');
      assert.deepEqual([...parts[1]!.data], [0, 13, 10, 45, 45, 255]);
      assert.throws(() => parseMultipart(Buffer.from(`--${b}\r\nno end`), b));
    });
  });
});
