import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RenderedTickets } from '../../src/http/shared/read-model/rendered-tickets.ts';

/** Renders a ticket twice, as the cache keeps a ticket only from its second rendering on. */
function keep(cache: RenderedTickets, id: number, version: number, json: string) {
  cache.set(id, version, 'agent', json);
  cache.set(id, version, 'agent', json);
}

describe('rendered tickets', () => {
  it('serves a ticket only for the version it was rendered from, never an older one', () => {
    const cache = new RenderedTickets(10_000);
    keep(cache, 1, 3, '{"v":3}');
    assert.equal(cache.get(1, 3, 'agent'), '{"v":3}');
    assert.equal(cache.get(1, 4, 'agent'), undefined);
    // A slow reader that rendered version 2 does not replace version 3.
    cache.set(1, 2, 'agent', '{"v":2}');
    assert.equal(cache.get(1, 3, 'agent'), '{"v":3}');
    cache.set(1, 4, 'agent', '{"v":4}');
    assert.equal(cache.get(1, 3, 'agent'), undefined);
    assert.equal(cache.get(1, 4, 'agent'), '{"v":4}');
    assert.equal(cache.count, 1);
  });

  it('keeps a ticket from its second rendering on, so one-off reads do not push others out', () => {
    const cache = new RenderedTickets(10_000_000);
    for (let id = 1; id <= 100; id++) cache.set(id, 0, 'agent', `{"id":${id}}`);
    assert.equal(cache.count, 0);
    cache.set(7, 1, 'agent', '{"id":7}');
    assert.equal(cache.get(7, 1, 'agent'), '{"id":7}');
    // Remembered for two generations of ids rendered once, then forgotten.
    const limit = Math.floor(10_000_000 / 1500);
    for (let id = 1000; id < 1000 + 2 * limit; id++) cache.set(id, 0, 'agent', '{}');
    cache.set(8, 0, 'agent', '{"id":8}');
    assert.equal(cache.get(8, 0, 'agent'), undefined);
    cache.clear();
    cache.set(9, 0, 'agent', '{}');
    assert.equal(cache.count, 0);
  });

  it('lets the least recently used tenth go when full', () => {
    const text = 'x'.repeat(154); // with the entry overhead, 250 characters each
    const cache = new RenderedTickets(1250);
    for (const id of [1, 2, 3, 4, 5]) keep(cache, id, 0, text);
    assert.equal(cache.count, 5);
    assert.equal(cache.get(1, 0, 'agent'), text); // 2 and 3 are now the least recently used
    keep(cache, 6, 0, text); // 1,500 > 1,250: down to 1,125 at most
    assert.equal(cache.count, 4);
    assert.equal(cache.get(2, 0, 'agent'), undefined);
    assert.equal(cache.get(3, 0, 'agent'), undefined);
    for (const id of [1, 4, 5, 6]) assert.equal(cache.get(id, 0, 'agent'), text);
    // Replacing an entry frees its old size: 1,000 - 250 + 97 + 250 fits without evicting.
    cache.set(4, 1, 'agent', 'y');
    keep(cache, 7, 0, text);
    assert.equal(cache.count, 5);
    assert.equal(cache.get(4, 1, 'agent'), 'y');
  });

  it('keeps nothing when its size is 0', () => {
    const cache = new RenderedTickets(0);
    keep(cache, 1, 0, '{}');
    assert.equal(cache.get(1, 0, 'agent'), undefined);
    assert.equal(cache.count, 0);
  });

  it('keeps a ticket apart for each audience: one never answers the other', () => {
    const cache = new RenderedTickets(10_000);
    keep(cache, 1, 3, '{"description":"internal note"}');
    assert.equal(cache.get(1, 3, 'end-user'), undefined);
    cache.set(1, 3, 'end-user', '{"description":""}');
    cache.set(1, 3, 'end-user', '{"description":""}');
    assert.equal(cache.get(1, 3, 'end-user'), '{"description":""}');
    assert.equal(cache.get(1, 3, 'agent'), '{"description":"internal note"}');
  });
});
