import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { TestDesk } from '../helpers/harness.ts';
import {
  browserDesk,
  newAgentPage,
  screenshot,
  seriousViolations,
  signIn,
} from '../helpers/browser.ts';
import { sandboxControl, waitFor } from '../slack/helpers.ts';

/**
 * The realtime stream in the agent workspace: a Slack DM appears in the open view with its
 * count, two agents on one ticket see each other and each other's changes, and a change made
 * while the connection was down shows once it is back.
 */
describe('the live workspace in Chromium', () => {
  let desk: TestDesk;
  let browser: Browser;
  let close: (() => Promise<void>) | undefined;
  let ada: { context: BrowserContext; page: Page };
  let giulia: { context: BrowserContext; page: Page };
  let giuliaUser: { id: number; email: string; auth: string };
  let ticketId = 0;
  const MARTA = 'U0MARTA';

  before(async () => {
    let context: BrowserContext;
    let page: Page;
    ({ desk, browser, context, page, close } = await browserDesk({
      signedIn: false,
      people: [{ id: MARTA, name: 'Marta Bianchi', email: 'marta@sandbox.example' }],
    }));
    ada = { context, page };
    giulia = await newAgentPage(browser);
    giuliaUser = await desk.createAgent('Giulia Rossi');
  });
  after(() => close?.());

  async function signedIn(page: Page, email: string): Promise<void> {
    await page.goto(`${desk.url}/`);
    await page.waitForURL(/\/sign-in$/);
    await signIn(page, email, 'correct horse');
    await page.waitForURL(/\/views\/\d+$/);
    await streamOpen(page);
  }

  /** The page's stream is connected: from here on, no change is missed. */
  const streamOpen = (page: Page) =>
    page
      .locator('[data-testid="stream-status"][data-stream="open"]')
      .waitFor({ state: 'attached' });

  async function dm(text: string): Promise<void> {
    const sent = await sandboxControl(desk, 'POST', 'messages', { user: MARTA, text });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
  }

  const commentsOf = async (id: number): Promise<{ body: string }[]> =>
    (await desk.api('GET', `/api/v2/tickets/${id}/comments`)).body.comments;

  it('shows a new Slack DM in the open view, and its count going up, without reload', async () => {
    const { page } = ada;
    await signedIn(page, desk.adminEmail);
    const views = (await desk.api('GET', '/api/v2/views/active')).body.views as {
      id: number;
      title: string;
    }[];
    const view = views.find((v) => v.title === 'All unsolved tickets') ?? views[0]!;
    const link = page.locator(`[data-view-id="${view.id}"]`);
    await link.click();
    await page.waitForURL(new RegExp(`/views/${view.id}$`));
    const count = link.getByTestId('view-count');
    await waitFor('the view count', async () => /^\d+$/.test(await count.innerText()));
    const before = Number(await count.innerText());
    await page.evaluate(() => ((globalThis as any).__sameDocument = true));

    await dm('La stampante del terzo piano non stampa');
    await page.getByRole('link', { name: /Conversation with Marta/ }).waitFor();
    await count.getByText(String(before + 1), { exact: true }).waitFor();
    assert.equal(await page.evaluate(() => (globalThis as any).__sameDocument), true);
    assert.equal(await page.getByTestId('stream-status').innerText(), '');
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'live-view');

    const href = await page
      .getByRole('link', { name: /Conversation with Marta/ })
      .getAttribute('href');
    ticketId = Number(/\/tickets\/(\d+)/.exec(href ?? '')?.[1]);
    assert.ok(ticketId > 0, `a ticket link: ${href}`);
  });

  it('shows two agents on one ticket to each other, and one’s change on the other’s page', async () => {
    await signedIn(giulia.page, giuliaUser.email);
    await ada.page.getByRole('link', { name: /Conversation with Marta/ }).click();
    await ada.page.waitForURL(new RegExp(`/tickets/${ticketId}$`));
    // Giulia works in Italian (the user menu's choice, kept in the browser).
    await giulia.page.evaluate(() =>
      (globalThis as any).localStorage.setItem('parley.language', 'it'),
    );
    await giulia.page.goto(`${desk.url}/tickets/${ticketId}`);
    await streamOpen(giulia.page);

    const adaPresence = ada.page.getByTestId('presence');
    const giuliaPresence = giulia.page.getByTestId('presence');
    await adaPresence.getByText('Giulia Rossi is viewing').waitFor();
    await giuliaPresence.getByText('Ada Admin sta guardando').waitFor();
    assert.deepEqual(await seriousViolations(ada.page), []);
    await screenshot(ada.page, 'live-presence');
    await screenshot(giulia.page, 'live-presence-it');

    // Giulia starts typing (the composer reports it through useTypingReporter).
    const typing = await desk.api(
      'POST',
      `/api/v2/tickets/${ticketId}/presence`,
      { presence: { state: 'typing' } },
      { auth: giuliaUser.auth },
    );
    assert.equal(typing.status, 200, JSON.stringify(typing.body));
    await adaPresence.getByText('Giulia Rossi is typing…').waitFor();

    await ada.page.evaluate(() => ((globalThis as any).__sameDocument = true));
    const update = await desk.api(
      'PUT',
      `/api/v2/tickets/${ticketId}`,
      { ticket: { status: 'pending' } },
      { auth: giuliaUser.auth },
    );
    assert.equal(update.status, 200, JSON.stringify(update.body));
    await ada.page.locator('[data-status="pending"]').waitFor();
    await ada.page.getByText('Updated by Giulia Rossi just now').waitFor();
    assert.equal(await ada.page.evaluate(() => (globalThis as any).__sameDocument), true);
    assert.deepEqual(await seriousViolations(ada.page), []);
    await screenshot(ada.page, 'live-updated');

    // Giulia leaves the ticket: Ada no longer sees her there.
    await giulia.page.goto(`${desk.url}/views`);
    await adaPresence.locator('[data-presence]').waitFor({ state: 'detached' });
  });

  it('catches up after the connection was down: the change shows once, after reconnecting', async () => {
    const { page, context } = ada;
    await context.setOffline(true);
    const status = page.getByTestId('stream-status');
    await status.getByText('Reconnecting…').waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'live-reconnecting');

    const before = (await commentsOf(ticketId)).length;
    await dm('Adesso fa anche un rumore strano');
    await waitFor('the DM on the ticket', async () => (await commentsOf(ticketId)).length > before);
    assert.equal(await page.getByText('Adesso fa anche un rumore strano').count(), 0);

    await context.setOffline(false);
    await page.getByText('Adesso fa anche un rumore strano').waitFor();
    // The ticket.updated event itself was replayed (only the stream says who changed it).
    await page.getByText('Updated by Marta Bianchi just now').waitFor();
    await status.getByText('Reconnecting…').waitFor({ state: 'detached' });
    assert.equal(await page.getByText('Adesso fa anche un rumore strano').count(), 1);
    await screenshot(page, 'live-caught-up');
  });

  it('shows a notification meant for this agent as a toast that opens its ticket', async () => {
    const { page } = ada;
    const made = await desk.api('POST', '/api/v2/triggers', {
      trigger: {
        title: 'Tell Ada about escalations',
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
    await page.goto(`${desk.url}/views`);
    await page.waitForURL(/\/views\/\d+$/);
    await streamOpen(page);

    const tagged = await desk.api(
      'PUT',
      `/api/v2/tickets/${ticketId}`,
      { ticket: { tags: ['escalated'] } },
      { auth: giuliaUser.auth },
    );
    assert.equal(tagged.status, 200, JSON.stringify(tagged.body));
    const toast = page.locator('[data-notification-id]');
    await toast.getByText(`Escalated: ticket ${ticketId}`).waitFor();
    await toast.getByText('Giulia needs a hand').waitFor();
    assert.equal(await toast.count(), 1);
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'live-notification');

    await toast.getByRole('link', { name: `Open ticket #${ticketId}` }).click();
    await page.waitForURL(new RegExp(`/tickets/${ticketId}$`));
    await toast.waitFor({ state: 'detached' });
    await waitFor('the notification read', async () => {
      const list = await desk.api('GET', '/api/v2/notifications?unread=true');
      return !list.body.notifications.some((n: { subject: string }) =>
        n.subject.startsWith('Escalated'),
      );
    });
  });
});
