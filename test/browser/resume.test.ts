import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page, Request } from 'playwright-core';
import type { TestDesk } from '../helpers/harness.ts';
import {
  browserDesk,
  screenshot,
  seedTicketAndView,
  seriousViolations,
} from '../helpers/browser.ts';

/**
 * The live stream's first open resumes from where the page's data was read (the answers'
 * X-Parley-Event-Id): a full load asks for its data once, and a change made between that read
 * and the stream's open still shows.
 */
describe('resume: the first stream starts where the loaded data was read', () => {
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

  const streamOpen = () =>
    page
      .locator('[data-testid="stream-status"][data-stream="open"]')
      .waitFor({ state: 'attached' });

  /** The page's requests whose path matches, counted from now on. */
  function counting(pattern: RegExp): { readonly paths: string[]; stop(): void } {
    const paths: string[] = [];
    const seen = (r: Request) => {
      const url = new URL(r.url());
      if (pattern.test(url.pathname + url.search)) paths.push(url.pathname + url.search);
    };
    page.on('request', seen);
    return { paths, stop: () => page.off('request', seen) };
  }

  /**
   * The paths matching `pattern` whose answers the server put in the page itself (the signed-in
   * agent's first data, src/http/web-boot.ts): read there instead of asked for.
   */
  async function embedded(pattern: RegExp): Promise<string[]> {
    const paths = await page.evaluate(() =>
      Object.keys(
        JSON.parse(
          (globalThis as any).document.getElementById('parley-boot')?.textContent || '{}',
        ) as object,
      ),
    );
    return paths.map((p) => `/api/v2${p}`).filter((p) => pattern.test(p));
  }

  /**
   * Every request the page made before this one has been reported: Playwright reports them in
   * order, so what the stream's opening would have asked for again is in by then.
   */
  async function settled(): Promise<void> {
    const marker = page.waitForRequest((r) => new URL(r.url()).searchParams.has('settled'));
    await page.evaluate(() => fetch('/api/v2/session?settled=1').then((r) => r.text()));
    await marker;
  }

  it('a full load of a view asks for its rows once, and once for the ticket on its page', async () => {
    const executePath = new RegExp(`^/api/v2/views/${viewId}/execute\\?`);
    const execute = counting(executePath);
    await page.goto(`${desk.url}/views/${viewId}`);
    await page.getByRole('link', { name: 'Badge reader broken' }).waitFor();
    await streamOpen();
    await settled();
    execute.stop();
    // Once: in the page, or asked for by it.
    const rows = [...(await embedded(executePath)), ...execute.paths];
    assert.equal(rows.length, 1, JSON.stringify(rows));
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'resume-view-full-load');

    const ticketPath = new RegExp(`^/api/v2/tickets/${ticketId}$`);
    const ticket = counting(ticketPath);
    await page.goto(`${desk.url}/tickets/${ticketId}`);
    await page.locator('#ticket-title').getByText('Badge reader broken').waitFor();
    await streamOpen();
    await settled();
    ticket.stop();
    const tickets = [...(await embedded(ticketPath)), ...ticket.paths];
    assert.equal(tickets.length, 1, JSON.stringify(tickets));
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'resume-ticket-full-load');
  });

  it('a change made after the rows were read and before the stream opened still shows', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let from: string | null = null;
    let asked: () => void = () => {};
    const streamAsked = new Promise<void>((resolve) => {
      asked = resolve;
    });
    const isStream = (url: URL) => url.pathname === '/api/v2/stream';
    await page.route(isStream, async (route) => {
      from ??= new URL(route.request().url()).searchParams.get('last_event_id');
      asked();
      await held;
      await route.continue();
    });
    try {
      await page.goto(`${desk.url}/views/${viewId}`);
      await page.getByRole('link', { name: 'Badge reader broken' }).waitFor();
      await streamAsked;
      const changed = await desk.api('PUT', `/api/v2/tickets/${ticketId}`, {
        ticket: { subject: 'Badge reader replaced' },
      });
      assert.equal(changed.status, 200, JSON.stringify(changed.body));
      release();
      await streamOpen();
      await page.getByRole('link', { name: 'Badge reader replaced' }).waitFor();
      // The stream started from the data's position, not from now.
      assert.match(String(from), /^\d+$/);
    } finally {
      release();
      await page.unroute(isStream);
    }
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'resume-change-before-open');
  });
});
