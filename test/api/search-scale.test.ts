import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { SEARCH_BOUNDS } from '../../src/desk/search/ticket-search.ts';
import { forEachDatabase, type TestDesk } from '../helpers/harness.ts';

/**
 * The fast paths of ticket search (src/desk/search/ticket-search.ts) exercised on a few
 * tickets by shrinking their bounds: pages looked for in windows of the newest tickets must be
 * the pages of all matches, and counts above the bound are estimates, exact below it.
 */

const DEFAULTS = { ...SEARCH_BOUNDS, windows: [...SEARCH_BOUNDS.windows] };

function shrink(on: boolean, walkMax = 30): void {
  if (on) {
    const walk = { walkFirst: 3, walkMax };
    Object.assign(SEARCH_BOUNDS, { exactCount: 4, countWalk: 8, windows: [6, 12], ...walk });
  } else Object.assign(SEARCH_BOUNDS, { ...DEFAULTS, windows: [...DEFAULTS.windows] });
}

/** No window and no walk: every page from the plain query over every match. */
function plain(): void {
  Object.assign(SEARCH_BOUNDS, { ...DEFAULTS, windows: [], walkMax: 0 });
}

async function results(desk: TestDesk, query: string, extra = '') {
  const res = await desk.api(
    'GET',
    `/api/v2/search.json?query=${encodeURIComponent(query)}&per_page=2${extra}`,
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return {
    ids: (res.body.results as any[]).map((r) => `${r.result_type}:${r.id}`),
    count: res.body.count as number,
  };
}

forEachDatabase('search at scale (shrunk bounds)', (ctx) => {
  before(async () => {
    const words = ['printer jammed', 'printers offline', 'vpn drops', 'stampante ferma'];
    for (let i = 0; i < 24; i++) {
      const res = await ctx.desk.api('POST', '/api/v2/tickets', {
        ticket: {
          subject: `${words[i % words.length]} ${i}`,
          comment: { body: i % 3 === 0 ? 'paper jam again' : 'nothing else' },
          tags: i % 2 === 0 ? ['even'] : ['odd'],
          status: i % 5 === 0 ? 'pending' : 'open',
        },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
    // Some old tickets updated last, so the newest by update are not the newest by id.
    for (const id of [1, 2, 5]) {
      const res = await ctx.desk.api('PUT', `/api/v2/tickets/${id}`, {
        ticket: { priority: 'high' },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
  });
  after(() => shrink(false));

  it('pages through windows exactly as through every match', async () => {
    const queries = [
      'printer',
      'printer tags:even',
      '"paper jam"',
      'status:open tags:odd',
      'type:ticket -vpn',
      'type:ticket jam -printer',
    ];
    for (const query of queries) {
      for (const extra of ['', '&sort_by=created_at&sort_order=asc', '&page=2', '&page=3']) {
        shrink(false);
        const plain = await results(ctx.desk, query, extra);
        shrink(true);
        const fast = await results(ctx.desk, query, extra);
        assert.deepEqual(fast.ids, plain.ids, `${query}${extra}`);
        assert.ok(fast.count >= Math.min(plain.count, 5), `${query}: ${fast.count}`);
        if (plain.count <= 4) assert.equal(fast.count, plain.count, query);
      }
    }
  });

  it('pages by walking tickets in the sort order (PostgreSQL) exactly as through every match', async () => {
    // Matches among the oldest tickets only, in either order: windows miss them, the walk
    // goes past them in chunks (3, 30 → the end; or 3 then 2 and gives up: the plain query).
    const queries = ['stampante', 'jam status:pending', 'type:ticket -printer -vpn', 'odd'];
    const sorts = ['updated_at', 'created_at'].flatMap((by) =>
      ['asc', 'desc'].map((o) => `&sort_by=${by}&sort_order=${o}`),
    );
    for (const query of queries) {
      for (const sort of sorts) {
        for (const extra of [sort, `${sort}&page=2`, `${sort}&page=4`]) {
          plain();
          const expected = await results(ctx.desk, query, extra);
          for (const walkMax of [30, 5]) {
            shrink(true, walkMax);
            const fast = await results(ctx.desk, query, extra);
            assert.deepEqual(fast.ids, expected.ids, `${query}${extra} (walk ${walkMax})`);
          }
        }
      }
    }
  });

  it('estimates large counts from the newest matches; exact below the bound', async () => {
    shrink(true);
    const printer = await results(ctx.desk, 'type:ticket printer');
    assert.equal(printer.count >= 5 && printer.count <= 24, true, String(printer.count));
    const dated = await results(ctx.desk, 'type:ticket printer created>1day');
    assert.equal(dated.count, 5); // more than exactCount: the bound plus one
    // Sparse among more candidates than the walk, yet scaled above twice the bound: estimated.
    const sparse = await results(ctx.desk, 'status:open tags:odd');
    assert.ok(sparse.count > 8 && sparse.count <= 24, String(sparse.count));
    // Few matches among few candidates, and among more candidates than the walk: exact.
    for (const [query, n] of [
      ['stampante status:pending', 1],
      ['jam status:pending', 3],
    ] as const) {
      const few = await ctx.desk.api(
        'GET',
        `/api/v2/search/count.json?query=${encodeURIComponent(query)}`,
      );
      assert.deepEqual(few.body, { count: n }, query);
    }
    // Few among the newest tickets, more than the bound among all (PostgreSQL counts those
    // capped at the bound plus one): above the bound either way, never all counted.
    for (const query of ['stampante', 'stampante created>1day']) {
      const { count } = await results(ctx.desk, query);
      assert.ok(count >= 5 && count <= 24, `${query}: ${count}`);
    }
    shrink(false);
    const exact = await ctx.desk.api('GET', '/api/v2/search/count.json?query=printer');
    assert.deepEqual(exact.body, { count: 12 });
  });
});
