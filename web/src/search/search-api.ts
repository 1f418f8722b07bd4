import { ApiError, api } from '../api.ts';

/** What /api/v2/search returns that the search box and page read (Zendesk's shape). */
export interface TicketResult {
  result_type: 'ticket';
  id: number;
  subject: string | null;
  description: string | null;
  status: string;
  requester_id: number | null;
  updated_at: string;
}

export interface UserResult {
  result_type: 'user';
  id: number;
  name: string;
  email: string | null;
  role: string;
}

export type SearchResult = TicketResult | UserResult;

export interface SearchPage {
  results: SearchResult[];
  count: number;
  next_page: string | null;
  previous_page: string | null;
}

export type ResultType = 'ticket' | 'user';

export const SORTS = ['updated_at', 'created_at', 'priority', 'status', 'ticket_type'] as const;
export type SortBy = (typeof SORTS)[number];

/**
 * The query for one kind of result: the agent's text as typed (Zendesk syntax), narrowed to
 * tickets or users unless the text already names a type.
 */
export function typedQuery(text: string, type: ResultType): string {
  return /(^|\s)-?type:/i.test(text) ? text : `type:${type} ${text}`;
}

export function runSearch(
  query: string,
  opts: {
    page?: number;
    perPage: number;
    sortBy?: SortBy | null;
    sortOrder?: 'asc' | 'desc';
    signal?: AbortSignal;
  },
): Promise<SearchPage> {
  const params = new URLSearchParams({ query, per_page: String(opts.perPage) });
  if (opts.page && opts.page > 1) params.set('page', String(opts.page));
  if (opts.sortBy) params.set('sort_by', opts.sortBy);
  if (opts.sortOrder) params.set('sort_order', opts.sortOrder);
  return api<SearchPage>(`/search?${params.toString()}`, { signal: opts.signal });
}

export function countSearch(query: string, signal?: AbortSignal): Promise<number> {
  const params = new URLSearchParams({ query });
  return api<{ count: number }>(`/search/count?${params.toString()}`, { signal }).then(
    (r) => r.count,
  );
}

/** The API's own words for a refused query ("query: unclosed quote…"), else null. */
export function refusal(err: unknown): string | null {
  if (!(err instanceof ApiError) || err.status !== 400) return null;
  const body = err.body as { description?: unknown } | null;
  return typeof body?.description === 'string' ? body.description : null;
}

/**
 * The free words of a query, for highlighting: no keywords, exclusions or operators. Long words
 * lose a final vowel, so an Italian plural or singular found by stemming is marked too
 * ("stampante" marks "stampanti").
 */
export function highlightWords(query: string): string[] {
  const words = query
    .replace(/"/g, ' ')
    .split(/\s+/)
    .filter((w) => w && !w.startsWith('-') && !/[:<>=]/.test(w));
  return words.map((w) => (w.length > 4 ? w.replace(/[aeiou]$/i, '') : w));
}
