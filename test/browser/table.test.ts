import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { TestDesk } from '../helpers/harness.ts';
import { browserDesk, screenshot, seriousViolations } from '../helpers/browser.ts';

/**
 * Issue 15's speed round, the view table and the sidebar drawn as plain elements (a CSS
 * module instead of a Mantine component per cell): the same semantics as before — a real table
 * with sortable column headers (aria-sort), labelled row checkboxes, links and status badges,
 * the sidebar's open view marked — the bulk toolbar loaded on the first tick, and rows kept
 * right through live refetches.
 */
describe('table: the view table and sidebar as plain elements', () => {
  let desk: TestDesk;
  let page: Page;
  let close: (() => Promise<void>) | undefined;
  let viewId: number;
  const tickets: Record<string, number> = {};

  async function makeTicket(subject: string, status: string, requester: string) {
    const made = await desk.api('POST', '/api/v2/tickets', {
      ticket: {
        subject,
        status,
        comment: { body: `${subject}, please` },
        requester: { email: `${requester.toLowerCase()}@example.com`, name: requester },
      },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    return (made.body as { ticket: { id: number } }).ticket.id;
  }

  before(async () => {
    ({ desk, page, close } = await browserDesk({
      seed: async (d) => {
        desk = d;
        tickets.new = await makeTicket('Monitor flickers', 'new', 'Rita');
        tickets.open = await makeTicket('Laptop will not boot', 'open', 'Marco');
        tickets.pending = await makeTicket('Badge expired', 'pending', 'Giulia');
        const views = (await d.api('GET', '/api/v2/views/active')).body.views as {
          id: number;
          title: string;
        }[];
        viewId = views.find((v) => v.title === 'All unsolved tickets')!.id;
      },
    }));
  });
  after(() => close?.());

  const rows = () => page.locator('tr[data-ticket-id]');
  const row = (id: number) => page.locator(`tr[data-ticket-id="${id}"]`);
  const rowIds = () =>
    rows().evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-ticket-id'))));

  async function until(check: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 150; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail('the condition never held');
  }

  it('draws a table with sortable headers, labelled checkboxes, links and status badges', async () => {
    await page.goto(`${desk.url}/views/${viewId}`);
    await rows().nth(2).waitFor();
    const table = page.getByRole('table', { name: 'All unsolved tickets' });
    await table.waitFor();

    // The sidebar: plain links, the open view marked for assistive technology.
    const open = page.locator(`nav a[data-view-id="${viewId}"]`);
    assert.equal(await open.getAttribute('aria-current'), 'page');
    assert.equal(await page.locator('nav a[aria-current="page"]').count(), 1);
    await open.getByTestId('view-count').getByText('3', { exact: true }).waitFor();

    // Each row: a labelled checkbox, its subject as a link to the ticket, its status badge.
    for (const [status, id] of Object.entries(tickets)) {
      await row(id)
        .getByRole('checkbox', { name: `Select ticket #${id}` })
        .waitFor();
      assert.equal(await row(id).locator('[data-status]').getAttribute('data-status'), status);
    }
    const link = row(tickets.open!).getByRole('link', { name: 'Laptop will not boot' });
    assert.equal(await link.getAttribute('href'), `/tickets/${tickets.open}`);
    assert.equal(await row(tickets.pending!).locator('[data-status]').innerText(), 'PENDING');
    await row(tickets.new!).getByRole('cell', { name: 'Rita' }).waitFor();

    // Sorting: a button in the column header, its state in aria-sort, the rows reordered.
    const header = table.getByRole('columnheader', { name: /^Status/ });
    assert.equal(await header.getAttribute('aria-sort'), null);
    await header.getByRole('button').click();
    await until(async () => (await header.getAttribute('aria-sort')) === 'ascending');
    await until(async () => (await rows().count()) === 3);
    const ascending = await rowIds();
    await header.getByRole('button').click();
    await until(async () => (await header.getAttribute('aria-sort')) === 'descending');
    await until(async () => (await rowIds()).join() === [...ascending].reverse().join());

    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'table-view');
  });

  it('loads the bulk toolbar on the first tick; select-all shows a partial selection', async () => {
    const toolbar = page.getByRole('region', { name: 'Update selected tickets' });
    assert.equal(await toolbar.count(), 0);
    await page.getByLabel(`Select ticket #${tickets.open}`).check();
    await toolbar.waitFor();
    await toolbar.getByText('1 selected').waitFor();
    const all = page.getByLabel('Select all tickets on this page');
    assert.equal(
      await all.evaluate((box) => (box as unknown as { indeterminate: boolean }).indeterminate),
      true,
      'one of three ticked: select-all is mixed',
    );
    await all.check();
    await toolbar.getByText('3 selected').waitFor();
    assert.equal(
      await all.evaluate((box) => (box as unknown as { indeterminate: boolean }).indeterminate),
      false,
    );
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'table-bulk');
    await all.uncheck();
    await toolbar.waitFor({ state: 'detached' });
  });

  it('keeps rows right through live refetches: a changed status, a new requester’s name', async () => {
    const changed = await desk.api('PUT', `/api/v2/tickets/${tickets.open}`, {
      ticket: { status: 'hold' },
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    await row(tickets.open!).locator('[data-status="hold"]').waitFor();

    const added = await makeTicket('Headset crackles', 'open', 'Teodora');
    await row(added).getByRole('cell', { name: 'Teodora' }).waitFor();
    // The rows that were there keep their people's names throughout.
    await row(tickets.new!).getByRole('cell', { name: 'Rita' }).waitFor();
    await row(tickets.pending!).getByRole('cell', { name: 'Giulia' }).waitFor();
    assert.equal(await rows().count(), 4);
  });
});
