import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { TestDesk } from '../helpers/harness.ts';
import { browserDesk, screenshot, seriousViolations } from '../helpers/browser.ts';
import { personWithTicket, sandboxControl, settle, waitFor } from '../slack/helpers.ts';

describe('starting a Slack conversation from the agent workspace (Chromium)', () => {
  let desk: TestDesk;
  let page: Page;
  let close: (() => Promise<void>) | undefined;
  let person: string;
  let name: string;

  before(async () => {
    ({ desk, page, close } = await browserDesk({
      // Someone the desk knows from Slack (they wrote once), and someone it knows only by email.
      seed: async (desk) => {
        const known = await personWithTicket(desk, 'hello');
        person = known.person;
        name = (await desk.api('GET', `/api/v2/users/${known.userId}`)).body.user.name;
        const nora = await desk.api('POST', '/api/v2/users', {
          user: { name: `${name} Noslack`, email: 'nora.noslack@example.com' },
        });
        assert.equal(nora.status, 201, JSON.stringify(nora.body));
      },
    }));
  });
  after(() => close?.());

  const dialog = () => page.getByRole('dialog', { name: 'Start a Slack conversation' });

  it('opens the dialog on the active connection and finds people, saying who has no Slack identity', async () => {
    await page.getByRole('button', { name: 'New conversation' }).click();
    await dialog().waitFor();
    assert.match(
      await dialog().getByRole('combobox', { name: 'Slack connection' }).inputValue(),
      /\S/,
    );
    await dialog().getByRole('combobox', { name: 'Person' }).fill(name);
    const people = page.getByRole('listbox', { name: 'People found' });
    const reachable = people.getByRole('option', { name: new RegExp(`^${name} <`) });
    await reachable.waitFor();
    const unreachable = people.getByRole('option', { name: /Noslack/ });
    await unreachable.getByText('No Slack identity').waitFor();
    assert.equal(await unreachable.getAttribute('aria-disabled'), 'true');
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'start-dialog');
    await reachable.click();
    await people.waitFor({ state: 'hidden' });
  });

  it('asks for the first message', async () => {
    await dialog().getByRole('button', { name: 'Start conversation' }).click();
    await dialog().getByText('Write the first message.').waitFor();
  });

  it('shows Slack’s refusal in the server’s words', async () => {
    const fault = await sandboxControl(desk, 'POST', 'faults', {
      method: 'conversations.open',
      kind: 'error',
      error: 'cannot_dm_bot',
    });
    assert.equal(fault.status, 200, JSON.stringify(fault.body));
    await dialog().getByRole('textbox', { name: 'Subject' }).fill('Your new laptop');
    await dialog().getByRole('textbox', { name: 'First message' }).fill('Your laptop is ready.');
    await dialog().getByRole('button', { name: 'Start conversation' }).click();
    const alert = dialog().getByRole('alert');
    await alert.getByText(/Slack refused to open a DM with this user \(cannot_dm_bot\)/).waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'start-refused');
  });

  it('starts the conversation: the ticket opens and the message is in the Slack DM', async () => {
    await sandboxControl(desk, 'POST', 'faults/clear', {});
    await dialog().getByRole('button', { name: 'Start conversation' }).click();
    await page.waitForURL(/\/tickets\/\d+$/);
    await dialog().waitFor({ state: 'detached' });
    await page.getByRole('heading', { name: 'Your new laptop' }).waitFor();
    const ticketId = Number(/\/tickets\/(\d+)$/.exec(page.url())![1]);
    const ticket = (await desk.api('GET', `/api/v2/tickets/${ticketId}`)).body.ticket;
    assert.equal(ticket.subject, 'Your new laptop');
    await settle(desk);
    await waitFor('the message in the DM', async () => {
      const dm = await sandboxControl(desk, 'GET', `conversation?user=${person}`);
      assert.equal(dm.status, 200, JSON.stringify(dm.body));
      const texts = (dm.body.messages as { text: string; bot_id?: string }[])
        .filter((m) => m.bot_id)
        .map((m) => m.text);
      return texts.includes('Your laptop is ready.');
    });
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'start-ticket');
  });

  it('offers no New conversation once no Slack connection is active', async () => {
    const { connections } = (await desk.api('GET', '/api/v2/slack/connections')).body;
    for (const c of connections as { id: number }[]) {
      const res = await desk.api('DELETE', `/api/v2/slack/connections/${c.id}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
    const answered = page.waitForResponse((r) =>
      r.url().endsWith('/api/v2/slack/conversations/connections'),
    );
    await page.reload();
    assert.deepEqual((await (await answered).json()).connections, []);
    await page.getByRole('combobox', { name: 'Search tickets and users' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'New conversation' }).count(), 0);
  });
});
