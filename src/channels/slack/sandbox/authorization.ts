/**
 * The OAuth side of installing the app: the authorize page's decision, admin approval, the
 * redirect URL check, and installing without the dance. `SlackSandbox` exposes them as methods.
 */
import type { SlackSandbox } from './sandbox.ts';
import { ControlError } from './sandbox-types.ts';
import { ACCOUNT_USER_ID, type Identity, randomId } from './workspace.ts';

/** Installs without the OAuth dance (tests, demos). Returns oauth.v2.access's answer. */
export function install(
  sb: SlackSandbox,
  mode: Identity,
  scopes: string[] = ['chat:write', 'im:history', 'im:write', 'users:read', 'files:read'],
): Record<string, unknown> {
  const ws = sb.workspace;
  const code = ws.issueCode({
    client_id: sb.options.clientId,
    redirect_uri: null,
    scopes: mode === 'bot' ? scopes : [],
    user_scopes: mode === 'account' ? scopes : [],
    installer: ACCOUNT_USER_ID,
  });
  return ws.exchangeCode({
    clientId: sb.options.clientId,
    clientSecret: sb.options.clientSecret,
    code,
  });
}

/**
 * A workspace admin approves the app: the oldest waiting request (or `requestId`) gets its
 * code, and the URL the requester's browser is then sent to is returned.
 */
export function approve(sb: SlackSandbox, requestId?: string): { redirect: string } {
  const ws = sb.workspace;
  const a = ws.state.approval;
  const i = requestId ? a.pending.findIndex((p) => p.id === requestId) : 0;
  const req = a.pending[i];
  if (!req) throw new ControlError(404, 'no_pending_request', 'Nothing is waiting for approval');
  a.pending.splice(i, 1);
  a.approved = true;
  const code = ws.issueCode({
    client_id: sb.options.clientId,
    redirect_uri: req.redirect_uri,
    scopes: req.scopes,
    user_scopes: req.user_scopes,
    installer: req.installer,
  });
  return { redirect: redirectWith(req.redirect_uri, { code, state: req.state }) };
}

/**
 * Like Slack: a redirect_uri must be one of the app's redirect URLs or a path below one, so
 * the authorize page never hands a code (or an error with the state) to another site.
 */
export function redirectAllowed(sb: SlackSandbox, uri: string): boolean {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return false;
  }
  if (u.username || u.password) return false;
  return sb.redirectUris.some((r) => {
    const reg = new URL(r);
    if (u.origin !== reg.origin) return false;
    const base = reg.pathname.replace(/\/+$/, '');
    return u.pathname === reg.pathname || u.pathname === base || u.pathname.startsWith(`${base}/`);
  });
}

/** What "Allow"/"Cancel" on the authorize page leads to. */
export function decideAuthorization(
  sb: SlackSandbox,
  input: {
    allow: boolean;
    redirectUri: string;
    state: string | null;
    scopes: string[];
    userScopes: string[];
  },
): { redirect: string } | { pending: true } {
  if (!redirectAllowed(sb, input.redirectUri)) {
    throw new ControlError(
      400,
      'bad_redirect_uri',
      "redirect_uri does not match any of the app's redirect URLs",
    );
  }
  const ws = sb.workspace;
  if (!input.allow) {
    return {
      redirect: redirectWith(input.redirectUri, { error: 'access_denied', state: input.state }),
    };
  }
  const a = ws.state.approval;
  if (a.required && !a.approved) {
    a.pending.push({
      id: randomId('R'),
      redirect_uri: input.redirectUri,
      state: input.state,
      scopes: input.scopes,
      user_scopes: input.userScopes,
      installer: ACCOUNT_USER_ID,
      requested_at: Math.floor(Date.now() / 1000),
    });
    ws.changed();
    return { pending: true };
  }
  const code = ws.issueCode({
    client_id: sb.options.clientId,
    redirect_uri: input.redirectUri,
    scopes: input.scopes,
    user_scopes: input.userScopes,
    installer: ACCOUNT_USER_ID,
  });
  return { redirect: redirectWith(input.redirectUri, { code, state: input.state }) };
}

export function redirectWith(base: string, params: Record<string, string | null>): string {
  const url = new URL(base);
  for (const [k, v] of Object.entries(params)) if (v !== null) url.searchParams.set(k, v);
  return url.toString();
}
