import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachDatabase, type TestDesk } from '../helpers/harness.ts';

async function makeGroup(desk: TestDesk, name: string, extra: Record<string, unknown> = {}) {
  const res = await desk.api('POST', '/api/v2/groups', { group: { name, ...extra } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.group as { id: number; name: string; default: boolean; url: string };
}

async function join(desk: TestDesk, userId: number, groupId: number, isDefault?: boolean) {
  const res = await desk.api('POST', '/api/v2/group_memberships', {
    group_membership: { user_id: userId, group_id: groupId, default: isDefault },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.group_membership as { id: number; default: boolean };
}

forEachDatabase('groups API', (ctx) => {
  it('creates, reads, lists, counts, updates and soft-deletes a group', async () => {
    const { api } = ctx.desk;
    const created = await api('POST', '/api/v2/groups.json', {
      group: { name: 'Tier 1', description: 'First line', is_public: false },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const group = created.body.group;
    assert.equal(group.name, 'Tier 1');
    assert.equal(group.is_public, false);
    assert.equal(group.deleted, false);
    assert.match(created.headers.get('location')!, new RegExp(`/groups/${group.id}\\.json$`));

    const before = (await api('GET', '/api/v2/groups/count')).body.count.value;
    const updated = await api('PUT', `/api/v2/groups/${group.id}`, {
      group: { name: 'Tier One', description: 'Renamed' },
    });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.group.name, 'Tier One');
    assert.equal(
      (await api('GET', `/api/v2/groups/${group.id}`)).body.group.description,
      'Renamed',
    );

    assert.equal((await api('DELETE', `/api/v2/groups/${group.id}`)).status, 204);
    const gone = await api('GET', `/api/v2/groups/${group.id}`);
    assert.equal(gone.status, 200, 'a deleted group stays readable');
    assert.equal(gone.body.group.deleted, true);
    assert.equal((await api('GET', '/api/v2/groups/count')).body.count.value, before - 1);
    const all = await api('GET', '/api/v2/groups');
    assert.ok(all.body.groups.some((g: any) => g.id === group.id && g.deleted));
    const live = await api('GET', '/api/v2/groups?exclude_deleted=true');
    assert.ok(!live.body.groups.some((g: any) => g.id === group.id));
    const assignable = await api('GET', '/api/v2/groups/assignable');
    assert.ok(!assignable.body.groups.some((g: any) => g.id === group.id));
    assert.equal((await api('DELETE', `/api/v2/groups/${group.id}`)).status, 404);
    assert.equal(
      (await api('PUT', `/api/v2/groups/${group.id}`, { group: { name: 'x' } })).status,
      404,
    );

    const blank = await api('POST', '/api/v2/groups', { group: { name: ' ' } });
    assert.equal(blank.status, 422);
    assert.ok(blank.body.details.name);
    assert.equal((await api('POST', '/api/v2/groups', { group: {} })).status, 422);
  });

  it('keeps one default group, which cannot be deleted', async () => {
    const { api } = ctx.desk;
    const a = await makeGroup(ctx.desk, 'Default A', { default: true });
    const b = await makeGroup(ctx.desk, 'Default B');
    assert.equal(
      (await api('PUT', `/api/v2/groups/${b.id}`, { group: { default: true } })).status,
      200,
    );
    const defaults = (await api('GET', '/api/v2/groups')).body.groups.filter((g: any) => g.default);
    assert.deepEqual(
      defaults.map((g: any) => g.id),
      [b.id],
    );
    const refused = await api('DELETE', `/api/v2/groups/${b.id}`);
    assert.equal(refused.status, 422);
    assert.equal((await api('DELETE', `/api/v2/groups/${a.id}`)).status, 204);
  });

  it('tickets keep their group when the group is deleted', async () => {
    const { api } = ctx.desk;
    const group = await makeGroup(ctx.desk, 'Ephemeral');
    const ticket = await api('POST', '/api/v2/tickets', {
      ticket: { group_id: group.id, comment: { body: 'routed' } },
    });
    assert.equal(ticket.status, 201, JSON.stringify(ticket.body));
    await api('DELETE', `/api/v2/groups/${group.id}`);
    const after = await api('GET', `/api/v2/tickets/${ticket.body.ticket.id}`);
    assert.equal(after.body.ticket.group_id, group.id);
  });

  it('manages memberships: agents only, no duplicates, one default per agent', async () => {
    const { api } = ctx.desk;
    const agent = await ctx.desk.createAgent('Mia Member');
    const g1 = await makeGroup(ctx.desk, 'Billing');
    const g2 = await makeGroup(ctx.desk, 'Shipping');

    const m1 = await join(ctx.desk, agent.id, g1.id);
    assert.equal(m1.default, true, "an agent's first group is the default");
    const m2 = await join(ctx.desk, agent.id, g2.id);
    assert.equal(m2.default, false);

    const dup = await api('POST', '/api/v2/group_memberships', {
      group_membership: { user_id: agent.id, group_id: g1.id },
    });
    assert.equal(dup.status, 422);
    assert.ok(dup.body.details.user_id);

    const enduser = await ctx.desk.createEndUser('Nora Notagent');
    const notAgent = await api('POST', '/api/v2/group_memberships', {
      group_membership: { user_id: enduser.id, group_id: g1.id },
    });
    assert.equal(notAgent.status, 422);
    assert.match(notAgent.body.details.user_id[0].description, /agent/);
    const noGroup = await api('POST', '/api/v2/group_memberships', {
      group_membership: { user_id: agent.id, group_id: 999999 },
    });
    assert.equal(noGroup.status, 422);
    assert.ok(noGroup.body.details.group_id);

    const made = await api(
      'PUT',
      `/api/v2/users/${agent.id}/group_memberships/${m2.id}/make_default`,
      {},
    );
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.deepEqual(
      made.body.group_memberships.filter((m: any) => m.default).map((m: any) => m.id),
      [m2.id],
    );
    const user = await ctx.desk.parley.db
      .selectFrom('users')
      .select('default_group_id')
      .where('id', '=', agent.id)
      .executeTakeFirstOrThrow();
    assert.equal(user.default_group_id, g2.id);
    // A membership of someone else is not found under this user.
    const other = await ctx.desk.createAgent('Oscar Other');
    const otherM = await join(ctx.desk, other.id, g1.id);
    assert.equal(
      (
        await api(
          'PUT',
          `/api/v2/users/${agent.id}/group_memberships/${otherM.id}/make_default`,
          {},
        )
      ).status,
      404,
    );

    const byUser = await api('GET', `/api/v2/users/${agent.id}/group_memberships`);
    assert.deepEqual(
      byUser.body.group_memberships.map((m: any) => m.group_id).sort(),
      [g1.id, g2.id].sort(),
    );
    const byGroup = await api('GET', `/api/v2/groups/${g1.id}/memberships?include=users`);
    assert.deepEqual(
      byGroup.body.group_memberships.map((m: any) => m.user_id).sort(),
      [agent.id, other.id].sort(),
    );
    assert.equal(byGroup.body.users.length, 2);
    const one = await api('GET', `/api/v2/group_memberships/${m1.id}`);
    assert.equal(one.body.group_membership.group_id, g1.id);
    const all = await api('GET', '/api/v2/group_memberships?page[size]=100');
    assert.ok(all.body.group_memberships.some((m: any) => m.id === m1.id));
    const users = await api('GET', `/api/v2/groups/${g1.id}/users`);
    assert.deepEqual(users.body.users.map((u: any) => u.id).sort(), [agent.id, other.id].sort());

    // Removing the default membership makes the remaining one the default.
    assert.equal((await api('DELETE', `/api/v2/group_memberships/${m2.id}`)).status, 204);
    const left = await api('GET', `/api/v2/users/${agent.id}/group_memberships`);
    assert.deepEqual(
      left.body.group_memberships.map((m: any) => [m.id, m.default]),
      [[m1.id, true]],
    );
  });

  it('clears the removed agent as assignee of the group’s unsolved tickets, not solved ones', async () => {
    const { api } = ctx.desk;
    const agent = await ctx.desk.createAgent('Ravi Removed');
    const group = await makeGroup(ctx.desk, 'Escalations');
    const otherGroup = await makeGroup(ctx.desk, 'Elsewhere');
    const membership = await join(ctx.desk, agent.id, group.id);
    await join(ctx.desk, agent.id, otherGroup.id);

    const open = await api('POST', '/api/v2/tickets', {
      ticket: { group_id: group.id, assignee_id: agent.id, comment: { body: 'open one' } },
    });
    assert.equal(open.status, 201, JSON.stringify(open.body));
    assert.equal(open.body.ticket.status, 'open');
    const solved = await api('POST', '/api/v2/tickets', {
      ticket: { group_id: group.id, assignee_id: agent.id, comment: { body: 'solved one' } },
    });
    await api('PUT', `/api/v2/tickets/${solved.body.ticket.id}`, { ticket: { status: 'solved' } });
    const elsewhere = await api('POST', '/api/v2/tickets', {
      ticket: { group_id: otherGroup.id, assignee_id: agent.id, comment: { body: 'other group' } },
    });

    const del = await api('DELETE', `/api/v2/group_memberships/${membership.id}`);
    assert.equal(del.status, 204);

    const openAfter = (await api('GET', `/api/v2/tickets/${open.body.ticket.id}`)).body.ticket;
    assert.equal(openAfter.assignee_id, null);
    assert.equal(openAfter.group_id, group.id, 'the group stays');
    const solvedAfter = (await api('GET', `/api/v2/tickets/${solved.body.ticket.id}`)).body.ticket;
    assert.equal(solvedAfter.status, 'solved');
    assert.equal(solvedAfter.assignee_id, agent.id);
    const elsewhereAfter = (await api('GET', `/api/v2/tickets/${elsewhere.body.ticket.id}`)).body
      .ticket;
    assert.equal(elsewhereAfter.assignee_id, agent.id);

    const audits = await api('GET', `/api/v2/tickets/${open.body.ticket.id}/audits`);
    const last = audits.body.audits[audits.body.audits.length - 1];
    assert.equal(last.author_id, ctx.desk.adminId);
    const change = last.events.find((e: any) => e.field_name === 'assignee_id');
    assert.deepEqual(
      [change.type, change.previous_value, change.value],
      ['Change', String(agent.id), null],
    );
    const solvedAudits = await api('GET', `/api/v2/tickets/${solved.body.ticket.id}/audits`);
    assert.ok(
      !solvedAudits.body.audits.some((a: any) =>
        a.events.some((e: any) => e.field_name === 'assignee_id' && e.value === null),
      ),
    );
  });

  it('refuses group and membership writes to agents, and answers unknown ids with 404', async () => {
    const { api } = ctx.desk;
    const agent = await ctx.desk.createAgent('Gus Grouper');
    const auth = { auth: agent.auth };
    const group = await makeGroup(ctx.desk, 'Locked');
    assert.equal((await api('GET', `/api/v2/groups/${group.id}`, undefined, auth)).status, 200);
    assert.equal(
      (await api('POST', '/api/v2/groups', { group: { name: 'Mine' } }, auth)).status,
      403,
    );
    assert.equal(
      (await api('PUT', `/api/v2/groups/${group.id}`, { group: { name: 'Mine' } }, auth)).status,
      403,
    );
    assert.equal((await api('DELETE', `/api/v2/groups/${group.id}`, undefined, auth)).status, 403);
    const post = await api(
      'POST',
      '/api/v2/group_memberships',
      { group_membership: { user_id: agent.id, group_id: group.id } },
      auth,
    );
    assert.equal(post.status, 403);
    const m = await join(ctx.desk, agent.id, group.id);
    assert.equal(
      (await api('DELETE', `/api/v2/group_memberships/${m.id}`, undefined, auth)).status,
      403,
    );
    // An agent may choose their own default group.
    assert.equal(
      (
        await api(
          'PUT',
          `/api/v2/users/${agent.id}/group_memberships/${m.id}/make_default`,
          {},
          auth,
        )
      ).status,
      200,
    );
    const enduser = await ctx.desk.createEndUser('Ed Enduser');
    assert.equal(
      (await api('GET', '/api/v2/groups', undefined, { auth: enduser.auth })).status,
      403,
    );

    for (const path of [
      '/api/v2/groups/999999',
      '/api/v2/groups/999999/users',
      '/api/v2/groups/999999/memberships',
      '/api/v2/group_memberships/999999',
      '/api/v2/users/999999/group_memberships',
    ]) {
      const res = await api('GET', path);
      assert.equal(res.status, 404, path);
    }
    assert.equal((await api('DELETE', '/api/v2/group_memberships/999999')).status, 404);
  });

  it('keeps one default group per agent and no member in a deleted group under racing writes', async () => {
    const { api } = ctx.desk;
    const agent = await ctx.desk.createAgent('Racing Member');
    const groups = await Promise.all(
      Array.from({ length: 6 }, (_, i) => makeGroup(ctx.desk, `Race ${Date.now()} ${i}`)),
    );
    // An agent's first group becomes their default: six joins at once must still make one.
    const joins = await Promise.all(
      groups.map((g) =>
        api('POST', '/api/v2/group_memberships', {
          group_membership: { user_id: agent.id, group_id: g.id },
        }),
      ),
    );
    for (const r of joins) assert.equal(r.status, 201, JSON.stringify(r.body));
    const mine = await api('GET', `/api/v2/users/${agent.id}/group_memberships`);
    const defaults = mine.body.group_memberships.filter((m: any) => m.default);
    assert.equal(defaults.length, 1, JSON.stringify(mine.body.group_memberships));
    const shown = await api('GET', `/api/v2/users/${agent.id}`);
    assert.equal(shown.body.user.default_group_id, defaults[0].group_id);

    // Deleting one group several times at once: one delete, the rest find nothing to delete.
    const target = groups.find((g) => g.id !== defaults[0].group_id)!;
    const others = await Promise.all(
      Array.from({ length: 3 }, (_, i) => ctx.desk.createAgent(`Late Joiner ${i}`)),
    );
    const results = await Promise.all([
      ...Array.from({ length: 4 }, () => api('DELETE', `/api/v2/groups/${target.id}`)),
      ...others.map((o) =>
        api('POST', '/api/v2/group_memberships', {
          group_membership: { user_id: o.id, group_id: target.id },
        }),
      ),
    ]);
    assert.deepEqual(
      results
        .slice(0, 4)
        .map((r) => r.status)
        .sort(),
      [204, 404, 404, 404],
    );
    for (const r of results.slice(4))
      assert.ok([201, 422].includes(r.status), JSON.stringify(r.body));
    const left = await api('GET', `/api/v2/groups/${target.id}/memberships`);
    assert.deepEqual(left.body.group_memberships, []);
  });
});
