import assert from 'node:assert/strict';
import { createApiToken } from '../../src/desk/api-tokens.ts';
import { nowIso } from '../../src/desk/time.ts';
import type { TestDesk } from '../helpers/harness.ts';
import { STREAM_ENDPOINTS } from './authorization-stream.ts';
import { SEARCH_ENDPOINTS } from './authorization-search.ts';
import { VIEW_ENDPOINTS } from './authorization-views.ts';

/**
 * The authorization matrix's table: every route of the app, how to call it as each actor and
 * what each actor must get. authorization-matrix.test.ts runs it on both databases.
 */

export type ActorName = 'endUser' | 'restricted' | 'agent' | 'admin';
export const ACTORS: ActorName[] = ['endUser', 'restricted', 'agent', 'admin'];

/** `ok` 2xx; `allowed` past authorization (neither 401 nor 403); else the exact status. */
export type Expect = 'ok' | 'allowed' | 401 | 403 | 404;
export type Expected = Record<ActorName, Expect>;

export interface Fixtures {
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

export interface Call {
  path: string;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

/** One endpoint: how to call it as `actor` (about `ticket` when it takes one) and who may. */
export interface Endpoint {
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

const triggerBody = (f: Fixtures) => ({
  title: `T${f.n()}`,
  conditions: { all: [{ field: 'status', operator: 'is', value: 'open' }], any: [] },
  actions: [{ field: 'priority', value: 'high' }],
});
/** A fresh trigger, made by the admin, for calls about one. */
async function newTrigger(f: Fixtures): Promise<number> {
  const res = await f.desk.api('POST', '/api/v2/triggers', { trigger: triggerBody(f) });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.trigger.id as number;
}
/** A fresh in-app notification of `actor`'s own (only one's own can be read). */
async function ownNotification(f: Fixtures, actor: ActorName): Promise<string> {
  const row = await f.desk.parley.db
    .insertInto('notifications')
    .values({
      user_id: f.ids[actor],
      ticket_id: null,
      rule_kind: null,
      rule_id: null,
      rule_title: null,
      subject: `N${f.n()}`,
      body: 'body',
      dedupe_key: null,
      read_at: null,
      created_at: nowIso(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return `/api/v2/notifications/${row.id}`;
}
async function newCategory(f: Fixtures): Promise<string> {
  const res = await f.desk.api('POST', '/api/v2/trigger_categories', {
    trigger_category: { name: `C${f.n()}` },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.trigger_category.id as string;
}

const automationBody = (f: Fixtures) => ({
  title: `A${f.n()}`,
  conditions: { all: [{ field: 'NEW', operator: 'is', value: String(f.n()) }], any: [] },
  actions: [{ field: 'priority', value: 'high' }],
});
/** A fresh automation, made by the admin, for calls about one. */
async function newAutomation(f: Fixtures): Promise<number> {
  const res = await f.desk.api('POST', '/api/v2/automations', { automation: automationBody(f) });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.automation.id as number;
}
const macroBody = (f: Fixtures) => ({
  title: `M${f.n()}`,
  actions: [{ field: 'priority', value: 'high' }],
});
/** A fresh shared macro, made by the admin, for calls about one. */
async function newMacro(f: Fixtures): Promise<number> {
  const res = await f.desk.api('POST', '/api/v2/macros', { macro: macroBody(f) });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.macro.id as number;
}
/** A public IP literal: saved without a DNS answer, never called by these tests. */
const webhookBody = (f: Fixtures) => ({
  name: `W${f.n()}`,
  endpoint: 'https://93.184.216.34/hook',
  http_method: 'POST',
  request_format: 'json',
});
/** A fresh webhook, made by the admin, for calls about one. */
async function newWebhook(f: Fixtures): Promise<string> {
  const res = await f.desk.api('POST', '/api/v2/webhooks', { webhook: webhookBody(f) });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.webhook.id as string;
}

export const TABLE: Record<string, Endpoint> = {
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
  'POST /api/v2/tickets/:id/comments/:comment_id/redeliver': {
    // Neither subject came through a Slack conversation: agents pass and are told why not.
    call: async (f, _a, t) => {
      const res = await f.desk.api('GET', `/api/v2/tickets/${t}/comments`);
      const first = (res.body.comments as { id: number }[])[0]!;
      return { path: `/api/v2/tickets/${t}/comments/${first.id}/redeliver`, body: {} };
    },
    expect: { endUser: 403, restricted: 'allowed', agent: 'allowed', admin: 'allowed' },
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
  'GET /api/v2/users/:id/slack_profiles': {
    call: (f) => ({ path: `/api/v2/users/${f.endUserId}/slack_profiles` }),
    expect: agents,
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
    call: async (f) => ({ path: await identityPath(f) }),
    expect: agents,
  },
  'PUT /api/v2/users/:id/identities/:identityId/make_primary': {
    call: async (f) => ({ path: `${await identityPath(f)}/make_primary` }),
    expect: agents,
  },
  'PUT /api/v2/users/:id/identities/:identityId/verify': {
    call: async (f) => ({ path: `${await identityPath(f)}/verify` }),
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
  // Automations: admins, and agents whose role grants manage_automations
  'GET /api/v2/automations': { call: at('/api/v2/automations'), expect: admins },
  'GET /api/v2/automations/active': { call: at('/api/v2/automations/active'), expect: admins },
  'GET /api/v2/automations/search': {
    call: at('/api/v2/automations/search?query=a'),
    expect: admins,
  },
  'GET /api/v2/automations/:id': {
    call: async (f) => ({ path: `/api/v2/automations/${await newAutomation(f)}` }),
    expect: admins,
  },
  'POST /api/v2/automations': {
    call: (f) => ({ path: '/api/v2/automations', body: { automation: automationBody(f) } }),
    expect: admins,
  },
  'PUT /api/v2/automations/update_many': {
    call: async (f) => ({
      path: '/api/v2/automations/update_many',
      body: { automations: [{ id: await newAutomation(f), position: 50 }] },
    }),
    expect: admins,
  },
  'PUT /api/v2/automations/:id': {
    call: async (f) => ({
      path: `/api/v2/automations/${await newAutomation(f)}`,
      body: { automation: { title: `RA${f.n()}` } },
    }),
    expect: admins,
  },
  'DELETE /api/v2/automations/destroy_many': {
    call: async (f) => ({ path: `/api/v2/automations/destroy_many?ids=${await newAutomation(f)}` }),
    expect: admins,
  },
  'DELETE /api/v2/automations/:id': {
    call: async (f) => ({ path: `/api/v2/automations/${await newAutomation(f)}` }),
    expect: admins,
  },
  // Macros: every agent reads and applies shared ones; managing a shared one takes admin or
  // macro_access full (personal and group macros are the macros API test's)
  'GET /api/v2/macros': { call: at('/api/v2/macros'), expect: agents },
  'GET /api/v2/macros/active': { call: at('/api/v2/macros/active'), expect: agents },
  'GET /api/v2/macros/search': { call: at('/api/v2/macros/search?query=M'), expect: agents },
  'GET /api/v2/macros/categories': { call: at('/api/v2/macros/categories'), expect: agents },
  'GET /api/v2/macros/actions': { call: at('/api/v2/macros/actions'), expect: agents },
  'GET /api/v2/macros/definitions': { call: at('/api/v2/macros/definitions'), expect: agents },
  'GET /api/v2/macros/new': {
    call: async (f) => ({ path: `/api/v2/macros/new?macro_id=${await newMacro(f)}` }),
    expect: agents,
  },
  'GET /api/v2/macros/:id': {
    call: async (f) => ({ path: `/api/v2/macros/${await newMacro(f)}` }),
    expect: agents,
  },
  'GET /api/v2/macros/:id/apply': {
    call: async (f) => ({ path: `/api/v2/macros/${await newMacro(f)}/apply` }),
    expect: agents,
  },
  'GET /api/v2/tickets/:id/macros/:macro_id/apply': {
    call: async (f, _a, t) => ({ path: `/api/v2/tickets/${t}/macros/${await newMacro(f)}/apply` }),
    expect: agents,
    ticket: true,
    slackHidden: 404,
  },
  'POST /api/v2/macros': {
    call: (f) => ({ path: '/api/v2/macros', body: { macro: macroBody(f) } }),
    expect: admins,
  },
  'PUT /api/v2/macros/update_many': {
    call: async (f) => ({
      path: '/api/v2/macros/update_many',
      body: { macros: [{ id: await newMacro(f), active: false }] },
    }),
    expect: admins,
  },
  'PUT /api/v2/macros/:id': {
    call: async (f) => ({
      path: `/api/v2/macros/${await newMacro(f)}`,
      body: { macro: { title: `R${f.n()}` } },
    }),
    expect: admins,
  },
  'DELETE /api/v2/macros/destroy_many': {
    call: async (f) => ({ path: `/api/v2/macros/destroy_many?ids=${await newMacro(f)}` }),
    expect: admins,
  },
  'DELETE /api/v2/macros/:id': {
    call: async (f) => ({ path: `/api/v2/macros/${await newMacro(f)}` }),
    expect: admins,
  },
  // In-app notifications: every agent and admin their own; end users have none
  'GET /api/v2/notifications': { call: at('/api/v2/notifications'), expect: agents },
  'PUT /api/v2/notifications/mark_all_read': {
    call: at('/api/v2/notifications/mark_all_read'),
    expect: agents,
  },
  'GET /api/v2/notifications/:id': {
    call: async (f, actor) => ({ path: await ownNotification(f, actor) }),
    expect: agents,
  },
  'PUT /api/v2/notifications/:id': {
    call: async (f, actor) => ({
      path: await ownNotification(f, actor),
      body: { notification: { read: true } },
    }),
    expect: agents,
  },
  'DELETE /api/v2/notifications/:id': {
    call: async (f, actor) => ({ path: await ownNotification(f, actor) }),
    expect: agents,
  },
  // Triggers and trigger categories: admins, and agents whose role grants manage_triggers
  'GET /api/v2/triggers': { call: at('/api/v2/triggers'), expect: admins },
  'GET /api/v2/triggers/active': { call: at('/api/v2/triggers/active'), expect: admins },
  'GET /api/v2/triggers/search': { call: at('/api/v2/triggers/search?query=a'), expect: admins },
  'GET /api/v2/triggers/definitions': { call: at('/api/v2/triggers/definitions'), expect: admins },
  'GET /api/v2/triggers/:id': {
    call: async (f) => ({ path: `/api/v2/triggers/${await newTrigger(f)}` }),
    expect: admins,
  },
  'PUT /api/v2/triggers/update_many': {
    call: async (f) => ({
      path: '/api/v2/triggers/update_many',
      body: { triggers: [{ id: await newTrigger(f), active: false }] },
    }),
    expect: admins,
  },
  'DELETE /api/v2/triggers/destroy_many': {
    call: async (f) => ({ path: `/api/v2/triggers/destroy_many?ids=${await newTrigger(f)}` }),
    expect: admins,
  },
  'POST /api/v2/triggers': {
    call: (f) => ({ path: '/api/v2/triggers', body: { trigger: triggerBody(f) } }),
    expect: admins,
  },
  'PUT /api/v2/triggers/reorder': {
    call: async (f) => ({
      path: '/api/v2/triggers/reorder',
      body: { trigger_ids: [await newTrigger(f)] },
    }),
    expect: admins,
  },
  'PUT /api/v2/triggers/:id': {
    call: async (f) => ({
      path: `/api/v2/triggers/${await newTrigger(f)}`,
      body: { trigger: { title: `R${f.n()}` } },
    }),
    expect: admins,
  },
  'DELETE /api/v2/triggers/:id': {
    call: async (f) => ({ path: `/api/v2/triggers/${await newTrigger(f)}` }),
    expect: admins,
  },
  'GET /api/v2/trigger_categories': { call: at('/api/v2/trigger_categories'), expect: admins },
  'POST /api/v2/trigger_categories': {
    call: (f) => ({
      path: '/api/v2/trigger_categories',
      body: { trigger_category: { name: `TC${f.n()}` } },
    }),
    expect: admins,
  },
  'GET /api/v2/trigger_categories/:id': {
    call: async (f) => ({ path: `/api/v2/trigger_categories/${await newCategory(f)}` }),
    expect: admins,
  },
  'PATCH /api/v2/trigger_categories/:id': {
    call: async (f) => ({
      path: `/api/v2/trigger_categories/${await newCategory(f)}`,
      body: { trigger_category: { name: `RC${f.n()}` } },
    }),
    expect: admins,
  },
  'DELETE /api/v2/trigger_categories/:id': {
    call: async (f) => ({ path: `/api/v2/trigger_categories/${await newCategory(f)}` }),
    expect: admins,
  },
  // Webhooks: admins only (they hold receivers' credentials and call out of Parley)
  'GET /api/v2/webhooks': { call: at('/api/v2/webhooks'), expect: admins },
  'POST /api/v2/webhooks': {
    call: (f) => ({ path: '/api/v2/webhooks', body: { webhook: webhookBody(f) } }),
    expect: admins,
  },
  'POST /api/v2/webhooks/test': {
    // Loopback port 9: refused by the guard (422) or by the port; nothing leaves the machine.
    call: () => ({
      path: '/api/v2/webhooks/test',
      body: { request: { endpoint: 'http://127.0.0.1:9/', http_method: 'POST' } },
    }),
    expect: adminsPass,
  },
  'GET /api/v2/webhooks/:id': {
    call: async (f) => ({ path: `/api/v2/webhooks/${await newWebhook(f)}` }),
    expect: admins,
  },
  'PUT /api/v2/webhooks/:id': {
    call: async (f) => ({
      path: `/api/v2/webhooks/${await newWebhook(f)}`,
      body: { webhook: webhookBody(f) },
    }),
    expect: admins,
  },
  'PATCH /api/v2/webhooks/:id': {
    call: async (f) => ({
      path: `/api/v2/webhooks/${await newWebhook(f)}`,
      body: { webhook: { status: 'inactive' } },
    }),
    expect: admins,
  },
  'DELETE /api/v2/webhooks/:id': {
    call: async (f) => ({ path: `/api/v2/webhooks/${await newWebhook(f)}` }),
    expect: admins,
  },
  'GET /api/v2/webhooks/:id/signing_secret': {
    call: async (f) => ({ path: `/api/v2/webhooks/${await newWebhook(f)}/signing_secret` }),
    expect: admins,
  },
  'POST /api/v2/webhooks/:id/signing_secret': {
    call: async (f) => ({ path: `/api/v2/webhooks/${await newWebhook(f)}/signing_secret` }),
    expect: admins,
  },
  'GET /api/v2/webhooks/:id/invocations': {
    call: async (f) => ({ path: `/api/v2/webhooks/${await newWebhook(f)}/invocations` }),
    expect: admins,
  },
  'GET /api/v2/webhooks/:id/invocations/:invocation_id/attempts': {
    call: async (f) => ({
      path: `/api/v2/webhooks/${await newWebhook(f)}/invocations/999999/attempts`,
    }),
    expect: adminsPass,
  },
  ...VIEW_ENDPOINTS,
  ...STREAM_ENDPOINTS,
  ...SEARCH_ENDPOINTS,
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
  // Starting a conversation makes a messaging ticket: not for agents who may not see those.
  'POST /api/v2/slack/conversations': {
    call: () => ({ path: '/api/v2/slack/conversations', body: {} }),
    expect: { endUser: 403, restricted: 403, agent: 'allowed', admin: 'allowed' },
  },
  'GET /api/v2/slack/conversations/connections': {
    call: at('/api/v2/slack/conversations/connections'),
    expect: { endUser: 403, restricted: 403, agent: 'ok', admin: 'ok' },
  },
  'GET /api/v2/slack/conversations/people': {
    // No such connection: past authorization, the 422 names connection_id.
    call: at('/api/v2/slack/conversations/people?query=Erin&connection_id=999999'),
    expect: { endUser: 403, restricted: 403, agent: 'allowed', admin: 'allowed' },
  },
  'GET /api/v2/slack/apps': { call: at('/api/v2/slack/apps'), expect: admins },
  'POST /api/v2/slack/apps': {
    call: () => ({ path: '/api/v2/slack/apps', body: {} }),
    expect: adminsPass,
  },
  'GET /api/v2/slack/manifest': { call: at('/api/v2/slack/manifest'), expect: adminsPass },
  // notify (issue 15): tag suggestions and the tag list are agents'; a restricted agent gets
  // the non-Slack tickets' tags (test/api/tags-autocomplete.test.ts)
  'GET /api/v2/autocomplete/tags': {
    call: at('/api/v2/autocomplete/tags?name=vp'),
    expect: agents,
  },
  'GET /api/v2/tags': { call: at('/api/v2/tags'), expect: agents },
};

/**
 * Routes that no actor of the API calls: pages and health, Slack's own signed requests, the
 * OAuth round trip. They authenticate otherwise (or not at all) and have their own tests.
 */
export const OUTSIDE_THE_API = new Set([
  'GET /',
  // The web app's files and client routes (web-app.ts): the same public HTML and scripts for
  // everyone; what they show comes from the API, authorized there.
  // (The route tree prints /assets/* and /tickets/* as a wildcard under /, /views/* as /views*.)
  'GET /*',
  'GET /sign-in',
  'GET /views',
  'GET /views*',
  'GET /search',
  'GET /admin',
  'GET /admin*',
  'GET /healthz',
  'GET /setup',
  'POST /setup',
  'GET /slack/install/:id',
  'GET /slack/oauth_redirect',
  'POST /slack/events',
]);
/** The built-in Slack sandbox: an emulator of Slack with its own secret, not Parley's API. */
export const SANDBOX = '/sandbox';

/**
 * An identity to read or change, on an end user of its own: the matrix calls the four actors at
 * once, and four identities added to one user at once race on PostgreSQL (each addition
 * rewrites the user's search document, delete then insert, so two of them can insert the same
 * row: unique_violation, retried, and a 409 after three losses under load).
 */
async function identityPath(f: Fixtures): Promise<string> {
  const userId = await f.freshEndUser();
  const added = await f.desk.api('POST', `/api/v2/users/${userId}/identities`, {
    identity: { type: 'email', value: `id${f.n()}@example.com` },
  });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  return `/api/v2/users/${userId}/identities/${added.body.identity.id}`;
}
