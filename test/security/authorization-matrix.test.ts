import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { createApiToken } from '../../src/desk/api-tokens.ts';
import { createTicket } from '../../src/desk/tickets/create-ticket.ts';
import { nowIso } from '../../src/desk/time.ts';
import { via } from '../../src/desk/via.ts';
import { forEachDatabase, type TestDesk } from '../helpers/harness.ts';

/**
 * Who may call what: four actors × every endpoint of the app, on both databases. The table
 * must name every route the running app has, so a new endpoint cannot slip in unclassified.
 */

type ActorName = 'endUser' | 'restricted' | 'agent' | 'admin';
const ACTORS: ActorName[] = ['endUser', 'restricted', 'agent', 'admin'];

/** `ok` 2xx; `allowed` past authorization (neither 401 nor 403); else the exact status. */
type Expect = 'ok' | 'allowed' | 401 | 403 | 404;
type Expected = Record<ActorName, Expect>;

interface Fixtures {
  desk: TestDesk;
  auth: Record<ActorName, string>;
  ids: Record<ActorName, number>;
  endUserId: number;
  orgId: number;
  groupId: number;
  brandId: number;
  roleId: number;
  tokenId: number;
  membershipId: number;
  attachmentId: number;
  /** A fresh end user, for calls that change or remove one. */
  freshEndUser(): Promise<number>;
  /** A fresh ticket like the subject (a Slack one or not), for calls that remove one. */
  freshTicket(slack: boolean): Promise<number>;
  n(): number;
}

