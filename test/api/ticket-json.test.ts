import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Ticket } from '../../src/db/types.ts';
import { followupIds, presentTicket } from '../../src/http/shared/read-model/ticket-json.ts';
import { forEachDatabase } from '../helpers/harness.ts';

/**
 * Reads render tickets in the database on SQLite and with `presentTicket` on PostgreSQL and for
 * writes: whatever a row holds, every path must show the same JSON, key order included.
 */

// Deterministic, so a failure reproduces.
function random(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

// The characters JSON writers disagree on: controls, quotes, backslashes, the JavaScript line
// separators, astral characters, a lone surrogate (stored as U+FFFD), markup.
const ALPHABET = ['a', 'Z', ' ', '"', '\\', '/', '\n', '\t', '\r', '\b', '\f', '\u0001', '\u001f'];
ALPHABET.push('\u007f', '\u2028', '\u2029', 'é', '漢', '😀', '\ud800', '<', '>', '&', "'", '%');

function text(rnd: () => number, max: number): string {
  let s = '';
  const n = Math.floor(rnd() * max);
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(rnd() * ALPHABET.length)];
  return s;
}

forEachDatabase('ticket JSON', (ctx) => {
  async function expected(ids: number[]): Promise<string[]> {
    const { db, config } = ctx.desk.parley;
    const rows = (await db
      .selectFrom('tickets')
      .selectAll()
      .where('id', 'in', ids)
      .orderBy('id')
      .execute()) as Ticket[];
    const followups = await followupIds(db, rows);
    return rows.map((r) =>
      JSON.stringify(
        presentTicket(r, config.publicUrl, { followup_ids: followups.get(r.id) ?? [] }),
      ),
    );
  }

  async function listed(ids: number[]): Promise<string[]> {
    const res = await ctx.desk.api('GET', `/api/v2/tickets/show_many?ids=${ids.join(',')}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body.tickets as unknown[]).map((t) => JSON.stringify(t));
  }

  async function create(n: number): Promise<number[]> {
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      const res = await ctx.desk.api('POST', '/api/v2/tickets', {
        ticket: { subject: `t${i}`, comment: { body: 'hello' } },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      ids.push(res.body.ticket.id as number);
    }
    return ids;
  }

  it('shows odd stored values the same on every path', async () => {
    const { db } = ctx.desk.parley;
    const ids = await create(8);
    const set = (id: number, values: Partial<Ticket>) =>
      db.updateTable('tickets').set(values).where('id', '=', id).execute();
    // Rows written by older versions, by hand or by a bug: none may break a page.
    await set(ids[0]!, { tags: 'not json', via_source: '{"from":', due_at: '2026-12-01' });
    await set(ids[1]!, { tags: '', via_source: '', due_at: '2026-12-01T10:30:00.123Z' });
    await set(ids[2]!, { tags: 'null', via_channel: 'carrier_pigeon', is_public: 0 });
    await set(ids[3]!, {
      via_channel: 'business_messaging_slack_connect',
      via_source: JSON.stringify({ from: { name: 'Ann "A" <a>' }, to: {}, rel: 'direct_message' }),
      from_messaging_channel: 1,
      priority: 'urgent',
      type: 'task',
      external_id: 'ext-\u2028-😀',
      tags: JSON.stringify(['vpn', 'é']),
      updated_at: '2026-11-23T10:00:00.999Z',
    });
    // A closed ticket and its follow-ups, listed in id order.
    await set(ids[4]!, { status: 'closed' });
    await set(ids[6]!, { followup_source_id: ids[4]! });
    await set(ids[5]!, { followup_source_id: ids[4]! });
    await set(ids[7]!, { status: 'closed' });

    const want = await expected(ids);
    assert.deepEqual(await listed(ids), want);
    const shown = await ctx.desk.api('GET', `/api/v2/tickets/${ids[4]}`);
    assert.equal(JSON.stringify(shown.body.ticket), want[4]);
    assert.deepEqual(shown.body.ticket.followup_ids, [ids[5], ids[6]]);
    assert.deepEqual(JSON.parse(want[0]!).via.source, { from: {}, to: {}, rel: null });
    assert.equal(JSON.parse(want[1]!).due_at, '2026-12-01T10:30:00Z');
    assert.equal(JSON.parse(want[2]!).via_id, null);
    assert.equal(JSON.parse(want[3]!).via_id, 91);
    assert.equal(JSON.parse(want[3]!).generated_timestamp, 1795428000);

    // The cursor list and the offset list render the same tickets.
    const page = await ctx.desk.api('GET', `/api/v2/tickets?page[size]=100`);
    const pageTickets = (page.body.tickets as { id: number }[]).filter((t) => ids.includes(t.id));
    assert.deepEqual(
      pageTickets.map((t) => JSON.stringify(t)),
      want,
    );
  });

  it('shows any text in subjects, descriptions, external ids and tags the same on every path', async () => {
    const { db } = ctx.desk.parley;
    const ids = await create(40);
    const rnd = random(ctx.desk.kind === 'sqlite' ? 7 : 11);
    for (const id of ids) {
      await db
        .updateTable('tickets')
        .set({
          subject: text(rnd, 40),
          description: text(rnd, 400),
          external_id: rnd() < 0.3 ? null : text(rnd, 20),
          tags: JSON.stringify([text(rnd, 10), text(rnd, 10)]),
        })
        .where('id', '=', id)
        .execute();
    }
    assert.deepEqual(await listed(ids), await expected(ids));
  });

  it("shows an end user's tickets the same on every path, internal descriptions left out", async () => {
    const { db, config } = ctx.desk.parley;
    const person = await ctx.desk.createEndUser('JSON Reader');
    const ids = await create(12);
    const rnd = random(ctx.desk.kind === 'sqlite' ? 13 : 17);
    for (const id of ids) {
      await db
        .updateTable('tickets')
        .set({
          requester_id: person.id,
          description: text(rnd, 200),
          description_public: rnd() < 0.5 ? 0 : 1,
          recipient: rnd() < 0.5 ? null : 'help@example.com',
        })
        .where('id', '=', id)
        .execute();
    }
    const rows = (await db
      .selectFrom('tickets')
      .selectAll()
      .where('id', 'in', ids)
      .orderBy('id')
      .execute()) as Ticket[];
    const want = rows.map((r) =>
      JSON.stringify(presentTicket(r, config.publicUrl, { audience: 'end-user' })),
    );
    assert.ok(rows.some((r) => r.description_public === 0 && r.description !== ''));
    for (const [i, r] of rows.entries()) {
      if (r.description_public === 0) assert.equal(JSON.parse(want[i]!).description, '');
    }
    const as = { auth: person.auth };
    // Twice: rendered, then kept.
    for (let round = 0; round < 2; round++) {
      const many = await ctx.desk.api(
        'GET',
        `/api/v2/tickets/show_many?ids=${ids.join(',')}`,
        undefined,
        as,
      );
      assert.deepEqual(
        (many.body.tickets as unknown[]).map((t) => JSON.stringify(t)),
        want,
      );
      const list = await ctx.desk.api('GET', '/api/v2/tickets?page[size]=100', undefined, as);
      assert.deepEqual(
        (list.body.tickets as unknown[]).map((t) => JSON.stringify(t)),
        want,
      );
    }
  });

  it('shows a kept ticket anew after any change to it, by whatever writer', async () => {
    const { api, parley } = ctx.desk;
    const { db } = parley;
    const person = await ctx.desk.createEndUser('Kept Requester');
    const other = await ctx.desk.createEndUser('Merge Target');
    const [a, closed] = (await create(2)) as [number, number];
    await api('PUT', `/api/v2/tickets/${a}`, { ticket: { requester_id: person.id } });
    await api('PUT', `/api/v2/tickets/${closed}`, { ticket: { status: 'closed' } });
    // Each read renders from the database only what the kept copy does not hold.
    const shown = async (id: number) => {
      const many = await listed([a, closed]);
      const one = await api('GET', `/api/v2/tickets/${id}`);
      const list = await api('GET', `/api/v2/tickets?page[size]=100&sort=-id`);
      const inList = (list.body.tickets as { id: number }[]).find((t) => t.id === id);
      const fromMany = many[[a, closed].indexOf(id)]!; // id is a or closed
      assert.equal(JSON.stringify(one.body.ticket), fromMany);
      assert.equal(JSON.stringify(inList), fromMany);
      assert.deepEqual(fromMany, (await expected([id]))[0]);
      return JSON.parse(fromMany) as Record<string, unknown>;
    };
    await shown(a);
    await shown(a);

    await api('PUT', `/api/v2/tickets/${a}`, { ticket: { subject: 'Changed by the API' } });
    assert.equal((await shown(a)).subject, 'Changed by the API');
    await api('PUT', `/api/v2/tickets/${a}/tags`, { tags: ['added'] });
    assert.deepEqual((await shown(a)).tags, ['added']);
    // A script writing the row behind Parley's back.
    await db.updateTable('tickets').set({ priority: 'urgent' }).where('id', '=', a).execute();
    assert.equal((await shown(a)).priority, 'urgent');
    const merged = await api('PUT', `/api/v2/users/${person.id}/merge`, { user: { id: other.id } });
    assert.equal(merged.status, 200, JSON.stringify(merged.body));
    assert.equal((await shown(a)).requester_id, other.id);

    // A follow-up changes the closed ticket's followup_ids without writing its row.
    assert.deepEqual((await shown(closed)).followup_ids, []);
    const f = await api('POST', '/api/v2/tickets', {
      ticket: { via_followup_source_id: closed, comment: { body: 'again' } },
    });
    assert.equal(f.status, 201, JSON.stringify(f.body));
    assert.deepEqual((await shown(closed)).followup_ids, [f.body.ticket.id]);
    const [g] = (await create(1)) as [number];
    await db
      .updateTable('tickets')
      .set({ followup_source_id: closed })
      .where('id', '=', g)
      .execute();
    assert.deepEqual((await shown(closed)).followup_ids, [f.body.ticket.id, g]);
    await db.updateTable('tickets').set({ followup_source_id: null }).where('id', '=', g).execute();
    assert.deepEqual((await shown(closed)).followup_ids, [f.body.ticket.id]);

    await api('DELETE', `/api/v2/tickets/${a}`);
    assert.equal((await api('GET', `/api/v2/tickets/${a}`)).status, 404);
    const after = await listed([a, closed]);
    assert.equal(after.length, 1);
  });
});
