import { DeskEvents } from '../../src/desk/events.ts';
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { createTicket } from '../../src/desk/tickets/create-ticket.ts';
import { nowIso } from '../../src/desk/time.ts';
import { via } from '../../src/desk/via.ts';
import { forEachDatabase, type TestDesk } from '../helpers/harness.ts';
import { type SetUp, setUp } from './authorization-fixtures.ts';
import {
  ACTORS,
  type ActorName,
  type Expect,
  OUTSIDE_THE_API,
  SANDBOX,
  TABLE,
} from './authorization-table.ts';

/**
 * Who may call what: four actors × every endpoint of the app, on both databases. The table
 * must name every route the running app has, so a new endpoint cannot slip in unclassified.
 */

/** Every "METHOD /path" the app serves (HEAD is Fastify's, beside each GET), from its route tree. */
function appRoutes(desk: TestDesk): string[] {
  const tree = desk.parley.app.printRoutes({ commonPrefix: false });
  const stack: { column: number; path: string }[] = [];
  const out: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^(.*?── )(\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const column = m[1]!.length;
    while (stack.length && stack[stack.length - 1]!.column >= column) stack.pop();
    const parent = stack.length ? stack[stack.length - 1]!.path : '';
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

forEachDatabase('authorization matrix', (ctx) => {
  let f: SetUp;

  before(async () => {
    f = await setUp(ctx.desk);
  });

  it('classifies every route of the app', () => {
    const unclassified = appRoutes(ctx.desk).filter(
      (r) => !(r in TABLE) && !OUTSIDE_THE_API.has(r) && !r.split(' ')[1]!.startsWith(SANDBOX),
    );
    assert.deepEqual(unclassified, [], 'routes missing from the authorization matrix');
    const served = new Set(appRoutes(ctx.desk));
    const stale = Object.keys(TABLE).filter((r) => !served.has(r));
    assert.deepEqual(stale, [], 'matrix rows for routes the app no longer serves');
  });

  it('answers each actor at each endpoint as the policies say', async () => {
    const wrong: string[] = [];
    for (const [route, endpoint] of Object.entries(TABLE)) {
      const method = route.split(' ')[0]!;
      const subjects = endpoint.ticket ? [f.plainTicket, f.slackTicket] : [0];
      for (const ticket of subjects) {
        const slack = ticket === f.slackTicket;
        // The four actors at once: they share no record a call of another could change.
        const answers = await Promise.all(
          ACTORS.map(async (actor) => {
            // A Slack ticket does not exist for an agent whose role withholds chat access.
            const hidden = slack && actor === 'restricted';
            const expect = hidden ? (endpoint.slackHidden ?? 404) : endpoint.expect[actor];
            const call = await endpoint.call(f, actor, ticket, slack);
            const res = await ctx.desk.api(method, call.path, call.body, {
              auth: f.auth[actor],
              ...(call.raw === undefined ? {} : { raw: call.raw }),
              ...(call.headers ? { headers: call.headers } : {}),
            });
            if (matches(expect, res.status)) return [];
            const subject = endpoint.ticket ? (slack ? ' [slack]' : ' [web]') : '';
            return [`${route}${subject} as ${actor}: ${classify(res.status)}, expected ${expect}`];
          }),
        );
        wrong.push(...answers.flat());
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
      { events: new DeskEvents() },
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
