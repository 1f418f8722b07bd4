import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { sql } from 'kysely';
import { recountTags } from '../../src/desk/tags.ts';
import { forEachDatabase, type TestDesk } from '../helpers/harness.ts';

/** GET /autocomplete/tags and GET /tags over tags written through the API. */

async function ticket(desk: TestDesk, tags: string[]): Promise<number> {
  const res = await desk.api('POST', '/api/v2/tickets', {
    ticket: { subject: 'Tagged', comment: { body: 'tags' }, tags },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.ticket.id as number;
}

async function suggest(desk: TestDesk, name: string, auth?: string): Promise<string[]> {
  const res = await desk.api(
    'GET',
    `/api/v2/autocomplete/tags.json?name=${encodeURIComponent(name)}`,
    undefined,
    auth ? { auth } : {},
  );
  assert.equal(res.status, 200, `${name}: ${JSON.stringify(res.body)}`);
  return res.body.tags as string[];
}

forEachDatabase('tag suggestions and the tag list', (ctx) => {
  let first: number;
  let nochat: { id: number; auth: string };

  before(async () => {
    const d = ctx.desk;
    first = await ticket(d, ['vpn', 'network', 'Printer']);
    await ticket(d, ['vpn', 'vpn-down']);
    await ticket(d, ['vpn', 'network']);
    await ticket(d, ['vps']);
    // A Slack ticket's own tag, added once the ticket is a Slack one (as ingest makes them).
    const chat = await ticket(d, []);
    await d.parley.db
      .updateTable('tickets')
      .set({ from_messaging_channel: 1 })
      .where('id', '=', chat)
      .execute();
    const put = await d.api('PUT', `/api/v2/tickets/${chat}`, {
      ticket: { additional_tags: ['vpn-slack', 'network'] },
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const role = await d.api('POST', '/api/v2/custom_roles', {
      custom_role: { name: `No chat tags ${d.kind}`, configuration: { chat_access: false } },
    });
    assert.equal(role.status, 201, JSON.stringify(role.body));
    nochat = await d.createAgent('Nico Nochat');
    await d.parley.db
      .updateTable('users')
      .set({ custom_role_id: role.body.custom_role.id })
      .where('id', '=', nochat.id)
      .execute();
  });

  it('suggests tags starting with the letters, most used first, then by name', async () => {
    assert.deepEqual(await suggest(ctx.desk, 'vp'), ['vpn', 'vpn-down', 'vpn-slack', 'vps']);
    assert.deepEqual(await suggest(ctx.desk, 'VPN'), ['vpn', 'vpn-down', 'vpn-slack']);
    assert.deepEqual(await suggest(ctx.desk, 'ne'), ['network']);
    // Stored lowercased, found lowercased.
    assert.deepEqual(await suggest(ctx.desk, 'pri'), ['printer']);
    assert.deepEqual(await suggest(ctx.desk, 'zz'), []);
  });

  it('suggests nothing for fewer than two letters; a missing name is a 400 naming it', async () => {
    assert.deepEqual(await suggest(ctx.desk, 'v'), []);
    assert.deepEqual(await suggest(ctx.desk, ' '), []);
    const res = await ctx.desk.api('GET', '/api/v2/autocomplete/tags');
    assert.equal(res.status, 400);
    assert.match(JSON.stringify(res.body), /name is required/);
    const twice = await ctx.desk.api('GET', '/api/v2/autocomplete/tags?name=vp&name=ne');
    assert.equal(twice.status, 400);
    assert.match(JSON.stringify(twice.body), /name must be one string/);
  });

  it('follows tags removed and added later', async () => {
    const d = ctx.desk;
    const put = await d.api('PUT', `/api/v2/tickets/${first}`, {
      ticket: { remove_tags: ['printer'], additional_tags: ['printer-jam'] },
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual(await suggest(d, 'pri'), ['printer-jam']);
    const back = await d.api('PUT', `/api/v2/tickets/${first}`, {
      ticket: { remove_tags: ['printer-jam'], additional_tags: ['printer'] },
    });
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.deepEqual(await suggest(d, 'pri'), ['printer']);
  });

  it('lists the tags with counts, most used first, in pages', async () => {
    const d = ctx.desk;
    const all = await d.api('GET', '/api/v2/tags.json');
    assert.equal(all.status, 200, JSON.stringify(all.body));
    assert.deepEqual(
      all.body.tags,
      [
        { name: 'vpn', count: 3 },
        { name: 'network', count: 3 },
        { name: 'printer', count: 1 },
        { name: 'vpn-down', count: 1 },
        { name: 'vpn-slack', count: 1 },
        { name: 'vps', count: 1 },
      ].sort((a, b) => b.count - a.count || a.name.localeCompare(b.name)),
    );
    assert.equal(all.body.count, 6);
    assert.equal(all.body.next_page, null);
    const second = await d.api('GET', '/api/v2/tags?per_page=2&page=2');
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.deepEqual(
      second.body.tags.map((t: { name: string }) => t.name),
      ['printer', 'vpn-down'],
    );
    assert.match(second.body.next_page, /\/api\/v2\/tags\.json\?page=3&per_page=2$/);
    assert.match(second.body.previous_page, /\/api\/v2\/tags\.json\?page=1&per_page=2$/);
    for (const q of ['per_page=101', 'page=0', 'page=x']) {
      const bad = await d.api('GET', `/api/v2/tags?${q}`);
      assert.equal(bad.status, 400, q);
    }
  });

  it('tells an agent without the messaging permission only the other tickets’ tags', async () => {
    const d = ctx.desk;
    assert.deepEqual(await suggest(d, 'vpn', nochat.auth), ['vpn', 'vpn-down']);
    const list = await d.api('GET', '/api/v2/tags', undefined, { auth: nochat.auth });
    assert.equal(list.status, 200, JSON.stringify(list.body));
    const network = list.body.tags.find((t: { name: string }) => t.name === 'network');
    assert.deepEqual(network, { name: 'network', count: 2 });
    assert.equal(
      list.body.tags.some((t: { name: string }) => t.name === 'vpn-slack'),
      false,
    );
  });

  it('refuses end users', async () => {
    const end = await ctx.desk.createEndUser('Enzo Enduser');
    for (const path of ['/api/v2/autocomplete/tags?name=vp', '/api/v2/tags']) {
      const res = await ctx.desk.api('GET', path, undefined, { auth: end.auth });
      assert.equal(res.status, 403, path);
    }
  });

  it('recounts tags written past the triggers to the same counts', async () => {
    const db = ctx.desk.parley.db;
    const before = await db.selectFrom('tag_counts').select(['tag']).execute();
    assert.ok(before.length > 0);
    await sql`delete from tag_counts`.execute(db);
    assert.deepEqual(await suggest(ctx.desk, 'vp'), []);
    await recountTags(db);
    assert.deepEqual(await suggest(ctx.desk, 'vp'), ['vpn', 'vpn-down', 'vpn-slack', 'vps']);
  });
});
