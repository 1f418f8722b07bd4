import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page, Request } from 'playwright-core';
import type { TestDesk } from '../helpers/harness.ts';
import {
  browserDesk,
  screenshot,
  seedTicketAndView,
  seriousViolations,
  signIn,
} from '../helpers/browser.ts';

/**
 * A signed-in full load reads its first data from the page itself (src/http/web-boot.ts,
 * web/src/boot-data.ts), draws the shell at once, and mounts the header's widgets right after.
 */
describe('shell: a full load starts from the data in the page', () => {
  let desk: TestDesk;
  let page: Page;
  let close: (() => Promise<void>) | undefined;
  let viewId = 0;
  let ticketId = 0;

  before(async () => {
    ({ desk, page, close } = await browserDesk());
    ({ ticketId, viewId } = await seedTicketAndView(desk));
  });
  after(() => close?.());

  /** The page's requests to /api/v2 (path and query), from now on. */
  function apiRequests(): { readonly paths: string[]; stop(): void } {
    const paths: string[] = [];
    const seen = (r: Request) => {
      const url = new URL(r.url());
      if (url.pathname.startsWith('/api/v2/')) paths.push(url.pathname + url.search);
    };
    page.on('request', seen);
    return { paths, stop: () => page.off('request', seen) };
  }

  const embeddedPaths = () =>
    page.evaluate(() =>
      Object.keys(
        JSON.parse(
          (globalThis as any).document.getElementById('parley-boot')?.textContent || '{}',
        ) as object,
      ),
    );

  it('a view’s full load asks for none of what the page holds', async () => {
    const asked = apiRequests();
    await page.goto(`${desk.url}/views/${viewId}`);
    await page.getByRole('link', { name: 'Badge reader broken' }).waitFor();
    await page
      .locator(`[data-view-id="${viewId}"] [data-testid="view-count"]`)
      .getByText(/^\d+$/)
      .waitFor();
    await page.getByRole('combobox', { name: 'Search tickets and users' }).waitFor();
    asked.stop();
    const held = await embeddedPaths();
    for (const path of [
      '/session',
      '/views/active',
      `/views/${viewId}/execute?page=1&per_page=25`,
    ]) {
      assert.ok(held.includes(path), `${path} is in the page: ${JSON.stringify(held)}`);
    }
    // The counts are asked for by the sidebar (web-boot.ts leaves them out), and shown above.
    assert.ok(!held.some((p) => p.startsWith('/views/count_many?')));
    assert.ok(asked.paths.some((p) => p.startsWith('/api/v2/views/count_many?')));
    assert.ok(held.some((p) => p.startsWith('/users/show_many?')));
    const again = asked.paths.filter((p) => held.includes(p.replace(/^\/api\/v2/, '')));
    assert.deepEqual(again, [], 'nothing the page holds is asked for');
    assert.ok(!asked.paths.includes('/api/v2/session'), JSON.stringify(asked.paths));
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'shell-view-full-load');
  });

  it('a ticket’s full load shows the ticket and its history from the page', async () => {
    const asked = apiRequests();
    await page.goto(`${desk.url}/tickets/${ticketId}`);
    await page.locator('#ticket-title').getByText('Badge reader broken').waitFor();
    await page.locator('[data-comment-id]').first().waitFor();
    asked.stop();
    const held = await embeddedPaths();
    assert.ok(held.includes(`/tickets/${ticketId}`), JSON.stringify(held));
    assert.ok(held.includes(`/tickets/${ticketId}/comments?per_page=100`), JSON.stringify(held));
    for (const path of [
      `/api/v2/tickets/${ticketId}`,
      `/api/v2/tickets/${ticketId}/comments?per_page=100`,
      `/api/v2/tickets/${ticketId}/conversation`,
      '/api/v2/session',
    ]) {
      assert.ok(!asked.paths.includes(path), `${path} asked for: ${JSON.stringify(asked.paths)}`);
    }
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'shell-ticket-full-load');
  });

  it('Ctrl+K and ? work as soon as the page shows, before or after the header’s widgets', async () => {
    await page.goto(`${desk.url}/views/${viewId}`);
    await page.locator('#view-title').getByText(/\w/).waitFor();
    await page.keyboard.press('Control+k');
    await page.locator('[role=combobox]:focus').waitFor();
    await page.keyboard.press('Escape');
    await page.evaluate(() => (globalThis as any).document.activeElement?.blur());
    await page.keyboard.press('Shift+?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'shell-keys-after-load');
  });

  it('signed out, the next agent in the same tab starts from their own data', async () => {
    await page.goto(`${desk.url}/views/${viewId}`);
    await page.getByRole('link', { name: 'Badge reader broken' }).waitFor();
    await page.getByRole('button', { name: /user menu/i }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in$/);
    // The page held the admin's answers: none may be used after signing out.
    const asked = apiRequests();
    const agent = await desk.createAgent('Ada Shell');
    await signIn(page, agent.email, 'correct horse');
    await page.getByRole('button', { name: /Ada Shell/ }).waitFor();
    await page.locator('[data-testid="view-count"]').first().getByText(/^\d+$/).waitFor();
    asked.stop();
    assert.ok(asked.paths.includes('/api/v2/views/active'), JSON.stringify(asked.paths));
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'shell-next-agent');
  });
});
