import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  launchChromium,
  newAgentPage,
  screenshot,
  seriousViolations,
  signIn,
} from '../helpers/browser.ts';
import { startTestDesk, type TestDesk } from '../helpers/harness.ts';

/**
 * Agents whose custom role manages channels (`manage_extensions_and_channels`) get Admin →
 * Slack channels in the workspace, as their API allows; plain agents do not.
 */
describe('Admin → Slack channels for a channel manager in Chromium', () => {
  let desk: TestDesk & { stop(): Promise<void> };
  let browser: Browser;
  let manager: { id: number; email: string };
  let agent: { id: number; email: string };

  before(async () => {
    desk = await startTestDesk('sqlite');
    const role = await desk.api('POST', '/api/v2/custom_roles', {
      custom_role: {
        name: 'Channel manager',
        configuration: { manage_extensions_and_channels: true },
      },
    });
    assert.equal(role.status, 201, JSON.stringify(role.body));
    manager = await desk.createAgent('Carla Channels');
    await desk.parley.db
      .updateTable('users')
      .set({ custom_role_id: role.body.custom_role.id as number })
      .where('id', '=', manager.id)
      .execute();
    agent = await desk.createAgent('Paolo Plain');
    browser = await launchChromium();
  });
  after(async () => {
    if (browser) await browser.close();
    if (desk) await desk.stop();
  });

  async function signedIn(email: string): Promise<Page> {
    const { page } = await newAgentPage(browser);
    await page.goto(`${desk.url}/`);
    await signIn(page, email, 'correct horse');
    await page.waitForURL(/\/views\/\d+$/);
    return page;
  }

  it('tells the workspace who may manage channels, by the same policy as the API', async () => {
    const sessionOf = async (email: string) => {
      const res = await fetch(`${desk.url}/api/v2/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: desk.url },
        body: JSON.stringify({ email, password: 'correct horse' }),
      });
      assert.equal(res.status, 201);
      return (await res.json()) as { permissions: { manage_channels: boolean } };
    };
    assert.deepEqual((await sessionOf(manager.email)).permissions, { manage_channels: true });
    assert.deepEqual((await sessionOf(agent.email)).permissions, { manage_channels: false });
    assert.deepEqual((await sessionOf(desk.adminEmail)).permissions, { manage_channels: true });
  });

  it('shows the manager Admin → Slack channels, where a connection can be renamed', async () => {
    const page = await signedIn(manager.email);
    await page.getByRole('button', { name: 'User menu for Carla Channels' }).waitFor();
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.waitForURL(/\/admin\/channels\/slack$/);
    await page.getByRole('heading', { name: 'Slack channels' }).waitFor();
    const card = (name: string) =>
      page.locator('article[data-connection-id]').filter({
        has: page.getByRole('heading', { name, exact: true }),
      });
    const sandbox = card('Sandbox Help Desk');
    await sandbox.getByTestId('connection-status').getByText('Active').waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'admin-manager-channels');

    await sandbox.getByRole('button', { name: 'Settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings of Sandbox Help Desk' });
    await dialog.getByLabel('Name').fill('IT Help');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const renamed = card('IT Help');
    await renamed.getByRole('status').getByText('Settings saved.').waitFor();
    const connections = (await desk.api('GET', '/api/v2/slack/connections')).body.connections as {
      name: string;
    }[];
    assert.ok(
      connections.some((c) => c.name === 'IT Help'),
      JSON.stringify(connections),
    );
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'admin-manager-renamed');
    await page.context().close();
  });

  it('shows a plain agent no Admin link, and no admin page by its address', async () => {
    const page = await signedIn(agent.email);
    await page.getByRole('button', { name: 'User menu for Paolo Plain' }).waitFor();
    // The menu shows once the session is known, and with it whether Admin is offered.
    assert.equal(await page.getByRole('link', { name: 'Admin' }).count(), 0);
    await page.goto(`${desk.url}/admin/channels/slack`);
    await page
      .getByRole('alert')
      .getByText('Only administrators, and agents whose role manages channels, can open this page.')
      .waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Slack channels' }).count(), 0);
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'admin-manager-plain-agent');
    await page.context().close();
  });
});
