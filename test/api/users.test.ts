import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createApiToken } from '../../src/desk/api-tokens.ts';
import { hashPassword } from '../../src/desk/passwords.ts';
import { forEachDatabase } from '../helpers/harness.ts';

let seq = 0;
const uniqueEmail = (name: string) => `${name}.${++seq}.${Date.now()}@example.org`;

forEachDatabase('users API', (ctx) => {
  async function newUser(user: Record<string, unknown>, auth?: string) {
    const res = await ctx.desk.api('POST', '/api/v2/users.json', { user }, { auth });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.user;
  }

  async function ticketFor(requesterId: number) {
    const res = await ctx.desk.api('POST', '/api/v2/tickets', {
      ticket: { requester_id: requesterId, subject: 'hi', comment: { body: 'hello' } },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.ticket;
  }

  it('creates a user with a primary email identity and shows it', async () => {
    const { api } = ctx.desk;
    const email = uniqueEmail('Casey');
    const res = await api('POST', '/api/v2/users.json', {
      user: {
        name: 'Casey Customer',
        email: email.toUpperCase(),
        external_id: 'crm-1',
        tags: ['VIP', 'beta'],
        user_fields: { plan: 'gold' },
        phone: '+15551234567',
        verified: true,
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const user = res.body.user;
    assert.equal(user.name, 'Casey Customer');
    assert.equal(user.email, email.toLowerCase());
    assert.equal(user.role, 'end-user');
    assert.equal(user.active, true);
    assert.equal(user.verified, true);
    assert.deepEqual(user.tags.sort(), ['beta', 'vip']);
    assert.deepEqual(user.user_fields, { plan: 'gold' });
    assert.match(res.headers.get('location')!, new RegExp(`/api/v2/users/${user.id}\\.json$`));

    const shown = await api('GET', `/api/v2/users/${user.id}.json?include=identities`);
    assert.equal(shown.status, 200);
    assert.equal(shown.body.user.external_id, 'crm-1');
    assert.deepEqual(
      shown.body.identities.map((i: any) => [i.type, i.value, i.primary]),
      [['email', email.toLowerCase(), true]],
    );
  });

  it('lists users with role filters and both pagination styles', async () => {
    const { api } = ctx.desk;
    for (let i = 0; i < 3; i++) await newUser({ name: `Page ${i}`, email: uniqueEmail('page') });
    const agents = await api('GET', '/api/v2/users?role=agent');
    assert.equal(agents.status, 200);
    assert.ok(agents.body.users.every((u: any) => u.role === 'agent'));
    const staff = await api('GET', '/api/v2/users?role[]=agent&role[]=admin');
    assert.ok(staff.body.users.some((u: any) => u.id === ctx.desk.adminId));
    assert.ok(staff.body.users.every((u: any) => u.role !== 'end-user'));

    const all = await api('GET', '/api/v2/users');
    const total = all.body.count;
    assert.ok(total >= 4);
    const first = await api('GET', '/api/v2/users?per_page=2');
    assert.equal(first.body.users.length, 2);
    assert.equal(first.body.count, total);
    assert.match(first.body.next_page, /page=2/);

    const seen: number[] = [];
    let url: string | null = '/api/v2/users.json?page[size]=2';
    while (url) {
      const res: any = await api('GET', url.replace(/^https?:\/\/[^/]+/, ''));
      assert.equal(res.status, 200);
      seen.push(...res.body.users.map((u: any) => u.id));
      url = res.body.meta.has_more ? res.body.links.next : null;
    }
    assert.equal(seen.length, total);
    assert.deepEqual(
      seen,
      [...seen].sort((a, b) => a - b),
    );

    const many = await api('GET', `/api/v2/users/show_many?ids=${seen[0]},${seen[1]}`);
    assert.deepEqual(
      many.body.users.map((u: any) => u.id),
      [seen[0], seen[1]],
    );
  });

  it('refuses a duplicate email, a blank name and a malformed body with 422', async () => {
    const { api } = ctx.desk;
    const email = uniqueEmail('dup');
    await newUser({ name: 'First', email });
    const dup = await api('POST', '/api/v2/users', { user: { name: 'Second', email } });
    assert.equal(dup.status, 422);
    assert.equal(dup.body.error, 'RecordInvalid');
    assert.equal(dup.body.details.email[0].error, 'DuplicateValue');

    const blank = await api('POST', '/api/v2/users', {
      user: { name: '  ', email: uniqueEmail('b') },
    });
    assert.equal(blank.status, 422);
    assert.ok(blank.body.details.name);

    const noEnvelope = await api('POST', '/api/v2/users', { name: 'No envelope' });
    assert.equal(noEnvelope.status, 422);
    assert.ok(noEnvelope.body.details.user);

    const badEmail = await api('POST', '/api/v2/users', { user: { name: 'X', email: 'nope' } });
    assert.equal(badEmail.status, 422);
    assert.ok(badEmail.body.details.email);

    const badRole = await api('POST', '/api/v2/users', { user: { name: 'X', role: 'owner' } });
    assert.equal(badRole.status, 422);
    assert.ok(badRole.body.details.role);

    const badOrg = await api('POST', '/api/v2/users', {
      user: { name: 'X', organization_id: 999999 },
    });
    assert.equal(badOrg.status, 422);
    assert.ok(badOrg.body.details.organization_id);

    const badJson = await api('POST', '/api/v2/users', undefined, {
      raw: '{"user":',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(badJson.status, 400);
  });

  it('lets agents create end users but only admins create staff or change roles', async () => {
    const { api } = ctx.desk;
    const agent = await ctx.desk.createAgent('Role Agent');
    const asAgent = { auth: agent.auth };

    const admin = await api(
      'POST',
      '/api/v2/users',
      { user: { name: 'Sneaky', email: uniqueEmail('sneaky'), role: 'admin' } },
      asAgent,
    );
    assert.equal(admin.status, 403);
    const endUser = await newUser({ name: 'Plain End', email: uniqueEmail('plain') }, agent.auth);
    assert.equal(endUser.role, 'end-user');

    const promote = await api(
      'PUT',
      `/api/v2/users/${endUser.id}`,
      { user: { role: 'agent' } },
      asAgent,
    );
    assert.equal(promote.status, 403);
    const rename = await api(
      'PUT',
      `/api/v2/users/${endUser.id}`,
      { user: { name: 'Renamed' } },
      asAgent,
    );
    assert.equal(rename.status, 200);
    assert.equal(rename.body.user.name, 'Renamed');

    const editAdmin = await api(
      'PUT',
      `/api/v2/users/${ctx.desk.adminId}`,
      { user: { name: 'Hacked' } },
      asAgent,
    );
    assert.equal(editAdmin.status, 403);
    const suspend = await api(
      'PUT',
      `/api/v2/users/${endUser.id}`,
      { user: { suspended: true } },
      asAgent,
    );
    assert.equal(suspend.status, 403);

    const byAdmin = await api('PUT', `/api/v2/users/${endUser.id}`, {
      user: { role: 'agent', suspended: true },
    });
    assert.equal(byAdmin.status, 200, JSON.stringify(byAdmin.body));
    assert.equal(byAdmin.body.user.role, 'agent');
    assert.equal(byAdmin.body.user.suspended, true);

    const lastAdmin = await api('PUT', `/api/v2/users/${ctx.desk.adminId}`, {
      user: { role: 'agent' },
    });
    assert.equal(lastAdmin.status, 422);
  });

  it("refuses an agent's API token on the next request once the agent is suspended or demoted", async () => {
    const { api } = ctx.desk;
    const suspended = await ctx.desk.createAgent('Soon Suspended');
    const demoted = await ctx.desk.createAgent('Soon Demoted');
    for (const a of [suspended, demoted]) {
      assert.equal((await api('GET', '/api/v2/users/me', undefined, { auth: a.auth })).status, 200);
    }
    const s = await api('PUT', `/api/v2/users/${suspended.id}`, { user: { suspended: true } });
    assert.equal(s.status, 200);
    const d = await api('PUT', `/api/v2/users/${demoted.id}`, { user: { role: 'end-user' } });
    assert.equal(d.status, 200);
    for (const a of [suspended, demoted]) {
      const me = await api('GET', '/api/v2/users/me', undefined, { auth: a.auth });
      assert.equal(me.status, 401);
    }
  });

  it('refuses a token revoked outside the API within a second', async () => {
    const { api } = ctx.desk;
    const db = ctx.desk.parley.db;
    const { id, token } = await createApiToken(db, {
      description: 'short-lived',
      createdById: ctx.desk.adminId,
      now: new Date().toISOString(),
    });
    const auth = `${ctx.desk.adminEmail}/token:${token}`;
    assert.equal((await api('GET', '/api/v2/users/me', undefined, { auth })).status, 200);
    // As `parley token` in another process, or another node, would.
    await db.updateTable('api_tokens').set({ active: 0 }).where('id', '=', id).execute();
    await new Promise((r) => setTimeout(r, 1_100));
    assert.equal((await api('GET', '/api/v2/users/me', undefined, { auth })).status, 401);
  });

  it('lets end users read only themselves', async () => {
    const { api } = ctx.desk;
    const user = await ctx.desk.createEndUser('Only Me');
    const other = await ctx.desk.createEndUser('Someone Else');
    const as = { auth: user.auth };
    const me = await api('GET', '/api/v2/users/me.json', undefined, as);
    assert.equal(me.status, 200);
    assert.equal(me.body.user.id, user.id);
    assert.equal(me.body.user.notes, undefined);
    assert.equal((await api('GET', `/api/v2/users/${user.id}`, undefined, as)).status, 200);
    assert.equal((await api('GET', `/api/v2/users/${other.id}`, undefined, as)).status, 403);
    assert.equal((await api('GET', '/api/v2/users', undefined, as)).status, 403);
    assert.equal((await api('GET', '/api/v2/users/search?query=x', undefined, as)).status, 403);
    assert.equal(
      (await api('PUT', `/api/v2/users/${user.id}`, { user: { name: 'x' } }, as)).status,
      403,
    );
    assert.equal((await api('POST', '/api/v2/users', { user: { name: 'x' } }, as)).status, 403);
    assert.equal(
      (await api('GET', `/api/v2/users/${user.id}/identities`, undefined, as)).status,
      403,
    );
    const agentMe = await api('GET', '/api/v2/users/me');
    assert.equal(agentMe.body.user.id, ctx.desk.adminId);
  });

  it('create_or_update creates, then updates the user matched by email or external id', async () => {
    const { api } = ctx.desk;
    const email = uniqueEmail('upsert');
    const created = await api('POST', '/api/v2/users/create_or_update', {
      user: { name: 'Up Sert', email, external_id: `ext-${seq}` },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const byEmail = await api('POST', '/api/v2/users/create_or_update', {
      user: { email: email.toUpperCase(), notes: 'called twice' },
    });
    assert.equal(byEmail.status, 200, JSON.stringify(byEmail.body));
    assert.equal(byEmail.body.user.id, created.body.user.id);
    assert.equal(byEmail.body.user.notes, 'called twice');
    assert.equal(byEmail.body.user.name, 'Up Sert');

    const byExternal = await api('POST', '/api/v2/users/create_or_update', {
      user: { external_id: `EXT-${seq}`, name: 'Renamed By External' },
    });
    assert.equal(byExternal.status, 200);
    assert.equal(byExternal.body.user.id, created.body.user.id);
    assert.equal(byExternal.body.user.name, 'Renamed By External');

    const neither = await api('POST', '/api/v2/users/create_or_update', { user: { name: 'x' } });
    assert.equal(neither.status, 422);
  });

  it('answers racing creates of one email as if they had come one after another', async () => {
    // On PostgreSQL every racer's "is this email free?" passes before any of them commits;
    // the unique index then refuses all but one, and those must get the 422 of a taken email.
    const { api } = ctx.desk;
    const email = uniqueEmail('racer');
    const creates = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        api('POST', '/api/v2/users', { user: { name: `Racer ${i}`, email } }),
      ),
    );
    assert.deepEqual(
      creates.map((r) => r.status).sort(),
      [201, 422, 422, 422, 422, 422, 422, 422],
      JSON.stringify(creates.map((r) => r.body)),
    );
    for (const r of creates.filter((c) => c.status === 422)) {
      assert.equal(r.body.details.email[0].error, 'DuplicateValue');
    }

    // create_or_update looks the email up and creates on finding nobody: racers that lose at
    // the unique index run again and update the winner instead.
    const upsertEmail = uniqueEmail('upsert-racer');
    const upserts = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        api('POST', '/api/v2/users/create_or_update', {
          user: { name: `Upsert Racer ${i}`, email: upsertEmail },
        }),
      ),
    );
    assert.deepEqual(
      upserts.map((r) => r.status).sort(),
      [200, 200, 200, 200, 200, 200, 200, 201],
      JSON.stringify(upserts.map((r) => r.body)),
    );
    assert.equal(new Set(upserts.map((r) => r.body.user.id)).size, 1);

    // The same by external id, which only the database's unique index can hold.
    const externalId = `RACE-${seq}-${Date.now()}`;
    const byExternal = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        api('POST', '/api/v2/users/create_or_update', {
          user: {
            name: `External Racer ${i}`,
            external_id: i % 2 ? externalId : externalId.toLowerCase(),
          },
        }),
      ),
    );
    assert.deepEqual(
      byExternal.map((r) => r.status).sort(),
      [200, 200, 200, 200, 200, 200, 200, 201],
      JSON.stringify(byExternal.map((r) => r.body)),
    );
    const found = await api('GET', `/api/v2/users/search.json?external_id=${externalId}`);
    assert.equal(found.body.users.length, 1);

    for (const e of [email, upsertEmail]) {
      const found = await api('GET', `/api/v2/users/search.json?query=${encodeURIComponent(e)}`);
      assert.equal(found.body.users.length, 1, e);
    }
  });

  it('searches by name, email and external id, and autocompletes names', async () => {
    const { api } = ctx.desk;
    const tag = `zq${Date.now()}`;
    const email = uniqueEmail(tag);
    const user = await newUser({
      name: `Quentin ${tag} Searchable`,
      email,
      external_id: `S-${tag}`,
    });
    const secondary = uniqueEmail('second');
    await api('PUT', `/api/v2/users/${user.id}`, { user: { email: secondary } });
    await newUser({ name: 'Unrelated Person', email: uniqueEmail('unrelated') });

    const byName = await api('GET', `/api/v2/users/search.json?query=${tag.toUpperCase()}`);
    assert.equal(byName.status, 200);
    assert.deepEqual(
      byName.body.users.map((u: any) => u.id),
      [user.id],
    );
    const bySecondary = await api(
      'GET',
      `/api/v2/users/search?query=${encodeURIComponent(secondary)}`,
    );
    assert.deepEqual(
      bySecondary.body.users.map((u: any) => u.id),
      [user.id],
    );
    const wildcard = await api('GET', `/api/v2/users/search?query=${encodeURIComponent('%')}`);
    assert.equal(wildcard.body.users.length, 0);
    const byExternal = await api('GET', `/api/v2/users/search?external_id=s-${tag}`);
    assert.deepEqual(
      byExternal.body.users.map((u: any) => u.id),
      [user.id],
    );
    const many = await api('GET', `/api/v2/users/show_many?external_ids=s-${tag}, nobody-${tag}`);
    assert.deepEqual(
      many.body.users.map((u: any) => u.id),
      [user.id],
    );
    const auto = await api('GET', '/api/v2/users/autocomplete?name=quentin');
    assert.ok(auto.body.users.some((u: any) => u.id === user.id));
    assert.ok(auto.body.users.every((u: any) => u.name.toLowerCase().startsWith('quentin')));
    assert.equal((await api('GET', '/api/v2/users/search')).status, 400);
  });

  it('identities added to one user at the same moment all succeed', async () => {
    // Each addition rewrites the user's search document; on PostgreSQL two rewrites at once
    // used to collide (delete, delete, insert, insert → unique violation → 409 after retries).
    const { api } = ctx.desk;
    const user = await newUser({ name: 'Concurrent Connie', email: uniqueEmail('connie') });
    const path = `/api/v2/users/${user.id}/identities`;
    for (let round = 0; round < 10; round++) {
      const answers = await Promise.all(
        [0, 1, 2, 3].map(() =>
          api('POST', path, { identity: { type: 'email', value: uniqueEmail('connie') } }),
        ),
      );
      assert.deepEqual(
        answers.map((a) => a.status),
        [201, 201, 201, 201],
        JSON.stringify(answers.map((a) => a.body)),
      );
    }
    const list = await api('GET', `${path}.json?per_page=100`);
    assert.equal(list.body.identities.length, 41);
  });

  it('adds, verifies, makes primary and deletes identities; a value belongs to one user', async () => {
    const { api } = ctx.desk;
    const email = uniqueEmail('ident');
    const user = await newUser({ name: 'Ida Identity', email });
    const other = await newUser({ name: 'Other', email: uniqueEmail('other') });
    const path = `/api/v2/users/${user.id}/identities`;

    const second = uniqueEmail('ident2');
    const added = await api('POST', path, { identity: { type: 'email', value: second } });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.equal(added.body.identity.primary, false);
    const slack = await api('POST', path, { identity: { type: 'slack', value: `U${seq}ABC` } });
    assert.equal(slack.status, 201);
    assert.equal(slack.body.identity.type, 'messaging');
    assert.equal(slack.body.identity.primary, true);

    const taken = await api('POST', `/api/v2/users/${other.id}/identities`, {
      identity: { type: 'email', value: second.toUpperCase() },
    });
    assert.equal(taken.status, 422);
    assert.equal(taken.body.details.value[0].error, 'DuplicateValue');
    const takenOnUpdate = await api('PUT', `/api/v2/users/${other.id}`, { user: { email } });
    assert.equal(takenOnUpdate.status, 422);
    const badType = await api('POST', path, { identity: { type: 'fax', value: '1' } });
    assert.equal(badType.status, 422);
    const badValue = await api('POST', path, { identity: { type: 'email', value: 'not-mail' } });
    assert.equal(badValue.status, 422);

    const list = await api('GET', `${path}.json`);
    assert.equal(list.status, 200);
    assert.equal(list.body.identities.length, 3);
    const one = await api('GET', `${path}/${added.body.identity.id}`);
    assert.equal(one.body.identity.value, second);
    assert.equal(
      (await api('GET', `/api/v2/users/${other.id}/identities/${added.body.identity.id}`)).status,
      404,
    );

    const verified = await api('PUT', `${path}/${added.body.identity.id}/verify`);
    assert.equal(verified.body.identity.verified, true);

    const primaryId = list.body.identities.find((i: any) => i.value === email).id;
    const refuse = await api('DELETE', `${path}/${primaryId}`);
    assert.equal(refuse.status, 422);

    const made = await api('PUT', `${path}/${added.body.identity.id}/make_primary`);
    assert.equal(made.status, 200);
    const primaries = made.body.identities.filter((i: any) => i.type === 'email' && i.primary);
    assert.deepEqual(
      primaries.map((i: any) => i.value),
      [second],
    );
    const shown = await api('GET', `/api/v2/users/${user.id}`);
    assert.equal(shown.body.user.email, second);

    const removed = await api('DELETE', `${path}/${primaryId}`);
    assert.equal(removed.status, 204);
    const after = await api('GET', path);
    assert.equal(after.body.identities.length, 2);
    // The old address is free again.
    await api('POST', `/api/v2/users/${other.id}/identities`, {
      identity: { type: 'email', value: email },
    }).then((r) => assert.equal(r.status, 201));

    // An end user may drop their only email while a Slack identity remains, not the last one.
    const dropEmail = await api('DELETE', `${path}/${added.body.identity.id}`);
    assert.equal(dropEmail.status, 204);
    assert.equal((await api('GET', `/api/v2/users/${user.id}`)).body.user.email, null);
    const last = await api('DELETE', `${path}/${slack.body.identity.id}`);
    assert.equal(last.status, 422);
  });

  it('adds a secondary email on update instead of replacing the primary one', async () => {
    const { api } = ctx.desk;
    const email = uniqueEmail('keep');
    const user = await newUser({ name: 'Keeper', email });
    const extra = uniqueEmail('extra');
    const res = await api('PUT', `/api/v2/users/${user.id}`, { user: { email: extra } });
    assert.equal(res.status, 200);
    assert.equal(res.body.user.email, email);
    const ids = await api('GET', `/api/v2/users/${user.id}/identities`);
    assert.deepEqual(
      ids.body.identities.map((i: any) => [i.value, i.primary]),
      [
        [email, true],
        [extra, false],
      ],
    );
  });

  it('merges an end user into another: tickets, comments, identities and an audit move', async () => {
    const { api } = ctx.desk;
    const source = await ctx.desk.createEndUser('Dupe Source');
    const target = await newUser({ name: 'Dupe Target', email: uniqueEmail('target') });
    const ticket = await ticketFor(source.id);
    const reply = await api(
      'PUT',
      `/api/v2/tickets/${ticket.id}`,
      { ticket: { comment: { body: 'me again' } } },
      { auth: source.auth },
    );
    assert.equal(reply.status, 200, JSON.stringify(reply.body));

    // A Slack DM the source wrote from, as the Slack channel records it.
    const db = ctx.desk.parley.db;
    const now = new Date().toISOString();
    const slackApp = await db
      .insertInto('slack_apps')
      .values({
        name: 'Merge test',
        source: 'api',
        client_id: `merge-${source.id}`,
        client_secret_enc: 'x',
        signing_secret_enc: 'x',
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const brand = await db.selectFrom('brands').select('id').executeTakeFirstOrThrow();
    const connection = await db
      .insertInto('slack_connections')
      .values({
        name: 'IT Help',
        brand_id: brand.id,
        app_id: slackApp.id,
        mode: 'bot',
        status: 'active',
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const conversation = await db
      .insertInto('slack_conversations')
      .values({
        connection_id: connection.id,
        channel_id: `D${source.id}`,
        slack_user_id: `U${source.id}`,
        user_id: source.id,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();

    const res = await api('PUT', `/api/v2/users/${source.id}/merge.json`, {
      user: { id: target.id },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.user.id, target.id);

    const moved = await api('GET', `/api/v2/tickets/${ticket.id}`);
    assert.equal(moved.body.ticket.requester_id, target.id);
    const comments = await api('GET', `/api/v2/tickets/${ticket.id}/comments`);
    assert.ok(comments.body.comments.some((c: any) => c.author_id === target.id));
    assert.ok(comments.body.comments.every((c: any) => c.author_id !== source.id));

    const audits = await api('GET', `/api/v2/tickets/${ticket.id}/audits`);
    const last = audits.body.audits[audits.body.audits.length - 1];
    assert.equal(last.via.channel, 'merge');
    const change = last.events.find((e: any) => e.field_name === 'requester_id');
    assert.deepEqual(
      [change.type, change.previous_value, change.value],
      ['Change', String(source.id), String(target.id)],
    );

    const ids = await api('GET', `/api/v2/users/${target.id}/identities`);
    assert.ok(ids.body.identities.some((i: any) => i.value === source.email && !i.primary));
    const gone = await api('GET', `/api/v2/users/${source.id}`);
    assert.equal(gone.body.user.active, false);
    const merged = await db
      .selectFrom('users')
      .select('merged_into_id')
      .where('id', '=', source.id)
      .executeTakeFirstOrThrow();
    assert.equal(merged.merged_into_id, target.id);
    const dm = await db
      .selectFrom('slack_conversations')
      .select('user_id')
      .where('id', '=', conversation.id)
      .executeTakeFirstOrThrow();
    assert.equal(dm.user_id, target.id);
    // The source's email now leads to the target, whose password the source does not know.
    const asTarget = await api('GET', '/api/v2/users/me', undefined, {
      auth: `${source.email}:correct horse`,
    });
    assert.equal(asTarget.status, 401);
  });

  it('refuses to merge agents, unknown users and a user into itself', async () => {
    const { api } = ctx.desk;
    const agent = await ctx.desk.createAgent('Merge Agent');
    const user = await ctx.desk.createEndUser('Merge Me');
    const intoAgent = await api('PUT', `/api/v2/users/${user.id}/merge`, {
      user: { id: agent.id },
    });
    assert.equal(intoAgent.status, 422);
    const fromAgent = await api('PUT', `/api/v2/users/${agent.id}/merge`, {
      user: { id: user.id },
    });
    assert.equal(fromAgent.status, 422);
    const self = await api('PUT', `/api/v2/users/${user.id}/merge`, { user: { id: user.id } });
    assert.equal(self.status, 422);
    const unknown = await api('PUT', '/api/v2/users/999999/merge', { user: { id: user.id } });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error, 'RecordNotFound');
    const unknownTarget = await api('PUT', `/api/v2/users/${user.id}/merge`, {
      user: { id: 999999 },
    });
    assert.equal(unknownTarget.status, 422);
    const noBody = await api('PUT', `/api/v2/users/${user.id}/merge`, { user: {} });
    assert.equal(noBody.status, 422);
    const asEndUser = await api(
      'PUT',
      `/api/v2/users/${user.id}/merge`,
      { user: { id: agent.id } },
      { auth: user.auth },
    );
    assert.equal(asEndUser.status, 403);
  });

  it('merges the signed-in end user into an account they prove to own', async () => {
    const { api } = ctx.desk;
    const me = await ctx.desk.createEndUser('Self Merger');
    const targetEmail = uniqueEmail('owned');
    const target = await newUser({ name: 'Owned Account', email: targetEmail });
    await ctx.desk.parley.db
      .updateTable('users')
      .set({ password_hash: await hashPassword('other secret') })
      .where('id', '=', target.id)
      .execute();
    const ticket = await ticketFor(me.id);

    const wrong = await api(
      'PUT',
      '/api/v2/users/me/merge',
      { user: { email: targetEmail, password: 'guess' } },
      { auth: me.auth },
    );
    assert.equal(wrong.status, 422);
    const res = await api(
      'PUT',
      '/api/v2/users/me/merge',
      { user: { email: targetEmail, password: 'other secret' } },
      { auth: me.auth },
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.user.id, target.id);
    const moved = await api('GET', `/api/v2/tickets/${ticket.id}`);
    assert.equal(moved.body.ticket.requester_id, target.id);
  });

  it('deletes softly: the user turns inactive, keeps tickets, and frees the email', async () => {
    const { api } = ctx.desk;
    const email = uniqueEmail('leaver');
    const user = await newUser({ name: 'Leaver', email });
    const ticket = await ticketFor(user.id);
    const res = await api('DELETE', `/api/v2/users/${user.id}.json`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.user.active, false);

    const still = await api('GET', `/api/v2/tickets/${ticket.id}`);
    assert.equal(still.status, 200);
    assert.equal(still.body.ticket.requester_id, user.id);
    const shown = await api('GET', `/api/v2/users/${user.id}`);
    assert.equal(shown.body.user.active, false);
    const listed = await api('GET', '/api/v2/users?per_page=100');
    assert.ok(listed.body.users.every((u: any) => u.id !== user.id));
    assert.equal((await api('DELETE', `/api/v2/users/${user.id}`)).status, 404);
    assert.equal(
      (await api('PUT', `/api/v2/users/${user.id}`, { user: { name: 'x' } })).status,
      404,
    );

    const again = await newUser({ name: 'Returner', email });
    assert.notEqual(again.id, user.id);

    const self = await api('DELETE', `/api/v2/users/${ctx.desk.adminId}`);
    assert.equal(self.status, 422);
    assert.equal((await api('GET', '/api/v2/users/999999')).status, 404);
    assert.equal((await api('GET', '/api/v2/users/abc')).status, 404);
  });
});
