import { DeskEvents } from '../../src/desk/events.ts';
import assert from 'node:assert/strict';
import { createTicket } from '../../src/desk/tickets/create-ticket.ts';
import { nowIso } from '../../src/desk/time.ts';
import { via } from '../../src/desk/via.ts';
import type { TestDesk } from '../helpers/harness.ts';
import type { Fixtures } from './authorization-table.ts';

export interface SetUp extends Fixtures {
  plainTicket: number;
  slackTicket: number;
}

/** The matrix's actors and records, made once per database. */
export async function setUp(desk: TestDesk): Promise<SetUp> {
  const { api, parley } = desk;
  const db = parley.db;
  let counter = 0;
  const n = () => ++counter;
  const endUser = await desk.createEndUser('Erin Enduser');
  const restricted = await desk.createAgent('Rita Restricted');
  const agent = await desk.createAgent('Alan Agent');
  // An admin withholds the messaging permission through the API, as the README says.
  const role = await api('POST', '/api/v2/custom_roles', {
    custom_role: { name: 'No chat', configuration: { ticket_access: 'all', chat_access: false } },
  });
  assert.equal(role.status, 201, JSON.stringify(role.body));
  assert.equal(role.body.custom_role.configuration.chat_access, false);
  const roleId = role.body.custom_role.id as number;
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
      { events: new DeskEvents() },
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
