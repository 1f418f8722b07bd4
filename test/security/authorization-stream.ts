import type { Endpoint, Expected } from './authorization-table.ts';

/** The realtime rows of the authorization matrix (authorization-table.ts spreads them in). */

const agents: Expected = { endUser: 403, restricted: 'ok', agent: 'ok', admin: 'ok' };

export const STREAM_ENDPOINTS: Record<string, Endpoint> = {
  // The event stream: agents only; `follow=false` ends the answer after the (empty) replay, so
  // the matrix's call returns.
  'GET /api/v2/stream': { call: () => ({ path: '/api/v2/stream?follow=false' }), expect: agents },
  // Presence: agents on tickets they may read (a Slack ticket does not exist for `restricted`).
  'POST /api/v2/tickets/:id/presence': {
    call: (_f, _actor, ticket) => ({
      path: `/api/v2/tickets/${ticket}/presence`,
      body: { presence: { state: 'viewing' } },
    }),
    expect: agents,
    ticket: true,
  },
  'GET /api/v2/tickets/:id/presence': {
    call: (_f, _actor, ticket) => ({ path: `/api/v2/tickets/${ticket}/presence` }),
    expect: agents,
    ticket: true,
  },
};
