import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RenderedTickets } from '../../src/http/shared/read-model/rendered-tickets.ts';
import {
  type PresentedTicket,
  presentTicket,
} from '../../src/http/shared/read-model/ticket-json.ts';
import {
  AUDIENCES,
  audienceOf,
  renderingKey,
  TICKET_VIEWS,
} from '../../src/http/shared/read-model/ticket-views.ts';

const BASE = 'https://desk.example.com';

function ticket(patch: Partial<PresentedTicket>): PresentedTicket {
  return {
    id: 7,
    external_id: null,
    via_channel: 'web',
    via_source: '{}',
    created_at: '2026-12-01T10:00:00.000Z',
    updated_at: '2026-12-01T10:00:00.000Z',
    type: null,
    subject: 'Printer',
    description: 'An internal note',
    priority: null,
    status: 'open',
    requester_id: 1,
    submitter_id: 2,
    assignee_id: null,
    organization_id: null,
    group_id: null,
    brand_id: 1,
    is_public: 1,
    description_public: 0,
    recipient: null,
    due_at: null,
    tags: '[]',
    followup_source_id: null,
    from_messaging_channel: 0,
    ...patch,
  };
}

/** Tickets that differ in every field a reader may or may not see. */
const SAMPLES = [
  ticket({}),
  ticket({ id: 8, description_public: 1, description: 'Public text' }),
  ticket({ id: 9, description: '' }),
];

describe('ticket views: what a reader sees is what a kept rendering is keyed by', () => {
  it('gives every audience a view, and every role one of the audiences', () => {
    assert.deepEqual(Object.keys(TICKET_VIEWS).sort(), [...AUDIENCES].sort());
    for (const role of ['admin', 'agent', 'end-user'] as const) {
      assert.ok(AUDIENCES.includes(audienceOf({ role })), role);
    }
    assert.equal(audienceOf({ role: 'end-user' }), 'end-user');
    assert.equal(audienceOf({ role: 'agent' }), 'agent');
  });

  it('keys apart every two audiences, and keeps apart the renderings that differ', () => {
    const keys = new Set<number>();
    for (const id of [1, 2, 3, 1000, 2_147_483_647]) {
      for (const a of AUDIENCES) keys.add(renderingKey(id, a));
    }
    assert.equal(keys.size, 5 * AUDIENCES.length, 'no two ids and audiences share a key');

    let differing = 0;
    for (const a of AUDIENCES) {
      for (const b of AUDIENCES) {
        if (a === b) continue;
        for (const t of SAMPLES) {
          const forA = JSON.stringify(presentTicket(t, BASE, { audience: a }));
          const forB = JSON.stringify(presentTicket(t, BASE, { audience: b }));
          if (forA === forB) continue;
          differing++;
          const cache = new RenderedTickets(100_000);
          // Twice: the cache keeps a ticket from its second rendering on.
          cache.set(t.id, 1, a, forA);
          cache.set(t.id, 1, a, forA);
          assert.equal(cache.get(t.id, 1, a), forA);
          assert.equal(cache.get(t.id, 1, b), undefined, `${a}'s rendering never answers ${b}`);
        }
      }
    }
    assert.ok(differing > 0, 'an internal description reads differently to end users');
  });

  it('shows an internal first comment as the description only where the view says so', () => {
    for (const a of AUDIENCES) {
      const json = presentTicket(SAMPLES[0]!, BASE, { audience: a });
      assert.equal(json.description, TICKET_VIEWS[a].internalDescription ? 'An internal note' : '');
    }
  });
});
