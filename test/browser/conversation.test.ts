import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  browserDesk,
  newAgentPage,
  screenshot,
  seriousViolations,
  signInAsAdmin,
} from '../helpers/browser.ts';
import type { TestDesk } from '../helpers/harness.ts';
import {
  PARTNER_TEAM,
  sandboxControl,
  settle,
  ticketsOf,
  userIdForSlack,
} from '../slack/helpers.ts';

/**
 * The ticket page as a conversation, in Chromium, with the Slack sandbox as the other side:
 * a Slack Connect partner writes in a DM (with a screenshot), the agent answers, the ticket is
 * closed, the person writes again, and the follow-up shows the whole history; a note stays
 * inside; a reply Slack refuses shows why and goes out once on Retry.
 */
describe('the ticket page as a conversation, in Chromium', () => {
  let desk: TestDesk;
  let browser: Browser;
  let page: Page;
  let close: (() => Promise<void>) | undefined;
  const PERSON = 'U0MARCO';
  let first: number;
  let followUp: number;

  /** A person writes into their DM with the help desk, through the sandbox's control API. */
  const dm = async (text: string, files?: { name: string; mimetype: string; data: Buffer }[]) => {
    const sent = await sandboxControl(desk, 'POST', 'messages', {
      user: PERSON,
      text,
      ...(files
        ? {
            files: files.map((f) => ({
              name: f.name,
              mimetype: f.mimetype,
              content_base64: f.data.toString('base64'),
            })),
          }
        : {}),
    });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    assert.equal(sent.body.delivery.status, 'acked');
    await settle(desk);
    return sent.body as { channel: string; ts: string };
  };
  /** The person edits or deletes their message in Slack. */
  const change = async (what: 'edit' | 'delete', body: Record<string, unknown>) => {
    const res = await sandboxControl(desk, 'POST', what, body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await settle(desk);
  };
  /** What the help desk posted into the person's DM, as the sandbox shows it. */
  const postedToDm = async (): Promise<string[]> => {
    const view = await sandboxControl(desk, 'GET', `conversation?user=${PERSON}`);
    assert.equal(view.status, 200, JSON.stringify(view.body));
    return (view.body.messages as { bot_id?: string; text: string }[])
      .filter((m) => m.bot_id)
      .map((m) => m.text);
  };
  const update = async (ticketId: number, ticket: Record<string, unknown>) => {
    const res = await desk.api('PUT', `/api/v2/tickets/${ticketId}`, { ticket });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await settle(desk);
  };
  /** The message, reply or note with this text on the page. */
  const item = (text: string) => page.locator('[data-comment-id]').filter({ hasText: text });

  /** A believable screenshot for the person to send: a VPN client's error, drawn by Chromium. */
  async function vpnErrorPng(): Promise<Buffer> {
    const { context, page: p } = await newAgentPage(browser);
    await p.setViewportSize({ width: 420, height: 240 });
    await p.setContent(`<body style="margin:0;font:14px system-ui;background:#e9ecef">
      <div style="margin:24px;background:#fff;border-radius:8px;box-shadow:0 2px 8px #0003">
        <div style="background:#1c7ed6;color:#fff;padding:8px 12px;border-radius:8px 8px 0 0">
          GlobalConnect VPN</div>
        <div style="padding:16px 16px 20px"><b style="color:#c92a2a">Authentication failed</b>
          <p>Your certificate could not be verified (error 809).<br>Contact your IT help desk.</p>
          <span style="background:#1c7ed6;color:#fff;padding:6px 14px;border-radius:4px">OK</span>
        </div></div></body>`);
    const png = await p.screenshot();
    await context.close();
    return png;
  }

  before(async () => {
    ({ desk, browser, page, close } = await browserDesk({
      signedIn: false,
      // A Slack Connect partner of the sandbox's workspace, as the sandbox knows people.
      people: [
        {
          id: PERSON,
          name: 'Marco Rossi',
          email: 'marco.rossi@partner.example',
          team: PARTNER_TEAM,
        },
      ],
      seed: async (desk) => {
        const network = await desk.api('POST', '/api/v2/groups', { group: { name: 'IT Network' } });
        assert.equal(network.status, 201, JSON.stringify(network.body));
        const trigger = await desk.api('POST', '/api/v2/triggers', {
          trigger: {
            title: 'Route VPN issues',
            conditions: {
              all: [{ field: 'comment_includes_word', operator: 'includes', value: 'vpn' }],
            },
            actions: [{ field: 'group_id', value: String(network.body.group.id) }],
          },
        });
        assert.equal(trigger.status, 201, JSON.stringify(trigger.body));
      },
    }));
  });
  after(() => close?.());

  it('shows a Slack DM in a view and opens it with the person’s name, avatar, team and screenshot', async () => {
    await dm('Hi! My VPN client says “authentication failed” since this morning 😕', [
      { name: 'vpn-error.png', mimetype: 'image/png', data: await vpnErrorPng() },
    ]);
    const userId = (await userIdForSlack(desk, PERSON))!;
    [{ id: first }] = await ticketsOf(desk, userId);

    await signInAsAdmin(page, desk);
    await page.getByRole('link', { name: /All unsolved/ }).click();
    const row = page.locator(`tr[data-ticket-id="${first}"]`);
    await row.getByRole('link', { name: 'Conversation with Marco Rossi' }).click();
    await page.waitForURL(new RegExp(`/tickets/${first}$`));
    await page.getByRole('heading', { level: 2, name: 'Conversation with Marco Rossi' }).waitFor();
    await page.getByText('via Slack · Sandbox Help Desk').waitFor();

    const message = item('authentication failed');
    await message.getByText('Marco Rossi', { exact: true }).waitFor();
    const avatar = message.getByRole('img', { name: 'Marco Rossi' });
    assert.match((await avatar.getAttribute('src')) ?? '', /\/avatars\/U0MARCO\//);
    await message.getByText('Partner Co', { exact: true }).waitFor();
    await message.getByText('External', { exact: true }).waitFor();
    // The time the agent reads is theirs; the person's own is in the title.
    const title = await message.locator('time').first().getAttribute('title');
    assert.match(title ?? '', /Marco Rossi \(Europe\/Paris\)/);

    const preview = message.getByRole('img', { name: 'vpn-error.png' });
    await preview.waitFor();
    // Loaded, not a broken image: the attachment is served to the signed-in agent.
    await page.waitForFunction(
      (el) => {
        const img = el as unknown as { complete: boolean; naturalWidth: number } | null;
        return !!img && img.complete && img.naturalWidth > 100;
      },
      await preview.elementHandle(),
    );
    const link = message.getByRole('link', { name: 'Open vpn-error.png full size' });
    assert.match((await link.getAttribute('href')) ?? '', /^\/api\/v2\/attachments\/\d+\/content$/);
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'conversation-slack-dm');
  });

  it('shows a follow-up after a closed ticket with the earlier ticket’s messages in place', async () => {
    await update(first, {
      status: 'solved',
      assignee_id: desk.adminId,
      comment: {
        body: 'Thanks Marco — your VPN certificate had expired. I have renewed it: could you try again?',
      },
    });
    const thanks = await dm('Works now, thanks');
    await change('edit', { ...thanks, text: 'Works now, thank you!' });
    const oops = await dm('Sorry, wrong chat');
    await change('delete', oops);
    await update(first, { status: 'closed' });
    await dm('Hi again — the VPN drops every 10 minutes when I am on the office Wi-Fi.');
    const userId = (await userIdForSlack(desk, PERSON))!;
    const tickets = await ticketsOf(desk, userId);
    followUp = tickets.find((t: { id: number }) => t.id !== first).id;

    await page.goto(`${desk.url}/tickets/${followUp}`);
    await page.getByText('drops every 10 minutes').waitFor();
    // The earlier ticket's messages, in place, behind a divider that links to it.
    const divider = page.locator(`[data-ticket-divider="${first}"]`);
    const earlier = divider.getByRole('link', { name: new RegExp(`Ticket #${first} · closed ·`) });
    assert.equal(await earlier.getAttribute('href'), `/tickets/${first}`);
    await page.locator(`[data-ticket-divider="${followUp}"]`).getByText('This ticket').waitFor();
    await item('authentication failed').waitFor();
    await item('certificate had expired').getByText('Delivered to Slack').waitFor();
    // Edits and deletions in Slack are marked; the original text is in the marker's title.
    const edited = item('Works now, thank you!').getByText('Edited in Slack');
    assert.equal(await edited.getAttribute('title'), 'First written: Works now, thanks');
    await item('wrong chat').getByText('Deleted in Slack').waitFor();
    const order = await page
      .locator('[data-comment-id], [data-ticket-divider]')
      .evaluateAll((els) =>
        els.map((e) => {
          const divider = e.getAttribute('data-ticket-divider');
          return divider ? `divider ${divider}` : (e.textContent ?? '');
        }),
      );
    const at = (needle: string) => order.findIndex((s) => s.includes(needle));
    assert.ok(at(`divider ${first}`) < at('authentication failed'), order.join(' | '));
    assert.ok(at('Works now') < at(`divider ${followUp}`), order.join(' | '));
    assert.ok(at(`divider ${followUp}`) < at('drops every 10 minutes'), order.join(' | '));
    // The trigger that routed each ticket is a quiet line naming it, in each ticket's place.
    const routed = page.getByText('Trigger «Route VPN issues» set group to IT Network');
    await routed.nth(1).waitFor();
    assert.equal(await routed.count(), 2);
    await page.getByText('Ada Admin changed status from Open to Closed').waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'conversation-follow-up');
  });

  it('shows an internal note as a note, which never reaches the Slack DM', async () => {
    await update(followUp, {
      status: 'open',
      assignee_id: desk.adminId,
      comment: {
        body: 'Same access point as last week’s outage on floor 3 — checking with the network team.',
        public: false,
      },
    });
    await page.reload();
    const note = item('Same access point');
    await note.getByText('Internal note', { exact: true }).waitFor();
    assert.equal(await note.getAttribute('data-kind'), 'note');
    assert.equal(await note.locator('[data-delivery]').count(), 0);
    await page.getByText('Ada Admin changed status from New to Open').waitFor();
    assert.ok(!(await postedToDm()).some((text) => text.includes('Same access point')));
  });

  it('shows a reply Slack refused with the reason, and Retry delivers it once', async () => {
    const fault = await sandboxControl(desk, 'POST', 'faults', {
      method: 'chat.postMessage',
      kind: 'error',
      error: 'is_archived',
      times: 1,
    });
    assert.equal(fault.status, 200, JSON.stringify(fault.body));
    const text =
      'We found a faulty access point on your floor; a new one is on its way. Until then, the wired dock at your desk is the steadiest connection.';
    await update(followUp, { comment: { body: text } });
    await page.reload();
    const reply = item('faulty access point');
    await reply.getByText('Not delivered — Slack said: is_archived').waitFor();
    assert.ok(!(await postedToDm()).includes(text));
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'conversation-failed');

    await reply.getByRole('button', { name: 'Retry' }).click();
    await reply.getByText('Delivered to Slack').waitFor({ timeout: 15_000 });
    await settle(desk);
    assert.equal((await postedToDm()).filter((m) => m === text).length, 1);
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'conversation-retried');
    // The whole page at 1280×720, for the README.
    await screenshot(page, 'ticket-page');
  });

  it('speaks Italian when the agent switches to it', async () => {
    await page.getByRole('button', { name: /User menu/ }).click();
    await page.getByRole('menuitem', { name: 'Italiano' }).click();
    await item('faulty access point').getByText('Consegnato su Slack').waitFor();
    await item('Same access point').getByText('Nota interna', { exact: true }).waitFor();
    await page
      .getByText('Il trigger «Route VPN issues» ha impostato il gruppo su IT Network')
      .first()
      .waitFor();
    await page.getByText('tramite Slack · Sandbox Help Desk').waitFor();
    await item('drops every 10 minutes').getByText('Esterno', { exact: true }).waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'conversation-italian');
    await page.getByRole('button', { name: /Menu utente/ }).click();
    await page.getByRole('menuitem', { name: 'English' }).click();
    await item('faulty access point').getByText('Delivered to Slack').waitFor();
  });
});
