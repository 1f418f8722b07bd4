import { QueryClient, type QueryFunction, type QueryKey } from '@tanstack/react-query';
import { api } from './api.ts';
import { hasEmbedded, takeEmbedded } from './boot-data.ts';
import { userIdsOf } from './components/ticket-cells.tsx';
import {
  activeViewsQuery,
  groupsQuery,
  usersQuery,
  viewCountsQuery,
  viewPageQuery,
} from './hooks.ts';
import { sessionQuery } from './session.tsx';
import {
  auditsQuery,
  commentsPath,
  conversationQuery,
  ticketQuery,
} from './ticket/conversation/queries.ts';
import type { ConversationJson } from './ticket/conversation/types.ts';
import type { SessionInfo } from './types.ts';

/**
 * What a page fetched less than this long ago is not fetched again as the page mounts: the
 * first load's requests below then serve the page that asked for them. Changes still arrive at
 * once: the live stream's and the app's own invalidations ignore it.
 */
const FRESH_MS = 5_000;

export const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: false, refetchOnWindowFocus: true, staleTime: FRESH_MS } },
});

interface Primed<T, K extends QueryKey> {
  queryKey: K;
  queryFn?: QueryFunction<T, K, never> | undefined;
}

/**
 * Fetches into the cache under the page's own key. A refusal (signed out, no access, gone)
 * leaves nothing behind unless a page already waits for it: the page then asks on its own,
 * as it would have without this.
 */
async function prime<T, K extends QueryKey>(options: Primed<T, K>): Promise<T | undefined> {
  try {
    return await queryClient.fetchQuery({ queryKey: options.queryKey, queryFn: options.queryFn });
  } catch {
    const query = queryClient.getQueryCache().find({ queryKey: options.queryKey, exact: true });
    if (query && query.state.status === 'error' && query.getObserversCount() === 0) {
      queryClient.removeQueries({ queryKey: options.queryKey, exact: true });
    }
    return undefined;
  }
}

async function viewPage(id: string): Promise<void> {
  void prime(groupsQuery);
  const result = await prime(viewPageQuery(id, 1, null));
  if (!result) return;
  const ids = userIdsOf(
    result.rows,
    result.columns.map((c) => c.id),
  );
  if (ids.length > 0) void prime(usersQuery(ids));
}

async function ticketPage(id: number): Promise<void> {
  void prime(groupsQuery);
  void prime(auditsQuery(id));
  // With the ticket in the page, the history its channel needs is there too: nothing early.
  if (hasEmbedded(`/tickets/${id}`)) {
    const ticket = await prime(ticketQuery(id));
    if (ticket) void prime(conversationQuery(ticket));
    return;
  }
  // Both asked for before the ticket says whether it is a Slack DM's (its conversation) or not
  // (its own comments): the one its channel needs is used, as the page itself would ask.
  const early = {
    conversation: api<ConversationJson>(`/tickets/${id}/conversation`, { quiet401: true }),
    comments: api<Record<string, unknown>>(commentsPath(id), { quiet401: true }),
  };
  early.conversation.catch(() => {});
  early.comments.catch(() => {});
  const ticket = await prime(ticketQuery(id));
  if (ticket) void prime(conversationQuery(ticket, early));
}

/**
 * A full load's requests, all at once as the app's code starts, instead of one after another
 * as each part mounts and finds what it needs (session → views → counts → the view's rows →
 * their people; session → ticket → conversation). Each lands in the query cache under the key
 * and in the shape the page reads, so the page finds it there or in flight. The API decides
 * what each answers, exactly as for the page's own requests. For a signed-in agent the server
 * has put most of these answers in the page itself (boot-data.ts): `api` takes those instead
 * of fetching, so only what is missing goes out.
 */
function boot(path: string): void {
  if (path.startsWith('/sign-in')) return;
  // In the page (boot-data.ts): known before the first render, which then draws the shell at
  // once instead of a loader.
  const session = takeEmbedded('/session');
  if (session) queryClient.setQueryData(sessionQuery.queryKey, session.body as SessionInfo);
  else void prime(sessionQuery);
  const first = path === '/' || path === '/views';
  void prime(activeViewsQuery).then((views) => {
    if (!views || views.length === 0) return;
    void prime(viewCountsQuery(views.map((v) => v.id)));
    // `/` opens the first view.
    if (first) void viewPage(String(views[0]!.id));
  });
  const view = /^\/views\/(\d+)$/.exec(path)?.[1];
  if (view) void viewPage(view);
  const ticket = /^\/tickets\/(\d+)$/.exec(path)?.[1];
  if (ticket) void ticketPage(Number(ticket));
}

boot(location.pathname);
