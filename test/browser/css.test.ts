/**
 * What the initial load brings and what each screen adds (issue 15, full loads): Mantine's styles
 * per component (web/src/styles/) — every Mantine class a screen shows has its rules loaded,
 * whichever lazy page or dialog shows it — and only the shown language's translations: English
 * fetches no other language, Italian fetches its own and renders in Italian from the start.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { TestDesk } from '../helpers/harness.ts';
import {
  browserDesk,
  newAgentPage,
  screenshot,
  seedTicketAndView,
  seriousViolations,
} from '../helpers/browser.ts';

/** Every class Mantine's full stylesheet has rules for (its components' class names). */
const MANTINE_CLASSES = [
  ...new Set(
    readFileSync(createRequire(import.meta.url).resolve('@mantine/core/styles.css'), 'utf8').match(
      /(?<=\.)m_[0-9a-f]+\b/g,
    ) ?? [],
  ),
];

/**
 * Mantine classes on the page (portals included) that Mantine has rules for but no stylesheet
 * the page loaded does: a component whose per-component CSS file is missing.
 */
async function unstyled(page: Page): Promise<string[]> {
  // In the page (this project's server-side types have no DOM): style rules, possibly nested
  // in @media / @layer / @supports rules, and every element's class attribute.
  return page.evaluate((styled) => {
    const known = new Set(styled);
    const loaded = new Set<string>();
    const doc = (globalThis as any).document;
    // A work list, not a recursive helper: tsx would wrap a named function in a __name() call
    // that does not exist in the page.
    const rules: any[] = Array.from(doc.styleSheets as any[]).flatMap((s) =>
      Array.from(s.cssRules),
    );
    while (rules.length > 0) {
      const rule = rules.pop();
      const selector: unknown = rule.selectorText;
      if (typeof selector === 'string') {
        for (const m of selector.matchAll(/\.(m_[0-9a-f]+)\b/g)) loaded.add(m[1]!);
      }
      if (rule.cssRules) rules.push(...Array.from(rule.cssRules as any[]));
    }
    const missing = new Set<string>();
    for (const el of Array.from(doc.querySelectorAll('[class]') as any[])) {
      for (const c of String(el.getAttribute('class') ?? '').split(/\s+/)) {
        if (known.has(c) && !loaded.has(c)) missing.add(c);
      }
    }
    return [...missing];
  }, MANTINE_CLASSES);
}

