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

const TICKETS = 30;
const PER_PAGE = 25;

/**
 * Issue 15's keyboard and space polish: j/k/o/Enter/x/n/p in a view's table, the header search
 * box showing the /search page's ?q=, and the composer folded to one line until the agent goes
 * to it.
 */
describe('keys: view shortcuts, the search box’s ?q=, the folded composer', () => {
  let desk: TestDesk & { stop(): Promise<void> };
  let browser: Browser;
  let page: Page;
  let viewId: number;

  before(async () => {
    desk = await startTestDesk('sqlite');
    for (let n = 1; n <= TICKETS; n++) {
      const made = await desk.api('POST', '/api/v2/tickets', {
        ticket: {
          subject: `Stapler jam ${n}`,
          comment: { body: `Stapler number ${n} is jammed` },
          requester: { email: 'rita.verdi@example.com', name: 'Rita Verdi' },
        },
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
    }
    const views = (await desk.api('GET', '/api/v2/views/active')).body.views as {
      id: number;
      title: string;
    }[];
    viewId = views.find((v) => v.title === 'All unsolved tickets')!.id;
    browser = await launchChromium();
    ({ page } = await newAgentPage(browser));
    await signInAsAdmin(page, desk);
  });
  after(async () => {
    if (browser) await browser.close();
    if (desk) await desk.stop();
  });

  const rows = () => page.locator('tr[data-ticket-id]');
  const activeRow = () => page.locator('tr[data-ticket-id][data-active]');
  const box = () => page.getByRole('combobox', { name: 'Search tickets and users' });
  const composer = () => page.getByTestId('composer');
  const textarea = () => composer().getByRole('textbox');

  async function rowIds(): Promise<number[]> {
    return rows().evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-ticket-id'))));
  }

  /** Waits until the row of ticket `id` is the cursor's and has the focus. */
  async function cursorOn(id: number) {
    await page.locator(`tr[data-ticket-id="${id}"][data-active]:focus`).waitFor();
    assert.equal(await activeRow().count(), 1);
  }

  async function openView() {
    await page.goto(`${desk.url}/views/${viewId}`);
    await rows()
      .nth(PER_PAGE - 1)
      .waitFor();
  }

  it('moves through a view with j and k, ticks with x, pages with n and p', async () => {
    await openView();
    const ids = await rowIds();
    assert.equal(ids.length, PER_PAGE);
    await page.keyboard.press('j');
    await cursorOn(ids[0]!);
    await page.keyboard.press('j');
    await cursorOn(ids[1]!);
    await page.keyboard.press('k');
    await cursorOn(ids[0]!);
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await cursorOn(ids[2]!);
    // x ticks the row's checkbox: the bulk update appears.
    await page.keyboard.press('x');
    assert.ok(await page.getByLabel(`Select ticket #${ids[2]}`).isChecked());
    await page.getByRole('region', { name: 'Update selected tickets' }).waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'keys-view-cursor');

    // Typing in a field is typing: the cursor stays.
    await page.keyboard.press('Control+k');
    await page.locator('[role=combobox]:focus').waitFor();
    await page.keyboard.type('jk');
    assert.equal(await box().inputValue(), 'jk');
    assert.equal(await activeRow().getAttribute('data-ticket-id'), String(ids[2]));
    await box().fill('');
    await page.getByRole('heading', { name: 'All unsolved tickets' }).click();
    await page.keyboard.press('x');
    await page
      .getByRole('region', { name: 'Update selected tickets' })
      .waitFor({ state: 'detached' });
    assert.equal(await page.getByLabel(`Select ticket #${ids[2]}`).isChecked(), false);

    // A modifier leaves the key to the browser.
    await page.keyboard.press('Alt+j');
    assert.equal(await activeRow().getAttribute('data-ticket-id'), String(ids[2]));

    await page.keyboard.press('n');
    await page.waitForFunction(
      (n) => (globalThis as any).document.querySelectorAll('tr[data-ticket-id]').length === n,
      TICKETS - PER_PAGE,
    );
    assert.equal(await activeRow().count(), 0);
    await page.keyboard.press('j');
    await cursorOn((await rowIds())[0]!);
    await page.keyboard.press('p');
    await rows()
      .nth(PER_PAGE - 1)
      .waitFor();
    assert.deepEqual(await rowIds(), ids);
  });

  it('opens the cursor’s ticket with Enter, and with o', async () => {
    await openView();
    const ids = await rowIds();
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await cursorOn(ids[1]!);
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/tickets/${ids[1]}$`));
    await page.getByRole('heading', { name: /^Stapler jam/ }).waitFor();

    await openView();
    await page.keyboard.press('j');
    await cursorOn(ids[0]!);
    await page.keyboard.press('o');
    await page.waitForURL(new RegExp(`/tickets/${ids[0]}$`));
  });

  it('lists the view keys on the ? sheet', async () => {
    await openView();
    await page.keyboard.press('Shift+?');
    const sheet = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await sheet.getByRole('heading', { name: 'In a view' }).waitFor();
    await sheet.getByText('Next ticket in the list').waitFor();
    await sheet.getByText('Select or deselect the ticket (for a bulk update)').waitFor();
    // Keys pressed in the sheet stay there.
    await page.keyboard.press('j');
    assert.equal(await activeRow().count(), 0);
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'keys-sheet');
    await page.keyboard.press('Escape');
    await sheet.waitFor({ state: 'detached' });
  });

  it('shows the results page’s query in the search box, without opening its list', async () => {
    const boxSearches: string[] = [];
    page.on('request', (req) => {
      if (req.url().includes('/api/v2/search?') && req.url().includes('per_page=5')) {
        boxSearches.push(req.url());
      }
    });
    await page.goto(`${desk.url}/search?q=stapler`);
    await page.getByRole('heading', { name: 'Results for “stapler”' }).waitFor();
    await page.locator('tr[data-ticket-id]').first().waitFor();
    assert.equal(await box().inputValue(), 'stapler');
    assert.equal(await box().getAttribute('aria-expanded'), 'false');
    assert.equal(await page.getByRole('listbox', { name: 'Search results' }).isVisible(), false);

    // The results page changes the query: the box follows.
    await page.goto(`${desk.url}/search?q=Verdi&type=user`);
    await page.locator('tr[data-user-id]').first().waitFor();
    assert.equal(await box().inputValue(), 'Verdi');
    await page.getByRole('link', { name: 'Tickets they requested' }).click();
    await page.getByRole('heading', { name: /requester:rita.verdi@example.com/ }).waitFor();
    assert.equal(await box().inputValue(), 'requester:rita.verdi@example.com');
    assert.equal(await box().getAttribute('aria-expanded'), 'false');
    assert.deepEqual(boxSearches, [], 'the box asked nothing it did not show');
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'keys-search-query');

    // Focusing the box opens its list for that query, as for typed text.
    await box().focus();
    await page
      .getByRole('listbox', { name: 'Search results' })
      .getByRole('option', { name: /Stapler jam/ })
      .first()
      .waitFor();
    await box().press('Escape');
  });

  it('folds the composer to one line until the agent goes to it, and after sending', async () => {
    const id = (await rowIdsOfView())[0]!;
    await page.goto(`${desk.url}/tickets/${id}`);
    await composer().and(page.locator('[data-expanded="false"]')).waitFor();
    // The requester's name comes with the people query.
    await textarea().and(page.getByPlaceholder('Reply to Rita Verdi…')).waitFor();
    const folded = (await composer().boundingBox())!;
    const viewport = page.viewportSize()!;
    assert.ok(
      folded.height < viewport.height * 0.12,
      `the folded composer is ${folded.height}px of ${viewport.height}`,
    );
    assert.equal(
      await composer()
        .getByRole('button', { name: /^Submit as/ })
        .count(),
      0,
    );
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'keys-composer-folded');

    await textarea().click();
    await composer().and(page.locator('[data-expanded="true"]')).waitFor();
    await composer()
      .getByRole('button', { name: /^Submit as / })
      .waitFor();
    const open = (await composer().boundingBox())!;
    assert.ok(open.height > folded.height * 2, `${open.height}px open, ${folded.height} folded`);
    // Focus stayed in the text: typing goes on.
    await page.keyboard.type('Thanks, ');
    assert.equal(await textarea().inputValue(), 'Thanks, ');
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'keys-composer-open');
    // Escape folds only an empty composer.
    await page.keyboard.press('Escape');
    assert.equal(await composer().getAttribute('data-expanded'), 'true');
    await textarea().fill('');
    await page.keyboard.press('Escape');
    await composer().and(page.locator('[data-expanded="false"]')).waitFor();

    // `/` opens it; sending folds it again.
    await page.getByRole('heading', { name: /^Stapler jam/ }).click();
    await page.keyboard.press('/');
    await composer().and(page.locator('[data-expanded="true"]')).waitFor();
    await page.keyboard.type('The stapler is fixed');
    await page.keyboard.press('Control+Enter');
    await composer().and(page.locator('[data-expanded="false"]')).waitFor();
    assert.equal(await textarea().inputValue(), '');
    const comments = (await desk.api('GET', `/api/v2/tickets/${id}/comments`)).body.comments as {
      body: string;
    }[];
    assert.ok(comments.some((c) => c.body === 'The stapler is fixed'));

    // Choosing "Internal note" on the folded composer starts one.
    await composer().getByText('Internal note').click();
    await composer().and(page.locator('[data-expanded="true"]')).waitFor();
    await composer()
      .getByText(/Only agents see internal notes/)
      .waitFor();
    await page.keyboard.press('Escape');
    await composer().and(page.locator('[data-expanded="false"]')).waitFor();
    assert.equal(await textarea().getAttribute('placeholder'), 'Add an internal note…');
  });

  it('opens a restored draft, and speaks Italian', async () => {
    const id = (await rowIdsOfView())[1]!;
    await page.goto(`${desk.url}/tickets/${id}`);
    await composer().and(page.locator('[data-expanded="false"]')).waitFor();
    await textarea().fill('Half a thought');
    await page.reload();
    await composer().and(page.locator('[data-expanded="true"]')).waitFor();
    assert.equal(await textarea().inputValue(), 'Half a thought');
    await textarea().fill('');
    await page.keyboard.press('Escape');
    await composer().and(page.locator('[data-expanded="false"]')).waitFor();

    await page.evaluate("localStorage.setItem('parley.language', 'it')");
    await page.reload();
    await composer().and(page.locator('[data-expanded="false"]')).waitFor();
    await textarea().and(page.getByPlaceholder('Rispondi a Rita Verdi…')).waitFor();
    await page.evaluate(() => (globalThis as any).document.activeElement?.blur());
    await page.keyboard.press('Shift+?');
    const sheet = page.getByRole('dialog', { name: 'Scorciatoie da tastiera' });
    await sheet.getByRole('heading', { name: 'In una vista' }).waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'keys-italian');
    await page.keyboard.press('Escape');
    await page.evaluate("localStorage.removeItem('parley.language')");
  });

  it('keeps the newest message in view when the composer opens', async () => {
    const id = (await rowIdsOfView())[2]!;
    for (let n = 1; n <= 12; n++) {
      const res = await desk.api('PUT', `/api/v2/tickets/${id}`, {
        ticket: { comment: { body: `Still jammed, try ${n}`, public: false } },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
    await page.goto(`${desk.url}/tickets/${id}`);
    await page.getByText('Still jammed, try 12').waitFor();
    await composer().and(page.locator('[data-expanded="false"]')).waitFor();
    /** Whether the conversation scrolls, and is scrolled to its newest message. */
    const atNewest = () => {
      const el = (globalThis as any).document.querySelector(
        '[aria-labelledby="conversation-title"]',
      );
      return (
        el.scrollHeight > el.clientHeight && el.scrollHeight - el.scrollTop - el.clientHeight < 2
      );
    };
    await page.waitForFunction(atNewest);
    await textarea().click();
    await composer().and(page.locator('[data-expanded="true"]')).waitFor();
    await page.waitForFunction(atNewest);
    await screenshot(page, 'keys-composer-open-long');
  });

  async function rowIdsOfView(): Promise<number[]> {
    const res = await desk.api('GET', `/api/v2/views/${viewId}/execute?per_page=${PER_PAGE}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body.rows as { ticket: { id: number } }[]).map((r) => r.ticket.id);
  }
});
