import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { TestDesk } from '../helpers/harness.ts';
import { browserDesk, screenshot, seriousViolations } from '../helpers/browser.ts';

/** How many tickets mention printers in Italian: more than one results page of 25. */
const PRINTER_TICKETS = 27;

describe('search in the agent workspace (Chromium)', () => {
  let desk: TestDesk;
  let page: Page;
  let close: (() => Promise<void>) | undefined;
  let capacitor: number;

  async function ticket(subject: string, body: string, requester = 'rita@example.com') {
    const made = await desk.api('POST', '/api/v2/tickets', {
      ticket: { subject, comment: { body }, requester: { email: requester, name: 'Rita Rossi' } },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    return made.body.ticket.id as number;
  }

  before(async () => {
    ({ desk, page, close } = await browserDesk({
      seed: async (d: TestDesk) => {
        desk = d; // ticket() above reads `desk`
        capacitor = await ticket('Laptop smells odd', 'The flux capacitor smells of ozone.');
        for (let i = 1; i <= PRINTER_TICKETS; i++) {
          await ticket(`Ufficio ${i}`, `Le stampanti del piano ${i} non stampano.`);
        }
        const erin = await desk.api('POST', '/api/v2/users', {
          user: { name: 'Erin Esposito', email: 'erin.esposito@example.com' },
        });
        assert.equal(erin.status, 201, JSON.stringify(erin.body));
      },
    }));
  });
  after(() => close?.());

  const box = () => page.getByRole('combobox', { name: 'Search tickets and users' });
  const listbox = () => page.getByRole('listbox', { name: 'Search results' });

  it('focuses the box with Ctrl+K and finds a ticket by a word of its comment', async () => {
    await page.keyboard.press('Control+k');
    await page.locator('[role=combobox]:focus').waitFor();
    await box().fill('capacitor');
    const option = listbox().getByRole('option', { name: /Laptop smells odd/ });
    await option.waitFor();
    assert.match(await option.innerText(), new RegExp(`#${capacitor}`));
    assert.match(await option.innerText(), /Rita Rossi/);
    assert.match(await option.innerText(), /new/i);
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'search-dropdown');
  });

  it('opens the first ticket with Enter', async () => {
    await listbox()
      .getByRole('option', { name: /Laptop smells odd/ })
      .and(page.locator('[data-combobox-selected]'))
      .waitFor();
    await box().press('Enter');
    await page.waitForURL(new RegExp(`/tickets/${capacitor}$`));
    await page.getByRole('heading', { name: 'Laptop smells odd' }).waitFor();
  });

  it('finds a user by email, and moves through the list with the arrow keys', async () => {
    await box().fill('erin.esposito@example.com');
    await listbox()
      .getByRole('option', { name: /Erin Esposito/ })
      .waitFor();
    assert.equal(await listbox().getByRole('group', { name: 'Tickets' }).count(), 0);
    await box().press('ArrowDown');
    await page.locator('[data-combobox-selected]').getByText('See all results').waitFor();
    await box().press('Escape');
    await listbox().waitFor({ state: 'hidden' });
  });

  it('finds plurals from a singular and pages through all results with counts', async () => {
    await box().fill('stampante');
    await listbox()
      .getByRole('option', { name: /Ufficio/ })
      .first()
      .waitFor();
    await listbox().getByRole('option', { name: 'See all results' }).click();
    await page.waitForURL(/\/search\?q=stampante$/);
    await page.getByRole('heading', { name: 'Results for “stampante”' }).waitFor();
    const ticketsTab = page.getByRole('tab', { name: /Tickets/ });
    await ticketsTab.getByText(String(PRINTER_TICKETS), { exact: true }).waitFor();
    await page.getByRole('tab', { name: /Users/ }).getByText('0', { exact: true }).waitFor();
    const rows = page.locator('tr[data-ticket-id]');
    await rows.nth(24).waitFor();
    // The matched word is marked, plural and all.
    assert.match(await page.locator('mark').first().innerText(), /^stampant$/i);
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'search-results');
    await page.getByRole('button', { name: 'Page 2' }).click();
    await page.waitForURL(/page=2/);
    await page.locator('tr[data-ticket-id]').nth(2).waitFor({ state: 'detached' });
    assert.equal(await rows.count(), PRINTER_TICKETS - 25);
  });

  it('sorts the results in ascending order', async () => {
    await page.getByRole('combobox', { name: 'Order' }).click();
    await page.getByRole('option', { name: 'Ascending' }).click();
    await page.waitForURL(/sort_order=asc/);
    await page.locator('tr[data-ticket-id]').nth(24).waitFor();
    const first = await page.locator('tr[data-ticket-id]').first().getAttribute('data-ticket-id');
    assert.equal(Number(first), capacitor + 1);
  });

  it('shows the users tab', async () => {
    await box().fill('Esposito');
    await listbox()
      .getByRole('option', { name: /Erin Esposito/ })
      .waitFor();
    await listbox().getByRole('option', { name: 'See all results' }).click();
    await page.waitForURL(/\/search\?q=Esposito$/);
    await page.getByRole('tab', { name: /Users/ }).click();
    await page.locator('tr[data-user-id]').getByText('erin.esposito@example.com').waitFor();
    assert.deepEqual(await seriousViolations(page), []);
  });

  it('shows the API’s message for a query it cannot read', async () => {
    await box().fill('"unclosed');
    const alert = page.getByRole('listbox').locator('..').getByRole('alert');
    await page
      .getByRole('alert')
      .filter({ hasText: /query: / })
      .first()
      .waitFor();
    void alert;
    await screenshot(page, 'search-error');
    await box().press('Enter');
    await page.getByRole('alert').filter({ hasText: 'The search could not be read' }).waitFor();
  });

  it('speaks Italian, numbers and all', async () => {
    await page.goto(`${desk.url}/search?q=stampante`);
    await page.evaluate("localStorage.setItem('parley.language', 'it')");
    await page.reload();
    await page.getByRole('heading', { name: 'Risultati per «stampante»' }).waitFor();
    await page.getByRole('tab', { name: /Utenti/ }).waitFor();
    await page.getByRole('combobox', { name: 'Cerca ticket e utenti' }).waitFor();
    await page.locator('tr[data-ticket-id]').first().waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'search-italian');
    await page.evaluate("localStorage.removeItem('parley.language')");
  });
});
