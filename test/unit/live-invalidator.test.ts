import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Invalidator } from '../../web/src/live/invalidator.ts';

// Loaded untyped: its types pull the DOM's into the server's type check.
const tanstack = '@tanstack/react-query';
const { QueryClient, QueryObserver } = (await import(tanstack)) as any;

/** The web app's stream → TanStack Query mapping: which queries an event makes stale, and how
 * a burst of events becomes one refetch round per window rather than one per event. */
describe('the live invalidator', () => {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const fetches = new Map<string, number>();
  const unsubscribe: (() => void)[] = [];
  const keys: unknown[][] = [
    ['view', '3', 1, null],
    ['view-counts', [3, 4]],
    ['ticket', 5],
    ['ticket', 5, 'comments'],
    ['ticket', '5'],
    ['ticket', 5, 'presence'],
    ['ticket', 6],
    ['ticket', 7],
    ['users', [1]],
  ];
  for (const queryKey of keys) {
    const name = JSON.stringify(queryKey);
    const observer = new QueryObserver(client, {
      queryKey,
      queryFn: async () => {
        fetches.set(name, (fetches.get(name) ?? 0) + 1);
        return name;
      },
    });
    unsubscribe.push(observer.subscribe(() => {}));
  }
  after(() => {
    for (const u of unsubscribe) u();
    client.clear();
  });

  const idle = async () => {
    await new Promise((r) => setTimeout(r, 0));
    while (client.isFetching() > 0) await new Promise((r) => setTimeout(r, 1));
  };
  const counts = () => Object.fromEntries(keys.map((k) => [JSON.stringify(k), 0])) as never;
  const snapshot = () => {
    const out: Record<string, number> = counts();
    for (const [k, v] of fetches) out[k] = v;
    return out;
  };

  it('refetches the first event at once, and a burst once at the end of the window', async () => {
    await idle();
    const start = snapshot();
    assert.ok(
      Object.values(start).every((n) => n === 1),
      JSON.stringify(start),
    );

    // A window no test waits out: the burst is held until flush() stands in for its end.
    const inv = new Invalidator(client, 3_600_000);
    inv.ticket(5);
    inv.views();
    await idle();
    const first = snapshot();
    assert.deepEqual(first, {
      ...start,
      '["view","3",1,null]': 2,
      '["ticket",5]': 2,
      '["ticket",5,"comments"]': 2,
      '["ticket","5"]': 2,
    });

    for (let i = 0; i < 100; i++) {
      inv.ticket(5);
      inv.ticket(6);
      inv.counts();
    }
    await idle();
    assert.deepEqual(snapshot(), first, 'nothing refetched before the window ends');
    inv.flush();
    await idle();
    assert.deepEqual(snapshot(), {
      ...first,
      '["view-counts",[3,4]]': 2,
      '["ticket",5]': 3,
      '["ticket",5,"comments"]': 3,
      '["ticket","5"]': 3,
      '["ticket",6]': 2,
    });
    inv.dispose();
  });

  it('reloads every presence list after a reconnect, and everything on reset', async () => {
    const before = snapshot();
    const inv = new Invalidator(client, 3_600_000);
    inv.allPresence();
    await idle();
    assert.deepEqual(snapshot(), { ...before, '["ticket",5,"presence"]': 2 });
    const mid = snapshot();
    inv.all();
    inv.flush();
    await idle();
    for (const [k, n] of Object.entries(snapshot())) assert.equal(n, mid[k]! + 1, k);
    inv.dispose();
  });
});
