import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TooManyRequestsError } from '../../src/desk/errors.ts';
import { HashSlots } from '../../src/desk/hash-slots.ts';

/** A job that finishes when the test says so. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('HashSlots', () => {
  it('runs at most `concurrency` jobs at once and the rest in arrival order', async () => {
    const slots = new HashSlots(2, 10);
    const gates = Array.from({ length: 5 }, gate);
    const order: number[] = [];
    let running = 0;
    let most = 0;
    const jobs = gates.map((g, i) =>
      slots.run(async () => {
        running++;
        most = Math.max(most, running);
        order.push(i);
        await g.opened;
        running--;
        return i;
      }),
    );
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, [0, 1]);
    for (const g of gates) g.open();
    assert.deepEqual(await Promise.all(jobs), [0, 1, 2, 3, 4]);
    assert.deepEqual(order, [0, 1, 2, 3, 4]);
    assert.equal(most, 2);
    assert.equal(slots.peak, 2);
    assert.equal(slots.started, 5);
  });

  it('turns away refusable work past the queue limit, but never work that must wait', async () => {
    const slots = new HashSlots(1, 1);
    const g = gate();
    const first = slots.run(() => g.opened);
    const queued = slots.run(async () => 'queued', true);
    await assert.rejects(
      slots.run(async () => 'refused', true),
      (err: unknown) => {
        assert.ok(err instanceof TooManyRequestsError);
        assert.equal(err.retryAfterSeconds, 1);
        return true;
      },
    );
    const mustWait = slots.run(async () => 'waited');
    g.open();
    await first;
    assert.equal(await queued, 'queued');
    assert.equal(await mustWait, 'waited');
  });

  it('frees the slot when a job fails', async () => {
    const slots = new HashSlots(1, 0);
    await assert.rejects(slots.run(async () => Promise.reject(new Error('boom'))));
    assert.equal(await slots.run(async () => 'next', true), 'next');
  });
});
