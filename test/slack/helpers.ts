import { createSession, SESSION_COOKIE, sessionPolicy } from '../../src/http/sessions.ts';
import type { SlackSandbox } from '../../src/channels/slack/sandbox/sandbox.ts';
import type { TestDesk } from '../helpers/harness.ts';

export const ALICE = 'U0ALICE';
export const PARTNER = 'U0PARTNER';
/** PARTNER's team, a Slack Connect partner of the sandbox's own. */
export const PARTNER_TEAM = 'T0PARTNER';

/**
 * Polls `fn` until it gives a value. The default bound is generous, for CI's two cores shared
 * by two test files (one maybe a browser's): the wait ends as soon as the value comes, so the
 * bound costs only a failing test's time.
 */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function sandboxOf(desk: TestDesk): SlackSandbox {
  const sb = desk.parley.sandbox;
  if (!sb) throw new Error('the test desk runs without the Slack sandbox');
  return sb;
}

/**
 * A call to the sandbox's control API (`/sandbox/control/{path}`) of a test desk, with the
 * per-run secret and a JSON body, as every control call must be made.
 */
export async function sandboxControl(
  desk: TestDesk,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const sb = sandboxOf(desk);
  const headers: Record<string, string> = { 'x-sandbox-secret': sb.controlSecret };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${desk.url}/sandbox/control/${path.replace(/^\/+/, '')}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** A `Cookie` header signing a browser in to Parley as `userId` (the desk's admin by default). */
export async function sessionCookie(desk: TestDesk, userId = desk.adminId): Promise<string> {
  const token = await createSession(
    desk.parley.db,
    userId,
    new Date(),
    sessionPolicy(desk.parley.config),
  );
  return `${SESSION_COOKIE}=${encodeURIComponent(token)}`;
}

/** Waits until every acked event is applied and every delivery job has run. */
export async function settle(desk: TestDesk): Promise<void> {
  await desk.parley.slack.ingest!.drained();
  await desk.parley.slack.delivery!.drained();
}

/** The Parley user behind a Slack user id, through the identities table. */
export async function userIdForSlack(desk: TestDesk, slackUserId: string): Promise<number | null> {
  const row = await desk.parley.db
    .selectFrom('user_identities')
    .select('user_id')
    .where('type', '=', 'slack')
    .where('value', '=', slackUserId)
    .executeTakeFirst();
  return row?.user_id ?? null;
}

export async function ticketsOf(desk: TestDesk, userId: number): Promise<any[]> {
  const res = await desk.api('GET', `/api/v2/users/${userId}/tickets/requested?sort_by=id`);
  return res.body.tickets;
}

export async function commentsOf(desk: TestDesk, ticketId: number): Promise<any[]> {
  const res = await desk.api('GET', `/api/v2/tickets/${ticketId}/comments`);
  return res.body.comments;
}

/** Messages the help desk posted into a person's DM (bot messages), oldest first. */
export function botMessages(sb: SlackSandbox, user: string) {
  return sb.conversationView(user).messages.filter((m) => m.bot_id);
}

let people = 0;

/**
 * A new person, unknown to Parley until they write: in the sandbox's own team, or with `team`
 * in that (partner) team, as a Slack Connect partner. A test that needs a conversation of its
 * own uses one, so it runs alone and in any order.
 */
export function newPerson(sb: SlackSandbox, team?: string): string {
  const n = ++people;
  const id = `U0PERSON${n}`;
  sb.addUser({ id, name: `Person ${n}`, email: `person${n}@sandbox.example`, team });
  return id;
}

/**
 * A new person who has sent `messages` (one at a time, each applied before the next) into
 * their DM, with the Parley user and the ticket the first message opened.
 */
export function personWithTicket(desk: TestDesk, ...messages: string[]) {
  return conversationOf(desk, newPerson(sandboxOf(desk)), messages);
}

/** As personWithTicket, for a new Slack Connect partner (files come as stubs). */
export function partnerWithTicket(desk: TestDesk, ...messages: string[]) {
  return conversationOf(desk, newPerson(sandboxOf(desk), PARTNER_TEAM), messages);
}

async function conversationOf(
  desk: TestDesk,
  person: string,
  messages: string[],
): Promise<{ person: string; userId: number; ticketId: number }> {
  const sb = sandboxOf(desk);
  for (const text of messages.length ? messages : ['hello']) {
    const sent = await sb.sendMessage({ user: person, text });
    if (sent.delivery.status !== 'acked') {
      throw new Error(`the sandbox could not deliver ${person}'s message: ${sent.delivery.status}`);
    }
    await settle(desk);
  }
  const userId = await userIdForSlack(desk, person);
  if (!userId) throw new Error(`no Parley user for ${person}`);
  const [ticket] = await ticketsOf(desk, userId);
  if (!ticket) throw new Error(`no ticket for ${person}`);
  return { person, userId, ticketId: ticket.id };
}
