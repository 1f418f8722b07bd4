import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { TestDesk } from '../helpers/harness.ts';
import {
  browserDesk,
  screenshot,
  seriousViolations,
  signIn as signInAs,
} from '../helpers/browser.ts';

describe('the agent workspace in Chromium', () => {
  let desk: TestDesk;
  let page: Page;
  let close: (() => Promise<void>) | undefined;

  before(async () => {
    ({ desk, page, close } = await browserDesk({ signedIn: false }));
  });
  after(() => close?.());

  const signIn = (password: string) => signInAs(page, desk.adminEmail, password);

  async function waitUntil(check: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 150; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail('the condition never held');
  }

  it('refuses a wrong password with a message, and has no serious a11y violation', async () => {
    await page.goto(`${desk.url}/`);
    await page.waitForURL(/\/sign-in$/);
    assert.deepEqual(await seriousViolations(page), []);
    await signIn('not the password');
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').innerText(), /email or password is not right/);
    await screenshot(page, 'web-sign-in-error');
  });

  it('signs in to the sidebar of views with the API’s counts, and a view’s tickets', async () => {
    for (const subject of ['Printer on fire', 'VPN down']) {
      const made = await desk.api('POST', '/api/v2/tickets', {
        ticket: {
          subject,
          comment: { body: `${subject}, help` },
          requester: { email: 'r@example.com', name: 'Rita' },
        },
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
    }
    await signIn('correct horse');
    await page.waitForURL(/\/views\/\d+$/);
    const views = (await desk.api('GET', '/api/v2/views/active')).body.views as {
      id: number;
      title: string;
    }[];
    assert.ok(views.length > 0);
    const ids = views.map((v) => v.id).join(',');
    const counts = (await desk.api('GET', `/api/v2/views/count_many?ids=${ids}`)).body
      .view_counts as {
      view_id: number;
      value: number;
    }[];
    for (const view of views) {
      const link = page.locator(`[data-view-id="${view.id}"]`);
      await link.getByText(view.title).waitFor();
      const want = String(counts.find((c) => c.view_id === view.id)!.value);
      await link.getByTestId('view-count').getByText(want, { exact: true }).waitFor();
    }
    const withBoth = views.find((v) => v.title === 'All unsolved tickets') ?? views[0]!;
    await page.locator(`[data-view-id="${withBoth.id}"]`).click();
    await page.getByRole('link', { name: 'Printer on fire' }).waitFor();
    await page.getByRole('link', { name: 'VPN down' }).waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'web-view');
  });

  it('bulk-updates two tickets’ status', async () => {
    const rows = page.locator('tr[data-ticket-id]');
    const ids = await rows.evaluateAll((trs) =>
      trs.map((tr) => Number(tr.getAttribute('data-ticket-id'))),
    );
    const two = ids.slice(0, 2);
    assert.equal(two.length, 2);
    for (const id of two) await page.getByLabel(`Select ticket #${id}`).check();
    await page
      .getByRole('region', { name: 'Update selected tickets' })
      .getByLabel('Status', { exact: true })
      .click();
    await page.getByRole('option', { name: 'Pending' }).click();
    await page.getByRole('button', { name: 'Apply' }).click();
    await page
      .getByRole('region', { name: 'Update selected tickets' })
      .waitFor({ state: 'detached' });
    for (const id of two) {
      assert.equal((await desk.api('GET', `/api/v2/tickets/${id}`)).body.ticket.status, 'pending');
    }
  });

  it('opens a ticket read-only, with its comments', async () => {
    await page.getByRole('link', { name: 'Printer on fire' }).click();
    await page.getByRole('heading', { name: 'Printer on fire' }).waitFor();
    await page.getByText('Printer on fire, help').waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'web-ticket');
  });

  it('switches the interface to Italian from the user menu', async () => {
    await page.getByRole('button', { name: /User menu/ }).click();
    await page.getByRole('menuitem', { name: 'Italiano' }).click();
    await page.getByRole('heading', { name: 'Viste' }).waitFor();
    // A default view's title follows the language too (its raw title is {{zd.…}}).
    await page.getByRole('link', { name: /Tutti i ticket non risolti/ }).waitFor();
    await page.getByText('Conversazione', { exact: true }).waitFor();
    await screenshot(page, 'web-italian');
    // The choice is the agent's profile locale too: what the server writes for them follows it.
    const localeNow = async () =>
      (await desk.api('GET', '/api/v2/users/me')).body.user.locale as string;
    await waitUntil(async () => (await localeNow()) === 'it');
    await page.getByRole('button', { name: /Menu utente/ }).click();
    await page.getByRole('menuitem', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Views' }).waitFor();
    await waitUntil(async () => (await localeNow()) === 'en-US');
  });

  it('signs out back to the sign-in page, and the session is gone', async () => {
    await page.getByRole('button', { name: /User menu/ }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Parley' }).waitFor();
    assert.match(page.url(), /\/sign-in$/);
    const status = await page.evaluate(async () => (await fetch('/api/v2/session')).status);
    assert.equal(status, 401);
  });
});
