import assert from 'node:assert/strict';
/**
 * What every browser test needs: Debian's Chromium through playwright-core (Playwright's own
 * browser download does not work here), axe-core for accessibility, screenshots, sign-in.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { sandboxControl } from '../slack/helpers.ts';
import { startTestDesk, type TestDesk } from './harness.ts';
import { requireWebBuild } from './web-build.ts';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core'), 'utf8');

/** Where every browser test saves its screenshots (CI keeps the folder). */
export const SHOTS = path.resolve('test-results');

export async function launchChromium(): Promise<Browser> {
  requireWebBuild();
  mkdirSync(SHOTS, { recursive: true });
  // launch() gives the browser a fresh, temporary profile of its own.
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A separate browser profile (cookies, storage): one per signed-in person in a test. */
export async function newAgentPage(
  browser: Browser,
  opts: { locale?: string } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    locale: opts.locale ?? 'en-US',
    viewport: { width: 1280, height: 720 },
    // Only so axe-core can be injected: the app's CSP forbids inline scripts.
    bypassCSP: true,
  });
  const page = await context.newPage();
  // Generous: CI shares two cores between two test files, one of them maybe a browser's.
  // Waits end as soon as the thing appears, so this costs nothing when all is well.
  page.setDefaultNavigationTimeout(30_000);
  page.setDefaultTimeout(15_000);
  return { context, page };
}

/** Serious or critical accessibility violations axe-core finds on the page. */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axeSource });
  const ids = await page.evaluate(async () => {
    const axe = (globalThis as any).axe;
    const result = await axe.run((globalThis as any).document);
    return result.violations
      .filter((v: any) => v.impact === 'serious' || v.impact === 'critical')
      .map((v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target).join(' ')}`);
  });
  return ids as string[];
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

/** Signs in from the sign-in page (the page must be on it, e.g. after goto('/')). */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.locator('input[type=password]').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Opens the workspace and signs in as the test desk's admin, landing on the first view. */
export async function signInAsAdmin(
  page: Page,
  desk: { url: string; adminEmail: string },
): Promise<void> {
  await page.goto(`${desk.url}/`);
  await signIn(page, desk.adminEmail, 'correct horse');
  await page.waitForURL(/\/views\/\d+$/);
}

/** Someone the Slack sandbox knows (`team`: a Slack Connect partner's team), as its control API takes them. */
export interface SandboxPerson {
  id: string;
  name: string;
  email: string | null;
  team?: string;
}

/** What a browser suite runs against: a test desk, Chromium, and one page (profile) in it. */
export interface BrowserDesk {
  desk: TestDesk & { stop(): Promise<void> };
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Closes Chromium, then stops the desk. */
  close(): Promise<void>;
}

/**
 * The set-up every browser suite repeats, for its before(): a test desk on SQLite with the
 * sandbox's `people` added and `seed(desk)` run, then Chromium and a 1280×720 page signed in
 * as the desk's admin (landed on the first view), unless `signedIn: false`. What fails half-way
 * closes what was opened; after() calls `close()`.
 */
export async function browserDesk(
  opts: {
    people?: SandboxPerson[];
    seed?: (desk: TestDesk) => Promise<void>;
    signedIn?: boolean;
  } = {},
): Promise<BrowserDesk> {
  const desk = await startTestDesk('sqlite');
  let browser: Browser | null = null;
  const close = async () => {
    if (browser) await browser.close();
    await desk.stop();
  };
  try {
    for (const person of opts.people ?? []) {
      const added = await sandboxControl(desk, 'POST', 'users', person);
      if (added.status !== 200) {
        throw new Error(`the sandbox did not add ${person.id}: ${JSON.stringify(added.body)}`);
      }
    }
    await opts.seed?.(desk);
    browser = await launchChromium();
    const { context, page } = await newAgentPage(browser);
    if (opts.signedIn ?? true) await signInAsAdmin(page, desk);
    return { desk, browser, context, page, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * One ticket ("Badge reader broken", from Rita) and the view that lists it ("All unsolved
 * tickets"): what the full-load tests open.
 */
export async function seedTicketAndView(
  desk: TestDesk,
): Promise<{ ticketId: number; viewId: number }> {
  const made = await desk.api('POST', '/api/v2/tickets', {
    ticket: {
      subject: 'Badge reader broken',
      comment: { body: 'The badge reader on floor 2 is broken' },
      requester: { email: 'rita@example.com', name: 'Rita' },
    },
  });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const views = (await desk.api('GET', '/api/v2/views/active')).body.views as {
    id: number;
    title: string;
  }[];
  const view = views.find((v) => v.title === 'All unsolved tickets') ?? views[0]!;
  return { ticketId: made.body.ticket.id as number, viewId: view.id };
}
