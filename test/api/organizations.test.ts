import assert from 'node:assert/strict';
import { it } from 'node:test';
import { nowIso } from '../../src/desk/time.ts';
import { createUser } from '../../src/desk/users.ts';
import { forEachDatabase, type TestDesk } from '../helpers/harness.ts';

let seq = 0;

/** A user with an email at a chosen domain (the harness only makes example.com users). */
async function userAt(desk: TestDesk, domain: string, role: 'end-user' | 'agent' = 'end-user') {
  const user = await createUser(
    desk.parley.db,
    { name: `User ${++seq}`, email: `person${seq}@${domain}`, role },
    nowIso(),
  );
  return user.id;
}

async function orgOf(desk: TestDesk, userId: number): Promise<number | null> {
  const row = await desk.parley.db
    .selectFrom('users')
    .select('organization_id')
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  return row.organization_id;
}

forEachDatabase('organizations API', (ctx) => {
  it('creates, reads, lists, updates and deletes an organization', async () => {
    const { api } = ctx.desk;
    const created = await api('POST', '/api/v2/organizations.json', {
      organization: {
        name: '  Initech ',
        external_id: 'ext-initech',
        domain_names: ['Initech.test', '@mail.initech.test'],
        details: 'Office space',
        tags: ['Gold', 'vip'],
        shared_tickets: true,
        organization_fields: { tier: 'gold' },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const org = created.body.organization;
    assert.equal(org.name, 'Initech');
    assert.deepEqual(org.domain_names, ['initech.test', 'mail.initech.test']);
    assert.deepEqual(org.tags.sort(), ['gold', 'vip']);
    assert.equal(org.shared_tickets, true);
    assert.deepEqual(org.organization_fields, { tier: 'gold' });
    assert.match(created.headers.get('location')!, new RegExp(`/organizations/${org.id}\\.json$`));

    const shown = await api('GET', `/api/v2/organizations/${org.id}.json`);
    assert.equal(shown.status, 200);
    assert.equal(shown.body.organization.external_id, 'ext-initech');

    const updated = await api('PUT', `/api/v2/organizations/${org.id}`, {
      organization: { notes: 'TPS reports', domain_names: 'initech.test' },
    });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.equal(updated.body.organization.notes, 'TPS reports');
    assert.deepEqual(updated.body.organization.domain_names, ['initech.test']);
    const domains = await ctx.desk.parley.db
      .selectFrom('organization_domains')
      .select('domain')
      .where('organization_id', '=', org.id)
      .execute();
    assert.deepEqual(
      domains.map((d) => d.domain),
      ['initech.test'],
    );

    const list = await api('GET', '/api/v2/organizations.json?per_page=100');
    assert.equal(list.status, 200);
    assert.ok(list.body.organizations.some((o: any) => o.id === org.id));
    assert.equal(list.body.count, list.body.organizations.length);
    const cursor = await api('GET', '/api/v2/organizations.json?page[size]=1');
    assert.equal(cursor.body.organizations.length, 1);
    assert.equal(typeof cursor.body.meta.has_more, 'boolean');

    const del = await api('DELETE', `/api/v2/organizations/${org.id}`);
    assert.equal(del.status, 204);
    assert.equal((await api('GET', `/api/v2/organizations/${org.id}`)).status, 404);
    const freed = await ctx.desk.parley.db
      .selectFrom('organization_domains')
      .select('domain')
      .where('domain', '=', 'initech.test')
      .execute();
    assert.equal(freed.length, 0);
  });

  it('refuses a blank or case-insensitively duplicate name with 422', async () => {
    const { api } = ctx.desk;
    const first = await api('POST', '/api/v2/organizations', {
      organization: { name: 'Umbrella' },
    });
    assert.equal(first.status, 201);
    const dup = await api('POST', '/api/v2/organizations', { organization: { name: 'uMBRELLA ' } });
    assert.equal(dup.status, 422);
    assert.equal(dup.body.error, 'RecordInvalid');
    assert.equal(dup.body.details.name[0].description, 'Name: has already been taken');

    const other = await api('POST', '/api/v2/organizations', {
      organization: { name: 'Cyberdyne' },
    });
    const rename = await api('PUT', `/api/v2/organizations/${other.body.organization.id}`, {
      organization: { name: 'UMBRELLA' },
    });
    assert.equal(rename.status, 422);
    // Renaming an organization to its own name in another case is not a clash.
    const self = await api('PUT', `/api/v2/organizations/${first.body.organization.id}`, {
      organization: { name: 'UMBRELLA' },
    });
    assert.equal(self.status, 200);
    assert.equal(self.body.organization.name, 'UMBRELLA');

    const missing = await api('POST', '/api/v2/organizations', { organization: {} });
    assert.equal(missing.status, 422);
    assert.ok(missing.body.details.name);
    const blank = await api('POST', '/api/v2/organizations', { organization: { name: '   ' } });
    assert.equal(blank.status, 422);
    const noEnvelope = await api('POST', '/api/v2/organizations', { name: 'x' });
    assert.equal(noEnvelope.status, 422);

    await api('PUT', `/api/v2/organizations/${other.body.organization.id}`, {
      organization: { external_id: 'CYB-1' },
    });
    const extDup = await api('POST', '/api/v2/organizations', {
      organization: { name: 'Tyrell', external_id: 'cyb-1' },
    });
    assert.equal(extDup.status, 422);
    assert.ok(extDup.body.details.external_id);
  });

  it('maps existing end users by email domain, and keeps a domain to one organization', async () => {
    const { api } = ctx.desk;
    const domain = `acme${ctx.desk.kind}.test`;
    const enduser = await userAt(ctx.desk, domain);
    const agent = await userAt(ctx.desk, domain, 'agent');
    const elsewhere = await userAt(ctx.desk, `other-${domain}`);
    const placed = await userAt(ctx.desk, domain);
    const prior = await api('POST', '/api/v2/organizations', { organization: { name: 'Prior' } });
    await ctx.desk.parley.db
      .updateTable('users')
      .set({ organization_id: prior.body.organization.id })
      .where('id', '=', placed)
      .execute();

    const acme = await api('POST', '/api/v2/organizations', {
      organization: { name: 'Acme', domain_names: [domain.toUpperCase()] },
    });
    assert.equal(acme.status, 201, JSON.stringify(acme.body));
    const acmeId = acme.body.organization.id;
    assert.equal(await orgOf(ctx.desk, enduser), acmeId);
    assert.equal(await orgOf(ctx.desk, agent), null, 'agents are not mapped by domain');
    assert.equal(await orgOf(ctx.desk, elsewhere), null);
    assert.equal(await orgOf(ctx.desk, placed), prior.body.organization.id);

    // Adding a domain on update maps that domain's users too.
    const added = await api('PUT', `/api/v2/organizations/${acmeId}`, {
      organization: { domain_names: [domain, `other-${domain}`] },
    });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.equal(await orgOf(ctx.desk, elsewhere), acmeId);

    const users = await api('GET', `/api/v2/organizations/${acmeId}/users`);
    assert.equal(users.status, 200);
    assert.deepEqual(
      users.body.users.map((u: any) => u.id).sort((a: number, b: number) => a - b),
      [enduser, elsewhere].sort((a, b) => a - b),
    );

    const clash = await api('POST', '/api/v2/organizations', {
      organization: { name: 'Copycat', domain_names: [domain] },
    });
    assert.equal(clash.status, 422);
    assert.match(clash.body.details.domain_names[0].description, /another organization/);
    assert.equal(
      (await api('GET', '/api/v2/organizations/search?name=copycat')).body.organizations.length,
      0,
      'a refused create leaves nothing behind',
    );

    const invalid = await api('PUT', `/api/v2/organizations/${acmeId}`, {
      organization: { domain_names: ['not a domain!'] },
    });
    assert.equal(invalid.status, 422);

    // Once released, the domain can move to another organization.
    await api('PUT', `/api/v2/organizations/${acmeId}`, { organization: { domain_names: [] } });
    const taken = await api('POST', '/api/v2/organizations', {
      organization: { name: 'Copycat', domain_names: [domain] },
    });
    assert.equal(taken.status, 201, JSON.stringify(taken.body));
  });

  it('searches, autocompletes, shows many and counts', async () => {
    const { api } = ctx.desk;
    const a = await api('POST', '/api/v2/organizations', {
      organization: { name: 'Stark Industries', external_id: 'STARK' },
    });
    const b = await api('POST', '/api/v2/organizations', {
      organization: { name: 'Stark_Tower 100%' },
    });
    await api('POST', '/api/v2/organizations', { organization: { name: 'Wayne Enterprises' } });

    const byName = await api('GET', '/api/v2/organizations/search?name=stark%20industries');
    assert.deepEqual(
      byName.body.organizations.map((o: any) => o.id),
      [a.body.organization.id],
    );
    const byExt = await api('GET', '/api/v2/organizations/search.json?external_id=stark');
    assert.deepEqual(
      byExt.body.organizations.map((o: any) => o.id),
      [a.body.organization.id],
    );
    assert.equal((await api('GET', '/api/v2/organizations/search')).status, 400);

    const auto = await api('GET', '/api/v2/organizations/autocomplete?name=STA');
    assert.deepEqual(auto.body.organizations.map((o: any) => o.name).sort(), [
      'Stark Industries',
      'Stark_Tower 100%',
    ]);
    // LIKE wildcards in the prefix are taken literally.
    const literal = await api('GET', '/api/v2/organizations/autocomplete?name=stark_');
    assert.deepEqual(
      literal.body.organizations.map((o: any) => o.id),
      [b.body.organization.id],
    );
    assert.equal((await api('GET', '/api/v2/organizations/autocomplete')).status, 400);

    const many = await api(
      'GET',
      `/api/v2/organizations/show_many?ids=${a.body.organization.id},${b.body.organization.id},999999`,
    );
    assert.equal(many.body.organizations.length, 2);
    const manyExt = await api('GET', '/api/v2/organizations/show_many?external_ids=stark');
    assert.equal(manyExt.body.organizations[0].id, a.body.organization.id);
    assert.equal((await api('GET', '/api/v2/organizations/show_many?ids=x')).status, 400);

    const count = await api('GET', '/api/v2/organizations/count');
    const list = await api('GET', '/api/v2/organizations');
    assert.equal(count.body.count.value, list.body.count);
  });

  it('creates or updates by id, external id or name', async () => {
    const { api } = ctx.desk;
    const made = await api('POST', '/api/v2/organizations/create_or_update', {
      organization: { name: 'Globex', external_id: 'gx-1' },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const orgId = made.body.organization.id;
    const byExt = await api('POST', '/api/v2/organizations/create_or_update', {
      organization: { name: 'Globex Corporation', external_id: 'GX-1' },
    });
    assert.equal(byExt.status, 200);
    assert.equal(byExt.body.organization.id, orgId);
    assert.equal(byExt.body.organization.name, 'Globex Corporation');
    const byName = await api('POST', '/api/v2/organizations/create_or_update', {
      organization: { name: 'globex corporation', notes: 'by name' },
    });
    assert.equal(byName.status, 200);
    assert.equal(byName.body.organization.id, orgId);
    assert.equal(byName.body.organization.notes, 'by name');
    const byId = await api('POST', '/api/v2/organizations/create_or_update', {
      organization: { id: orgId, details: 'by id' },
    });
    assert.equal(byId.status, 200);
    assert.equal(byId.body.organization.details, 'by id');
    const unknownId = await api('POST', '/api/v2/organizations/create_or_update', {
      organization: { id: 999999, name: 'Nobody' },
    });
    assert.equal(unknownId.status, 404);
  });

  it('creates an organization once when syncs race on its external id', async () => {
    // Different names, one external id: only the unique index can tell the racers apart.
    const { api } = ctx.desk;
    const externalId = `sync-${Date.now()}`;
    const racers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        api('POST', '/api/v2/organizations/create_or_update', {
          organization: { name: `Synced ${externalId} ${i}`, external_id: externalId },
        }),
      ),
    );
    assert.deepEqual(
      racers.map((r) => r.status).sort(),
      [200, 200, 200, 200, 200, 200, 200, 201],
      JSON.stringify(racers.map((r) => r.body)),
    );
    const creates = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        api('POST', '/api/v2/organizations', {
          organization: { name: `Plain ${externalId} ${i}`, external_id: `${externalId}-B` },
        }),
      ),
    );
    assert.deepEqual(
      creates.map((r) => r.status).sort(),
      [201, 422, 422, 422],
      JSON.stringify(creates.map((r) => r.body)),
    );
    const found = await api('GET', `/api/v2/organizations/search?external_id=${externalId}`);
    assert.equal(found.body.organizations.length, 1);
  });

  it('deletes an organization but keeps its users and tickets', async () => {
    const { api } = ctx.desk;
    const org = await api('POST', '/api/v2/organizations', { organization: { name: 'Soylent' } });
    const orgId = org.body.organization.id;
    const user = await ctx.desk.createEndUser('Sol Customer');
    await ctx.desk.parley.db
      .updateTable('users')
      .set({ organization_id: orgId })
      .where('id', '=', user.id)
      .execute();
    const ticket = await api('POST', '/api/v2/tickets', {
      ticket: { requester_id: user.id, comment: { body: 'help' } },
    });
    assert.equal(ticket.body.ticket.organization_id, orgId);

    assert.equal((await api('DELETE', `/api/v2/organizations/${orgId}`)).status, 204);
    const after = await api('GET', `/api/v2/tickets/${ticket.body.ticket.id}`);
    assert.equal(after.status, 200);
    assert.equal(after.body.ticket.organization_id, null);
    assert.equal(await orgOf(ctx.desk, user.id), null);
  });

  it('lets agents read, and only admins or manage_organizations agents write', async () => {
    const { api } = ctx.desk;
    const agent = await ctx.desk.createAgent('Olga Orgreader');
    const org = await api('POST', '/api/v2/organizations', { organization: { name: 'Hooli' } });
    const orgId = org.body.organization.id;

    assert.equal(
      (await api('GET', `/api/v2/organizations/${orgId}`, undefined, { auth: agent.auth })).status,
      200,
    );
    const write = await api(
      'POST',
      '/api/v2/organizations',
      { organization: { name: 'Pied Piper' } },
      { auth: agent.auth },
    );
    assert.equal(write.status, 403);
    assert.equal(
      (
        await api(
          'PUT',
          `/api/v2/organizations/${orgId}`,
          { organization: { notes: 'x' } },
          { auth: agent.auth },
        )
      ).status,
      403,
    );
    assert.equal(
      (await api('DELETE', `/api/v2/organizations/${orgId}`, undefined, { auth: agent.auth }))
        .status,
      403,
    );

    const role = await api('POST', '/api/v2/custom_roles', {
      custom_role: { name: 'Org keeper', configuration: { manage_organizations: true } },
    });
    assert.equal(role.status, 201, JSON.stringify(role.body));
    const assigned = await api('PUT', `/api/v2/users/${agent.id}`, {
      user: { custom_role_id: role.body.custom_role.id },
    });
    assert.equal(assigned.status, 200, JSON.stringify(assigned.body));
    const allowed = await api(
      'POST',
      '/api/v2/organizations',
      { organization: { name: 'Pied Piper' } },
      { auth: agent.auth },
    );
    assert.equal(allowed.status, 201, JSON.stringify(allowed.body));

    const enduser = await ctx.desk.createEndUser('Eve Outsider');
    assert.equal(
      (await api('GET', '/api/v2/organizations', undefined, { auth: enduser.auth })).status,
      403,
    );
  });

  it('answers unknown organizations with 404', async () => {
    const { api } = ctx.desk;
    const nf = await api('GET', '/api/v2/organizations/999999');
    assert.equal(nf.status, 404);
    assert.deepEqual(nf.body, { error: 'RecordNotFound', description: 'Not found' });
    assert.equal(
      (await api('PUT', '/api/v2/organizations/999999', { organization: { notes: 'x' } })).status,
      404,
    );
    assert.equal((await api('DELETE', '/api/v2/organizations/999999')).status, 404);
    assert.equal((await api('GET', '/api/v2/organizations/999999/users')).status, 404);
    assert.equal((await api('GET', '/api/v2/organizations/abc')).status, 404);
  });
});
