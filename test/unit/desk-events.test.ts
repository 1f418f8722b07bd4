import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Conn } from '../../src/desk/context.ts';
import {
  type DeskEvent,
  type DeskEventOf,
  DeskEvents,
  EventsAfterCommit,
} from '../../src/desk/events.ts';
import { via } from '../../src/desk/via.ts';

/** A transaction stand-in: the bus only hands it to processors. */
const trx = { isTransaction: true } as unknown as Conn;

function written(ticketId: number): DeskEventOf<'ticket.written'> {
  return {
    name: 'ticket.written',
    ticketId,
    auditId: ticketId * 10,
    created: false,
    changes: [{ field: 'status', previous: 'new', value: 'open' }],
    comments: [{ id: 7, public: true, authorId: 2, authorIsAgent: true }],
    actor: { userId: 2, via: via('api') },
    effects: [],
  };
}

describe('desk events', () => {
  it('tells listeners only after publish, once, until they unsubscribe', async () => {
    const bus = new DeskEvents();
    const seen: number[] = [];
    const off = bus.on('ticket.written', (e) => seen.push(e.ticketId));
    const tx = bus.begin();
    await tx.emit(trx, written(1));
    await tx.emit(trx, written(2));
    assert.deepEqual(seen, [], 'nothing before the commit');
    tx.publish();
    assert.deepEqual(seen, [1, 2]);
    tx.publish();
    assert.deepEqual(seen, [1, 2], 'published once');
    off();
    const next = bus.begin();
    await next.emit(trx, written(3));
    next.publish();
    assert.deepEqual(seen, [1, 2], 'an unsubscribed listener hears nothing');
  });

  it('runs a processor in the transaction and after commit, for the events it handles', async () => {
    const bus = new DeskEvents();
    const calls: string[] = [];
    const remove = bus.register({
      name: 'test',
      handles: ['ticket.written'],
      async inTransaction(t, e) {
        assert.equal(t, trx);
        calls.push(`in ${e.name} ${e.ticketId}`);
      },
      afterCommit(e) {
        calls.push(`after ${e.name} ${e.ticketId}`);
      },
    });
    bus.register({
      name: 'deaf',
      handles: [],
      afterCommit: () => {
        calls.push('deaf');
      },
    });
    const tx = bus.begin();
    await tx.emit(trx, written(4));
    assert.deepEqual(calls, ['in ticket.written 4']);
    tx.publish();
    assert.deepEqual(calls, ['in ticket.written 4', 'after ticket.written 4']);
    remove();
    const next = bus.begin();
    await next.emit(trx, written(5));
    next.publish();
    assert.equal(calls.length, 2, 'a removed processor runs no more');
  });

  it('lets an inTransaction failure reach the writer (its write rolls back)', async () => {
    const bus = new DeskEvents();
    bus.register({
      name: 'refuses',
      handles: ['ticket.written'],
      inTransaction: async () => {
        throw new Error('no outbox row');
      },
    });
    await assert.rejects(bus.begin().emit(trx, written(6)), /no outbox row/);
  });

  it('never throws an afterCommit failure into the writer, and logs it', async () => {
    const logged: string[] = [];
    const bus = new DeskEvents({ error: (obj) => logged.push((obj as any).processor) });
    const seen: number[] = [];
    bus.register({
      name: 'throws',
      handles: ['ticket.written'],
      afterCommit: () => {
        throw new Error('boom');
      },
    });
    bus.register({
      name: 'rejects',
      handles: ['ticket.written'],
      afterCommit: async () => {
        throw new Error('later boom');
      },
    });
    bus.on('ticket.written', (e) => seen.push(e.ticketId));
    const tx = bus.begin();
    await tx.emit(trx, written(8));
    assert.doesNotThrow(() => tx.publish());
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(seen, [8], 'the other handlers still ran');
    assert.deepEqual(logged.sort(), ['rejects', 'throws']);
  });

  it('publishes only the attempt that committed, and nothing for a failed write', async () => {
    const bus = new DeskEvents();
    const seen: DeskEvent[] = [];
    bus.on('ticket.written', (e) => seen.push(e));

    // A transaction whose work ran twice (a conflict, then a commit).
    const events = new EventsAfterCommit(bus);
    let run = 0;
    const result = await events.publishAfter(
      (async () => {
        for (;;) {
          const tx = events.attempt();
          run++;
          await tx!.emit(trx, written(100 + run));
          if (run === 2) return 'committed';
        }
      })(),
    );
    assert.equal(result, 'committed');
    assert.deepEqual(
      seen.map((e) => e.ticketId),
      [102],
    );

    const failing = new EventsAfterCommit(bus);
    await assert.rejects(
      failing.publishAfter(
        (async () => {
          await failing.attempt()!.emit(trx, written(200));
          throw new Error('rolled back');
        })(),
      ),
      /rolled back/,
    );
    assert.equal(seen.length, 1, 'a rolled-back write publishes nothing');
  });
});
