import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import zendesk from 'node-zendesk';
import { forEachDatabase, type TestDesk } from '../helpers/harness.ts';

/** Search answers over a handful of tickets and users made through the API. */

async function ticket(desk: TestDesk, fields: Record<string, unknown>): Promise<number> {
  const res = await desk.api('POST', '/api/v2/tickets', { ticket: fields });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.ticket.id as number;
}

async function find(desk: TestDesk, query: string, extra = '', auth?: string) {
  const res = await desk.api(
    'GET',
    `/api/v2/search.json?query=${encodeURIComponent(query)}${extra}`,
    undefined,
    auth ? { auth } : {},
  );
  assert.equal(res.status, 200, `${query}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The ids of the tickets a query finds, ascending. */
async function ticketIds(desk: TestDesk, query: string, auth?: string): Promise<number[]> {
  const body = await find(desk, `type:ticket ${query}`, '', auth);
  return (body.results as any[]).map((r) => r.id as number).sort((a, b) => a - b);
}

forEachDatabase('search API', (ctx) => {
  let printer: number;
  let stampante: number;
  let vpn: number;
  let alice: { id: number; email: string; auth: string };

  before(async () => {
    const desk = ctx.desk;
    alice = await desk.createEndUser('Alice Archer');
    printer = await ticket(desk, {
      subject: 'The printers on floor 3 are jammed',
      comment: { body: 'Every printer shows paper jam since Monday.' },
      requester_id: alice.id,
      priority: 'high',
      type: 'incident',
      tags: ['hardware', 'floor3'],
    });
    stampante = await ticket(desk, {
      subject: 'La stampante non funziona',
      comment: { body: 'Le stampanti del secondo piano sono ferme.' },
      priority: 'low',
      tags: ['hardware'],
    });
    vpn = await ticket(desk, {
      subject: 'VPN drops every hour',
      comment: { body: 'The connection resets, exact error: tunnel closed by peer.' },
      priority: 'normal',
      tags: ['vpn', 'network'],
      status: 'pending',
    });
  });

  it('matches free words (all of them) through the index', async () => {
    assert.deepEqual(await ticketIds(ctx.desk, 'jam'), [printer]);
    assert.deepEqual(await ticketIds(ctx.desk, 'paper jam'), [printer]);
    assert.deepEqual(await ticketIds(ctx.desk, 'paper vpn'), []);
    assert.deepEqual(await ticketIds(ctx.desk, 'tunnel'), [vpn]);
  });

  it('finds English and Italian word forms', async () => {
    assert.deepEqual(await ticketIds(ctx.desk, 'printer'), [printer]);
    assert.deepEqual(await ticketIds(ctx.desk, 'printers'), [printer]);
    assert.deepEqual(await ticketIds(ctx.desk, 'stampante'), [stampante]);
    assert.deepEqual(await ticketIds(ctx.desk, 'stampanti'), [stampante]);
    assert.deepEqual(await ticketIds(ctx.desk, 'funziona'), [stampante]);
    assert.deepEqual(await ticketIds(ctx.desk, 'piani'), [stampante]);
  });

  it('matches exact phrases only in their order', async () => {
    assert.deepEqual(await ticketIds(ctx.desk, '"closed by peer"'), [vpn]);
    assert.deepEqual(await ticketIds(ctx.desk, '"peer by closed"'), []);
  });

  it('filters by keywords and their comparisons', async () => {
    const d = ctx.desk;
    assert.deepEqual(await ticketIds(d, 'status:pending'), [vpn]);
    assert.deepEqual(await ticketIds(d, 'status<pending'), [printer, stampante]);
    assert.deepEqual(await ticketIds(d, 'status>open'), [vpn]);
    assert.deepEqual(await ticketIds(d, 'priority:high'), [printer]);
    assert.deepEqual(await ticketIds(d, 'priority>=normal'), [printer, vpn]);
    assert.deepEqual(await ticketIds(d, 'ticket_type:incident'), [printer]);
    assert.deepEqual(await ticketIds(d, 'tags:hardware'), [printer, stampante]);
    assert.deepEqual(await ticketIds(d, 'tags:hardware -tags:floor3'), [stampante]);
    assert.deepEqual(await ticketIds(d, `requester:${alice.email}`), [printer]);
    assert.deepEqual(await ticketIds(d, 'requester:"Alice Archer"'), [printer]);
    assert.deepEqual(await ticketIds(d, 'assignee:none tags:vpn'), [vpn]);
    assert.deepEqual(await ticketIds(d, 'subject:vpn'), [vpn]);
    assert.deepEqual(await ticketIds(d, 'comment:tunnel'), [vpn]);
    assert.deepEqual(await ticketIds(d, 'subject:tunnel'), []);
    assert.deepEqual(await ticketIds(d, 'via:api tags:vpn'), [vpn]);
    assert.deepEqual(await ticketIds(d, 'via:slack'), []);
    assert.deepEqual(await ticketIds(d, 'hardware -printer'), [stampante]);
    // Unknown keywords are text, as in Zendesk.
    assert.deepEqual(await ticketIds(d, 'colour:vpn'), []);
  });

  it('filters by dates, absolute and relative', async () => {
    const d = ctx.desk;
    assert.deepEqual(await ticketIds(d, 'created>2000-01-01 tags:hardware'), [printer, stampante]);
    assert.deepEqual(await ticketIds(d, 'created<2000-01-01'), []);
    assert.deepEqual(await ticketIds(d, 'created>2days tags:vpn'), [vpn]);
    assert.deepEqual(await ticketIds(d, 'updated<2days'), []);
    assert.deepEqual(await ticketIds(d, 'solved>2000-01-01'), []);
  });

  it('answers a malformed query with a 400 naming the problem', async () => {
    for (const query of ['"unclosed', 'created>2026-13-45', 'created>yesterdayish']) {
      const res = await ctx.desk.api('GET', `/api/v2/search?query=${encodeURIComponent(query)}`);
      assert.equal(res.status, 400, query);
      assert.equal(res.body.error, 'InvalidSearchQuery');
      assert.match(res.body.description, /query: /);
    }
    const none = await ctx.desk.api('GET', '/api/v2/search');
    assert.equal(none.status, 400);
  });

  it('sorts, pages and counts', async () => {
    const d = ctx.desk;
    const byPriority = await find(d, 'tags:hardware', '&sort_by=priority&sort_order=asc');
    assert.deepEqual(
      byPriority.results.map((r: any) => r.id),
      [stampante, printer],
    );
    const first = await find(d, 'type:ticket', '&per_page=2&sort_by=created_at&sort_order=asc');
    assert.equal(first.count, 3);
    assert.deepEqual(
      first.results.map((r: any) => r.id),
      [printer, stampante],
    );
    assert.equal(first.previous_page, null);
    assert.match(first.next_page, /page=2/);
    const second = await d.api('GET', first.next_page.replace(d.parley.config.publicUrl, ''));
    assert.deepEqual(
      second.body.results.map((r: any) => r.id),
      [vpn],
    );
    assert.equal(second.body.next_page, null);
    const count = await d.api('GET', '/api/v2/search/count.json?query=tags%3Ahardware');
    assert.deepEqual(count.body, { count: 2 });
  });

  it('answers in Zendesk shape: tickets and users with result_type', async () => {
    const body = await find(ctx.desk, 'alice');
    assert.equal(body.facets, null);
    const types = (body.results as any[]).map((r) => `${r.result_type}:${r.id}`).sort();
    assert.deepEqual(types, [`ticket:${printer}`, `user:${alice.id}`].sort());
    const user = body.results.find((r: any) => r.result_type === 'user');
    assert.equal(user.email, alice.email);
    assert.equal(user.name, 'Alice Archer');
    const t = body.results.find((r: any) => r.result_type === 'ticket');
    assert.equal(t.subject, 'The printers on floor 3 are jammed');
    const users = await find(ctx.desk, `type:user role:end-user email:${alice.email}`);
    assert.deepEqual(
      users.results.map((r: any) => r.id),
      [alice.id],
    );
    const agents = await find(ctx.desk, 'type:user role:admin');
    assert.ok(agents.results.some((r: any) => r.id === ctx.desk.adminId));
  });

  it('filters by assignee, group, organization and brand; finds users by Slack name', async () => {
    const d = ctx.desk;
    const group = await d.api('POST', '/api/v2/groups', { group: { name: 'Network Team' } });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    const org = await d.api('POST', '/api/v2/organizations', {
      organization: { name: `Acme ${d.kind}` },
    });
    assert.equal(org.status, 201, JSON.stringify(org.body));
    const carla = await d.createEndUser('Carla Rossi');
    await d.api('PUT', `/api/v2/users/${carla.id}`, {
      user: { organization_id: org.body.organization.id },
    });
    const id = await ticket(d, {
      subject: 'Switch port dead',
      comment: { body: 'Port 12' },
      requester_id: carla.id,
      group_id: group.body.group.id,
      assignee_id: d.adminId,
    });
    const brand = (await d.api('GET', '/api/v2/brands')).body.brands[0].name as string;
    assert.deepEqual(await ticketIds(d, 'assignee:me'), [id]);
    const admin = (await d.api('GET', `/api/v2/users/${d.adminId}`)).body.user;
    assert.deepEqual(await ticketIds(d, `assignee:${admin.email}`), [id]);
    assert.deepEqual(await ticketIds(d, 'group:"Network Team"'), [id]);
    assert.deepEqual(await ticketIds(d, 'group:none tags:vpn'), [vpn]);
    assert.deepEqual(await ticketIds(d, `organization:"Acme ${d.kind}"`), [id]);
    assert.deepEqual(await ticketIds(d, `brand:"${brand}" switch`), [id]);
    assert.deepEqual(await ticketIds(d, 'brand:nosuchbrand switch'), []);

    // Slack's display name is in the user's document (what the channel stores in user_fields).
    await d.parley.db
      .updateTable('users')
      .set({ user_fields: JSON.stringify({ slack_display_name: 'carlettax' }) })
      .where('id', '=', carla.id)
      .execute();
    await d.api('PUT', `/api/v2/users/${carla.id}`, { user: { notes: 'VIP' } });
    const bySlack = await find(d, 'type:user carlettax');
    assert.deepEqual(
      bySlack.results.map((r: any) => r.id),
      [carla.id],
    );
  });

  it('keeps the index in step with updates, comments, tags, renames, merges and deletes', async () => {
    const d = ctx.desk;
    const id = await ticket(d, { subject: 'Badge reader broken', comment: { body: 'At gate B' } });
    assert.deepEqual(await ticketIds(d, 'badge'), [id]);
    await d.api('PUT', `/api/v2/tickets/${id}`, { ticket: { subject: 'Turnstile stuck' } });
    assert.deepEqual(await ticketIds(d, 'badge'), []);
    assert.deepEqual(await ticketIds(d, 'turnstile'), [id]);
    await d.api('PUT', `/api/v2/tickets/${id}`, {
      ticket: { comment: { body: 'Giraffe sighted nearby', public: false }, tags: ['gate'] },
    });
    assert.deepEqual(await ticketIds(d, 'giraffe'), [id]);
    assert.deepEqual(await ticketIds(d, 'gate tags:gate'), [id]);
    await d.api('PUT', `/api/v2/tickets/${id}`, { ticket: { tags: [] } });
    assert.deepEqual(await ticketIds(d, 'tags:gate'), []);

    // An email that does not repeat the name, so the old name is only in the name.
    const made = await d.api('POST', '/api/v2/users', {
      user: { name: 'Bob Builder', email: `b${d.kind}@example.org` },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const bob = { id: made.body.user.id as number };
    const bobs = await ticket(d, {
      subject: 'Desk wobbles',
      comment: { body: 'x' },
      requester_id: bob.id,
    });
    assert.deepEqual(await ticketIds(d, 'builder'), [bobs]);
    await d.api('PUT', `/api/v2/users/${bob.id}`, { user: { name: 'Roberto Costruttore' } });
    assert.deepEqual(await ticketIds(d, 'builder'), []);
    assert.deepEqual(await ticketIds(d, 'costruttore'), [bobs]);
    const renamed = await find(d, 'type:user costruttore');
    assert.deepEqual(
      renamed.results.map((r: any) => r.id),
      [bob.id],
    );

    const twin = await d.createEndUser('Zoltan Twin');
    const merged = await d.api('PUT', `/api/v2/users/${twin.id}/merge`, { user: { id: bob.id } });
    assert.equal(merged.status, 200, JSON.stringify(merged.body));
    assert.deepEqual((await find(d, 'type:user name:zoltan')).results, []);
    const byTwinEmail = await find(d, `type:user ${twin.email}`);
    assert.deepEqual(
      byTwinEmail.results.map((r: any) => r.id),
      [bob.id],
    );

    assert.equal((await d.api('DELETE', `/api/v2/tickets/${id}`)).status, 204);
    assert.deepEqual(await ticketIds(d, 'turnstile'), []);
    const left = await d.parley.db
      .selectFrom('tickets')
      .select('id')
      .where('id', '=', id)
      .executeTakeFirst();
    assert.ok(left, 'the ticket row stays; only the index forgets it');
  });

  it('limits tickets to the searcher scope; end users get 403', async () => {
    const d = ctx.desk;
    const chat = await ticket(d, { subject: 'Quokka chat', comment: { body: 'hello' } });
    await d.parley.db
      .updateTable('tickets')
      .set({ from_messaging_channel: 1 })
      .where('id', '=', chat)
      .execute();
    const role = await d.api('POST', '/api/v2/custom_roles', {
      custom_role: { name: `No chat ${d.kind}`, configuration: { chat_access: false } },
    });
    assert.equal(role.status, 201, JSON.stringify(role.body));
    const agent = await d.createAgent('Nora Nochat');
    await d.parley.db
      .updateTable('users')
      .set({ custom_role_id: role.body.custom_role.id })
      .where('id', '=', agent.id)
      .execute();
    assert.deepEqual(await ticketIds(d, 'quokka'), [chat]);
    assert.deepEqual(await ticketIds(d, 'via:slack'), [chat]);
    assert.deepEqual(await ticketIds(d, 'quokka', agent.auth), []);
    const counted = await d.api('GET', '/api/v2/search/count?query=quokka', undefined, {
      auth: agent.auth,
    });
    assert.deepEqual(counted.body, { count: 0 });
    for (const path of ['/api/v2/search?query=jam', '/api/v2/search/count?query=jam']) {
      const res = await d.api('GET', path, undefined, { auth: alice.auth });
      assert.equal(res.status, 403, path);
    }
  });

  it('works with node-zendesk client.search.query', async () => {
    const client = zendesk.createClient({
      endpointUri: `${ctx.desk.url}/api/v2`,
      username: ctx.desk.adminEmail,
      token: ctx.desk.token,
      throwOriginalException: true,
    });
    const results = (await client.search.query('type:ticket stampanti')) as any;
    const list = Array.isArray(results) ? results : results.result;
    assert.deepEqual(
      list.map((r: any) => r.id),
      [stampante],
    );
  });
});
