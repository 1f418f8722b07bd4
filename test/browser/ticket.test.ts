import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { browserDesk, screenshot, seriousViolations } from '../helpers/browser.ts';
import type { TestDesk } from '../helpers/harness.ts';
import { waitFor } from '../slack/helpers.ts';

const MESSAGES = 34;

/**
 * The ticket page's cheap first frame (issue 15, speed): a long history shows its newest
 * entries first and all of them right after, opened at the newest; the properties panel's
 * closed selects are buttons that turn into the focused select, from the mouse or the keyboard.
 */
describe('the ticket page’s first frame, in Chromium', () => {
  let desk: TestDesk;
  let page: Page;
  let close: () => Promise<void>;
  let ticketId: number;

  before(async () => {
    ({ desk, page, close } = await browserDesk({
      seed: async (d: TestDesk) => {
        const made = await d.api('POST', '/api/v2/tickets', {
          ticket: {
            subject: 'Long printer saga',
            comment: { body: 'Message 1: the printer is jammed' },
            requester: { email: 'rita@example.com', name: 'Rita Requester' },
          },
        });
        assert.equal(made.status, 201, JSON.stringify(made.body));
        ticketId = made.body.ticket.id;
        for (let n = 2; n <= MESSAGES; n++) {
          const res = await d.api('PUT', `/api/v2/tickets/${ticketId}`, {
            ticket: { comment: { body: `Message ${n}: still jammed`, public: false } },
          });
          assert.equal(res.status, 200, JSON.stringify(res.body));
        }
      },
    }));
  });
  after(() => close?.());

  it('shows a long history whole, oldest first, opened at the newest message', async () => {
    await page.goto(`${desk.url}/tickets/${ticketId}`);
    await page.getByText(`Message ${MESSAGES}: still jammed`).waitFor();
    // The older messages follow the newest ones, above them.
    await page.getByText('Message 1: the printer is jammed').waitFor({ state: 'attached' });
    await waitFor('every message shown', async () => {
      return (await page.locator('[data-comment-id]').count()) === MESSAGES;
    });
    const order = await page
      .locator('[data-comment-id] .conversation-body')
      .evaluateAll((els) => els.map((e) => Number(/Message (\d+)/.exec(e.textContent ?? '')?.[1])));
    assert.deepEqual(
      order,
      Array.from({ length: MESSAGES }, (_, i) => i + 1),
    );
    // Still at the newest message once the older ones are in.
    await page.waitForFunction(() => {
      const el = (globalThis as any).document.querySelector(
        '[aria-labelledby="conversation-title"]',
      );
      return (
        el.scrollHeight > el.clientHeight && el.scrollHeight - el.scrollTop - el.clientHeight < 2
      );
    });
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'ticket-long-history');
  });

  it('opens a closed select from the keyboard, focused, and saves the choice', async () => {
    const panel = page.getByRole('region', { name: 'Properties' });
    const priority = panel.getByLabel('Priority', { exact: true });
    // Before it is used, the field is a button showing its value.
    assert.equal(await priority.evaluate((el) => el.tagName), 'BUTTON');
    await priority.focus();
    await page.keyboard.press('ArrowDown');
    await page.getByRole('option', { name: 'Urgent', exact: true }).waitFor();
    // The real select took the focus: the keyboard goes on in it.
    await page.waitForFunction(
      () => (globalThis as any).document.activeElement?.tagName === 'INPUT',
    );
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'ticket-select-opened');
    await page.getByRole('option', { name: 'Urgent', exact: true }).click();
    await waitFor('priority urgent', async () => {
      const res = await desk.api('GET', `/api/v2/tickets/${ticketId}`);
      return res.body.ticket.priority === 'urgent';
    });
    await panel
      .getByLabel('Priority', { exact: true })
      .and(page.locator('[value="Urgent"]'))
      .waitFor();
  });
});
