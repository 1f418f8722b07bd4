import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { createLogger } from '../../src/log.ts';
import { type Parley, startParley } from '../../src/server.ts';
import { startTestDesk, type TestDesk } from '../helpers/harness.ts';

/**
 * The public doors' limit (per client address, per door) across nodes: on PostgreSQL every
 * node counts in the database, so two nodes together allow the limit once; on SQLite (one
 * node) the count stays in memory. A failing count lets requests through.
 */

const LIMIT = 4;
const env = { PARLEY_PUBLIC_RATE_LIMIT_PER_MINUTE: String(LIMIT) };

/**
 * Windows are whole minutes: a burst that straddled a minute's end would start over in the
 * next window. Waits for a fresh minute when fewer than 15 seconds of this one are left.
 */
async function withinOneWindow(): Promise<void> {
  const left = () => 60_000 - (Date.now() % 60_000);
  if (left() >= 15_000) return;
  const minute = Math.floor(Date.now() / 60_000);
  while (Math.floor(Date.now() / 60_000) === minute) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const oauth = (base: string, headers: Record<string, string> = {}) =>
  fetch(`${base}/slack/oauth_redirect?state=nope`, { headers });

describe('public-door rate limit shared by two nodes [postgres]', () => {
  let a: TestDesk & { stop(): Promise<void> };
  let b: Parley;

  before(async () => {
    a = await startTestDesk('postgres', { env });
    b = await startParley(
      { ...a.parley.config, port: 0, slack: { ...a.parley.config.slack, sandbox: false } },
      { logger: createLogger('silent', { pretty: false }) },
    );
  });
  after(async () => {
    await b?.close();
    await a?.stop();
  });

  it('reaches the limit with requests spread over both nodes', async () => {
    await withinOneWindow();
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT; i++) statuses.push((await oauth(i % 2 ? b.url : a.url)).status);
    assert.deepEqual(statuses, new Array(LIMIT).fill(400), 'an unknown state, below the limit');
    // Each node has seen only half the limit: alone, either would let the next one through.
    for (const node of [a.url, b.url]) {
      const limited = await oauth(node);
      assert.equal(limited.status, 429);
      const wait = Number(limited.headers.get('retry-after'));
      assert.ok(wait >= 1 && wait <= 60, `Retry-After ${wait}`);
    }
    const rows = await a.parley.db
      .selectFrom('rate_limit_windows')
      .select(['key', 'hits'])
      .where('key', 'like', 'GET /slack/oauth_redirect %')
      .execute();
    assert.deepEqual(
      rows.map((r) => [r.key, Number(r.hits)]),
      [['GET /slack/oauth_redirect 127.0.0.1', LIMIT + 2]],
    );
  });

  it('counts sign-in attempts on both nodes together, in Zendesk’s JSON 429', async () => {
    await withinOneWindow();
    const signIn = (base: string) =>
      fetch(`${base}/api/v2/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: base },
        body: JSON.stringify({ email: a.adminEmail, password: 'wrong password' }),
      });
    for (let i = 0; i < LIMIT; i++) assert.equal((await signIn(i % 2 ? b.url : a.url)).status, 401);
    const limited = await signIn(b.url);
    assert.equal(limited.status, 429);
    assert.match(limited.headers.get('content-type') ?? '', /application\/json/);
    assert.equal(((await limited.json()) as { error: string }).error, 'TooManyRequests');
  });

  it('lets requests through when the count cannot be kept (the store fails open)', async () => {
    await withinOneWindow();
    const door = `${a.url}/slack/install/999999`;
    // The table gone stands in for a database that fails the count.
    await sql`alter table rate_limit_windows rename to rate_limit_windows_away`.execute(
      a.parley.db,
    );
    try {
      const statuses: number[] = [];
      for (let i = 0; i < LIMIT + 3; i++) {
        statuses.push((await fetch(door, { headers: { accept: 'text/html' } })).status);
      }
      // Not signed in: the install page's own answer every time, never a 429 or a 500.
      assert.deepEqual(statuses, new Array(LIMIT + 3).fill(401));
    } finally {
      await sql`alter table rate_limit_windows_away rename to rate_limit_windows`.execute(
        a.parley.db,
      );
    }
    // Counted again once the database answers.
    for (let i = 0; i < LIMIT; i++) assert.equal((await fetch(door)).status, 401);
    assert.equal((await fetch(door)).status, 429);
  });
});

describe('public-door rate limit on SQLite', () => {
  let desk: TestDesk & { stop(): Promise<void> };
  before(async () => {
    desk = await startTestDesk('sqlite', { env });
  });
  after(async () => {
    await desk?.stop();
  });

  it('counts in memory, as before: the limit holds and the table stays empty', async () => {
    await withinOneWindow();
    for (let i = 0; i < LIMIT; i++) assert.equal((await oauth(desk.url)).status, 400);
    assert.equal((await oauth(desk.url)).status, 429);
    const rows = await desk.parley.db.selectFrom('rate_limit_windows').selectAll().execute();
    assert.equal(rows.length, 0);
  });
});

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`the 429 of pages browsers open [${kind}]`, () => {
    let desk: TestDesk & { stop(): Promise<void> };
    before(async () => {
      desk = await startTestDesk(kind, { env });
    });
    after(async () => {
      await desk?.stop();
    });

    async function exhaust(send: () => Promise<Response>): Promise<void> {
      await withinOneWindow();
      for (let i = 0; i < LIMIT; i++) assert.notEqual((await send()).status, 429);
    }

    async function assertHtml429(res: Response): Promise<string> {
      assert.equal(res.status, 429);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      const wait = Number(res.headers.get('retry-after'));
      assert.ok(wait >= 1 && wait <= 60, `Retry-After ${wait}`);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      const html = await res.text();
      assert.match(html, /^<!doctype html>/i);
      assert.match(html, /<h1>Too many requests<\/h1>/);
      assert.match(html, new RegExp(`Wait\\s+${wait} seconds?`));
      return html;
    }

    async function assertJson429(res: Response): Promise<void> {
      assert.equal(res.status, 429);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      assert.ok(Number(res.headers.get('retry-after')) >= 1);
      const body = (await res.json()) as { error: string; description: string };
      assert.equal(body.error, 'TooManyRequests');
      assert.match(body.description, /try again in \d+ seconds?/);
    }

    const browser = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

    it('answers the Slack OAuth redirect and install start with an HTML page to browsers', async () => {
      await exhaust(() => oauth(desk.url));
      const html = await assertHtml429(await oauth(desk.url, { accept: browser }));
      assert.match(html, /href="\/admin\/channels\/slack"/);
      // In the browser's language: Italian when it prefers Italian.
      const italian = await oauth(desk.url, {
        accept: browser,
        'accept-language': 'it-IT,it;q=0.9',
      });
      assert.equal(italian.status, 429);
      const wait = Number(italian.headers.get('retry-after'));
      const page = await italian.text();
      assert.match(page, /<html lang="it">/);
      assert.match(page, /<h1>Troppe richieste<\/h1>/);
      assert.match(page, new RegExp(`Attendi ${wait} second[oi]`));
      assert.match(page, /Torna alla pagina dei canali Slack/);
      // No preference stated: the route is a page, so a page.
      await assertHtml429(await oauth(desk.url));
      // A client that asks for JSON gets Zendesk's JSON.
      await assertJson429(await oauth(desk.url, { accept: 'application/json' }));
      await assertJson429(await oauth(desk.url, { accept: 'application/json, text/html;q=0.5' }));

      const install = (accept?: string) =>
        fetch(`${desk.url}/slack/install/1`, { headers: accept ? { accept } : {} });
      await exhaust(() => install(browser));
      await assertHtml429(await install(browser));
      await assertJson429(await install('application/json'));
    });

    it('answers the setup form with an HTML page, and a JSON post with JSON', async () => {
      const post = (type: 'form' | 'json', accept?: string) =>
        fetch(`${desk.url}/setup`, {
          method: 'POST',
          headers: {
            origin: desk.url,
            'content-type':
              type === 'form' ? 'application/x-www-form-urlencoded' : 'application/json',
            ...(accept ? { accept } : {}),
          },
          body:
            type === 'form'
              ? 'setup_code=x&name=<b>Eve</b>&email=e@x.test&password=12345678'
              : JSON.stringify({ setup_code: 'x' }),
        });
      await exhaust(() => post('form', browser));
      const html = await assertHtml429(await post('form', browser));
      assert.match(html, /href="\/setup"/);
      assert.doesNotMatch(html, /<b>Eve/, 'nothing the client sent is echoed');
      await assertHtml429(await post('form'));
      await assertJson429(await post('json'));
      await assertJson429(await post('form', 'application/json'));

      const get = () => fetch(`${desk.url}/setup`, { headers: { accept: browser } });
      await exhaust(get);
      await assertHtml429(await get());
      const italian = await fetch(`${desk.url}/setup`, {
        headers: { accept: browser, 'accept-language': 'fr;q=0.9, it;q=0.8, en;q=0.5' },
      });
      assert.equal(italian.status, 429);
      assert.match(await italian.text(), /apri di nuovo la pagina di configurazione/);
    });

    it('keeps the sign-in API’s JSON 429, whatever the Accept header says', async () => {
      const signIn = () =>
        fetch(`${desk.url}/api/v2/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: desk.url, accept: browser },
          body: JSON.stringify({ email: desk.adminEmail, password: 'wrong password' }),
        });
      await exhaust(signIn);
      await assertJson429(await signIn());
    });
  });
}
