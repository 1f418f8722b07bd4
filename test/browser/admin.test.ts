import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { type Parley, startParley } from '../../src/server.ts';
import {
  browserDesk,
  launchChromium,
  newAgentPage,
  screenshot,
  seriousViolations,
  signIn,
} from '../helpers/browser.ts';
import type { TestDesk } from '../helpers/harness.ts';
import { ALICE, sandboxOf, settle, ticketsOf, userIdForSlack } from '../slack/helpers.ts';

/** Polls until `check` holds (no fixed waits: the page and the server go at their own pace). */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`never happened: ${what}`);
}

describe('first-run setup in Chromium', () => {
  let parley: Parley;
  let dataDir: string;
  let browser: Browser;
  let page: Page;

  before(async () => {
    // The harness always makes an admin; first-run setup needs a desk that has none.
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-web-setup-'));
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${path.join(dataDir, 'parley.db')}`,
      PARLEY_DATA_DIR: dataDir,
      PARLEY_LOG_LEVEL: 'silent',
    });
    parley = await startParley(config, { logger: createLogger('silent', { pretty: false }) });
    browser = await launchChromium();
    ({ page } = await newAgentPage(browser));
  });
  after(async () => {
    if (browser) await browser.close();
    if (parley) await parley.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('goes from / to the setup page, creates the admin with the printed code, and signs in', async () => {
    await page.goto(`${parley.url}/`);
    await page.getByRole('link', { name: /Create the first one/ }).click();
    await page.waitForURL(/\/setup$/);
    assert.deepEqual(await seriousViolations(page), []);
    // The code Parley printed at start (firstRunMessage shows it in the console).
    assert.match(parley.setupCode ?? '', /^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$/);
    await page.getByLabel('Setup code').fill(parley.setupCode!);
    await page.getByLabel('Name').fill('Giulia Admin');
    await page.getByLabel('Email').fill('giulia@example.com');
    await page.getByLabel(/^Password/).fill('una password lunga');
    await screenshot(page, 'admin-setup');
    await page.getByRole('button', { name: 'Create administrator' }).click();
    // Signed in by setup: the workspace opens on the first view, with the admin's menu.
    await page.waitForURL(/\/views\/\d+$/);
    await page.getByRole('button', { name: 'User menu for Giulia Admin' }).waitFor();
    // The setup door is closed for good.
    assert.equal((await fetch(`${parley.url}/setup`)).status, 404);

    // Signing out and in again with the new account works like any other sign-in.
    await page.getByRole('button', { name: 'User menu for Giulia Admin' }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in$/);
    await signIn(page, 'giulia@example.com', 'una password lunga');
    await page.getByRole('button', { name: 'User menu for Giulia Admin' }).waitFor();
    await page.getByRole('link', { name: 'Admin' }).waitFor();
    await screenshot(page, 'admin-setup-signed-in');
  });
});

describe('the Slack channel admin page in Chromium', () => {
  let desk: TestDesk;
  let page: Page;
  let close: (() => Promise<void>) | undefined;

  const card = (name: string) =>
    page.locator('article[data-connection-id]').filter({
      has: page.getByRole('heading', { name, exact: true }),
    });
  const connectionNamed = async (name: string) =>
    (
      (await desk.api('GET', '/api/v2/slack/connections')).body.connections as {
        id: number;
        name: string;
        status: string;
        attachments_enabled: boolean;
        allowed_file_types: string[];
      }[]
    ).find((c) => c.name === name);

  before(async () => {
    ({ desk, page, close } = await browserDesk());
  });
  after(() => close?.());

  it('lists the connections with their status, from the Admin link', async () => {
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.waitForURL(/\/admin\/channels\/slack$/);
    await page.getByRole('heading', { name: 'Slack channels' }).waitFor();
    const sandbox = card('Sandbox Help Desk');
    await sandbox.getByTestId('connection-status').getByText('Active').waitFor();
    assert.notEqual(await sandbox.getByTestId('connection-team').innerText(), '—');
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'admin-slack-channels');
  });

  it('adds "HR Desk" and connects it through the sandbox’s Allow page, beside the other one', async () => {
    await page.getByRole('button', { name: 'Add Slack channel' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a Slack channel' });
    await dialog.getByLabel('Name').fill('HR Desk');
    await dialog.getByRole('radio', { name: 'A dedicated account' }).check();
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'admin-slack-add');
    await dialog.getByRole('button', { name: 'Add channel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const hr = card('HR Desk');
    await hr.getByTestId('connection-status').getByText('Pending').waitFor();

    await hr.getByRole('button', { name: 'Connect workspace in Slack' }).click();
    // Slack's (here the sandbox's) page asks to allow the app into the workspace.
    await page.waitForURL(/\/sandbox\/oauth\/v2\/authorize/);
    await page.getByRole('button', { name: 'Allow' }).click();
    // Slack sends the browser back to Parley, which lands it on this page with the result.
    await page.waitForURL(/\/admin\/channels\/slack\?installed=\d+$/);
    await page.getByTestId('install-result').getByText('HR Desk is connected to Slack').waitFor();
    await hr.getByTestId('connection-status').getByText('Active').waitFor();
    await card('Sandbox Help Desk').getByTestId('connection-status').getByText('Active').waitFor();
    assert.equal((await connectionNamed('HR Desk'))?.status, 'active');
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'admin-slack-connected');
  });

  it('saves file attachments on and their extension allowlist', async () => {
    const hr = card('HR Desk');
    await hr.getByRole('button', { name: 'Settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings of HR Desk' });
    await dialog.getByRole('switch', { name: 'Accept file attachments' }).waitFor();
    const types = dialog.getByLabel('Allowed file extensions');
    // A new connection accepts pdf, png, jpeg, gif and txt: take them all off, then add.
    for (let i = 0; i < 5; i++) await types.press('Backspace');
    for (const ext of ['pdf', '.PNG', 'docx']) {
      await types.fill(ext);
      await types.press('Enter');
    }
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'admin-slack-files');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await hr.getByRole('status').getByText('Settings saved.').waitFor();
    await hr.getByTestId('connection-files').getByText('pdf, png, docx').waitFor();
    const saved = await connectionNamed('HR Desk');
    assert.deepEqual(saved?.allowed_file_types, ['pdf', 'png', 'docx']);
    assert.equal(saved?.attachments_enabled, true);

    // Turning attachments off is kept as well.
    await hr.getByRole('button', { name: 'Settings' }).click();
    await dialog.getByRole('switch', { name: 'Accept file attachments' }).click({ force: true });
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await hr.getByTestId('connection-files').getByText('Off').waitFor();
    assert.equal((await connectionNamed('HR Desk'))?.attachments_enabled, false);
  });

  it('shows the app manifest to copy', async () => {
    await page.getByRole('button', { name: 'Show manifest' }).click();
    const manifest = page.getByLabel('App manifest (JSON)');
    await manifest.waitFor();
    assert.match(await manifest.innerText(), /oauth_redirect/);
    await page.getByRole('button', { name: 'Copy manifest' }).waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await page.getByRole('button', { name: 'Hide manifest' }).click();
  });

  it('disconnects after a confirmation that says what happens to open tickets', async () => {
    const hr = card('HR Desk');
    await hr.getByRole('button', { name: 'Disconnect' }).click();
    const dialog = page.getByRole('dialog', { name: 'Disconnect HR Desk?' });
    await dialog.getByText(/Its tickets, open ones included, stay as they are/).waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'admin-slack-disconnect');
    await dialog.getByRole('button', { name: 'Disconnect' }).click();
    await hr.getByTestId('connection-status').getByText('Disconnected').waitFor();
    await hr.getByTestId('connection-reason').getByText('Disconnected by an admin.').waitFor();
    assert.equal((await connectionNamed('HR Desk'))?.status, 'disconnected');
  });

  it('says when Slack holds the install for a workspace admin’s approval, then connects once approved', async () => {
    const sb = sandboxOf(desk);
    sb.setRequireApproval(true);
    try {
      await page.getByRole('button', { name: 'Add Slack channel' }).click();
      const dialog = page.getByRole('dialog', { name: 'Add a Slack channel' });
      await dialog.getByLabel('Name').fill('Legal');
      await dialog.getByRole('radio', { name: 'A dedicated account' }).check();
      await dialog.getByRole('button', { name: 'Add channel' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await card('Legal').getByRole('button', { name: 'Connect workspace in Slack' }).click();
      await page.waitForURL(/\/sandbox\/oauth\/v2\/authorize/);
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.getByText(/waiting for a workspace admin/).waitFor();

      await page.goto(`${desk.url}/admin/channels/slack`);
      const legal = card('Legal');
      await legal.getByTestId('connection-status').getByText('Pending').waitFor();
      await legal
        .getByTestId('connection-waiting')
        .getByText(/workspace admin's approval/)
        .waitFor();
      assert.deepEqual(await seriousViolations(page), []);
      await screenshot(page, 'admin-slack-approval');

      // A workspace admin approves: Slack sends the requester's browser back to Parley.
      await page.goto(sb.approve().redirect);
      await page.waitForURL(/\/admin\/channels\/slack\?installed=\d+$/);
      await legal.getByTestId('connection-status').getByText('Active').waitFor();
      assert.equal(await legal.getByTestId('connection-waiting').count(), 0);
    } finally {
      sb.setRequireApproval(false);
    }
  });

  it('tells the admin, in Italian too, when the install was cancelled in Slack', async () => {
    await page.getByRole('button', { name: /User menu/ }).click();
    await page.getByRole('menuitem', { name: 'Italiano' }).click();
    await card('HR Desk').getByRole('button', { name: 'Collega di nuovo' }).click();
    await page.waitForURL(/\/sandbox\/oauth\/v2\/authorize/);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL(/install_failed=cancelled/);
    await page
      .getByTestId('install-result')
      .getByText(/annullata in Slack/)
      .waitFor();
    await card('HR Desk').getByTestId('connection-status').getByText('Scollegato').waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'admin-slack-cancelled-it');
  });
});

describe('messaging permission in Chromium', () => {
  let desk: TestDesk;
  let browser: Browser;
  let close: (() => Promise<void>) | undefined;

  before(async () => {
    ({ desk, browser, close } = await browserDesk({ signedIn: false }));
  });
  after(() => close?.());

  it('hides Slack tickets from an agent whose role withholds chat access, not from others', async () => {
    const db = desk.parley.db;
    const role = await desk.api('POST', '/api/v2/custom_roles', {
      custom_role: { name: 'Email only', configuration: { chat_access: false } },
    });
    assert.equal(role.status, 201, JSON.stringify(role.body));
    const nora = await desk.createAgent('Nora Nochat');
    await db
      .updateTable('users')
      .set({ custom_role_id: role.body.custom_role.id })
      .where('id', '=', nora.id)
      .execute();
    const sam = await desk.createAgent('Sam Slack');

    const email = await desk.api('POST', '/api/v2/tickets', {
      ticket: {
        subject: 'Badge does not open the door',
        comment: { body: 'Since Monday' },
        requester: { email: 'rita@example.com', name: 'Rita' },
      },
    });
    assert.equal(email.status, 201);
    await sandboxOf(desk).sendMessage({ user: ALICE, text: 'My laptop will not start' });
    await settle(desk);
    const alice = (await userIdForSlack(desk, ALICE))!;
    const slackTicket = (await ticketsOf(desk, alice))[0] as { id: number };
    assert.ok(slackTicket, 'the DM became a ticket');

    const views = (await desk.api('GET', '/api/v2/views/active')).body.views as {
      id: number;
      title: string;
    }[];
    const allUnsolved = views.find((v) => v.title === 'All unsolved tickets')!;
    assert.ok(allUnsolved);

    async function open(agent: { email: string }) {
      const { context, page } = await newAgentPage(browser);
      await page.goto(`${desk.url}/`);
      await signIn(page, agent.email, 'correct horse');
      await page.waitForURL(/\/views\/\d+$/);
      await page.locator(`[data-view-id="${allUnsolved.id}"]`).click();
      await page.waitForURL(new RegExp(`/views/${allUnsolved.id}$`));
      await page.locator(`tr[data-ticket-id="${email.body.ticket.id}"]`).waitFor();
      return { context, page };
    }
    const countShown = (page: Page) =>
      page.locator(`[data-view-id="${allUnsolved.id}"]`).getByTestId('view-count').innerText();

    // Sam sees both, and the count says two.
    const samSees = await open(sam);
    await samSees.page.locator(`tr[data-ticket-id="${slackTicket.id}"]`).waitFor();
    await eventually(async () => (await countShown(samSees.page)) === '2', 'Sam’s count of 2');
    await samSees.page.goto(`${desk.url}/tickets/${slackTicket.id}`);
    await samSees.page.getByText('My laptop will not start').first().waitFor();
    await screenshot(samSees.page, 'admin-permission-chat-agent');

    // Nora sees the email ticket only: not in the view, not in the count, not by its URL.
    const noraSees = await open(nora);
    assert.equal(await noraSees.page.locator(`tr[data-ticket-id="${slackTicket.id}"]`).count(), 0);
    await eventually(async () => (await countShown(noraSees.page)) === '1', 'Nora’s count of 1');
    for (const view of views) {
      const count = (
        await desk.api('GET', `/api/v2/views/${view.id}/execute`, undefined, {
          auth: nora.auth,
        })
      ).body.rows as { ticket: { id: number } }[];
      assert.ok(
        count.every((r) => r.ticket.id !== slackTicket.id),
        `view ${view.title} shows Nora the Slack ticket`,
      );
    }
    assert.deepEqual(await seriousViolations(noraSees.page), []);
    await screenshot(noraSees.page, 'admin-permission-no-chat-view');
    await noraSees.page.goto(`${desk.url}/tickets/${slackTicket.id}`);
    await noraSees.page.getByText('This ticket does not exist or you cannot see it.').waitFor();
    assert.equal(await noraSees.page.getByText('My laptop will not start').count(), 0);
    await screenshot(noraSees.page, 'admin-permission-no-chat-ticket');
    await samSees.context.close();
    await noraSees.context.close();
  });
});
