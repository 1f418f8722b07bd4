/**
 * Who may use the sandbox. The sandbox hands out working tokens, shows every DM and injects
 * messages and events, and it runs by default (no Slack credentials) on a Parley that listens
 * on all interfaces. So unless the operator opens it, it answers only the machine it runs on,
 * and its control endpoints ask for JSON carrying a secret made at each start: a web page the
 * person happens to visit can post `text/plain` to localhost without asking, but it cannot set
 * a custom header or a JSON content type without a CORS preflight, which the sandbox never
 * grants.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import net from 'node:net';

export const SECRET_HEADER = 'x-sandbox-secret';

export function newControlSecret(): string {
  return randomBytes(24).toString('base64url');
}

/** 127.0.0.0/8, ::1, and IPv4 loopback written as an IPv6-mapped address. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.toLowerCase().replace(/%.*$/, '');
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a;
  if (net.isIPv4(v4)) return v4.split('.')[0] === '127';
  return net.isIPv6(a) && /^(0{0,4}:){7}0{0,3}1$|^::1$/.test(a);
}

/** Names that always mean this machine. */
function isLoopbackHostName(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || isLoopbackAddress(h);
}

function hostNameOf(hostHeader: string | undefined): string | null {
  if (!hostHeader) return null;
  try {
    return new URL(`http://${hostHeader}`).hostname.toLowerCase();
  } catch {
    return null;
  }
}

export interface AccessRequest {
  remoteAddress: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * A closed sandbox answers a request only when it comes from this machine, directly (a request
 * relayed by a reverse proxy says so in Forwarded/X-Forwarded-For and its real client is not
 * known), and names this machine or one of `hostNames` in its Host header (a page of another
 * site whose name was re-pointed at 127.0.0.1, DNS rebinding, would name that site).
 */
export function clientPermitted(
  req: AccessRequest,
  opts: { open: boolean; hostNames: string[] },
): boolean {
  if (opts.open) return true;
  if (!isLoopbackAddress(req.remoteAddress)) return false;
  if (req.headers.forwarded !== undefined || req.headers['x-forwarded-for'] !== undefined) {
    return false;
  }
  const host = hostNameOf(req.headers.host as string | undefined);
  if (host === null) return false;
  return isLoopbackHostName(host) || opts.hostNames.includes(host);
}

export type ControlRefusal = { status: 403 | 415; error: string; message: string } | null;

/** The control API's door: the per-run secret in its header, and JSON (or no body) only. */
export function checkControlRequest(
  req: { method: string; headers: Record<string, string | string[] | undefined> },
  secret: string,
): ControlRefusal {
  const given = req.headers[SECRET_HEADER];
  const a = Buffer.from(typeof given === 'string' ? given : '');
  const b = Buffer.from(secret);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    return {
      status: 403,
      error: 'invalid_secret',
      message: `The ${SECRET_HEADER} header must carry this sandbox's control secret`,
    };
  }
  const type = req.headers['content-type'];
  if (req.method !== 'GET' && req.method !== 'HEAD' && type !== undefined) {
    const essence = String(type).split(';')[0]!.trim().toLowerCase(); // split gives one part at least
    if (essence !== 'application/json') {
      return {
        status: 415,
        error: 'unsupported_media_type',
        message: 'Control requests take application/json',
      };
    }
  }
  return null;
}
