import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startTestDesk, type TestDesk } from '../helpers/harness.ts';
import {
  launchChromium,
  newAgentPage,
  screenshot,
  seriousViolations,
  signInAsAdmin,
} from '../helpers/browser.ts';
import { waitFor } from '../slack/helpers.ts';

/**
 * The notification bell in the header (unread badge, the latest notifications, open → read →
 * ticket, mark all as read, live from the stream) and tag suggestions in the properties panel.
 */
describe('notifications and tag suggestions in Chromium', () => {
  let desk: TestDesk & { stop(): Promise<void> };
  let browser: Browser;
  let page: Page;
  let giulia: { id: number; auth: string };
  const tickets: number[] = [];

  async function newTicket(subject: string, tags: string[] = []): Promise<number> {
    const made = await desk.api('POST', '/api/v2/tickets', {
      ticket: { subject, comment: { body: `${subject}, please help` }, tags },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    return made.body.ticket.id as number;
  }

  /** Giulia escalates a ticket: the trigger notifies the admin (the page's agent). */
  async function escalate(id: number): Promise<void> {
    const put = await desk.api(
      'PUT',
      `/api/v2/tickets/${id}`,
      { ticket: { additional_tags: ['escalated'] } },
      { auth: giulia.auth },
    );
    assert.equal(put.status, 200, JSON.stringify(put.body));
  }

  const bell = () => page.getByTestId('notification-bell');
  const unreadShown = (n: number) =>
    page.locator(`[data-testid="notification-badge"][data-unread="${n}"]`).waitFor();
  const unreadCount = async () =>
    (await desk.api('GET', '/api/v2/notifications?unread=true')).body.meta.unread_count as number;

  before(async () => {
    desk = await startTestDesk('sqlite');
    giulia = await desk.createAgent('Giulia Rossi');
    const made = await desk.api('POST', '/api/v2/triggers', {
      trigger: {
        title: 'Tell the admin about escalations',
        conditions: { all: [{ field: 'current_tags', operator: 'includes', value: 'escalated' }] },
        actions: [
          {
            field: 'notification_user',
            value: [String(desk.adminId), 'Escalated: ticket {{ticket.id}}', 'Giulia needs a hand'],
          },
        ],
      },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    tickets.push(await newTicket('VPN keeps dropping'), await newTicket('Printer on fire'));
    for (const t of ['vpn-outage', 'vpn-outage', 'vpn-setup']) await newTicket('Tagged', [t]);
    browser = await launchChromium();
    ({ page } = await newAgentPage(browser));
    await signInAsAdmin(page, desk);
    await page
      .locator('[data-testid="stream-status"][data-stream="open"]')
      .waitFor({ state: 'attached' });
  });
  after(async () => {
    if (browser) await browser.close();
    if (desk) await desk.stop();
  });

  it('bumps the badge live, lists the notifications, and opens one: read, on its ticket', async () => {
    const [first, second] = tickets as [number, number];
    await unreadShown(0);
    assert.equal(await bell().getAttribute('aria-label'), 'Notifications: 0 unread');

    await escalate(first);
    await unreadShown(1);
    await escalate(second);
    await unreadShown(2);
    assert.equal(await bell().getAttribute('aria-label'), 'Notifications: 2 unread');

    await bell().click();
    const dialog = page.getByRole('dialog', { name: 'Notifications' });
    const items = dialog.getByRole('listitem');
    await items.nth(1).waitFor();
    assert.equal(await items.count(), 2);
    // Newest first, each with its ticket and a relative time.
    await items.nth(0).getByText(`Escalated: ticket ${second}`).waitFor();
    await items.nth(0).getByText(`Ticket #${second}`).waitFor();
    await items.nth(0).getByText('Giulia needs a hand').waitFor();
    assert.match(await items.nth(0).locator('time').innerText(), /now|second|minute/);
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'notify-list');

    await items.nth(1).getByRole('button').click();
    await page.waitForURL(new RegExp(`/tickets/${first}$`));
    await unreadShown(1);
    const list = await desk.api('GET', '/api/v2/notifications');
    const opened = list.body.notifications.find(
      (n: { subject: string }) => n.subject === `Escalated: ticket ${first}`,
    );
    assert.equal(opened.read, true);
    assert.equal(await unreadCount(), 1);
    assert.equal(await bell().getAttribute('aria-label'), 'Notifications: 1 unread');
  });

  it('marks all as read, with the keyboard', async () => {
    await unreadShown(1);
    await bell().focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Notifications' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Mark all as read' }).click();
    await unreadShown(0);
    await waitFor('every notification read', async () => (await unreadCount()) === 0);
    assert.equal(await dialog.getByRole('button', { name: 'Mark all as read' }).isDisabled(), true);
    await screenshot(page, 'notify-all-read');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    // Focus goes back to the bell.
    assert.equal(
      await bell().evaluate((el) => el === (globalThis as any).document.activeElement),
      true,
    );
  });

  it('suggests tags in the properties panel, chosen by keyboard; a new tag is still taken', async () => {
    const [first] = tickets as [number];
    await page.goto(`${desk.url}/tickets/${first}`);
    const panel = page.getByRole('region', { name: 'Properties' });
    const tags = panel.getByLabel('Tags', { exact: true });
    await tags.waitFor();
    await tags.click();
    await tags.pressSequentially('vpn');
    // Most used first.
    const options = page.getByRole('option');
    await page.getByRole('option', { name: 'vpn-setup' }).waitFor();
    assert.deepEqual(await options.allInnerTexts(), ['vpn-outage', 'vpn-setup']);
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'notify-tag-suggestions');

    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await waitFor('the suggested tag saved', async () => {
      const t = (await desk.api('GET', `/api/v2/tickets/${first}`)).body.ticket;
      return t.tags.includes('vpn-setup') && !t.tags.includes('vpn');
    });

    await tags.pressSequentially('brand-new-tag');
    await page.keyboard.press('Enter');
    await waitFor('the new tag saved', async () => {
      const t = (await desk.api('GET', `/api/v2/tickets/${first}`)).body.ticket;
      return t.tags.includes('brand-new-tag');
    });
  });

  it('suggests tags in the view table’s bulk update too', async () => {
    const [, second] = tickets as [number, number];
    const views = (await desk.api('GET', '/api/v2/views/active')).body.views as {
      id: number;
      title: string;
    }[];
    const all = views.find((v) => v.title === 'All unsolved tickets') ?? views[0]!;
    await page.goto(`${desk.url}/views/${all.id}`);
    await page.getByLabel(`Select ticket #${second}`).check();
    const region = page.getByRole('region', { name: 'Update selected tickets' });
    const add = region.getByLabel('Add tags', { exact: true });
    await add.click();
    await add.pressSequentially('vpn-o');
    await page.getByRole('option', { name: 'vpn-outage' }).waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'notify-bulk-tag-suggestions');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await region.getByRole('button', { name: 'Apply' }).click();
    await region.waitFor({ state: 'detached' });
    const t = (await desk.api('GET', `/api/v2/tickets/${second}`)).body.ticket;
    assert.ok(t.tags.includes('vpn-outage'), JSON.stringify(t.tags));
  });
});
