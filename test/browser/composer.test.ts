import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { TestDesk } from '../helpers/harness.ts';
import { browserDesk, screenshot, seriousViolations } from '../helpers/browser.ts';
import { botMessages, personWithTicket, sandboxOf, settle } from '../slack/helpers.ts';

/** A 1×1 PNG, as a pasted screenshot would arrive. */
const PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

interface CommentJson {
  id: number;
  body: string;
  public: boolean;
  attachments: { file_name: string; content_type: string; size: number }[];
}

/** Waits, without a fixed delay, until `check` gives a value (or the time runs out). */
async function eventually<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`gave up waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

describe('the reply composer in Chromium', () => {
  let desk: TestDesk;
  let page: Page;
  let close: (() => Promise<void>) | undefined;

  before(async () => {
    ({ desk, page, close } = await browserDesk());
  });
  after(() => close?.());

  async function makeTicket(subject: string): Promise<number> {
    const made = await desk.api('POST', '/api/v2/tickets', {
      ticket: {
        subject,
        comment: { body: `${subject}, please help` },
        requester: { email: 'rita@example.com', name: 'Rita' },
      },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    return made.body.ticket.id as number;
  }

  async function comments(id: number): Promise<CommentJson[]> {
    return (await desk.api('GET', `/api/v2/tickets/${id}/comments`)).body.comments;
  }

  async function ticket(id: number) {
    return (await desk.api('GET', `/api/v2/tickets/${id}`)).body.ticket as {
      status: string;
      priority: string | null;
      updated_at: string;
    };
  }

  async function open(id: number, subject: string) {
    await page.goto(`${desk.url}/tickets/${id}`);
    await page.getByRole('heading', { name: subject }).waitFor();
    await composer().waitFor();
  }

  const composer = () => page.getByTestId('composer');
  const textarea = () => composer().getByRole('textbox');

  it('writes Markdown, previews it, and submits it as Pending', async () => {
    const id = await makeTicket('Printer on fire');
    await open(id, 'Printer on fire');
    assert.deepEqual(await seriousViolations(page), []);
    await textarea().fill('It is **really** on fire');
    await composer().getByRole('tab', { name: 'Preview' }).click();
    await composer()
      .getByTestId('composer-preview')
      .locator('strong', { hasText: 'really' })
      .waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'composer-preview');
    await composer().getByRole('button', { name: 'Submit with another status' }).click();
    await page.getByRole('menuitem', { name: 'Submit as Pending' }).click();
    await eventually(
      async () => ((await ticket(id)).status === 'pending' ? true : undefined),
      'pending',
    );
    const reply = (await comments(id)).find((c) => c.body === 'It is **really** on fire');
    assert.ok(reply, 'the reply is a comment');
    assert.equal(reply.public, true);
    // Sent: the composer is folded back to its one-line field, empty.
    await composer().and(page.locator('[data-expanded="false"]')).waitFor();
    assert.equal(await textarea().inputValue(), '');
    await screenshot(page, 'composer-reply-sent');
  });

  it('adds an internal note with Ctrl+Enter, and looks different doing it', async () => {
    const id = await makeTicket('VPN down');
    await open(id, 'VPN down');
    await composer().getByText('Internal note').click();
    await composer()
      .getByText(/Only agents see internal notes/)
      .waitFor();
    assert.equal(await composer().getAttribute('data-mode'), 'note');
    await textarea().fill('Checked the VPN logs: the certificate expired');
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'composer-note');
    await textarea().press('Control+Enter');
    const note = await eventually(
      async () => (await comments(id)).find((c) => c.body.startsWith('Checked the VPN logs')),
      'the note',
    );
    assert.equal(note.public, false);
    assert.equal((await ticket(id)).status !== 'pending', true);
  });

  it('uploads a pasted image and a dropped file, shows a refused one, and attaches them', async () => {
    const id = await makeTicket('Screen is blue');
    await open(id, 'Screen is blue');
    await textarea().fill('Here is what I see');
    await textarea().evaluate((el, png) => {
      const w = globalThis as any;
      const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
      const data = new w.DataTransfer();
      data.items.add(new File([bytes], 'image.png', { type: 'image/png' }));
      el.dispatchEvent(new w.ClipboardEvent('paste', { clipboardData: data, bubbles: true }));
    }, PNG_BASE64);
    await composer().evaluate((el) => {
      const w = globalThis as any;
      const data = new w.DataTransfer();
      data.items.add(new File(['error log'], 'log.txt', { type: 'text/plain' }));
      data.items.add(new File([], 'empty.txt', { type: 'text/plain' }));
      el.dispatchEvent(new w.DragEvent('dragover', { dataTransfer: data, bubbles: true }));
      el.dispatchEvent(new w.DragEvent('drop', { dataTransfer: data, bubbles: true }));
    });
    await composer().locator('[data-upload^="pasted-"]').waitFor();
    await composer().locator('[data-upload="log.txt"]').waitFor();
    // The desk refuses an empty file: its own words are shown on the chip.
    await composer()
      .locator('[data-upload-pending="empty.txt"]')
      .getByText(/Not attached: The upload body is empty/)
      .waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'composer-attachments');
    await composer().getByRole('button', { name: 'Remove empty.txt' }).click();
    await textarea().press('Control+Enter');
    const sent = await eventually(
      async () => (await comments(id)).find((c) => c.body === 'Here is what I see'),
      'the reply with attachments',
    );
    const files = sent.attachments.map((a) => a.file_name).sort();
    assert.equal(files.length, 2, JSON.stringify(sent.attachments));
    assert.equal(files[0], 'log.txt');
    assert.match(files[1]!, /^pasted-.*\.png$/);
    assert.equal(sent.attachments.find((a) => a.file_name === 'log.txt')!.size, 9);
  });

  it('applies a macro: its text fills the composer, its status is saved and its use recorded', async () => {
    const made = await desk.api('POST', '/api/v2/macros', {
      macro: {
        title: 'Support::Ask for logs',
        actions: [
          { field: 'status', value: 'pending' },
          { field: 'comment_value', value: 'Could you send us the logs, please?' },
        ],
      },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const macroId = made.body.macro.id as number;
    const id = await makeTicket('Mail bounces');
    await open(id, 'Mail bounces');
    await composer().getByRole('button', { name: 'Apply macro' }).click();
    const dialog = page.getByRole('dialog', { name: 'Apply a macro' });
    await dialog.getByLabel('Search macros').fill('logs');
    await dialog.getByRole('button', { name: 'Ask for logs' }).click();
    await dialog.getByTestId('composer-changes').getByText('Pending').waitFor();
    await dialog.getByText('Could you send us the logs, please?').waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'composer-macro');
    await dialog.getByRole('button', { name: 'Apply', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await textarea().inputValue(), 'Could you send us the logs, please?');
    await composer().getByRole('button', { name: 'Submit as Pending' }).click();
    await eventually(
      async () => ((await ticket(id)).status === 'pending' ? true : undefined),
      'pending',
    );
    assert.ok((await comments(id)).some((c) => c.body === 'Could you send us the logs, please?'));
    const listed = (await desk.api('GET', '/api/v2/macros?include=usage_1h')).body.macros as {
      id: number;
      usage_1h: number;
    }[];
    assert.equal(listed.find((m) => m.id === macroId)?.usage_1h, 1);
  });

  it('keeps the draft on a conflicting change, says what changed, and sends it again', async () => {
    const id = await makeTicket('Laptop slow');
    await open(id, 'Laptop slow');
    const seen = (await ticket(id)).updated_at;
    await textarea().fill('Try restarting it, then tell me');
    // Someone else changes the ticket (the API's times are to the second: until it differs).
    await eventually(async () => {
      const res = await desk.api('PUT', `/api/v2/tickets/${id}`, {
        ticket: { priority: 'high' },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      if (res.body.ticket.updated_at !== seen) return true;
      await desk.api('PUT', `/api/v2/tickets/${id}`, { ticket: { priority: 'low' } });
      return undefined;
    }, 'a later updated_at');
    await textarea().press('Control+Enter');
    const notice = composer().getByTestId('composer-conflict');
    await notice.getByText('The ticket changed while you were writing').waitFor();
    await notice.getByText(/set Priority to high/).waitFor();
    assert.equal(await textarea().inputValue(), 'Try restarting it, then tell me');
    assert.ok(!(await comments(id)).some((c) => c.body.startsWith('Try restarting')));
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'composer-conflict');
    await textarea().press('Control+Enter');
    await eventually(
      async () =>
        (await comments(id)).some((c) => c.body === 'Try restarting it, then tell me') || undefined,
      'the reply sent again',
    );
    await notice.waitFor({ state: 'detached' });
    assert.equal((await ticket(id)).priority, 'high');
  });

  it('keeps an unsent draft across a reload; / focuses the composer', async () => {
    const id = await makeTicket('Badge broken');
    await open(id, 'Badge broken');
    await page.getByRole('heading', { name: 'Badge broken' }).click();
    await page.keyboard.press('/');
    await page.waitForFunction(
      () => (globalThis as any).document.activeElement?.tagName === 'TEXTAREA',
    );
    await page.keyboard.type('Unsent words');
    assert.equal(await textarea().inputValue(), 'Unsent words');
    await composer().getByText('Internal note').click();
    await page.reload();
    await composer().waitFor();
    assert.equal(await textarea().inputValue(), 'Unsent words');
    assert.equal(await composer().getAttribute('data-mode'), 'note');
    await screenshot(page, 'composer-draft-restored');
  });

  it('on a Slack ticket, says the reply goes to the person’s DM, and it does; a note does not', async () => {
    const sb = sandboxOf(desk);
    const { person, userId, ticketId } = await personWithTicket(
      desk,
      'My badge does not open the door',
    );
    const name = (await desk.api('GET', `/api/v2/users/${userId}`)).body.user.name as string;
    await page.goto(`${desk.url}/tickets/${ticketId}`);
    // Folded, the field says where the reply goes; open, the line above it does.
    await textarea()
      .and(page.getByPlaceholder(`Reply to ${name} on Slack…`))
      .waitFor();
    await textarea().click();
    await composer().getByText(`This reply goes to ${name}’s Slack DM.`).waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'composer-slack');
    const before = botMessages(sb, person).length;
    await textarea().fill('Try the side door while we fix it');
    await textarea().press('Control+Enter');
    await eventually(
      async () =>
        (await comments(ticketId)).some((c) => c.body.startsWith('Try the side door')) || undefined,
      'the reply',
    );
    await settle(desk);
    const posted = botMessages(sb, person).slice(before);
    assert.ok(
      posted.some((m) => m.text.includes('Try the side door while we fix it')),
      JSON.stringify(posted),
    );
    await composer().getByText('Internal note').click();
    await textarea().fill('Badge reader 4 is offline');
    await textarea().press('Control+Enter');
    await eventually(
      async () =>
        (await comments(ticketId)).some((c) => c.body.startsWith('Badge reader 4')) || undefined,
      'the note',
    );
    await settle(desk);
    assert.ok(!botMessages(sb, person).some((m) => m.text.includes('Badge reader 4')));
  });

  it('opens the shortcuts sheet with ?', async () => {
    // Not while typing in a field: from the page itself.
    await page.evaluate(() => (globalThis as any).document.activeElement?.blur());
    await page.keyboard.press('Shift+?');
    const sheet = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await sheet.getByText('Submit as Solved').waitFor();
    await sheet.getByText('Switch between public reply and internal note').waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'composer-shortcuts');
    await page.keyboard.press('Escape');
    await sheet.waitFor({ state: 'detached' });
  });
  it('speaks Italian', async () => {
    await page.getByRole('button', { name: /User menu/ }).click();
    await page.getByRole('menuitem', { name: 'Italiano' }).click();
    await composer().getByText('Risposta pubblica').waitFor();
    // The note was sent: the composer is folded until the agent goes to it.
    await textarea().click();
    await composer()
      .getByRole('button', { name: /^Invia come / })
      .waitFor();
    await composer().getByRole('tab', { name: 'Anteprima' }).waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'composer-italian');
    await page.getByRole('button', { name: /Menu utente/ }).click();
    await page.getByRole('menuitem', { name: 'English' }).click();
    await composer().getByText('Public reply').waitFor();
  });
});
