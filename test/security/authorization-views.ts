import assert from 'node:assert/strict';
import type { Endpoint, Expected, Fixtures } from './authorization-table.ts';

/** The views' rows of the authorization matrix (authorization-table.ts spreads them in). */

const agents: Expected = { endUser: 403, restricted: 'ok', agent: 'ok', admin: 'ok' };
const admins: Expected = { endUser: 403, restricted: 403, agent: 403, admin: 'ok' };
const at = (path: string) => () => ({ path });

/** A fresh shared view, made by the admin, for calls about one. */
const viewBody = (f: Fixtures) => ({
  title: `V${f.n()}`,
  all: [{ field: 'status', operator: 'less_than', value: 'solved' }],
});
async function newView(f: Fixtures): Promise<number> {
  const res = await f.desk.api('POST', '/api/v2/views', { view: viewBody(f) });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.view.id as number;
}
const preview = {
  view: { all: [{ field: 'status', operator: 'is', value: 'open' }] },
};

export const VIEW_ENDPOINTS: Record<string, Endpoint> = {
  // Views: agents read shared ones and manage their personal ones; admins manage shared ones
  'GET /api/v2/views': { call: at('/api/v2/views'), expect: agents },
  'GET /api/v2/views/active': { call: at('/api/v2/views/active'), expect: agents },
  'GET /api/v2/views/count': { call: at('/api/v2/views/count'), expect: agents },
  'GET /api/v2/views/compact': { call: at('/api/v2/views/compact'), expect: agents },
  'GET /api/v2/views/search': { call: at('/api/v2/views/search?query=a'), expect: agents },
  'GET /api/v2/views/show_many': {
    call: async (f) => ({ path: `/api/v2/views/show_many?ids=${await newView(f)}` }),
    expect: agents,
  },
  'GET /api/v2/views/count_many': {
    call: async (f) => ({ path: `/api/v2/views/count_many?ids=${await newView(f)}` }),
    expect: agents,
  },
  'PUT /api/v2/views/update_many': {
    call: async (f) => ({
      path: '/api/v2/views/update_many',
      body: { views: [{ id: await newView(f), title: `U${f.n()}` }] },
    }),
    expect: admins,
  },
  'DELETE /api/v2/views/destroy_many': {
    call: async (f) => ({ path: `/api/v2/views/destroy_many?ids=${await newView(f)}` }),
    expect: admins,
  },
  'POST /api/v2/views/preview': {
    call: () => ({ path: '/api/v2/views/preview', body: preview }),
    expect: agents,
  },
  'POST /api/v2/views/preview/count': {
    call: () => ({ path: '/api/v2/views/preview/count', body: preview }),
    expect: agents,
  },
  'GET /api/v2/views/:id': {
    call: async (f) => ({ path: `/api/v2/views/${await newView(f)}` }),
    expect: agents,
  },
  // Each actor makes a personal view of their own.
  'POST /api/v2/views': {
    call: (f, actor) => ({
      path: '/api/v2/views',
      body: { view: { ...viewBody(f), restriction: { type: 'User', id: f.ids[actor] } } },
    }),
    expect: agents,
  },
  'PUT /api/v2/views/:id': {
    call: async (f) => ({
      path: `/api/v2/views/${await newView(f)}`,
      body: { view: { title: `R${f.n()}` } },
    }),
    expect: admins,
  },
  'DELETE /api/v2/views/:id': {
    call: async (f) => ({ path: `/api/v2/views/${await newView(f)}` }),
    expect: admins,
  },
  'GET /api/v2/views/:id/execute': {
    call: async (f) => ({ path: `/api/v2/views/${await newView(f)}/execute` }),
    expect: agents,
  },
  'GET /api/v2/views/:id/tickets': {
    call: async (f) => ({ path: `/api/v2/views/${await newView(f)}/tickets` }),
    expect: agents,
  },
  'GET /api/v2/views/:id/count': {
    call: async (f) => ({ path: `/api/v2/views/${await newView(f)}/count` }),
    expect: agents,
  },
};
