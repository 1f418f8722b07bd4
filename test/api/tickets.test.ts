import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachDatabase } from '../helpers/harness.ts';

forEachDatabase('tickets API', (ctx) => {
  it('creates a ticket with its first comment and a Create audit', async () => {
    const { api } = ctx.desk;
    const res = await api('POST', '/api/v2/tickets.json', {
      ticket: {
        subject: 'Printer on fire',
        comment: { body: 'It **burns**' },
        priority: 'high',
        tags: ['fire', 'Printer'],
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const t = res.body.ticket;
    assert.equal(t.subject, 'Printer on fire');
    assert.equal(t.status, 'new');
    assert.equal(t.priority, 'high');
    assert.deepEqual(t.tags.sort(), ['fire', 'printer']);
    assert.equal(t.description, 'It burns');
    assert.equal(t.via.channel, 'api');
    assert.equal(t.requester_id, ctx.desk.adminId);
    assert.match(res.headers.get('location')!, /\/api\/v2\/tickets\/\d+\.json$/);
    const types = res.body.audit.events.map((e: any) => e.type);
    assert.ok(types.includes('Comment'));
    assert.ok(
      res.body.audit.events.some(
        (e: any) => e.type === 'Create' && e.field_name === 'status' && e.value === 'new',
      ),
    );
    const comment = res.body.audit.events.find((e: any) => e.type === 'Comment');
    assert.match(comment.html_body, /<strong>burns<\/strong>/);
  });

  it('gives racing tickets from one new requester email one requester', async () => {
    // Each create looks the email up, finds nobody and creates the user; on PostgreSQL all
    // but one of those inserts meet the unique index and must run again to find the winner.
    const { api } = ctx.desk;
    const email = `newcomer.${Date.now()}@example.org`;
    const creates = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        api('POST', '/api/v2/tickets', {
          ticket: {
            subject: `Race ${i}`,
            comment: { body: 'first words' },
            requester: { name: 'New Comer', email },
          },
        }),
      ),
    );
    for (const r of creates) assert.equal(r.status, 201, JSON.stringify(r.body));
    const requesters = new Set(creates.map((r) => r.body.ticket.requester_id));
    assert.equal(requesters.size, 1);
    const [requesterId] = requesters;
    const user = await api('GET', `/api/v2/users/${requesterId}`);
    assert.equal(user.body.user.email, email);
    const requested = await api('GET', `/api/v2/users/${requesterId}/tickets/requested`);
    assert.equal(requested.body.tickets.length, 8);
  });

  it('refuses a ticket without a comment with 422 RecordInvalid', async () => {
    const res = await ctx.desk.api('POST', '/api/v2/tickets', { ticket: { subject: 'x' } });
    assert.equal(res.status, 422);
    assert.equal(res.body.error, 'RecordInvalid');
    assert.ok(res.body.details.description);
  });

  it('escapes HTML typed into a comment body', async () => {
    const res = await ctx.desk.api('POST', '/api/v2/tickets', {
      ticket: { comment: { body: '<script>alert(1)</script> [x](javascript:alert(1))' } },
    });
    assert.equal(res.status, 201);
    const c = res.body.audit.events.find((e: any) => e.type === 'Comment');
    assert.doesNotMatch(c.html_body, /<script>/);
    assert.doesNotMatch(c.html_body, /href="javascript:/);
  });

  it('moves a new ticket to open when an agent is assigned, and audits the change', async () => {
    const { api } = ctx.desk;
    const agent = await ctx.desk.createAgent('Sam Support');
    const created = await api('POST', '/api/v2/tickets', { ticket: { comment: { body: 'help' } } });
    const id = created.body.ticket.id;
    const upd = await api('PUT', `/api/v2/tickets/${id}`, { ticket: { assignee_id: agent.id } });
    assert.equal(upd.status, 200, JSON.stringify(upd.body));
    assert.equal(upd.body.ticket.status, 'open');
    assert.equal(upd.body.ticket.assignee_id, agent.id);
    const status = upd.body.audit.events.find((e: any) => e.field_name === 'status');
    assert.deepEqual([status.type, status.previous_value, status.value], ['Change', 'new', 'open']);
  });

  it('reopens a solved ticket when the requester comments, and never changes a closed one', async () => {
    const { api } = ctx.desk;
    const user = await ctx.desk.createEndUser('Rita Requester');
    const created = await api('POST', '/api/v2/tickets', {
      ticket: { requester_id: user.id, comment: { body: 'hi' } },
    });
    const id = created.body.ticket.id;
    const solved = await api('PUT', `/api/v2/tickets/${id}`, {
      ticket: { status: 'solved', comment: { body: 'done' } },
    });
    assert.equal(solved.body.ticket.status, 'solved');
    // Solving without an assignee assigns the solving agent.
    assert.equal(solved.body.ticket.assignee_id, ctx.desk.adminId);
    const reply = await api(
      'PUT',
      `/api/v2/tickets/${id}`,
      { ticket: { comment: { body: 'not yet' } } },
      { auth: user.auth },
    );
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.ticket.status, 'open');
    await api('PUT', `/api/v2/tickets/${id}`, { ticket: { status: 'closed' } });
    const again = await api('PUT', `/api/v2/tickets/${id}`, {
      ticket: { comment: { body: 'more' } },
    });
    assert.equal(again.status, 422);
    assert.match(again.body.details.status[0].description, /closed/);
    const back = await api('PUT', `/api/v2/tickets/${id}`, { ticket: { status: 'new' } });
    assert.equal(back.status, 422);
  });

  it('creates a follow-up of a closed ticket only', async () => {
    const { api } = ctx.desk;
    const a = await api('POST', '/api/v2/tickets', { ticket: { comment: { body: 'first' } } });
    const open = await api('POST', '/api/v2/tickets', {
      ticket: { via_followup_source_id: a.body.ticket.id, comment: { body: 'x' } },
    });
    assert.equal(open.status, 422);
    await api('PUT', `/api/v2/tickets/${a.body.ticket.id}`, { ticket: { status: 'closed' } });
    const f = await api('POST', '/api/v2/tickets', {
      ticket: { via_followup_source_id: a.body.ticket.id, comment: { body: 'again' } },
    });
    assert.equal(f.status, 201);
    assert.equal(f.body.ticket.followup_source_id, a.body.ticket.id);
    assert.equal(f.body.ticket.via.source.rel, 'follow_up');
    const src = await api('GET', `/api/v2/tickets/${a.body.ticket.id}`);
    assert.deepEqual(src.body.ticket.followup_ids, [f.body.ticket.id]);
  });

  it('lists with offset and cursor pagination', async () => {
    const { api } = ctx.desk;
    for (let i = 0; i < 5; i++)
      await api('POST', '/api/v2/tickets', {
        ticket: { subject: `p${i}`, comment: { body: 'b' } },
      });
    const off = await api('GET', '/api/v2/tickets.json?per_page=2&page=2');
    assert.equal(off.status, 200);
    assert.equal(off.body.tickets.length, 2);
    assert.ok(off.body.count >= 5);
    assert.match(off.body.next_page, /page=3/);
    assert.match(off.body.previous_page, /page=1/);
    const seen: number[] = [];
    let next: string | null = '/api/v2/tickets.json?page[size]=2';
    while (next) {
      const r: any = await api('GET', next.replace(/^https?:\/\/[^/]+/, ''));
      assert.equal(r.status, 200);
      seen.push(...r.body.tickets.map((t: any) => t.id));
      next = r.body.meta.has_more ? r.body.links.next : null;
    }
    assert.equal(seen.length, off.body.count);
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      seen,
    );
  });

  it('walks cursor pages by a sort column both ways, equal keys broken by id', async () => {
    const { api, parley } = ctx.desk;
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await api('POST', '/api/v2/tickets', {
        ticket: { subject: `s${i}`, comment: { body: 'b' } },
      });
      ids.push(r.body.ticket.id);
    }
    // Two pairs share an updated_at; the order is 3, 1, 4, 0, 2 (newest first).
    const at = ['2030-01-02', '2030-01-04', '2030-01-01', '2030-01-04', '2030-01-02'];
    for (const [i, day] of at.entries()) {
      await parley.db
        .updateTable('tickets')
        .set({ updated_at: `${day}T00:00:00.000Z` })
        .where('id', '=', ids[i]!)
        .execute();
    }
    const want = [ids[3], ids[1], ids[4], ids[0], ids[2]];
    const pages: number[][] = [];
    let next: string | null = '/api/v2/tickets?page[size]=2&sort=-updated_at';
    let last: any = null;
    while (next && pages.flat().length < 5) {
      last = await api('GET', next.replace(/^https?:\/\/[^/]+/, ''));
      assert.equal(last.status, 200, JSON.stringify(last.body));
      pages.push(last.body.tickets.map((t: any) => t.id));
      next = last.body.links.next;
    }
    assert.deepEqual(pages.flat().slice(0, 5), want);
    // And back from the third page to the second.
    const prev = await api('GET', last.body.links.prev.replace(/^https?:\/\/[^/]+/, ''));
    assert.deepEqual(
      prev.body.tickets.map((t: any) => t.id),
      pages[1],
    );
  });

  it('side-loads the users, groups and organizations of listed and shown tickets', async () => {
    const { api } = ctx.desk;
    const agent = await ctx.desk.createAgent('Side Agent');
    const person = await ctx.desk.createEndUser('Side Person');
    const group = await api('POST', '/api/v2/groups', { group: { name: 'Side Group' } });
    const org = await api('POST', '/api/v2/organizations', {
      organization: { name: 'Side Org' },
    });
    const member = await api('POST', '/api/v2/group_memberships', {
      group_membership: { user_id: agent.id, group_id: group.body.group.id },
    });
    assert.equal(member.status, 201, JSON.stringify(member.body));
    const t = await api('POST', '/api/v2/tickets', {
      ticket: {
        requester_id: person.id,
        assignee_id: agent.id,
        group_id: group.body.group.id,
        organization_id: org.body.organization.id,
        comment: { body: 'side' },
      },
    });
    assert.equal(t.status, 201, JSON.stringify(t.body));
    const id = t.body.ticket.id;
    const include = 'include=users,groups,organizations';
    const one = await api('GET', `/api/v2/tickets/${id}?${include}`);
    const many = await api('GET', `/api/v2/tickets/show_many?ids=${id}&${include}`);
    const list = await api('GET', `/api/v2/tickets?page[size]=1&sort=-id&${include}`);
    for (const r of [one, many, list]) {
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(
        r.body.users.map((u: any) => u.id).sort(),
        [agent.id, person.id, ctx.desk.adminId].sort(),
      );
      assert.deepEqual(
        r.body.groups.map((g: any) => g.name),
        ['Side Group'],
      );
      assert.deepEqual(
        r.body.organizations.map((o: any) => o.name),
        ['Side Org'],
      );
    }
    assert.equal(list.body.tickets[0].id, id);
    const plain = await api('GET', `/api/v2/tickets/${id}`);
    assert.deepEqual(Object.keys(plain.body), ['ticket']);
  });

  it('stores a due date in UTC and shows it to the second, whatever form it came in', async () => {
    const { api, parley } = ctx.desk;
    // Given, stored, shown.
    const forms = [
      ['2026-12-01', '2026-12-01T00:00:00.000Z', '2026-12-01T00:00:00Z'],
      ['2026-12-01T10:30', '2026-12-01T10:30:00.000Z', '2026-12-01T10:30:00Z'],
      ['2026-12-01T10:30:05.987654Z', '2026-12-01T10:30:05.987Z', '2026-12-01T10:30:05Z'],
      ['2026-12-01T10:30:05+02:00', '2026-12-01T08:30:05.000Z', '2026-12-01T08:30:05Z'],
      ['2026-12-01T10:30:05-0530', '2026-12-01T16:00:05.000Z', '2026-12-01T16:00:05Z'],
    ];
    for (const [given, stored, shown] of forms) {
      const res = await api('POST', '/api/v2/tickets', {
        ticket: { type: 'task', due_at: given, comment: { body: 'due' } },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.ticket.due_at, shown, given);
      const row = await parley.db
        .selectFrom('tickets')
        .select('due_at')
        .where('id', '=', res.body.ticket.id)
        .executeTakeFirstOrThrow();
      assert.equal(row.due_at, stored, given);
      const again = await api('GET', `/api/v2/tickets/${res.body.ticket.id}`);
      assert.equal(again.body.ticket.due_at, shown);
    }
  });

  it("lists a user's requested and assigned tickets and an organization's tickets", async () => {
    const { api } = ctx.desk;
    const agent = await ctx.desk.createAgent('Lister');
    const person = await ctx.desk.createEndUser('Asker');
    const org = await api('POST', '/api/v2/organizations', { organization: { name: 'Listed' } });
    const orgId = org.body.organization.id;
    const mine = await api(
      'POST',
      '/api/v2/tickets',
      {
        ticket: { subject: 'asked', comment: { body: 'mine' } },
      },
      { auth: person.auth },
    );
    assert.equal(mine.status, 201, JSON.stringify(mine.body));
    const assigned = await api('POST', '/api/v2/tickets', {
      ticket: {
        subject: 'handled',
        assignee_id: agent.id,
        organization_id: orgId,
        comment: { body: 'x' },
      },
    });
    assert.equal(assigned.status, 201, JSON.stringify(assigned.body));
    const ids = (r: any) => r.body.tickets.map((t: any) => t.id);
    const requested = await api('GET', `/api/v2/users/${person.id}/tickets/requested`);
    assert.deepEqual(ids(requested), [mine.body.ticket.id]);
    assert.equal(requested.body.tickets[0].subject, 'asked');
    const own = await api('GET', `/api/v2/users/${person.id}/tickets/requested`, undefined, {
      auth: person.auth,
    });
    assert.deepEqual(ids(own), [mine.body.ticket.id]);
    const others = await api('GET', `/api/v2/users/${agent.id}/tickets/assigned`, undefined, {
      auth: person.auth,
    });
    assert.equal(others.status, 404);
    const byAgent = await api('GET', `/api/v2/users/${agent.id}/tickets/assigned`);
    assert.deepEqual(ids(byAgent), [assigned.body.ticket.id]);
    const byOrg = await api('GET', `/api/v2/organizations/${orgId}/tickets?page[size]=10`);
    assert.deepEqual(ids(byOrg), [assigned.body.ticket.id]);
    assert.equal(byOrg.body.meta.has_more, false);
  });

  it('counts the tickets not deleted, in offset pages and /tickets/count', async () => {
    const { api } = ctx.desk;
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await api('POST', '/api/v2/tickets', { ticket: { comment: { body: `c${i}` } } });
      ids.push(r.body.ticket.id);
    }
    const counts = async () => [
      (await api('GET', '/api/v2/tickets.json?per_page=1')).body.count,
      (await api('GET', '/api/v2/tickets/count.json')).body.count.value,
    ];
    const [before, countBefore] = await counts();
    assert.equal(countBefore, before);
    assert.equal((await api('DELETE', `/api/v2/tickets/${ids[1]}`)).status, 204);
    assert.deepEqual(await counts(), [before - 1, before - 1]);
    let walked = 0;
    let next: string | null = '/api/v2/tickets.json?page[size]=100';
    while (next) {
      const r: any = await api('GET', next.replace(/^https?:\/\/[^/]+/, ''));
      walked += r.body.tickets.length;
      next = r.body.meta.has_more ? r.body.links.next : null;
    }
    assert.equal(walked, before - 1);
  });

  it('answers unknown ids and routes with Zendesk errors', async () => {
    const { api } = ctx.desk;
    const nf = await api('GET', '/api/v2/tickets/999999');
    assert.equal(nf.status, 404);
    assert.deepEqual(nf.body, { error: 'RecordNotFound', description: 'Not found' });
    const route = await api('GET', '/api/v2/nope');
    assert.equal(route.status, 404);
    const anon = await api('GET', '/api/v2/tickets', undefined, { auth: null });
    assert.equal(anon.status, 401);
    const bad = await api('POST', '/api/v2/tickets', undefined, {
      raw: '{"ticket":',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(bad.status, 400);
  });

  it('sets, adds and removes tags with the tags endpoint', async () => {
    const { api } = ctx.desk;
    const t = await api('POST', '/api/v2/tickets', {
      ticket: { comment: { body: 'x' }, tags: ['a'] },
    });
    const id = t.body.ticket.id;
    assert.deepEqual(
      (await api('PUT', `/api/v2/tickets/${id}/tags`, { tags: ['b'] })).body.tags.sort(),
      ['a', 'b'],
    );
    assert.deepEqual((await api('POST', `/api/v2/tickets/${id}/tags`, { tags: ['c'] })).body.tags, [
      'c',
    ]);
    assert.deepEqual(
      (await api('DELETE', `/api/v2/tickets/${id}/tags`, { tags: ['c'] })).body.tags,
      [],
    );
  });

  it('attaches an upload to a comment and serves its bytes', async () => {
    const { api } = ctx.desk;
    const up = await api('POST', '/api/v2/uploads.json?filename=note.txt', undefined, {
      raw: Buffer.from('hello file'),
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    const token = up.body.upload.token;
    const t = await api('POST', '/api/v2/tickets', {
      ticket: { comment: { body: 'see file', uploads: [token] } },
    });
    assert.equal(t.status, 201, JSON.stringify(t.body));
    const comments = await api('GET', `/api/v2/tickets/${t.body.ticket.id}/comments`);
    const att = comments.body.comments[0].attachments[0];
    assert.equal(att.file_name, 'note.txt');
    assert.equal(att.size, 10);
    const content = await api('GET', new URL(att.content_url).pathname);
    assert.equal(content.status, 200);
    assert.equal(content.body, 'hello file');
    const reuse = await api('POST', '/api/v2/tickets', {
      ticket: { comment: { body: 'again', uploads: [token] } },
    });
    assert.equal(reuse.status, 422);
  });

  it('answers a write with the audit exactly as the audits endpoint shows it', async () => {
    const { api } = ctx.desk;
    const up = await api('POST', '/api/v2/uploads.json?filename=log.txt', undefined, {
      raw: Buffer.from('trace'),
      headers: { 'content-type': 'text/plain' },
    });
    const created = await api('POST', '/api/v2/tickets', {
      ticket: {
        subject: 'VPN',
        comment: { body: 'Drops _hourly_', uploads: [up.body.upload.token] },
        tags: ['vpn'],
        priority: 'low',
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.ticket.id;
    const agent = await ctx.desk.createAgent('Replier');
    const updated = await api(
      'PUT',
      `/api/v2/tickets/${id}`,
      { ticket: { status: 'pending', comment: { body: 'Which client?', public: false } } },
      { auth: agent.auth },
    );
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    const fieldsOnly = await api('PUT', `/api/v2/tickets/${id}`, {
      ticket: { priority: 'urgent' },
    });
    const audits = (await api('GET', `/api/v2/tickets/${id}/audits`)).body.audits;
    assert.equal(audits.length, 3);
    assert.deepEqual(created.body.audit, audits[0]);
    assert.deepEqual(updated.body.audit, audits[1]);
    assert.deepEqual(fieldsOnly.body.audit, audits[2]);
    const comment = audits[0].events.find((e: any) => e.type === 'Comment');
    assert.equal(comment.attachments[0].file_name, 'log.txt');
  });
});
