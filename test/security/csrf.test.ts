import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { forEachDatabase } from '../helpers/harness.ts';
import { type SignedIn, signIn, withCookie } from './web-session.ts';

const EVIL = 'https://evil.example';

forEachDatabase('CSRF protection of cookie-authenticated changes', (ctx) => {
  let s: SignedIn;
  const ticketJson = (subject: string) =>
    JSON.stringify({ ticket: { subject, comment: { body: 'from the browser' } } });

  async function attachmentCount(): Promise<number> {
    const row = await ctx.desk.parley.db
      .selectFrom('attachments')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async function ticketsNamed(subject: string): Promise<number> {
    const rows = await ctx.desk.parley.db
      .selectFrom('tickets')
      .select('id')
      .where('subject', '=', subject)
      .execute();
    return rows.length;
  }

  before(async () => {
    s = await signIn(ctx.desk, ctx.desk.adminEmail);
    assert.equal(s.status, 201);
  });

  it('refuses a JSON change from another site, even with the right token', async () => {
    const res = await withCookie(ctx.desk, 'POST', '/api/v2/tickets', s.cookie, {
      headers: { 'content-type': 'application/json', origin: EVIL, 'x-csrf-token': s.csrf },
      body: ticketJson('forged json'),
    });
    assert.equal(res.status, 403);
    assert.equal(res.body.error, 'Forbidden');
    assert.equal(await ticketsNamed('forged json'), 0);
  });

  it('refuses a text/plain post from another site (a form needs no preflight)', async () => {
    const res = await withCookie(ctx.desk, 'POST', '/api/v2/tickets', s.cookie, {
      headers: { 'content-type': 'text/plain', origin: EVIL },
      body: ticketJson('forged text'),
    });
    assert.equal(res.status, 403);
    assert.equal(await ticketsNamed('forged text'), 0);
  });

  it('refuses multipart and text/plain uploads from another site', async () => {
    const before = await attachmentCount();
    const form = new FormData();
    form.append('file', new Blob(['forged bytes'], { type: 'text/plain' }), 'x.txt');
    const multipart = await withCookie(
      ctx.desk,
      'POST',
      '/api/v2/uploads?filename=x.txt',
      s.cookie,
      { headers: { origin: EVIL }, body: form },
    );
    assert.equal(multipart.status, 403);
    const text = await withCookie(ctx.desk, 'POST', '/api/v2/uploads?filename=x.txt', s.cookie, {
      headers: { 'content-type': 'text/plain', origin: EVIL },
      body: 'forged bytes',
    });
    assert.equal(text.status, 403);
    assert.equal(await attachmentCount(), before);
  });

  it('refuses a change with a foreign Referer and no Origin', async () => {
    const res = await withCookie(ctx.desk, 'POST', '/api/v2/tickets', s.cookie, {
      headers: {
        'content-type': 'application/json',
        referer: `${EVIL}/page`,
        'x-csrf-token': s.csrf,
      },
      body: ticketJson('forged referer'),
    });
    assert.equal(res.status, 403);
    assert.equal(await ticketsNamed('forged referer'), 0);
  });

  it('refuses a same-origin change without the token, or with another session’s', async () => {
    const other = await signIn(ctx.desk, ctx.desk.adminEmail);
    for (const token of [undefined, '', 'x'.repeat(43), other.csrf]) {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        origin: ctx.desk.url,
      };
      if (token !== undefined) headers['x-csrf-token'] = token;
      const res = await withCookie(ctx.desk, 'POST', '/api/v2/tickets', s.cookie, {
        headers,
        body: ticketJson('no token'),
      });
      assert.equal(res.status, 403, `token ${JSON.stringify(token)}`);
      assert.equal(res.body.error, 'InvalidCsrfToken');
    }
    const upload = await withCookie(ctx.desk, 'POST', '/api/v2/uploads?filename=x.txt', s.cookie, {
      headers: { 'content-type': 'text/plain' },
      body: 'no token',
    });
    assert.equal(upload.status, 403);
    assert.equal(await ticketsNamed('no token'), 0);
  });

  it('refuses PUT and DELETE without the token too', async () => {
    const created = await ctx.desk.api('POST', '/api/v2/tickets', {
      ticket: { subject: 'to keep', comment: { body: 'x' } },
    });
    const id = created.body.ticket.id;
    const put = await withCookie(ctx.desk, 'PUT', `/api/v2/tickets/${id}`, s.cookie, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ticket: { subject: 'changed' } }),
    });
    assert.equal(put.status, 403);
    const del = await withCookie(ctx.desk, 'DELETE', `/api/v2/tickets/${id}`, s.cookie);
    assert.equal(del.status, 403);
    const after = await ctx.desk.api('GET', `/api/v2/tickets/${id}`);
    assert.equal(after.body.ticket.subject, 'to keep');
  });

  it('accepts changes with the token, from Parley’s origin or with no Origin', async () => {
    const sameOrigin = await withCookie(ctx.desk, 'POST', '/api/v2/tickets', s.cookie, {
      headers: {
        'content-type': 'application/json',
        origin: ctx.desk.url,
        'x-csrf-token': s.csrf,
      },
      body: ticketJson('from parley'),
    });
    assert.equal(sameOrigin.status, 201, JSON.stringify(sameOrigin.body));
    const noOrigin = await withCookie(ctx.desk, 'POST', '/api/v2/tickets', s.cookie, {
      headers: { 'content-type': 'application/json', 'x-csrf-token': s.csrf },
      body: ticketJson('from parley'),
    });
    assert.equal(noOrigin.status, 201);
    assert.equal(await ticketsNamed('from parley'), 2);
    const upload = await withCookie(
      ctx.desk,
      'POST',
      '/api/v2/uploads?filename=notes.txt',
      s.cookie,
      {
        headers: { 'content-type': 'text/plain', origin: ctx.desk.url, 'x-csrf-token': s.csrf },
        body: 'real bytes',
      },
    );
    assert.equal(upload.status, 201, JSON.stringify(upload.body));
  });

  it('lets reads through from anywhere: they change nothing', async () => {
    const res = await withCookie(ctx.desk, 'GET', '/api/v2/tickets', s.cookie, {
      headers: { origin: EVIL },
    });
    assert.equal(res.status, 200);
  });

  it('leaves calls authenticated by an API token alone, cookie or not', async () => {
    const res = await ctx.desk.api(
      'POST',
      '/api/v2/tickets',
      { ticket: { subject: 'by token', comment: { body: 'x' } } },
      { headers: { origin: EVIL, cookie: s.cookie } },
    );
    assert.equal(res.status, 201);
    const upload = await ctx.desk.api('POST', '/api/v2/uploads?filename=t.txt', undefined, {
      headers: { 'content-type': 'text/plain', origin: EVIL },
      raw: 'token bytes',
    });
    assert.equal(upload.status, 201);
  });
});