describe('styles and translations loaded per screen in Chromium', () => {
  let desk: TestDesk;
  let page: Page;
  let close: (() => Promise<void>) | undefined;
  let browser: Browser;
  let ids: { ticketId: number; viewId: number };

  before(async () => {
    ({ desk, page, close, browser } = await browserDesk({
      seed: async (d) => {
        ids = await seedTicketAndView(d);
        const macro = await d.api('POST', '/api/v2/macros', {
          macro: { title: 'Ask for logs', actions: [{ field: 'comment_value', value: 'Logs?' }] },
        });
        assert.equal(macro.status, 201, JSON.stringify(macro.body));
      },
    }));
  });
  after(() => close?.());

  /**
   * The screen is styled, accessible, and saved as test-results/css-<name>.png.
   */
  async function check(name: string, on: Page = page): Promise<void> {
    assert.deepEqual(await unstyled(on), [], `${name}: Mantine classes without their styles`);
    assert.deepEqual(await seriousViolations(on), [], name);
    await screenshot(on, `css-${name}`);
  }

  it('styles the sign-in page with the initial stylesheet alone', async () => {
    const other = await newAgentPage(browser);
    try {
      await other.page.goto(`${desk.url}/`);
      await other.page.getByLabel('Email').waitFor();
      await check('sign-in', other.page);
    } finally {
      await other.context.close();
    }
  });

  it('styles the view page, its bulk update, the user menu, notifications and dialogs', async () => {
    await page.goto(`${desk.url}/views/${ids.viewId}`);
    await page.getByRole('link', { name: 'Badge reader broken' }).waitFor();
    await check('view');

    await page.getByLabel(`Select ticket #${ids.ticketId}`).check();
    const bulk = page.getByRole('region', { name: 'Update selected tickets' });
    await bulk.getByLabel('Status', { exact: true }).click();
    await page.getByRole('option', { name: 'Pending' }).waitFor();
    await check('bulk-update');
    await page.keyboard.press('Escape');

    await page.getByRole('button', { name: /User menu/ }).click();
    await page.getByRole('menuitem', { name: 'Italiano' }).waitFor();
    // The menu button pattern: the first item has the focus.
    await page.getByRole('menuitem', { name: 'English' }).and(page.locator(':focus')).waitFor();
    await check('user-menu');
    await page.keyboard.press('Escape');

    await page.getByTestId('notification-bell').click();
    await page.getByRole('dialog', { name: 'Notifications' }).waitFor();
    await check('notifications');
    await page.keyboard.press('Escape');

    await page.getByRole('button', { name: 'New conversation' }).click();
    await page.getByRole('dialog', { name: 'Start a Slack conversation' }).waitFor();
    await check('new-conversation');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });

    // Focus is back on the New conversation button, outside any text field.
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await check('shortcuts');
    await page.keyboard.press('Escape');
  });

  it('styles the ticket page with its composer, macros and tags', async () => {
    await page.goto(`${desk.url}/tickets/${ids.ticketId}`);
    await page.getByRole('heading', { name: 'Badge reader broken' }).waitFor();
    await page.getByText('The badge reader on floor 2 is broken').waitFor();
    await check('ticket');

    await page.getByRole('button', { name: 'Apply macro' }).click();
    const macros = page.getByRole('dialog', { name: 'Apply a macro' });
    await macros.getByText('Ask for logs').waitFor();
    await check('macros');
    await page.keyboard.press('Escape');
    await macros.waitFor({ state: 'detached' });

    await page.getByRole('region', { name: 'Properties' }).getByLabel('Tags').click();
    await check('tags');
  });

  it('styles the search page and the admin area', async () => {
    await page.goto(`${desk.url}/search?q=badge`);
    await page.getByRole('link', { name: 'Badge reader broken' }).first().waitFor();
    await check('search');

    await page.goto(`${desk.url}/admin/channels/slack`);
    await page.getByRole('heading', { name: 'Slack channels' }).waitFor();
    await page.getByRole('button', { name: 'Add Slack channel' }).click();
    await page.getByRole('dialog', { name: 'Add a Slack channel' }).waitFor();
    await check('admin');
  });

  it('fetches no other language for an English agent', async () => {
    const asked: string[] = [];
    page.on('request', (r) => asked.push(new URL(r.url()).pathname));
    await page.goto(`${desk.url}/views/${ids.viewId}`);
    await page.getByRole('link', { name: 'Badge reader broken' }).waitFor();
    assert.deepEqual(
      asked.filter((p) => /^\/assets\/it-/.test(p)),
      [],
      'the Italian chunk was fetched',
    );
  });

  it('renders an Italian browser in Italian from the first paint, fetching its chunk', async () => {
    const context = await browser.newContext({
      locale: 'it-IT',
      viewport: { width: 1280, height: 720 },
      bypassCSP: true,
      storageState: await page.context().storageState(),
    });
    try {
      const italian = await context.newPage();
      const asked: string[] = [];
      italian.on('request', (r) => asked.push(new URL(r.url()).pathname));
      // Notes any moment the page shows the shell's English strings.
      await italian.addInitScript(() => {
        const g = globalThis as any;
        new g.MutationObserver(() => {
          const seen = /New conversation|Views|Loading/.exec(g.document.body?.innerText ?? '');
          if (seen) g.englishSeen ??= seen[0];
        }).observe(g.document, { childList: true, subtree: true, characterData: true });
      });
      await italian.goto(`${desk.url}/views/${ids.viewId}`);
      await italian.getByRole('heading', { name: 'Viste' }).waitFor();
      await italian.getByRole('button', { name: 'Nuova conversazione' }).waitFor();
      assert.equal(
        await italian.evaluate(() => (globalThis as any).englishSeen as string | undefined),
        undefined,
      );
      assert.equal(
        await italian.evaluate(() => (globalThis as any).document.documentElement.lang),
        'it',
      );
      assert.ok(
        asked.some((p) => /^\/assets\/it-[\w-]+\.js$/.test(p)),
        `no Italian chunk among ${JSON.stringify(asked)}`,
      );
      await check('italian', italian);
    } finally {
      await context.close();
    }
  });
});
