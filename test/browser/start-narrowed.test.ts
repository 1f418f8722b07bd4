import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { nowIso } from '../../src/desk/time.ts';
import { startTestDesk, type TestDesk } from '../helpers/harness.ts';
import {
  launchChromium,
  newAgentPage,
  screenshot,
  seriousViolations,
  signIn,
  signInAsAdmin,
} from '../helpers/browser.ts';
import { personWithTicket } from '../slack/helpers.ts';

/**
 * New conversation narrowed to the chosen connection, and hidden from agents whose role
 * withholds messaging (Chromium).
 */
describe('New conversation narrowed to the connection (Chromium)', () => {
  let desk: TestDesk & { stop(): Promise<void> };
  let browser: Browser;
  let page: Page;
  let name: string;
  let userId: number;
  let ownConnection: string;

  before(async () => {
    desk = await startTestDesk('sqlite');
    // Someone who wrote from the sandbox's workspace.
    const known = await personWithTicket(desk, 'hello');
    userId = known.userId;
    name = (await desk.api('GET', `/api/v2/users/${userId}`)).body.user.name;
    // A second active connection, in another Slack workspace (the sandbox has one of its own).
    const own = await desk.parley.db
      .selectFrom('slack_connections')
      .select(['app_id', 'brand_id', 'name', 'team_name'])
      .where('team_id', '=', 'T0SANDBOX')
      .executeTakeFirstOrThrow();
    ownConnection = own.team_name ? `${own.name} (${own.team_name})` : own.name;
    const now = nowIso();
    await desk.parley.db
      .insertInto('slack_connections')
      .values({
        name: 'Other Co Desk',
        brand_id: own.brand_id,
        app_id: own.app_id,
        mode: 'bot',
        status: 'active',
        team_id: 'T0OTHERWS',
        team_name: 'Other Co',
        installed_at: now,
        created_at: now,
        updated_at: now,
      })
      .execute();
    browser = await launchChromium();
    ({ page } = await newAgentPage(browser));
    await signInAsAdmin(page, desk);
  });
  after(async () => {
    if (browser) await browser.close();
    if (desk) await desk.stop();
  });

  const dialog = () => page.getByRole('dialog', { name: 'Start a Slack conversation' });
  const people = () => page.getByRole('listbox', { name: 'People found' });
  const option = () => people().getByRole('option', { name: new RegExp(`^${name} <`) });

  async function chooseConnection(label: string) {
    await dialog().getByRole('combobox', { name: 'Slack connection' }).click();
    await page.getByRole('option', { name: label, exact: true }).click();
    await page.getByRole('option', { name: label, exact: true }).waitFor({ state: 'hidden' });
  }

  it('shows a person of another workspace as not reachable from that connection, and why', async () => {
    await page.getByRole('button', { name: 'New conversation' }).click();
    await dialog().waitFor();
    await chooseConnection('Other Co Desk (Other Co)');
    await dialog().getByRole('combobox', { name: 'Person' }).fill(name);
    await option().getByText('No Slack identity in this workspace').waitFor();
    assert.equal(await option().getAttribute('aria-disabled'), 'true');
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'start-narrowed-other-workspace');

    // From the sandbox's own connection the same person can be chosen.
    await chooseConnection(ownConnection);
    await dialog().getByRole('combobox', { name: 'Person' }).click();
    await option().waitFor();
    // Asked again for this connection: the person is now choosable.
    await people()
      .locator('[role=option]:not([aria-disabled="true"])', { hasText: `${name} <` })
      .waitFor();
    assert.equal(await option().getByText('No Slack identity in this workspace').count(), 0);
    await option().click();
    await people().waitFor({ state: 'hidden' });
  });

  it('shows the server’s refusal when the person cannot be reached any more', async () => {
    // The person's Slack identity goes away while the dialog is open.
    const ids = await desk.api('GET', `/api/v2/users/${userId}/identities`);
    assert.equal(ids.status, 200, JSON.stringify(ids.body));
    const slack = (ids.body.identities as { id: number; type: string }[]).find(
      (i) => i.type === 'messaging',
    )!;
    const gone = await desk.api('DELETE', `/api/v2/users/${userId}/identities/${slack.id}`);
    assert.ok(gone.status < 300, JSON.stringify(gone.body));
    await dialog().getByRole('textbox', { name: 'First message' }).fill('Hello again.');
    await dialog().getByRole('button', { name: 'Start conversation' }).click();
    await dialog().getByRole('alert').getByText('User: has no Slack identity').waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'start-narrowed-refused');
  });

  it('offers no New conversation to an agent whose role withholds messaging', async () => {
    const rita = await desk.createAgent('Rita Restricted');
    const role = await desk.api('POST', '/api/v2/custom_roles', {
      custom_role: { name: 'No chat', configuration: { ticket_access: 'all', chat_access: false } },
    });
    assert.equal(role.status, 201, JSON.stringify(role.body));
    await desk.parley.db
      .updateTable('users')
      .set({ custom_role_id: role.body.custom_role.id })
      .where('id', '=', rita.id)
      .execute();
    const { context, page: ritaPage } = await newAgentPage(browser);
    try {
      // Asked once signed in (a call before that would be the 401 of no session).
      const refused = ritaPage.waitForResponse(
        (r) => r.url().endsWith('/api/v2/slack/conversations/connections') && r.status() !== 401,
      );
      await ritaPage.goto(`${desk.url}/`);
      await signIn(ritaPage, rita.email, 'correct horse');
      await ritaPage.waitForURL(/\/views\/\d+$/);
      assert.equal((await refused).status(), 403);
      await ritaPage.getByRole('combobox', { name: 'Search tickets and users' }).waitFor();
      assert.equal(await ritaPage.getByRole('button', { name: 'New conversation' }).count(), 0);
      assert.deepEqual(await seriousViolations(ritaPage), []);
      await screenshot(ritaPage, 'start-narrowed-restricted');
    } finally {
      await context.close();
    }
  });
});
