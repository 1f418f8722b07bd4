import type { Endpoint, Expected } from './authorization-table.ts';

/** The search rows of the authorization matrix (authorization-table.ts spreads them in). */

// Agents search tickets and users (within their ticket scope); end users search the help
// center, not the desk, as in Zendesk.
const agents: Expected = { endUser: 403, restricted: 'ok', agent: 'ok', admin: 'ok' };

export const SEARCH_ENDPOINTS: Record<string, Endpoint> = {
  'GET /api/v2/search': { call: () => ({ path: '/api/v2/search?query=hello' }), expect: agents },
  'GET /api/v2/search/count': {
    call: () => ({ path: '/api/v2/search/count?query=hello' }),
    expect: agents,
  },
};
