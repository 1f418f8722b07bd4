/**
 * The ticket page's properties and requester panels in Chromium: each property saved at once
 * (and confirmed by the API), "take it", a change made meanwhile by someone else, a Slack
 * requester's profile with their local time and team, their other tickets, merging a
 * Slack-made profile into an existing user, and bulk tags in the view table.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import type { TestDesk } from '../helpers/harness.ts';
import { browserDesk, screenshot, seriousViolations } from '../helpers/browser.ts';
import { ALICE, PARTNER, sandboxOf, settle, userIdForSlack, waitFor } from '../slack/helpers.ts';

describe('the ticket panels in Chromium', () => {
  let desk: TestDesk;
  let page: Page;
  let close: (() => Promise<void>) | undefined;
  let agent: { id: number; email: string };
  let groupId: number;
  let ticketId: number;
  let aliceTicket: number;

  const ticket = async (id: number) => (await desk.api('GET', `/api/v2/tickets/${id}`)).body.ticket;
  /** Polls the API until the ticket satisfies `ok`. */
  const until = (id: number, what: string, ok: (t: any) => boolean) =>
    waitFor(what, async () => ok(await ticket(id)));
  const properties = () => page.getByRole('region', { name: 'Properties' });
  const requester = () => page.getByRole('region', { name: 'Requester' });

  async function pick(panel: Locator, label: string, option: string) {
    await panel.getByLabel(label, { exact: true }).click();
    await page.getByRole('option', { name: option, exact: true }).click();
  }

  async function newTicket(subject: string, fields: Record<string, unknown> = {}) {
    const made = await desk.api('POST', '/api/v2/tickets', {
      ticket: {
        subject,
        comment: { body: `${subject}, please help` },
        requester: { email: 'rita@example.com', name: 'Rita Requester' },
        ...fields,
      },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    return made.body.ticket.id as number;
  }

  /** A Slack user's DM, applied: the Parley user and the ticket it opened. */
  async function dm(slackUser: string, text: string) {
    const sent = await sandboxOf(desk).sendMessage({ user: slackUser, text });
    assert.equal(sent.delivery.status, 'acked');
    await settle(desk);
    const userId = await userIdForSlack(desk, slackUser);
    assert.ok(userId);
    const list = await desk.api('GET', `/api/v2/users/${userId}/tickets/requested?sort_by=id`);
    return { userId, ticketId: list.body.tickets.at(-1).id as number };
  }

  before(async () => {
    ({ desk, page, close } = await browserDesk({
      seed: async (d: TestDesk) => {
        desk = d; // newTicket() above reads `desk`
        const made = await desk.api('POST', '/api/v2/groups', { group: { name: 'Network' } });
        assert.equal(made.status, 201, JSON.stringify(made.body));
        groupId = made.body.group.id;
        agent = await desk.createAgent('Giulia Bianchi');
        await desk.createAgent('Luca Outsider');
        const member = await desk.api('POST', '/api/v2/group_memberships', {
          group_membership: { user_id: agent.id, group_id: groupId },
        });
        assert.equal(member.status, 201, JSON.stringify(member.body));
        ticketId = await newTicket('Printer jammed');
      },
    }));
  });
  after(() => close?.());

  it('saves status, priority, type, group, assignee and tags from the properties panel', async () => {
    await page.goto(`${desk.url}/tickets/${ticketId}`);
    const panel = properties();
    await panel.getByLabel('Status', { exact: true }).waitFor();
    assert.deepEqual(await seriousViolations(page), []);

    await pick(panel, 'Status', 'Pending');
    await until(ticketId, 'status pending', (t) => t.status === 'pending');
    await pick(panel, 'Priority', 'High');
    await until(ticketId, 'priority high', (t) => t.priority === 'high');
    await pick(panel, 'Type', 'Incident');
    await until(ticketId, 'type incident', (t) => t.type === 'incident');
    await pick(panel, 'Group', 'Network');
    await until(ticketId, 'group Network', (t) => t.group_id === groupId);

    // With a group set, only its agents are offered.
    await panel.getByLabel('Assignee', { exact: true }).click();
    await page.getByRole('option', { name: 'Giulia Bianchi' }).waitFor();
    assert.equal(await page.getByRole('option', { name: 'Luca Outsider' }).count(), 0);
    await page.getByRole('option', { name: 'Giulia Bianchi' }).click();
    await until(ticketId, 'assignee Giulia', (t) => t.assignee_id === agent.id);

    const tags = panel.getByLabel('Tags', { exact: true });
    await tags.fill('vpn');
    await tags.press('Enter');
    await tags.fill('Printer');
    await tags.press('Enter');
    await until(
      ticketId,
      'tags added',
      (t) => t.tags.includes('vpn') && t.tags.includes('printer'),
    );
    await panel.getByRole('button', { name: 'Remove tag vpn' }).click();
    await until(
      ticketId,
      'tag removed',
      (t) => !t.tags.includes('vpn') && t.tags.includes('printer'),
    );
    await screenshot(page, 'panels-properties');
  });

  it('takes the ticket with "Take it"', async () => {
    const panel = properties();
    await panel.getByRole('button', { name: 'Take it' }).click();
    await until(ticketId, 'assigned to me', (t) => t.assignee_id === desk.adminId);
    await panel.getByRole('button', { name: 'Take it' }).waitFor({ state: 'detached' });
  });

  it('does not overwrite a change made meanwhile: reloads and says so', async () => {
    // The live stream would bring the other change in before the panel's: hold it back, as a
    // slow network would, so the panel really writes against a stale ticket.
    await page.route('**/api/v2/stream**', (route) => route.abort());
    await page.reload();
    await properties().getByLabel('Type', { exact: true }).waitFor();
    // Stamps have whole seconds (as Zendesk's): the other change lands in a later second than
    // the panel's last one, or the two could not be told apart.
    const seen = (await ticket(ticketId)).updated_at as string;
    await waitFor(
      'the next second',
      async () => new Date().toISOString().slice(0, 19) + 'Z' > seen,
    );
    const other = await desk.api('PUT', `/api/v2/tickets/${ticketId}`, {
      ticket: { priority: 'urgent' },
    });
    assert.equal(other.status, 200);
    await pick(properties(), 'Type', 'Task');
    await page
      .getByRole('alert')
      .getByText(/Someone else changed this ticket/)
      .waitFor();
    // Reloaded: the other change shows; the stale one was not written.
    await properties()
      .getByLabel('Priority', { exact: true })
      .and(page.locator('[value="Urgent"]'))
      .waitFor();
    const now = await ticket(ticketId);
    assert.equal(now.priority, 'urgent');
    assert.equal(now.type, 'incident');
    await page.unroute('**/api/v2/stream**');
  });

  it('shows the server’s reason when a change is refused, and takes the change back', async () => {
    const doomed = await desk.api('POST', '/api/v2/groups', { group: { name: 'Doomed' } });
    const doomedId = doomed.body.group.id as number;
    await page.goto(`${desk.url}/tickets/${ticketId}`);
    const panel = properties();
    await panel
      .getByLabel('Group', { exact: true })
      .and(page.locator('[value="Network"]'))
      .waitFor();
    // The group goes after the page listed it.
    assert.equal((await desk.api('DELETE', `/api/v2/groups/${doomedId}`)).status, 204);
    await pick(panel, 'Group', 'Doomed');
    await panel
      .getByRole('alert')
      .getByText(`Group: there is no group with id ${doomedId}`)
      .waitFor();
    await panel
      .getByLabel('Group', { exact: true })
      .and(page.locator('[value="Network"]'))
      .waitFor();
    assert.equal((await ticket(ticketId)).group_id, groupId);
    await screenshot(page, 'panels-refused');
  });

  it('keeps a closed ticket read-only, and says why', async () => {
    const closed = await newTicket('Old request', { status: 'closed' });
    await page.goto(`${desk.url}/tickets/${closed}`);
    await properties()
      .getByText(/closed and can no longer be changed/)
      .waitFor();
    assert.ok(await properties().getByLabel('Status', { exact: true }).isDisabled());
    assert.equal(await properties().getByRole('button', { name: 'Take it' }).count(), 0);
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'panels-closed');
  });

  it('shows a Slack requester’s profile: names, title, local time, team; and their other tickets', async () => {
    const first = await dm(ALICE, 'my laptop will not start');
    // Solve it, so Alice's next message opens another ticket.
    await desk.api('PUT', `/api/v2/tickets/${first.ticketId}`, { ticket: { status: 'closed' } });
    const second = await dm(ALICE, 'and now the VPN is down');
    assert.notEqual(second.ticketId, first.ticketId);
    aliceTicket = second.ticketId;
    await page.goto(`${desk.url}/tickets/${second.ticketId}`);
    const panel = requester();
    await panel.getByTestId('requester-name').getByText('Alice Example').waitFor();
    await panel.getByText('Slack name: @alice').waitFor();
    await panel.getByText('Title: Accountant').waitFor();
    await panel.getByText('alice@sandbox.example').waitFor();
    await panel.getByText('Slack team: Sandbox Workspace').waitFor();
    const local = await panel.getByTestId('local-time').innerText();
    const paris = new Intl.DateTimeFormat('en', {
      timeZone: 'Europe/Paris',
      weekday: 'short',
      hour: 'numeric',
      minute: '2-digit',
    });
    assert.match(local, /^Local time: .+ \(Europe\/Paris\)$/);
    // The panel read the clock a moment ago: this minute's or the one before.
    const shown = local.replace(/^Local time: /, '').replace(/ \(Europe\/Paris\)$/, '');
    const now = Date.now();
    assert.ok(
      [now, now - 60_000].map((t) => paris.format(new Date(t))).includes(shown),
      `${shown} is not the time in Paris`,
    );
    assert.equal(await panel.getByText('External', { exact: true }).count(), 0);
    // The earlier ticket is listed, this one is not.
    await panel.locator(`li[data-ticket-id="${first.ticketId}"]`).waitFor();
    assert.equal(await panel.locator(`li[data-ticket-id="${second.ticketId}"]`).count(), 0);
    assert.deepEqual(await seriousViolations(page), []);
    await requester().scrollIntoViewIfNeeded();
    await screenshot(page, 'panels-slack-requester');
  });

  it('marks a Slack Connect partner as external, with their team', async () => {
    const partner = await dm(PARTNER, 'our shared channel is down');
    await page.goto(`${desk.url}/tickets/${partner.ticketId}`);
    const panel = requester();
    await panel.getByText('Slack team: Partner Co').waitFor();
    await panel.getByText('External', { exact: true }).waitFor();
    await panel.getByText(/\(America\/New York\)/).waitFor();
    await requester().scrollIntoViewIfNeeded();
    await screenshot(page, 'panels-partner');
  });

  it('merges a Slack-made profile into an existing email user from the requester panel', async () => {
    sandboxOf(desk).addUser({ id: 'U0MARTA', name: 'Marta R', email: null });
    const slack = await dm('U0MARTA', 'ciao, la stampante non stampa');
    const existing = await desk.api('POST', '/api/v2/users', {
      user: { name: 'Marta Rossi', email: 'marta.rossi@example.com' },
    });
    assert.equal(existing.status, 201);
    const targetId = existing.body.user.id as number;
    await page.goto(`${desk.url}/tickets/${slack.ticketId}`);
    await requester().getByTestId('requester-name').getByText('Marta R').waitFor();
    await requester().getByRole('button', { name: 'Merge into another user…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Merge Marta R into another user' });

    // An agent cannot be merged: the server says so.
    await dialog.getByLabel('Find the user').fill('Giulia');
    await dialog.getByRole('radio', { name: /Giulia Bianchi/ }).check();
    await dialog.getByRole('button', { name: 'Merge', exact: true }).click();
    await dialog
      .getByRole('alert')
      .getByText(/Only end users can be merged/)
      .waitFor();

    await dialog.getByLabel('Find the user').fill('marta.rossi');
    await dialog.getByRole('radio', { name: /Marta Rossi <marta.rossi@example.com>/ }).check();
    await dialog
      .getByText(/tickets, identities \(email, Slack\) and Slack conversation move/)
      .waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'panels-merge');
    await dialog.getByRole('button', { name: 'Merge', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await requester().getByTestId('requester-name').getByText('Marta Rossi').waitFor();
    await requester().getByText('marta.rossi@example.com').waitFor();
    // The Slack profile came along.
    await requester().getByText('Slack team: Sandbox Workspace').waitFor();
    assert.equal((await ticket(slack.ticketId)).requester_id, targetId);
    assert.equal(await userIdForSlack(desk, 'U0MARTA'), targetId);
    await requester().scrollIntoViewIfNeeded();
    await screenshot(page, 'panels-merged');
  });

  it('adds a tag to two tickets from the view table', async () => {
    const a = await newTicket('Bulk one');
    const b = await newTicket('Bulk two');
    const views = (await desk.api('GET', '/api/v2/views/active')).body.views as {
      id: number;
      title: string;
    }[];
    const all = views.find((v) => v.title === 'All unsolved tickets') ?? views[0]!;
    await page.goto(`${desk.url}/views/${all.id}`);
    for (const id of [a, b]) await page.getByLabel(`Select ticket #${id}`).check();
    const region = page.getByRole('region', { name: 'Update selected tickets' });
    const add = region.getByLabel('Add tags', { exact: true });
    await add.fill('bulk_tag');
    await add.press('Enter');
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'panels-bulk-tags');
    await region.getByRole('button', { name: 'Apply' }).click();
    await region.waitFor({ state: 'detached' });
    for (const id of [a, b]) {
      const t = await ticket(id);
      assert.ok(t.tags.includes('bulk_tag'), JSON.stringify(t.tags));
    }
  });

  it('speaks Italian, with the person’s local time in Italian', async () => {
    await page.getByRole('button', { name: /User menu/ }).click();
    await page.getByRole('menuitem', { name: 'Italiano' }).click();
    await page.goto(`${desk.url}/tickets/${aliceTicket}`);
    const panel = page.getByRole('region', { name: 'Richiedente' });
    await page
      .getByRole('region', { name: 'Proprietà' })
      .getByRole('button', { name: 'Prendi in carico' })
      .waitFor();
    await panel.getByText('Ruolo: Accountant').waitFor();
    await panel.getByText('Team Slack: Sandbox Workspace').waitFor();
    assert.match(
      await panel.getByTestId('local-time').innerText(),
      /^Ora locale: .+ \(Europe\/Paris\)$/,
    );
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'panels-italian');
    await page.getByRole('button', { name: /Menu utente/ }).click();
    await page.getByRole('menuitem', { name: 'English' }).click();
    await page.getByRole('region', { name: 'Properties' }).waitFor();
  });
});
