import { Liquid } from 'liquidjs';

/**
 * Zendesk's placeholders (`{{ticket.id}}`, `{{ticket.requester.first_name}}`,
 * `{{current_user.name}}`, …) rendered with Liquid, as Zendesk does, so that rule and macro texts
 * written for Zendesk render unchanged (the shared reference's §3.6). The values come from
 * placeholder-context.ts; this module only renders.
 *
 * Texts are written by admins and agents, values come from anyone (a Slack user picks their own
 * name and writes the comments), so every value is escaped for where the text lands, while the
 * author's own markup stays: Slack mrkdwn keeps the author's `*bold*` but a requester named
 * `<!channel>` pings no one.
 */

/** Where a rendered text lands. */
export type PlaceholderTarget =
  /** Plain text (webhook bodies, email subjects, in-app notifications): nothing escaped. */
  | 'text'
  /** A Slack message: values have Slack's control characters (&, <, >) escaped. */
  | 'mrkdwn'
  /** An HTML email body: the whole rendered text escaped, line breaks kept. */
  | 'html'
  /**
   * A JSON webhook body: values escaped as the content of a JSON string, so that a requester's
   * quote or line break in a title cannot break the admin's JSON (or add fields to it).
   */
  | 'json';

export interface PlaceholderUser {
  id: number;
  name: string;
  first_name: string;
  last_name: string;
  email: string;
  language: string;
  phone: string;
  external_id: string;
  details: string;
  notes: string;
  time_zone: string;
  role: string;
  organization: { id: number; name: string } | null;
}

export interface PlaceholderTicket {
  id: number;
  title: string;
  description: string;
  status: string;
  priority: string;
  ticket_type: string;
  via: string;
  url: string;
  link: string;
  account: string;
  tags: string;
  created_at: string;
  updated_at: string;
  due_date: string;
  brand: { id: number; name: string };
  group: { id: number; name: string } | null;
  organization: { id: number; name: string } | null;
  requester: PlaceholderUser;
  submitter: PlaceholderUser | null;
  assignee: PlaceholderUser | null;
  latest_comment: string;
  latest_public_comment: string;
  comments_formatted: string;
  public_comments_formatted: string;
}

/** What placeholders can name: Zendesk's ticket and current_user objects. */
export interface PlaceholderContext {
  ticket: PlaceholderTicket;
  /** The user whose update the rule acts on (an automation's updates: the system user). */
  current_user: PlaceholderUser | null;
}

// A rule's text is bounded (65 kB) but a template can still loop: bound the work one render may
// do, so that a bad rule slows nothing but itself.
const LIMITS = { parseLimit: 100_000, renderLimit: 200, memoryLimit: 4_000_000 };

function engine(escape?: (value: unknown) => string): Liquid {
  return new Liquid({
    ...LIMITS,
    // Zendesk renders what it does not know as nothing; so do unknown filters.
    strictVariables: false,
    strictFilters: false,
    // Only the context's own fields: no prototype walking from a template.
    ownPropertyOnly: true,
    ...(escape ? { outputEscape: escape } : {}),
  });
}

const plain = engine();
const slack = engine((value) => escapeMrkdwn(stringOf(value)));
const json = engine((value) => escapeJsonString(stringOf(value)));

function stringOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(stringOf).join(' ');
  if (typeof value === 'object') return '';
  return String(value as string | number | boolean);
}

/** Slack's own escaping for message text: the three characters it gives meaning to. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `text` as it may stand between the quotes of a JSON string. */
export function escapeJsonString(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * `template` with its placeholders filled from `context`, escaped for `target`. A template Liquid
 * cannot parse or finish (unclosed tag, a loop over its limits) is sent as written, placeholders
 * and all, rather than lost: the person still gets the message and the admin sees what to fix.
 */
export function renderPlaceholders(
  template: string,
  context: PlaceholderContext,
  target: PlaceholderTarget,
): string {
  if (!template.includes('{')) return finish(template, target, true);
  const liquid = target === 'mrkdwn' ? slack : target === 'json' ? json : plain;
  try {
    const out = liquid.parseAndRenderSync(template, context as unknown as Record<string, unknown>);
    return finish(String(out), target, false);
  } catch {
    return finish(template, target, true);
  }
}

function finish(text: string, target: PlaceholderTarget, raw: boolean): string {
  if (target === 'html') return escapeHtml(text).replace(/\r?\n/g, '<br>\n');
  // Unrendered text never went through the value escaping, so the whole of it is escaped.
  if (target === 'mrkdwn' && raw) return escapeMrkdwn(text);
  return text;
}

/** A Liquid syntax problem in `template`, for rule validation (null when it parses). */
export function placeholderSyntaxError(template: string): string | null {
  if (!template.includes('{')) return null;
  try {
    plain.parse(template);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message.split('\n')[0]! : 'cannot be parsed';
  }
}
