import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SESSION_COOKIE } from './sessions.ts';

/**
 * A full load's first data, in the HTML: the answers the workspace would ask for as its code
 * starts (web/src/boot.ts), produced by the API's own routes in-process (`inject`, with the
 * request's cookie and addressing headers), so each is authorized, scoped and shaped exactly as
 * if the browser had asked. An answer that is not a 200 is left out: the page asks for it
 * itself, as without this. Each answer keeps its X-Parley-Event-Id (the stream's resume point,
 * web/src/live/position.ts).
 *
 * The paths are the ones the web app asks for, character for character (web/src/hooks.ts,
 * web/src/ticket/conversation/queries.ts): the app takes an embedded answer only for the exact
 * path it would have fetched, so a path that drifts apart costs a request, never wrong data.
 */

/** Rows on a view's page (web/src/hooks.ts, VIEW_PER_PAGE). */
const VIEW_PER_PAGE = 25;
/** How Parley names the Slack DM channel in a ticket's `via.channel`. */
const SLACK_VIA = 'business_messaging_slack_connect';
/** A view's columns naming a user, and the key of their value in an execute row. */
const USER_COLUMNS: Record<string, string> = {
  requester: 'requester_id',
  assignee: 'assignee_id',
  submitter: 'submitter_id',
};
/** The request headers an in-process answer is asked with: who and how, nothing else. */
const FORWARDED = [
  'cookie',
  'host',
  'user-agent',
  'accept-language',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
] as const;

interface Answer {
  path: string;
  eventId: string | undefined;
  /** The answer's JSON text, as the API sent it. */
  payload: string;
  body: unknown;
}

type Ask = (path: string) => Promise<Answer | null>;

function asker(app: FastifyInstance, req: FastifyRequest): Ask {
  const headers: Record<string, string> = { accept: 'application/json' };
  for (const name of FORWARDED) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return async (path) => {
    const res = await app.inject({
      method: 'GET',
      url: `/api/v2${path}`,
      headers,
      remoteAddress: req.socket.remoteAddress ?? '127.0.0.1',
    });
    if (res.statusCode !== 200) return null;
    if (!String(res.headers['content-type'] ?? '').startsWith('application/json')) return null;
    const eventId = res.headers['x-parley-event-id'];
    return {
      path,
      eventId: typeof eventId === 'string' ? eventId : undefined,
      payload: res.payload,
      body: JSON.parse(res.payload) as unknown,
    };
  };
}

/** What the address shows: the first view, a view, a ticket, or another page (shell only). */
function pageOf(route: string): { view?: string; first?: true; ticket?: string } {
  if (route === '/' || route === '/views') return { first: true };
  const view = /^\/views\/(\d{1,15})$/.exec(route)?.[1];
  if (view) return { view };
  const ticket = /^\/tickets\/(\d{1,15})$/.exec(route)?.[1];
  if (ticket) return { ticket };
  return {};
}

const numbers = (values: unknown[]) =>
  values.filter((v): v is number => typeof v === 'number' && Number.isSafeInteger(v));

/** A view's first page, then the people its rows name (as web/src/boot.ts asks). */
async function viewAnswers(ask: Ask, id: string): Promise<(Answer | null)[]> {
  const page = await ask(`/views/${id}/execute?page=1&per_page=${VIEW_PER_PAGE}`);
  if (!page) return [];
  const { rows, columns } = page.body as {
    rows?: Record<string, unknown>[];
    columns?: { id?: unknown }[];
  };
  const keys = (columns ?? []).flatMap((c) =>
    typeof c.id === 'string' && USER_COLUMNS[c.id] ? [USER_COLUMNS[c.id]!] : [],
  );
  const ids = [...new Set(numbers((rows ?? []).flatMap((r) => keys.map((k) => r[k]))))].sort(
    (a, b) => a - b,
  );
  return [page, ids.length > 0 ? await ask(`/users/show_many?ids=${ids.join(',')}`) : null];
}

/** A ticket, its history (its DM's conversation, or its own comments) and its audits. */
async function ticketAnswers(ask: Ask, id: string): Promise<(Answer | null)[]> {
  const [ticket, conversation, comments, audits] = await Promise.all([
    ask(`/tickets/${id}`),
    ask(`/tickets/${id}/conversation`),
    ask(`/tickets/${id}/comments?per_page=100`),
    ask(`/tickets/${id}/audits?per_page=100`),
  ]);
  if (!ticket) return [];
  const slack =
    (ticket.body as { ticket?: { via?: { channel?: unknown } } }).ticket?.via?.channel ===
    SLACK_VIA;
  // Only the history the page reads: a Slack ticket's conversation (its comments when it has
  // no DM), any other ticket's own comments.
  return [ticket, audits, slack ? conversation : null, slack && conversation ? null : comments];
}

/**
 * The JSON block for the HTML, or null (no session cookie, or a session the API refuses: the
 * static page). `route` is the address's path, without its query.
 */
export async function bootData(
  app: FastifyInstance,
  req: FastifyRequest,
  route: string,
): Promise<string | null> {
  if (!req.cookies[SESSION_COOKIE]) return null;
  const ask = asker(app, req);
  const page = pageOf(route);
  // All at once, the session's check included: each answer is authenticated on its own, and
  // without a session the API refuses them all. An end user's are refused (403) and left out.
  // Not the views' counts: at 1M tickets they were 30 of the HTML's 50 ms (bench web, p50),
  // and the rows need not wait for them. The sidebar asks for them itself.
  const views = ask('/views/active').then(async (active) => {
    const list = numbers(
      ((active?.body as { views?: { id?: unknown }[] } | undefined)?.views ?? []).map((v) => v.id),
    );
    if (!active || list.length === 0) return [active];
    return [active, ...(page.first ? await viewAnswers(ask, String(list[0])) : [])];
  });
  const [session, ...parts] = await Promise.all([
    ask('/session'),
    views,
    page.view ? viewAnswers(ask, page.view) : [],
    page.ticket ? ticketAnswers(ask, page.ticket) : [],
    page.view || page.ticket || page.first ? ask('/groups').then((g) => [g]) : [],
  ]);
  if (!session) return null;
  const answers: (Answer | null)[] = [session, ...parts.flat()];
  return embed(answers.filter((a): a is Answer => a !== null));
}

/**
 * `{"<path>":{"event_id":"…","body":…},…}` as text safe inside a `<script>` element: no `<`
 * (so no `</script>` or `<!--`), and no U+2028/U+2029, each written as a JSON escape, which
 * JSON.parse reads back as the same character.
 */
function embed(answers: Answer[]): string {
  const entries = answers.map(
    (a) =>
      `${JSON.stringify(a.path)}:{"event_id":${JSON.stringify(a.eventId ?? null)},"body":${a.payload}}`,
  );
  return `{${entries.join(',')}}`.replace(/[<\u2028\u2029]/g, (c) =>
    c === '<' ? '\\u003c' : c === '\u2028' ? '\\u2028' : '\\u2029',
  );
}

/** index.html with the JSON block just after the app's root element. */
export function withBootData(html: string, data: string): string {
  const block = `<script type="application/json" id="parley-boot">${data}</script>`;
  return html.replace('<div id="root"></div>', () => `<div id="root"></div>${block}`);
}
