import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { TestDesk } from '../helpers/harness.ts';
import {
  browserDesk,
  screenshot,
  seedTicketAndView,
  seriousViolations,
  signIn,
} from '../helpers/browser.ts';

/** The page's requests to /api/v2 as the browser timed them, in the order they were made. */
interface Timed {
  path: string;
  start: number;
  end: number;
}

async function apiRequests(page: Page): Promise<Timed[]> {
  return page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .filter((e) => new URL(e.name).pathname.startsWith('/api/v2/'))
      .map((e) => ({
        path: new URL(e.name).pathname + new URL(e.name).search,
        start: e.startTime,
        end: (e as unknown as { responseEnd: number }).responseEnd,
      })),
  );
}

/**
 * The first request matching `pattern`; with `once`, it must have been asked for only once (the
 * live stream resumes from where the loaded data was read instead of asking for it again:
 * test/browser/resume.test.ts).
 */
function first(requests: Timed[], pattern: RegExp, once = false): Timed {
  const found = requests.filter((r) => pattern.test(r.path));
  assert.ok(
    found.length > 0,
    `${pattern} not asked for: ${JSON.stringify(requests.map((r) => r.path))}`,
  );
  if (!once) return found[0]!;
  assert.equal(
    found.length,
    1,
    `${pattern} asked for ${found.length} times: ${JSON.stringify(requests.map((r) => r.path))}`,
  );
  return found[0]!;
}

/**
 * Holds the session check's answer until the page has asked for every address in `wanted`;
 * resolves to whether it did (a page that waited for the session would not have).
 */
async function holdSessionUntil(page: Page, wanted: RegExp[]): Promise<() => Promise<boolean>> {
  const asked = Promise.all(
    wanted.map((p) =>
      page.waitForRequest((r) => {
        const url = new URL(r.url());
        return p.test(url.pathname + url.search);
      }),
    ),
  ).then(
    () => true,
    () => false,
  );
  await page.route(
    (url) => url.pathname === '/api/v2/session',
    async (route) => {
      await asked;
      await route.continue();
    },
  );
  return async () => {
    const result = await asked;
    await page.unroute((url) => url.pathname === '/api/v2/session');
    return result;
  };
}

describe('speed: a full load asks for what the page needs at once, and once', () => {
  let desk: TestDesk;
  let page: Page;
  let close: (() => Promise<void>) | undefined;
  let ticketId: number;
  let viewId: number;

  before(async () => {
    ({ desk, page, close } = await browserDesk({ signedIn: false }));
    ({ ticketId, viewId } = await seedTicketAndView(desk));
    // These tests time the app's own first requests: the signed-in agent's first data is taken
    // out of the page (src/http/web-boot.ts; the page with it: test/browser/shell.test.ts).
    await page.route(
      (url) => !/^\/(api|assets|sandbox|slack)\//.test(url.pathname),
      async (route) => {
        const response = await route.fetch();
        const body = (await response.text()).replace(
          /<script type="application\/json" id="parley-boot">[^]*?<\/script>/,
          '',
        );
        await route.fulfill({ response, body });
      },
    );
  });
  after(() => close?.());

  it('signed out, a view’s address still ends on sign-in, and then on the workspace', async () => {
    // The first load's early requests are refused (401): nothing of them may stay behind.
    await page.goto(`${desk.url}/views/${viewId}`);
    await page.waitForURL(/\/sign-in$/);
    await signIn(page, desk.adminEmail, 'correct horse');
    await page.waitForURL(/\/views\/\d+$/);
    await page.locator('#view-title').getByText(/\w/).waitFor();
    await page.locator('[data-testid="view-count"]').first().getByText(/^\d+$/).waitFor();
    await page.locator(`[data-view-id="${viewId}"]`).click();
    await page.getByRole('link', { name: 'Badge reader broken' }).waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'speed-signed-out-then-in');
  });

  it('a view: session, views, rows and their people asked for before the session answers', async () => {
    const beforeSession = await holdSessionUntil(page, [
      /^\/api\/v2\/views\/active$/,
      new RegExp(`^/api/v2/views/${viewId}/execute\\?`),
    ]);
    await page.goto(`${desk.url}/views/${viewId}`);
    await page.getByRole('link', { name: 'Badge reader broken' }).waitFor();
    await page
      .locator(`[data-view-id="${viewId}"] [data-testid="view-count"]`)
      .getByText(/^\d+$/)
      .waitFor();
    // Not one after another: the views and rows are asked for before the session answers.
    assert.ok(await beforeSession(), 'the views and the rows waited for the session');
    const requests = await apiRequests(page);
    first(requests, /^\/api\/v2\/session$/, true);
    first(requests, /^\/api\/v2\/views\/active$/, true);
    first(requests, new RegExp(`^/api/v2/views/${viewId}/execute\\?`));
    first(requests, /^\/api\/v2\/views\/count_many\?/);
    first(requests, /^\/api\/v2\/users\/show_many\?/, true);
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'speed-view-full-load');
  });

  it('a ticket: the ticket and its history asked for before the session answers', async () => {
    const beforeSession = await holdSessionUntil(page, [
      new RegExp(`^/api/v2/tickets/${ticketId}$`),
      new RegExp(`^/api/v2/tickets/${ticketId}/comments\\?`),
    ]);
    await page.goto(`${desk.url}/tickets/${ticketId}`);
    await page.locator('#ticket-title').getByText('Badge reader broken').waitFor();
    await page.locator('[data-comment-id]').first().waitFor();
    assert.ok(await beforeSession(), 'the ticket and its comments waited for the session');
    const requests = await apiRequests(page);
    first(requests, /^\/api\/v2\/session$/, true);
    first(requests, new RegExp(`^/api/v2/tickets/${ticketId}$`));
    first(requests, new RegExp(`^/api/v2/tickets/${ticketId}/comments\\?`));
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'speed-ticket-full-load');
  });
});