interface Call {
  path: string;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

/** One endpoint: how to call it as `actor` (about `ticket` when it takes one) and who may. */
interface Endpoint {
  call(f: Fixtures, actor: ActorName, ticket: number, slack: boolean): Call | Promise<Call>;
  /** For the non-Slack ticket, or the only call when the endpoint takes no ticket. */
  expect: Expected;
  /** Takes a ticket: also called about a Slack ticket, which hides from `restricted`. */
  ticket?: boolean;
  /** What `restricted` gets about the Slack ticket: 404, or a list that leaves it out. */
  slackHidden?: Expect;
}

const all = (e: Expect): Expected => ({ endUser: e, restricted: e, agent: e, admin: e });
const agents: Expected = { endUser: 403, restricted: 'ok', agent: 'ok', admin: 'ok' };
const admins: Expected = { endUser: 403, restricted: 403, agent: 403, admin: 'ok' };
/** Admin work where the admin's call passes authorization but may fail on its subject. */
const adminsPass: Expected = { endUser: 403, restricted: 403, agent: 403, admin: 'allowed' };
const at = (path: string) => () => ({ path });

const TABLE: Record<string, Endpoint> = {
  // Tickets
  'GET /api/v2/tickets': { call: at('/api/v2/tickets'), expect: all('ok') },
  'POST /api/v2/tickets': {
    call: () => ({ path: '/api/v2/tickets', body: { ticket: { comment: { body: 'Help' } } } }),
    expect: all('ok'),
  },
  'GET /api/v2/tickets/count': { call: at('/api/v2/tickets/count'), expect: agents },
  'GET /api/v2/tickets/show_many': {
    call: (_f, _a, t) => ({ path: `/api/v2/tickets/show_many?ids=${t}` }),
    expect: all('ok'),
    ticket: true,
    slackHidden: 'ok',
  },
  'GET /api/v2/tickets/:id': {
    call: (_f, _a, t) => ({ path: `/api/v2/tickets/${t}` }),
    expect: all('ok'),
    ticket: true,
  },
  'PUT /api/v2/tickets/:id': {
    call: (_f, _a, t) => ({
      path: `/api/v2/tickets/${t}`,
      body: { ticket: { comment: { body: 'More', public: true } } },
    }),
    expect: all('ok'),
    ticket: true,
  },
  'DELETE /api/v2/tickets/:id': {
    call: async (f, _a, _t, slack) => ({ path: `/api/v2/tickets/${await f.freshTicket(slack)}` }),
    expect: agents,
    ticket: true,
  },
  'GET /api/v2/tickets/:id/comments': {
    call: (_f, _a, t) => ({ path: `/api/v2/tickets/${t}/comments` }),
    expect: all('ok'),
    ticket: true,
  },
  'GET /api/v2/tickets/:id/conversation': {
    // Neither subject came through a Slack conversation: agents pass, and find none.
    call: (_f, _a, t) => ({ path: `/api/v2/tickets/${t}/conversation` }),
    expect: { endUser: 403, restricted: 404, agent: 404, admin: 404 },
    ticket: true,
  },
  'GET /api/v2/tickets/:id/audits': {
    call: (_f, _a, t) => ({ path: `/api/v2/tickets/${t}/audits` }),
    expect: agents,
    ticket: true,
  },
  'GET /api/v2/tickets/:id/tags': {
    call: (_f, _a, t) => ({ path: `/api/v2/tickets/${t}/tags` }),
    expect: all('ok'),
    ticket: true,
  },
  'POST /api/v2/tickets/:id/tags': {
    call: (_f, _a, t) => ({ path: `/api/v2/tickets/${t}/tags`, body: { tags: ['a'] } }),
    expect: agents,
    ticket: true,
  },
  'PUT /api/v2/tickets/:id/tags': {
    call: (_f, _a, t) => ({ path: `/api/v2/tickets/${t}/tags`, body: { tags: ['b'] } }),
    expect: agents,
    ticket: true,
  },
  'DELETE /api/v2/tickets/:id/tags': {
    call: (_f, _a, t) => ({ path: `/api/v2/tickets/${t}/tags`, body: { tags: ['b'] } }),
    expect: agents,
    ticket: true,
  },
  // Users
  'GET /api/v2/users': { call: at('/api/v2/users'), expect: agents },
  'POST /api/v2/users': {
    call: (f) => ({
      path: '/api/v2/users',
      body: { user: { name: 'New', email: `new${f.n()}@example.com` } },
    }),
    expect: agents,
  },
  'GET /api/v2/users/me': { call: at('/api/v2/users/me'), expect: all('ok') },
  'PUT /api/v2/users/me/merge': {
    call: () => ({
      path: '/api/v2/users/me/merge',
      body: { user: { email: 'nobody@example.com', password: 'wrong' } },
    }),
    expect: all('allowed'),
  },
  // Callers with Basic credentials have no web session to show, renew or end.
  'GET /api/v2/users/me/session': { call: at('/api/v2/users/me/session'), expect: all(404) },
  'GET /api/v2/users/me/session/renew': {
    call: at('/api/v2/users/me/session/renew'),
    expect: all(404),
  },
  'DELETE /api/v2/users/me/logout': { call: at('/api/v2/users/me/logout'), expect: all(404) },
  'GET /api/v2/users/show_many': {
    call: (f) => ({ path: `/api/v2/users/show_many?ids=${f.endUserId}` }),
    expect: agents,
  },
  'GET /api/v2/users/search': { call: at('/api/v2/users/search?query=Erin'), expect: agents },
  'GET /api/v2/users/autocomplete': {
    call: at('/api/v2/users/autocomplete?name=Er'),
    expect: agents,
  },
  'POST /api/v2/users/create_or_update': {
    call: (f) => ({
      path: '/api/v2/users/create_or_update',
      body: { user: { name: 'Upsert', email: `upsert${f.n()}@example.com` } },
    }),
    expect: agents,
  },
  'GET /api/v2/users/:id': {
    call: (f) => ({ path: `/api/v2/users/${f.ids.agent}` }),
    expect: agents,
  },
  'PUT /api/v2/users/:id': {
    call: async (f) => ({
      path: `/api/v2/users/${await f.freshEndUser()}`,
      body: { user: { name: 'Renamed' } },
    }),
    expect: agents,
  },
  'DELETE /api/v2/users/:id': {
    call: async (f) => ({ path: `/api/v2/users/${await f.freshEndUser()}` }),
    expect: agents,
  },
  'GET /api/v2/users/:id/tickets/requested': {
    call: (f) => ({ path: `/api/v2/users/${f.endUserId}/tickets/requested` }),
    expect: all('ok'),
  },
  'GET /api/v2/users/:id/tickets/assigned': {
    call: (f) => ({ path: `/api/v2/users/${f.ids.agent}/tickets/assigned` }),
    expect: { endUser: 404, restricted: 'ok', agent: 'ok', admin: 'ok' },
  },
  'PUT /api/v2/users/:id/merge': {
    call: async (f) => ({
      path: `/api/v2/users/${await f.freshEndUser()}/merge`,
      body: { user: { id: await f.freshEndUser() } },
    }),
    expect: agents,
  },
  'GET /api/v2/users/:id/identities': {
    call: (f) => ({ path: `/api/v2/users/${f.endUserId}/identities` }),
    expect: agents,
  },
  'POST /api/v2/users/:id/identities': {
    call: async (f) => ({
      path: `/api/v2/users/${await f.freshEndUser()}/identities`,
      body: { identity: { type: 'email', value: `more${f.n()}@example.com` } },
    }),
    expect: agents,
  },
  'GET /api/v2/users/:id/identities/:identityId': {
    call: async (f) => ({ path: await identityPath(f) }),
    expect: agents,
  },
  'DELETE /api/v2/users/:id/identities/:identityId': {
    call: async (f) => ({ path: await identityPath(f, true) }),
    expect: agents,
  },
  'PUT /api/v2/users/:id/identities/:identityId/make_primary': {
    call: async (f) => ({ path: `${await identityPath(f, true)}/make_primary` }),
    expect: agents,
  },
  'PUT /api/v2/users/:id/identities/:identityId/verify': {
    call: async (f) => ({ path: `${await identityPath(f, true)}/verify` }),
    expect: agents,
  },
  'GET /api/v2/users/:id/group_memberships': {
    call: (f) => ({ path: `/api/v2/users/${f.ids.agent}/group_memberships` }),
    expect: agents,
  },
  'PUT /api/v2/users/:id/group_memberships/:membership_id/make_default': {
    call: (f) => ({
      path: `/api/v2/users/${f.ids.agent}/group_memberships/${f.membershipId}/make_default`,
    }),
    // Agents may pick their own default group; the membership is the plain agent's.
    expect: { endUser: 403, restricted: 403, agent: 'ok', admin: 'ok' },
  },
  // Uploads and attachments
  'POST /api/v2/uploads': {
    call: () => ({
      path: '/api/v2/uploads?filename=a.txt',
      raw: 'hello',
      headers: { 'content-type': 'application/binary' },
    }),
    expect: all('ok'),
  },
  'DELETE /api/v2/uploads/:token': {
    call: () => ({ path: '/api/v2/uploads/nosuchtoken' }),
    expect: all(404),
  },
  'GET /api/v2/attachments/:id': {
    call: (f) => ({ path: `/api/v2/attachments/${f.attachmentId}` }),
    expect: all('ok'),
  },
  'GET /api/v2/attachments/:id/content': {
    call: (f) => ({ path: `/api/v2/attachments/${f.attachmentId}/content` }),
    expect: all('allowed'),
  },
  // Organizations
  'GET /api/v2/organizations': { call: at('/api/v2/organizations'), expect: agents },
  'POST /api/v2/organizations': {
    call: (f) => ({ path: '/api/v2/organizations', body: { organization: { name: `O${f.n()}` } } }),
    expect: admins,
  },
  'GET /api/v2/organizations/count': { call: at('/api/v2/organizations/count'), expect: agents },
  'POST /api/v2/organizations/create_or_update': {
    call: (f) => ({
      path: '/api/v2/organizations/create_or_update',
      body: { organization: { name: `U${f.n()}` } },
    }),
    expect: admins,
  },
  'GET /api/v2/organizations/show_many': {
    call: (f) => ({ path: `/api/v2/organizations/show_many?ids=${f.orgId}` }),
    expect: agents,
  },
  'GET /api/v2/organizations/search': {
    call: at('/api/v2/organizations/search?name=Matrix'),
    expect: agents,
  },
  'GET /api/v2/organizations/autocomplete': {
    call: at('/api/v2/organizations/autocomplete?name=Ma'),
    expect: agents,
  },
  'GET /api/v2/organizations/:id': {
    call: (f) => ({ path: `/api/v2/organizations/${f.orgId}` }),
    expect: agents,
  },
  'PUT /api/v2/organizations/:id': {
    call: (f) => ({
      path: `/api/v2/organizations/${f.orgId}`,
      body: { organization: { notes: 'n' } },
    }),
    expect: admins,
  },
  'DELETE /api/v2/organizations/:id': {
    call: async (f) => {
      const org = await f.desk.api('POST', '/api/v2/organizations', {
        organization: { name: `Gone${f.n()}` },
      });
      return { path: `/api/v2/organizations/${org.body.organization.id}` };
    },
    expect: admins,
  },
  'GET /api/v2/organizations/:id/tickets': {
    call: (f) => ({ path: `/api/v2/organizations/${f.orgId}/tickets` }),
    expect: agents,
  },
  'GET /api/v2/organizations/:id/users': {
    call: (f) => ({ path: `/api/v2/organizations/${f.orgId}/users` }),
    expect: agents,
  },
  // API tokens
  'GET /api/v2/api_tokens': { call: at('/api/v2/api_tokens'), expect: admins },
  'GET /api/v2/api_tokens/:id': {
    call: (f) => ({ path: `/api/v2/api_tokens/${f.tokenId}` }),
    expect: admins,
  },
  'DELETE /api/v2/api_tokens/:id': {
    call: async (f) => {
      const made = await createApiToken(f.desk.parley.db, {
        description: 'doomed',
        createdById: f.desk.adminId,
        now: nowIso(),
      });
      return { path: `/api/v2/api_tokens/${made.id}` };
    },
    expect: admins,
  },
  // Groups and memberships
  'GET /api/v2/groups': { call: at('/api/v2/groups'), expect: agents },
  'POST /api/v2/groups': {
    call: (f) => ({ path: '/api/v2/groups', body: { group: { name: `G${f.n()}` } } }),
    expect: admins,
  },
  'GET /api/v2/groups/assignable': { call: at('/api/v2/groups/assignable'), expect: agents },
  'GET /api/v2/groups/count': { call: at('/api/v2/groups/count'), expect: agents },
  'GET /api/v2/groups/:id': {
    call: (f) => ({ path: `/api/v2/groups/${f.groupId}` }),
    expect: agents,
  },
  'PUT /api/v2/groups/:id': {
    call: (f) => ({ path: `/api/v2/groups/${f.groupId}`, body: { group: { description: 'd' } } }),
    expect: admins,
  },
  'DELETE /api/v2/groups/:id': {
    call: async (f) => {
      const g = await f.desk.api('POST', '/api/v2/groups', { group: { name: `X${f.n()}` } });
      return { path: `/api/v2/groups/${g.body.group.id}` };
    },
    expect: admins,
  },
  'GET /api/v2/groups/:id/users': {
    call: (f) => ({ path: `/api/v2/groups/${f.groupId}/users` }),
    expect: agents,
  },
  'GET /api/v2/groups/:id/memberships': {
    call: (f) => ({ path: `/api/v2/groups/${f.groupId}/memberships` }),
    expect: agents,
  },
  'GET /api/v2/group_memberships': { call: at('/api/v2/group_memberships'), expect: agents },
  'POST /api/v2/group_memberships': {
    call: async (f) => {
      const g = await f.desk.api('POST', '/api/v2/groups', { group: { name: `M${f.n()}` } });
      return {
        path: '/api/v2/group_memberships',
        body: { group_membership: { user_id: f.ids.agent, group_id: g.body.group.id } },
      };
    },
    expect: admins,
  },
  'GET /api/v2/group_memberships/:id': {
    call: (f) => ({ path: `/api/v2/group_memberships/${f.membershipId}` }),
    expect: agents,
  },
  'DELETE /api/v2/group_memberships/:id': {
    call: async (f) => {
      const g = await f.desk.api('POST', '/api/v2/groups', { group: { name: `D${f.n()}` } });
      const m = await f.desk.api('POST', '/api/v2/group_memberships', {
        group_membership: { user_id: f.ids.admin, group_id: g.body.group.id },
      });
      return { path: `/api/v2/group_memberships/${m.body.group_membership.id}` };
    },
    expect: admins,
  },
  // Brands and custom roles
  'GET /api/v2/brands': { call: at('/api/v2/brands'), expect: agents },
  'POST /api/v2/brands': {
    call: (f) => ({
      path: '/api/v2/brands',
      body: { brand: { name: `B${f.n()}`, subdomain: `b${f.n()}` } },
    }),
    expect: admins,
  },
  'GET /api/v2/brands/:id': {
    call: (f) => ({ path: `/api/v2/brands/${f.brandId}` }),
    expect: agents,
  },
  'PUT /api/v2/brands/:id': {
    call: (f) => ({ path: `/api/v2/brands/${f.brandId}`, body: { brand: { name: `R${f.n()}` } } }),
    expect: admins,
  },
  'DELETE /api/v2/brands/:id': {
    call: async (f) => {
      const b = await f.desk.api('POST', '/api/v2/brands', {
        brand: { name: `Del${f.n()}`, subdomain: `del${f.n()}` },
      });
      return { path: `/api/v2/brands/${b.body.brand.id}` };
    },
    expect: admins,
  },
  'GET /api/v2/custom_roles': { call: at('/api/v2/custom_roles'), expect: admins },
  'POST /api/v2/custom_roles': {
    call: (f) => ({ path: '/api/v2/custom_roles', body: { custom_role: { name: `C${f.n()}` } } }),
    expect: admins,
  },
  'GET /api/v2/custom_roles/:id': {
    call: (f) => ({ path: `/api/v2/custom_roles/${f.roleId}` }),
    expect: admins,
  },
  'PUT /api/v2/custom_roles/:id': {
    call: (f) => ({
      path: `/api/v2/custom_roles/${f.roleId}`,
      body: { custom_role: { description: 'd' } },
    }),
    expect: admins,
  },
  'DELETE /api/v2/custom_roles/:id': {
    call: async (f) => {
      const r = await f.desk.api('POST', '/api/v2/custom_roles', {
        custom_role: { name: `Del${f.n()}` },
      });
      return { path: `/api/v2/custom_roles/${r.body.custom_role.id}` };
    },
    expect: admins,
  },
  // Sessions (the web app's sign-in): public to sign in with, each caller's own after.
  'POST /api/v2/session': {
    call: () => ({ path: '/api/v2/session', body: { email: 'x@example.com', password: 'y' } }),
    expect: all(401),
  },
  'GET /api/v2/session': { call: at('/api/v2/session'), expect: all(404) },
  'DELETE /api/v2/session': { call: at('/api/v2/session'), expect: all(404) },
  // The Slack channel's admin API
  'GET /api/v2/slack/events': { call: at('/api/v2/slack/events'), expect: admins },
  'GET /api/v2/slack/events/:id': { call: at('/api/v2/slack/events/999999'), expect: adminsPass },
  'POST /api/v2/slack/events/:id/replay': {
    call: at('/api/v2/slack/events/999999/replay'),
    expect: adminsPass,
  },
  'GET /api/v2/slack/connections': { call: at('/api/v2/slack/connections'), expect: admins },
  'POST /api/v2/slack/connections': {
    call: (f) => ({
      path: '/api/v2/slack/connections',
      body: { connection: { name: `S${f.n()}` } },
    }),
    expect: adminsPass,
  },
  'GET /api/v2/slack/connections/:id': {
    call: at('/api/v2/slack/connections/999999'),
    expect: adminsPass,
  },
  'PUT /api/v2/slack/connections/:id': {
    call: () => ({ path: '/api/v2/slack/connections/999999', body: { connection: {} } }),
    expect: adminsPass,
  },
  'DELETE /api/v2/slack/connections/:id': {
    call: at('/api/v2/slack/connections/999999'),
    expect: adminsPass,
  },
  'POST /api/v2/slack/connections/:id/install': {
    call: () => ({ path: '/api/v2/slack/connections/999999/install', body: {} }),
    expect: adminsPass,
  },
  'POST /api/v2/slack/conversations': {
    call: () => ({ path: '/api/v2/slack/conversations', body: {} }),
    expect: { endUser: 403, restricted: 'allowed', agent: 'allowed', admin: 'allowed' },
  },
  'GET /api/v2/slack/apps': { call: at('/api/v2/slack/apps'), expect: admins },
  'POST /api/v2/slack/apps': {
    call: () => ({ path: '/api/v2/slack/apps', body: {} }),
    expect: adminsPass,
  },
  'GET /api/v2/slack/manifest': { call: at('/api/v2/slack/manifest'), expect: adminsPass },
};

/**
 * Routes that no actor of the API calls: pages and health, Slack's own signed requests, the
 * OAuth round trip. They authenticate otherwise (or not at all) and have their own tests.
 */
const OUTSIDE_THE_API = new Set([
  'GET /',
  'GET /healthz',
  'GET /setup',
  'POST /setup',
  'GET /slack/install/:id',
  'GET /slack/oauth_redirect',
  'POST /slack/events',
]);
/** The built-in Slack sandbox: an emulator of Slack with its own secret, not Parley's API. */
const SANDBOX = '/sandbox';

/** Every "METHOD /path" the app serves (HEAD is Fastify's, beside each GET), from its route tree. */
function appRoutes(desk: TestDesk): string[] {
  const tree = desk.parley.app.printRoutes({ commonPrefix: false });
  const stack: { column: number; path: string }[] = [];
  const out: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^(.*?── )(\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const column = m[1].length;
    while (stack.length && stack[stack.length - 1].column >= column) stack.pop();
    const parent = stack.length ? stack[stack.length - 1].path : '';
    const path = parent === '/' ? `/${m[2]}` : parent + m[2];
    stack.push({ column, path });
    for (const method of (m[3] ?? '').split(', ').filter(Boolean)) {
      if (method !== 'HEAD') out.push(`${method} ${path}`);
    }
  }
  return out;
}

function classify(status: number): Expect | number {
  if (status >= 200 && status < 300) return 'ok';
  return status;
}

function matches(expect: Expect, status: number): boolean {
  if (expect === 'ok') return status >= 200 && status < 300;
  if (expect === 'allowed') return status !== 401 && status !== 403;
  return status === expect;
}

async function identityPath(f: Fixtures, fresh = false): Promise<string> {
  const userId = fresh ? await f.freshEndUser() : f.endUserId;
  const added = await f.desk.api('POST', `/api/v2/users/${userId}/identities`, {
    identity: { type: 'email', value: `id${f.n()}@example.com` },
  });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  return `/api/v2/users/${userId}/identities/${added.body.identity.id}`;
}

forEachDatabase('authorization matrix', (ctx) => {
  let f: SetUp;

  before(async () => {
    f = await setUp(ctx.desk);
  });

  it('classifies every route of the app', () => {
    const unclassified = appRoutes(ctx.desk).filter(
      (r) => !(r in TABLE) && !OUTSIDE_THE_API.has(r) && !r.split(' ')[1].startsWith(SANDBOX),
    );
    assert.deepEqual(unclassified, [], 'routes missing from the authorization matrix');
    const served = new Set(appRoutes(ctx.desk));
    const stale = Object.keys(TABLE).filter((r) => !served.has(r));
    assert.deepEqual(stale, [], 'matrix rows for routes the app no longer serves');
  });

  it('answers each actor at each endpoint as the policies say', async () => {
    const wrong: string[] = [];
    for (const [route, endpoint] of Object.entries(TABLE)) {
      const method = route.split(' ')[0];
      const subjects = endpoint.ticket ? [f.plainTicket, f.slackTicket] : [0];
      for (const ticket of subjects) {
        for (const actor of ACTORS) {
          const slack = ticket === f.slackTicket;
          // A Slack ticket does not exist for an agent whose role withholds chat access.
          const hidden = slack && actor === 'restricted';
          const expect = hidden ? (endpoint.slackHidden ?? 404) : endpoint.expect[actor];
          const call = await endpoint.call(f, actor, ticket, slack);
          const res = await ctx.desk.api(method, call.path, call.body, {
            auth: f.auth[actor],
            ...(call.raw === undefined ? {} : { raw: call.raw }),
            ...(call.headers ? { headers: call.headers } : {}),
          });
          if (!matches(expect, res.status)) {
            wrong.push(
              `${route}${endpoint.ticket ? (slack ? ' [slack]' : ' [web]') : ''} as ${actor}: ` +
                `${classify(res.status)}, expected ${expect}`,
            );
          }
        }
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('keeps Slack tickets out of the lists and counts of an agent without chat access', async () => {
    const { api } = ctx.desk;
    const seen = async (actor: ActorName, path: string) => {
      const res = await api('GET', path, undefined, { auth: f.auth[actor] });
      assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
      return (res.body.tickets as { id: number }[]).map((t) => t.id);
    };
    const ids = `${f.plainTicket},${f.slackTicket}`;
    for (const path of [
      '/api/v2/tickets',
      `/api/v2/tickets/show_many?ids=${ids}`,
      `/api/v2/users/${f.endUserId}/tickets/requested`,
      `/api/v2/organizations/${f.orgId}/tickets`,
    ]) {
      const restricted = await seen('restricted', path);
      const agent = await seen('agent', path);
      assert.ok(restricted.includes(f.plainTicket) && agent.includes(f.plainTicket), path);
      assert.ok(agent.includes(f.slackTicket), path);
      assert.ok(!restricted.includes(f.slackTicket), path);
    }
    const count = async (actor: ActorName) =>
      (await api('GET', '/api/v2/tickets/count', undefined, { auth: f.auth[actor] })).body.count
        .value as number;
    const slackLive = Number(
      (
        await ctx.desk.parley.db
          .selectFrom('tickets')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('deleted_at', 'is', null)
          .where('from_messaging_channel', '=', 1)
          .executeTakeFirstOrThrow()
      ).n,
    );
    assert.ok(slackLive > 0);
    assert.equal(await count('restricted'), (await count('agent')) - slackLive);
    assert.equal(await count('admin'), await count('agent'));
  });

  it('hides the attachments of a Slack ticket from an agent without chat access', async () => {
    const { api, parley } = ctx.desk;
    const upload = await api('POST', '/api/v2/uploads?filename=slack.txt', undefined, {
      raw: 'from Slack',
      headers: { 'content-type': 'application/binary' },
    });
    assert.equal(upload.status, 201, JSON.stringify(upload.body));
    const admin = await parley.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', ctx.desk.adminId)
      .executeTakeFirstOrThrow();
    const written = await createTicket(
      parley.db,
      { user: admin, via: via('business_messaging_slack_connect') },
      {
        requester_id: f.endUserId,
        from_messaging_channel: true,
        comment: { body: 'A file', public: true, uploads: [upload.body.upload.token] },
      },
      nowIso(),
    );
    const attachment = await parley.db
      .selectFrom('attachments')
      .select('id')
      .where('ticket_id', '=', written.ticket.id)
      .executeTakeFirstOrThrow();
    for (const path of [
      `/api/v2/attachments/${attachment.id}`,
      `/api/v2/attachments/${attachment.id}/content`,
    ]) {
      const status = async (actor: ActorName) =>
        (await api('GET', path, undefined, { auth: f.auth[actor] })).status;
      assert.equal(await status('restricted'), 404, path);
      assert.equal(await status('agent'), 200, path);
      assert.equal(await status('endUser'), 200, path);
    }
  });
});

interface SetUp extends Fixtures {
  plainTicket: number;
  slackTicket: number;
}

async function setUp(desk: TestDesk): Promise<SetUp> {
  const { api, parley } = desk;
  const db = parley.db;
  let counter = 0;
  const n = () => ++counter;
  const endUser = await desk.createEndUser('Erin Enduser');
  const restricted = await desk.createAgent('Rita Restricted');
  const agent = await desk.createAgent('Alan Agent');
  const role = await api('POST', '/api/v2/custom_roles', {
    custom_role: { name: 'No chat', configuration: { ticket_access: 'all' } },
  });
  assert.equal(role.status, 201, JSON.stringify(role.body));
  const roleId = role.body.custom_role.id as number;
  // chat_access is Zendesk's to compute, so the API does not write it: set as Zendesk would.
  await db
    .updateTable('custom_roles')
    .set({ configuration: JSON.stringify({ ticket_access: 'all', chat_access: false }) })
    .where('id', '=', roleId)
    .execute();
  await db
    .updateTable('users')
    .set({ custom_role_id: roleId })
    .where('id', '=', restricted.id)
    .execute();
  const org = await api('POST', '/api/v2/organizations', { organization: { name: 'Matrix Org' } });
  const group = await api('POST', '/api/v2/groups', { group: { name: 'Matrix Group' } });
  const membership = await api('POST', '/api/v2/group_memberships', {
    group_membership: { user_id: agent.id, group_id: group.body.group.id },
  });
  const brands = await api('GET', '/api/v2/brands');
  const tokens = await api('GET', '/api/v2/api_tokens');
  const orgId = org.body.organization.id as number;
  const admin = await db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', desk.adminId)
    .executeTakeFirstOrThrow();
  const ticketLike = async (slack: boolean) => {
    if (!slack) {
      const t = await api('POST', '/api/v2/tickets', {
        ticket: {
          requester_id: endUser.id,
          organization_id: orgId,
          comment: { body: 'The printer', public: true },
        },
      });
      assert.equal(t.status, 201, JSON.stringify(t.body));
      return t.body.ticket.id as number;
    }
    const written = await createTicket(
      db,
      { user: admin, via: via('business_messaging_slack_connect') },
      {
        requester_id: endUser.id,
        organization_id: orgId,
        from_messaging_channel: true,
        comment: { body: 'Hi from Slack', public: true },
      },
      nowIso(),
    );
    return written.ticket.id;
  };
  const upload = await api('POST', '/api/v2/uploads?filename=note.txt', undefined, {
    raw: 'a note',
    headers: { 'content-type': 'application/binary' },
  });
  assert.equal(upload.status, 201, JSON.stringify(upload.body));
  const withFile = await api('POST', '/api/v2/tickets', {
    ticket: {
      requester_id: endUser.id,
      comment: { body: 'See file', public: true, uploads: [upload.body.upload.token] },
    },
  });
  assert.equal(withFile.status, 201, JSON.stringify(withFile.body));
  const attachmentId = withFile.body.audit.events.find((e: any) => e.type === 'Comment')
    .attachments[0].id as number;
  const plainTicket = await ticketLike(false);
  const slackTicket = await ticketLike(true);
  return {
    desk,
    auth: {
      endUser: endUser.auth,
      restricted: restricted.auth,
      agent: agent.auth,
      admin: desk.auth,
    },
    ids: { endUser: endUser.id, restricted: restricted.id, agent: agent.id, admin: desk.adminId },
    endUserId: endUser.id,
    orgId,
    groupId: group.body.group.id,
    brandId: brands.body.brands[0].id,
    roleId,
    tokenId: tokens.body.api_tokens[0].id,
    membershipId: membership.body.group_membership.id,
    attachmentId,
    freshEndUser: async () => (await desk.createEndUser(`Fresh ${n()}`)).id,
    freshTicket: ticketLike,
    n,
    plainTicket,
    slackTicket,
  };
}
