/**
 * The web app's first data in the HTML (src/http/web-boot.ts): a signed-in agent's page holds
 * the answers the API gives them, and nothing the API would not; anyone else gets the static
 * file; the JSON block cannot be broken out of.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, it } from 'node:test';
import { forEachDatabase, type TestDesk } from '../helpers/harness.ts';
import { requireWebBuild } from '../helpers/web-build.ts';
import { signIn, withCookie, type SignedIn } from '../security/web-session.ts';

interface Embedded {
  [path: string]: { event_id: string | null; body: any };
}

const BLOCK = /<script type="application\/json" id="parley-boot">([^]*?)<\/script>/;

async function load(desk: TestDesk, path: string, cookie?: string) {
  const res = await fetch(`${desk.url}${path}`, { headers: cookie ? { cookie } : {} });
  const html = await res.text();
  const block = BLOCK.exec(html)?.[1];
  return {
    res,
    html,
    data: block === undefined ? null : (JSON.parse(block) as Embedded),
  };
}

forEachDatabase('the web app’s first data in the HTML', (ctx) => {
  let index: string;
  let admin: SignedIn;
  let noChat: SignedIn;
  let viewId: number;
  let plainId: number;
  let slackId: number;
  const subject = 'Printer </script><script>alert(1)</script> <!-- \u2028 \u2029 jam';

  before(async () => {
    const { desk } = ctx;
    index = readFileSync(requireWebBuild(), 'utf8');
    const db = desk.parley.db;
    const role = await desk.api('POST', '/api/v2/custom_roles', {
      custom_role: { name: 'No chat boot', configuration: { chat_access: false } },
    });
    assert.equal(role.status, 201, JSON.stringify(role.body));
    const nora = await desk.createAgent('Nora Boot');
    await db
      .updateTable('users')
      .set({ custom_role_id: role.body.custom_role.id })
      .where('id', '=', nora.id)
      .execute();
    const rita = await desk.createEndUser('Rita Boot');
    const plain = await desk.api('POST', '/api/v2/tickets', {
      ticket: { subject, comment: { body: 'It jams.' }, requester_id: rita.id },
    });
    assert.equal(plain.status, 201, JSON.stringify(plain.body));
    plainId = plain.body.ticket.id;
    const brand = await db.selectFrom('brands').select('id').executeTakeFirstOrThrow();
    const now = new Date().toISOString();
    const slack = await db
      .insertInto('tickets')
      .values({
        subject: 'Slack boot secret',
        status: 'open',
        requester_id: rita.id,
        submitter_id: rita.id,
        brand_id: brand.id,
        via_channel: 'business_messaging_slack_connect',
        from_messaging_channel: 1,
        created_at: now,
        updated_at: now,
        status_updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    slackId = slack.id;
    const views = await desk.api('GET', '/api/v2/views/active');
    const unsolved = views.body.views.find((v: { title: string }) => /all unsolved/i.test(v.title));
    assert.ok(unsolved, JSON.stringify(views.body.views.map((v: any) => v.title)));
    viewId = unsolved.id;
    admin = await signIn(desk, desk.adminEmail);
    noChat = await signIn(desk, nora.email);
    assert.equal(admin.status, 201, JSON.stringify(admin.body));
    assert.equal(noChat.status, 201, JSON.stringify(noChat.body));
  });

  it('a signed-in agent’s view page holds their session, views and first page, as the API answers them', async () => {
    const { desk } = ctx;
    const { res, data } = await load(desk, `/views/${viewId}`, admin.cookie);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.match(res.headers.get('vary') ?? '', /cookie/i);
    assert.match(res.headers.get('content-security-policy')!, /default-src 'self'/);
    assert.ok(data, 'the page holds its first data');
    assert.equal(data['/session']?.body.user.id, desk.adminId);
    assert.equal(data['/session']?.body.csrf_token, admin.csrf);
    assert.ok(data['/views/active']?.body.views.some((v: any) => v.id === viewId));
    // The views' counts are not held: the page would wait for them (web-boot.ts).
    assert.ok(
      !Object.keys(data).some((p) => p.startsWith('/views/count_many')),
      Object.keys(data).join(' '),
    );
    const pagePath = `/views/${viewId}/execute?page=1&per_page=25`;
    const api = await withCookie(desk, 'GET', `/api/v2${pagePath}`, admin.cookie);
    assert.equal(api.status, 200);
    assert.deepEqual(data[pagePath]?.body, api.body);
    assert.ok(
      data[pagePath]?.body.rows.some((r: any) => r.ticket.id === slackId),
      'the admin sees the Slack ticket',
    );
    assert.ok(
      Object.keys(data).some((p) => p.startsWith('/users/show_many?ids=')),
      Object.keys(data).join(' '),
    );
    assert.ok(data['/groups']);
    // Each answer's place in the stream's sequence, for the first stream's resume point.
    for (const [path, answer] of Object.entries(data)) {
      assert.match(String(answer.event_id), /^\d+$/, path);
    }
  });

  it('`/` holds the first view’s page; a ticket’s page holds the ticket, its comments and audits', async () => {
    const { desk } = ctx;
    const home = await load(desk, '/', admin.cookie);
    const first = home.data?.['/views/active']?.body.views[0].id;
    assert.ok(home.data?.[`/views/${first}/execute?page=1&per_page=25`]);

    const { data } = await load(desk, `/tickets/${plainId}`, admin.cookie);
    assert.ok(data);
    assert.equal(data[`/tickets/${plainId}`]?.body.ticket.subject, subject);
    assert.equal(data[`/tickets/${plainId}/comments?per_page=100`]?.body.comments.length, 1);
    assert.ok(data[`/tickets/${plainId}/audits?per_page=100`]);
    // Not a Slack DM's ticket: no conversation (the API answers 404 for it).
    assert.equal(data[`/tickets/${plainId}/conversation`], undefined);
  });

  it('an agent without the messaging permission gets no Slack ticket, as from the API', async () => {
    const { desk } = ctx;
    const pagePath = `/views/${viewId}/execute?page=1&per_page=25`;
    const view = await load(desk, `/views/${viewId}`, noChat.cookie);
    const rows = view.data?.[pagePath]?.body.rows;
    assert.ok(Array.isArray(rows), Object.keys(view.data ?? {}).join(' '));
    assert.ok(!rows.some((r: any) => r.ticket.id === slackId));
    assert.ok(rows.some((r: any) => r.ticket.id === plainId));
    const api = await withCookie(desk, 'GET', `/api/v2${pagePath}`, noChat.cookie);
    assert.deepEqual(view.data?.[pagePath]?.body, api.body);
    assert.ok(!view.html.includes('Slack boot secret'));

    const ticket = await load(desk, `/tickets/${slackId}`, noChat.cookie);
    assert.ok(ticket.data?.['/session'], 'the session is there');
    assert.deepEqual(
      Object.keys(ticket.data ?? {}).filter((p) => p.startsWith(`/tickets/${slackId}`)),
      [],
    );
    assert.ok(!ticket.html.includes('Slack boot secret'));
    // The admin, who may, finds it.
    const seen = await load(desk, `/tickets/${slackId}`, admin.cookie);
    assert.equal(seen.data?.[`/tickets/${slackId}`]?.body.ticket.subject, 'Slack boot secret');
  });

  it('signed out, with a forged or an ended session: the static page, no data', async () => {
    const { desk } = ctx;
    const ended = await signIn(desk, desk.adminEmail);
    const out = await withCookie(desk, 'DELETE', '/api/v2/session', ended.cookie, {
      headers: { 'x-csrf-token': ended.csrf },
    });
    assert.equal(out.status, 204, JSON.stringify(out.body));
    const cookies = [undefined, 'parley_session=forged-0123456789abcdef', ended.cookie];
    for (const cookie of cookies) {
      for (const path of ['/', `/views/${viewId}`, `/tickets/${plainId}`, '/search']) {
        const { res, html } = await load(desk, path, cookie);
        assert.equal(res.status, 200, path);
        assert.equal(html, index, `${path} with ${cookie ?? 'no cookie'}`);
        assert.equal(res.headers.get('cache-control'), 'no-cache', path);
      }
    }
  });

  it('no secret in the HTML, and a subject cannot end the JSON block', async () => {
    const { desk } = ctx;
    const { html, data } = await load(desk, `/tickets/${plainId}`, admin.cookie);
    const token = admin.cookie.split('=')[1]!;
    assert.ok(token.length > 10);
    assert.ok(!html.includes(token), 'the session cookie’s secret');
    assert.ok(!html.includes(desk.token), 'the API token');
    assert.ok(!/password|crypted|token_hash|\$argon2|\$scrypt/i.test(html), 'a password hash');
    // One script element closes after the block's start: its own.
    const start = html.indexOf('id="parley-boot"');
    assert.ok(start > 0);
    const rest = html.slice(start);
    assert.equal(rest.split('</script>').length, 2, 'the block ends once');
    assert.ok(!rest.slice(0, rest.indexOf('</script>')).includes('<'), 'no < inside the block');
    assert.ok(!/[\u2028\u2029]/.test(html));
    // And the subject reads back as it was written.
    assert.equal(data?.[`/tickets/${plainId}`]?.body.ticket.subject, subject);
  });
});
