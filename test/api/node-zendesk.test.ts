import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import zendesk from 'node-zendesk';
import { forEachDatabase, type TestDesk } from '../helpers/harness.ts';

/**
 * The community client, unmodified, against Parley. It appends `.json`, adds `page[size]=100`
 * to cursor-capable list GETs, follows `links.next` (else `next_page`) verbatim, and unwraps
 * the first envelope key it knows (e.g. tickets|ticket|audits|comments).
 */
function clientFor(desk: TestDesk, token = desk.token) {
  return zendesk.createClient({
    endpointUri: `${desk.url}/api/v2`,
    username: desk.adminEmail,
    token,
    throwOriginalException: true,
  });
}

type Client = ReturnType<typeof clientFor>;

/** What the client's errors carry with `throwOriginalException`: status and parsed body. */
function zendeskError(status: number, error: string) {
  return (err: any) => {
    assert.equal(err.statusCode, status, err.message);
    assert.equal(err.result?.error, error);
    return true;
  };
}

forEachDatabase('node-zendesk client', (ctx) => {
  let client: Client;
  let ticketId: number;

  before(() => {
    // The client follows `links.next` only when it starts with its own endpoint, so the desk's
    // public URL must be the address it listens on.
    assert.equal(ctx.desk.parley.config.publicUrl, ctx.desk.url);
    client = clientFor(ctx.desk);
  });

  it('creates a ticket with its first comment', async () => {
    const { response, result } = await client.tickets.create({
      ticket: {
        subject: 'Created by node-zendesk',
        comment: { body: 'Hello from **the client**' },
        priority: 'high',
        tags: ['nz', 'Client'],
      },
    });
    assert.equal((response as { status: number }).status, 201);
    const ticket = result as any;
    assert.equal(typeof ticket.id, 'number');
    assert.equal(ticket.subject, 'Created by node-zendesk');
    assert.equal(ticket.status, 'new');
    assert.equal(ticket.priority, 'high');
    assert.equal(ticket.description, 'Hello from the client');
    assert.deepEqual([...ticket.tags].sort(), ['client', 'nz']);
    assert.equal(ticket.requester_id, ctx.desk.adminId);
    assert.equal(ticket.via.channel, 'api');
    assert.equal(ticket.url, `${ctx.desk.url}/api/v2/tickets/${ticket.id}.json`);
    ticketId = ticket.id;
  });

  it('shows the ticket', async () => {
    const { result } = await client.tickets.show(ticketId);
    const ticket = result as any;
    assert.equal(ticket.id, ticketId);
    assert.equal(ticket.subject, 'Created by node-zendesk');
    assert.ok(Array.isArray(ticket.followup_ids));
  });

  it('updates the ticket with an internal note', async () => {
    const { response, result } = await client.tickets.update(ticketId, {
      ticket: { status: 'pending', comment: { body: 'Looking into it', public: false } },
    } as any);
    assert.equal((response as unknown as { status: number }).status, 200);
    const ticket = result as any;
    assert.equal(ticket.id, ticketId);
    assert.equal(ticket.status, 'pending');
    // Only solving assigns the answering agent; pending leaves the ticket unassigned.
    assert.equal(ticket.assignee_id, null);
  });

  it('lists the comments, public and private', async () => {
    const comments = (await client.tickets.getComments(ticketId)) as any[];
    assert.equal(comments.length, 2);
    assert.deepEqual(
      comments.map((c) => [c.type, c.public, c.plain_body ?? c.body]),
      [
        ['Comment', true, 'Hello from the client'],
        ['Comment', false, 'Looking into it'],
      ],
    );
    for (const c of comments) {
      assert.equal(c.author_id, ctx.desk.adminId);
      assert.equal(typeof c.html_body, 'string');
      assert.ok(Array.isArray(c.attachments));
      assert.match(c.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
  });

  it('lists the audits with their events', async () => {
    const audits = (await client.tickets.exportAudit(ticketId)) as any[];
    assert.equal(audits.length, 2);
    const [created, updated] = audits;
    assert.equal(created.ticket_id, ticketId);
    assert.ok(created.events.some((e: any) => e.type === 'Comment' && e.public === true));
    assert.ok(
      created.events.some(
        (e: any) => e.type === 'Create' && e.field_name === 'status' && e.value === 'new',
      ),
    );
    const status = updated.events.find((e: any) => e.field_name === 'status');
    assert.deepEqual(
      [status.type, status.previous_value, status.value],
      ['Change', 'new', 'pending'],
    );
    assert.ok(updated.events.some((e: any) => e.type === 'Comment' && e.public === false));
  });

  it('adds and replaces tags', async () => {
    // The client passes its argument through as the body; Zendesk's body is `{tags: [...]}`.
    await client.tickets.addTags(ticketId, { tags: ['added', 'nz'] } as any);
    let { result } = await client.tickets.show(ticketId);
    assert.deepEqual([...(result as any).tags].sort(), ['added', 'client', 'nz']);
    await client.tickets.updateTags(ticketId, { tags: ['only'] } as any);
    ({ result } = await client.tickets.show(ticketId));
    assert.deepEqual((result as any).tags, ['only']);
  });

  it('refuses the bodiless tag call that the client makes of a bare array', async () => {
    // node-zendesk drops an array argument instead of sending it: an empty JSON PUT. It must
    // be a 422, not a 400 for the empty body, and certainly not a wiped tag list.
    await assert.rejects(
      client.tickets.addTags(ticketId, ['lost']),
      zendeskError(422, 'RecordInvalid'),
    );
    const { result } = await client.tickets.show(ticketId);
    assert.deepEqual((result as any).tags, ['only']);
  });

  it('shows many tickets at once', async () => {
    const other = await client.tickets.create({ ticket: { comment: { body: 'second' } } } as any);
    const otherId = (other.result as any).id;
    const { result } = await client.tickets.showMany([ticketId, otherId]);
    const tickets = result as any[];
    assert.ok(Array.isArray(tickets));
    assert.deepEqual(
      tickets.map((t) => t.id).sort((a, b) => a - b),
      [ticketId, otherId],
    );
  });

  it('follows cursor pages when listing more than 100 tickets', async () => {
    const before = (await client.tickets.list()) as any[];
    const created: number[] = [];
    // Enough that `page[size]=100` needs a second page whatever the earlier tests made.
    for (let i = 0; before.length + created.length <= 130; i++) {
      const { result } = await client.tickets.create({
        ticket: { subject: `Bulk ${i}`, comment: { body: `bulk ticket ${i}` } },
      } as any);
      created.push((result as any).id);
    }
    const all = (await client.tickets.list()) as any[];
    assert.ok(all.length > 100);
    assert.equal(all.length, before.length + created.length);
    const ids = all.map((t) => t.id);
    assert.equal(new Set(ids).size, ids.length, 'a ticket appeared on two pages');
    for (const id of created) assert.ok(ids.includes(id), `ticket ${id} missing from list()`);
    // The client sees Zendesk's order: ascending ids.
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
    );
  });

  it('follows offset pages on the requested-tickets list', async () => {
    const requested = (await client.tickets.listByUserRequested(ctx.desk.adminId)) as any[];
    const total = ((await client.tickets.list()) as any[]).length;
    assert.ok(requested.length > 100);
    assert.equal(requested.length, total);
    assert.ok(requested.every((t) => t.requester_id === ctx.desk.adminId));
  });

  it('surfaces Zendesk errors as the client expects them', async () => {
    await assert.rejects(client.tickets.show(99_999_999), zendeskError(404, 'RecordNotFound'));
    await assert.rejects(
      client.tickets.create({ ticket: { subject: 'no comment' } } as any),
      zendeskError(422, 'RecordInvalid'),
    );
    await assert.rejects(
      clientFor(ctx.desk, 'not-the-token').tickets.show(ticketId),
      zendeskError(401, "Couldn't authenticate you"),
    );
    // Without throwOriginalException the client re-wraps the message; it must not choke on
    // Zendesk's string `error` while doing so.
    const wrapping = zendesk.createClient({
      endpointUri: `${ctx.desk.url}/api/v2`,
      username: ctx.desk.adminEmail,
      token: ctx.desk.token,
    });
    await assert.rejects(wrapping.tickets.show(99_999_999), /Zendesk Error \(404\)/);
  });

  it('deletes a ticket', async () => {
    const { result } = await client.tickets.create({
      ticket: { comment: { body: 'to be deleted' } },
    } as any);
    const id = (result as any).id;
    await client.tickets.delete(id);
    await assert.rejects(client.tickets.show(id), zendeskError(404, 'RecordNotFound'));
  });

  it('creates, shows, updates and lists users', async () => {
    const { response, result } = await client.users.create({
      user: { name: 'Uma User', email: 'uma.nz@example.com', role: 'end-user' },
    } as any);
    assert.equal((response as unknown as { status: number }).status, 201);
    const user = result as any;
    assert.equal(typeof user.id, 'number');
    assert.deepEqual(
      [user.name, user.email, user.role, user.active],
      ['Uma User', 'uma.nz@example.com', 'end-user', true],
    );
    const shown = (await client.users.show(user.id)).result as any;
    assert.equal(shown.email, 'uma.nz@example.com');
    const updated = (await client.users.update(user.id, { user: { name: 'Uma Renamed' } } as any))
      .result as any;
    assert.equal(updated.name, 'Uma Renamed');
    const me = (await client.users.me()).result as any;
    assert.equal(me.id, ctx.desk.adminId);
    const users = (await client.users.list()) as any[];
    assert.ok(users.some((u) => u.id === user.id && u.name === 'Uma Renamed'));
    assert.ok(users.some((u) => u.id === ctx.desk.adminId && u.role === 'admin'));
    const many = (await client.users.showMany([user.id, ctx.desk.adminId])).result as any[];
    assert.deepEqual(
      many.map((u) => u.id).sort((a, b) => a - b),
      [ctx.desk.adminId, user.id].sort((a, b) => a - b),
    );
    await assert.rejects(
      client.users.create({ user: { name: 'Dup', email: 'uma.nz@example.com' } } as any),
      zendeskError(422, 'RecordInvalid'),
    );
  });

  it('creates, shows and lists groups, and adds a member', async () => {
    const { response, result } = await client.groups.create({
      group: { name: 'Tier 2', description: 'Escalations' },
    } as any);
    assert.equal((response as unknown as { status: number }).status, 201);
    const group = result as any;
    assert.deepEqual(
      [group.name, group.description, group.deleted],
      ['Tier 2', 'Escalations', false],
    );
    const shown = (await client.groups.show(group.id)).result as any;
    assert.equal(shown.name, 'Tier 2');
    const groups = (await client.groups.list()) as any[];
    assert.ok(groups.some((g) => g.id === group.id));
    const membership = (
      await client.groupmemberships.create({
        group_membership: { user_id: ctx.desk.adminId, group_id: group.id },
      } as any)
    ).result as any;
    assert.deepEqual([membership.user_id, membership.group_id], [ctx.desk.adminId, group.id]);
    const members = (await client.groupmemberships.listByGroup(group.id)) as any[];
    assert.deepEqual(
      members.map((m) => m.user_id),
      [ctx.desk.adminId],
    );
  });

  it('creates, shows and lists organizations, and files tickets under them', async () => {
    const { response, result } = await client.organizations.create({
      organization: { name: 'Acme NZ', domain_names: ['acme-nz.example'] },
    } as any);
    assert.equal((response as unknown as { status: number }).status, 201);
    const org = result as any;
    assert.equal(org.name, 'Acme NZ');
    assert.deepEqual(org.domain_names, ['acme-nz.example']);
    const shown = (await client.organizations.show(org.id)).result as any;
    assert.equal(shown.id, org.id);
    const orgs = (await client.organizations.list()) as any[];
    assert.ok(orgs.some((o) => o.id === org.id && o.name === 'Acme NZ'));
    const created = (
      await client.tickets.create({
        ticket: { organization_id: org.id, comment: { body: 'for Acme' } },
      } as any)
    ).result as any;
    assert.equal(created.organization_id, org.id);
    const theirs = (await client.tickets.listByOrganization(org.id)) as any[];
    assert.deepEqual(
      theirs.map((t) => t.id),
      [created.id],
    );
  });
});
