import { takeEmbedded } from './boot-data.ts';
import { noteAnswer } from './live/position.ts';

/**
 * The one way the app talks to Parley: same-origin fetches of /api/v2 with the session cookie,
 * the CSRF token on every change, and Zendesk's error envelope turned into an ApiError.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

let csrfToken: string | null = null;
let onUnauthorized: () => void = () => {};

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** What to do when the session is gone (expired, signed out elsewhere): back to sign-in. */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; quiet401?: boolean; signal?: AbortSignal } = {},
): Promise<T> {
  const method = init.method ?? 'GET';
  // The server's answer, put in the page for the first load (boot-data.ts).
  const embedded = method === 'GET' ? takeEmbedded(path) : undefined;
  if (embedded) return embedded.body as T;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(`/api/v2${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    signal: init.signal,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  const body: unknown = text ? JSON.parse(text) : null;
  if (!res.ok) {
    if (res.status === 401 && !init.quiet401) onUnauthorized();
    throw new ApiError(res.status, body);
  }
  // Where the answer's data stands in the live stream's sequence (live/position.ts).
  if (method === 'GET') noteAnswer(res.headers);
  return body as T;
}
