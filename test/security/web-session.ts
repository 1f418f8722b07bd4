import type { TestDesk } from '../helpers/harness.ts';

/** A browser's view of a signed-in session: the cookie it sends and the CSRF token it keeps. */
export interface SignedIn {
  status: number;
  body: any;
  setCookie: string | null;
  /** `parley_session=…`, as the browser sends it back. */
  cookie: string;
  csrf: string;
}

export async function signIn(
  desk: TestDesk,
  email: string,
  password = 'correct horse',
  headers: Record<string, string> = {},
): Promise<SignedIn> {
  const res = await fetch(`${desk.url}/api/v2/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ email, password }),
  });
  const text = await res.text();
  const body = text ? JSON.parse(text) : null;
  const setCookie = res.headers.get('set-cookie');
  return {
    status: res.status,
    body,
    setCookie,
    cookie: setCookie ? setCookie.split(';')[0]! : '',
    csrf: body?.csrf_token ?? '',
  };
}

/** A request as the browser makes it with the session cookie (and whatever else is given). */
export async function withCookie(
  desk: TestDesk,
  method: string,
  path: string,
  cookie: string,
  init: { headers?: Record<string, string>; body?: string | Buffer | FormData } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${desk.url}${path}`, {
    method,
    headers: { cookie, ...(init.headers ?? {}) },
    body: init.body,
  });
  const text = await res.text();
  let body: any = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) body = JSON.parse(text);
  return { status: res.status, body, headers: res.headers };
}
