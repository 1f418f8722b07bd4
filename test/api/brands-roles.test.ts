import assert from 'node:assert/strict';
import { it } from 'node:test';
import { hasPermission } from '../../src/desk/custom-roles.ts';
import { forEachDatabase, type TestDesk } from '../helpers/harness.ts';

async function giveRole(desk: TestDesk, userId: number, roleId: number | null) {
  await desk.parley.db
    .updateTable('users')
    .set({ custom_role_id: roleId })
    .where('id', '=', userId)
    .execute();
}

async function userRow(desk: TestDesk, userId: number) {
  return desk.parley.db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
}

forEachDatabase('brands API', (ctx) => {
  it('lists the default brand and creates, updates and deletes brands', async () => {
    const { api } = ctx.desk;
    const list = await api('GET', '/api/v2/brands.json');
    assert.equal(list.status, 200);
    assert.equal(list.body.brands.filter((b: any) => b.default).length, 1);

    const created = await api('POST', '/api/v2/brands', {
      brand: { name: 'HR Desk', subdomain: 'HR-Desk' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const brand = created.body.brand;
    assert.equal(brand.subdomain, 'hr-desk');
    assert.equal(brand.default, false);
    assert.equal(brand.active, true);
    assert.match(created.headers.get('location')!, new RegExp(`/brands/${brand.id}\\.json$`));

    const shown = await api('GET', `/api/v2/brands/${brand.id}`);
    assert.equal(shown.body.brand.name, 'HR Desk');
    const updated = await api('PUT', `/api/v2/brands/${brand.id}`, {
      brand: { name: 'People Desk', active: false },
    });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.brand.name, 'People Desk');
    assert.equal(updated.body.brand.active, false);

    assert.equal((await api('DELETE', `/api/v2/brands/${brand.id}`)).status, 204);
    assert.equal((await api('GET', `/api/v2/brands/${brand.id}`)).status, 404);
  });

  it('validates subdomains: required, DNS-safe and unique', async () => {
    const { api } = ctx.desk;
    const missing = await api('POST', '/api/v2/brands', { brand: { name: 'No sub' } });
    assert.equal(missing.status, 422);
    assert.ok(missing.body.details.subdomain);
    for (const bad of ['with space', 'under_score', '-edge', 'edge-', 'dot.ted', '']) {
      const res = await api('POST', '/api/v2/brands', { brand: { name: 'Bad', subdomain: bad } });
      assert.equal(res.status, 422, bad);
      assert.ok(res.body.details.subdomain, bad);
    }
    const ok = await api('POST', '/api/v2/brands', { brand: { name: 'IT', subdomain: 'it-help' } });
    assert.equal(ok.status, 201);
    const dup = await api('POST', '/api/v2/brands', {
      brand: { name: 'IT 2', subdomain: 'IT-help' },
    });
    assert.equal(dup.status, 422);
    assert.equal(dup.body.details.subdomain[0].error, 'DuplicateValue');
    const other = await api('POST', '/api/v2/brands', { brand: { name: 'Ops', subdomain: 'ops' } });
    const rename = await api('PUT', `/api/v2/brands/${other.body.brand.id}`, {
      brand: { subdomain: 'it-help' },
    });
    assert.equal(rename.status, 422);
    const blankName = await api('POST', '/api/v2/brands', {
      brand: { name: ' ', subdomain: 'x1' },
    });
    assert.equal(blankName.status, 422);
  });

  it('keeps exactly one default brand, which cannot be deleted or deactivated', async () => {
    const { api } = ctx.desk;
    const original = (await api('GET', '/api/v2/brands')).body.brands.find((b: any) => b.default);
    const next = await api('POST', '/api/v2/brands', {
      brand: { name: 'Next', subdomain: 'next-default' },
    });
    const nextId = next.body.brand.id;
    const made = await api('PUT', `/api/v2/brands/${nextId}`, { brand: { default: true } });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.equal(made.body.brand.default, true);
    const defaults = (await api('GET', '/api/v2/brands')).body.brands.filter((b: any) => b.default);
    assert.deepEqual(
      defaults.map((b: any) => b.id),
      [nextId],
    );

    const del = await api('DELETE', `/api/v2/brands/${nextId}`);
    assert.equal(del.status, 422);
    assert.equal(del.body.error, 'RecordInvalid');
    const unset = await api('PUT', `/api/v2/brands/${nextId}`, { brand: { default: false } });
    assert.equal(unset.status, 422);
    const inactive = await api('PUT', `/api/v2/brands/${nextId}`, { brand: { active: false } });
    assert.equal(inactive.status, 422);

    // New tickets go to the default brand.
    const t = await api('POST', '/api/v2/tickets', {
      ticket: { comment: { body: 'which brand?' } },
    });
    assert.equal(t.body.ticket.brand_id, nextId);

    const back = await api('PUT', `/api/v2/brands/${original.id}`, { brand: { default: true } });
    assert.equal(back.status, 200);
    assert.equal((await api('GET', `/api/v2/brands/${nextId}`)).body.brand.default, false);
  });

  it('refuses to delete a brand that has tickets', async () => {
    const { api } = ctx.desk;
    const brand = await api('POST', '/api/v2/brands', {
      brand: { name: 'Busy', subdomain: 'busy-brand' },
    });
    const brandId = brand.body.brand.id;
    const t = await api('POST', '/api/v2/tickets', {
      ticket: { brand_id: brandId, comment: { body: 'on this brand' } },
    });
    assert.equal(t.status, 201, JSON.stringify(t.body));
    const del = await api('DELETE', `/api/v2/brands/${brandId}`);
    assert.equal(del.status, 422);
    assert.match(del.body.details.base[0].description, /tickets/);
    assert.equal((await api('GET', `/api/v2/brands/${brandId}`)).status, 200);
  });

  it('lets agents read brands but not write them; unknown brands are 404', async () => {
    const { api } = ctx.desk;
    const agent = await ctx.desk.createAgent('Bea Brandless');
    const auth = { auth: agent.auth };
    assert.equal((await api('GET', '/api/v2/brands', undefined, auth)).status, 200);
    const post = await api(
      'POST',
      '/api/v2/brands',
      { brand: { name: 'A', subdomain: 'a-b' } },
      auth,
    );
    assert.equal(post.status, 403);
    const anyBrand = (await api('GET', '/api/v2/brands')).body.brands[0];
    assert.equal(
      (await api('PUT', `/api/v2/brands/${anyBrand.id}`, { brand: { name: 'x' } }, auth)).status,
      403,
    );
    assert.equal(
      (await api('DELETE', `/api/v2/brands/${anyBrand.id}`, undefined, auth)).status,
      403,
    );

    assert.equal((await api('GET', '/api/v2/brands/999999')).status, 404);
    assert.equal((await api('PUT', '/api/v2/brands/999999', { brand: { name: 'x' } })).status, 404);
    assert.equal((await api('DELETE', '/api/v2/brands/999999')).status, 404);
  });
});

forEachDatabase('custom roles API', (ctx) => {
  it('creates, reads, lists, updates and deletes a custom role', async () => {
    const { api } = ctx.desk;
    const created = await api('POST', '/api/v2/custom_roles.json', {
      custom_role: {
        name: 'Channel manager',
        description: 'Runs the Slack channels',
        configuration: {
          manage_extensions_and_channels: true,
          ticket_access: 'within-groups',
          macro_access: 'readonly',
          custom_objects: { shipment: { scopes: ['read', 'update'] } },
        },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const role = created.body.custom_role;
    assert.equal(role.name, 'Channel manager');
    assert.equal(role.role_type, 0);
    assert.equal(role.team_member_count, 0);
    assert.equal(role.configuration.manage_extensions_and_channels, true);
    assert.equal(role.configuration.ticket_access, 'within-groups');

    const agent = await ctx.desk.createAgent('Cora Channels');
    await giveRole(ctx.desk, agent.id, role.id);
    const shown = await api('GET', `/api/v2/custom_roles/${role.id}`);
    assert.equal(shown.body.custom_role.team_member_count, 1);
    const list = await api('GET', '/api/v2/custom_roles');
    assert.equal(list.body.custom_roles.find((r: any) => r.id === role.id).team_member_count, 1);

    // An update's configuration is merged into the stored one.
    const updated = await api('PUT', `/api/v2/custom_roles/${role.id}`, {
      custom_role: { description: 'Now also triggers', configuration: { manage_triggers: true } },
    });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.equal(updated.body.custom_role.configuration.manage_triggers, true);
    assert.equal(updated.body.custom_role.configuration.manage_extensions_and_channels, true);
    assert.equal(updated.body.custom_role.description, 'Now also triggers');

    const refused = await api('DELETE', `/api/v2/custom_roles/${role.id}`);
    assert.equal(refused.status, 422, 'a role held by an agent cannot be deleted');
    await giveRole(ctx.desk, agent.id, null);
    assert.equal((await api('DELETE', `/api/v2/custom_roles/${role.id}`)).status, 204);
    assert.equal((await api('GET', `/api/v2/custom_roles/${role.id}`)).status, 404);
  });

  it('validates names and the configuration against Zendesk keys', async () => {
    const { api } = ctx.desk;
    const ok = await api('POST', '/api/v2/custom_roles', { custom_role: { name: 'Light' } });
    assert.equal(ok.status, 201);
    assert.deepEqual(ok.body.custom_role.configuration, {});
    const dup = await api('POST', '/api/v2/custom_roles', { custom_role: { name: 'light' } });
    assert.equal(dup.status, 422);
    assert.equal(dup.body.details.name[0].description, 'Name: has already been taken');
    assert.equal((await api('POST', '/api/v2/custom_roles', { custom_role: {} })).status, 422);

    const cases: [string, Record<string, unknown>][] = [
      ['unknown key', { manage_everything: true }],
      ['string for a boolean', { manage_extensions_and_channels: 'yes' }],
      ['value outside an enum', { ticket_access: 'everything' }],
      ['scopes without read', { custom_objects: { shipment: { scopes: ['update'] } } }],
    ];
    for (const [label, configuration] of cases) {
      const res = await api('POST', '/api/v2/custom_roles', {
        custom_role: { name: `Bad ${label}`, configuration },
      });
      assert.equal(res.status, 422, label);
      assert.equal(res.body.error, 'RecordInvalid', label);
      assert.ok(
        Object.keys(res.body.details).some((k) => k.startsWith('configuration')),
        `${label}: ${JSON.stringify(res.body.details)}`,
      );
    }
    const badType = await api('POST', '/api/v2/custom_roles', {
      custom_role: { name: 'Bad type', role_type: 9 },
    });
    assert.equal(badType.status, 422);
    const badUpdate = await api('PUT', `/api/v2/custom_roles/${ok.body.custom_role.id}`, {
      custom_role: { configuration: { not_a_permission: false } },
    });
    assert.equal(badUpdate.status, 422);
  });

  it('is admin only, and answers unknown roles with 404', async () => {
    const { api } = ctx.desk;
    const agent = await ctx.desk.createAgent('Arno Agent');
    const auth = { auth: agent.auth };
    assert.equal((await api('GET', '/api/v2/custom_roles', undefined, auth)).status, 403);
    assert.equal(
      (await api('POST', '/api/v2/custom_roles', { custom_role: { name: 'Mine' } }, auth)).status,
      403,
    );
    assert.equal((await api('GET', '/api/v2/custom_roles/999999')).status, 404);
    assert.equal(
      (await api('PUT', '/api/v2/custom_roles/999999', { custom_role: { name: 'x' } })).status,
      404,
    );
    assert.equal((await api('DELETE', '/api/v2/custom_roles/999999')).status, 404);
  });

  it('hasPermission: admins always, agents by their role, end users never', async () => {
    const { api } = ctx.desk;
    const db = ctx.desk.parley.db;
    const granting = await api('POST', '/api/v2/custom_roles', {
      custom_role: {
        name: 'Slack admin',
        configuration: { manage_extensions_and_channels: true, manage_roles: 'none' },
      },
    });
    const withholding = await api('POST', '/api/v2/custom_roles', {
      custom_role: {
        name: 'No channels',
        configuration: { manage_extensions_and_channels: false },
      },
    });
    const withRole = await ctx.desk.createAgent('Will Granted');
    const withoutGrant = await ctx.desk.createAgent('Wanda Withheld');
    const plain = await ctx.desk.createAgent('Pat Plain');
    const enduser = await ctx.desk.createEndUser('Una User');
    await giveRole(ctx.desk, withRole.id, granting.body.custom_role.id);
    await giveRole(ctx.desk, withoutGrant.id, withholding.body.custom_role.id);

    const key = 'manage_extensions_and_channels';
    assert.equal(await hasPermission(db, await userRow(ctx.desk, ctx.desk.adminId), key), true);
    assert.equal(await hasPermission(db, await userRow(ctx.desk, withRole.id), key), true);
    assert.equal(await hasPermission(db, await userRow(ctx.desk, withoutGrant.id), key), false);
    assert.equal(await hasPermission(db, await userRow(ctx.desk, plain.id), key), false);
    assert.equal(await hasPermission(db, await userRow(ctx.desk, enduser.id), key), false);
    // A key the role does not mention is not granted; an access level of "none" grants nothing.
    assert.equal(
      await hasPermission(db, await userRow(ctx.desk, withRole.id), 'manage_triggers'),
      false,
    );
    assert.equal(
      await hasPermission(db, await userRow(ctx.desk, withRole.id), 'manage_roles'),
      false,
    );
  });
});
