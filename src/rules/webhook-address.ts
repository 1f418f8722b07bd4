import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';

/**
 * The SSRF guard of webhooks: a rule may send requests anywhere an admin names, so the address
 * a request actually goes to must not be this machine, its private network or a cloud's
 * metadata service. The name is resolved once, every address it resolves to is checked, and
 * the connection goes to the checked address (pinnedLookup), so a name that resolves to a
 * public address when checked and a private one when connecting (DNS rebinding) gets nowhere.
 *
 * Numeric spellings of IPv4 (`http://2130706433/`, `http://0x7f.1/`, `http://0177.0.0.1/`) need
 * no code here: the WHATWG URL parser turns them into the dotted form before anything looks.
 */

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to all its addresses (tests inject their own answers). */
export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (host) => {
  const found = await dnsLookup(host, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

export class AddressRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AddressRefused';
  }
}

/** [first address, prefix length, what it is] */
const V4_BLOCKED: readonly [string, number, string][] = [
  ['0.0.0.0', 8, 'a "this network" address'],
  ['10.0.0.0', 8, 'a private address'],
  ['100.64.0.0', 10, 'a carrier-grade NAT address'],
  ['127.0.0.0', 8, 'a loopback address'],
  ['169.254.0.0', 16, 'a link-local address (cloud metadata lives there)'],
  ['172.16.0.0', 12, 'a private address'],
  ['192.0.0.0', 24, 'an IETF protocol address'],
  ['192.168.0.0', 16, 'a private address'],
  ['198.18.0.0', 15, 'a benchmarking address'],
  ['224.0.0.0', 4, 'a multicast address'],
  ['240.0.0.0', 4, 'a reserved or broadcast address'],
];

function v4Number(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function inV4(ip: number, base: string, bits: number): boolean {
  const size = 2 ** (32 - bits);
  const start = v4Number(base);
  return ip >= start && ip < start + size;
}

function v4Problem(ip: string): string | null {
  const n = v4Number(ip);
  for (const [base, bits, what] of V4_BLOCKED) if (inV4(n, base, bits)) return what;
  return null;
}

/** The eight 16-bit groups of an IPv6 address (its embedded dotted IPv4 tail included). */
function v6Groups(ip: string): number[] {
  let text = ip.toLowerCase().split('%')[0] ?? '';
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const n = v4Number(dotted[1]);
    text = `${text.slice(0, -dotted[1].length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (s: string) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const zeros = Array<number>(8 - left.length - right.length).fill(0);
  return [...left, ...zeros, ...right];
}

function embeddedV4(g: number[]): string {
  const hi = g[6] ?? 0;
  const lo = g[7] ?? 0;
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

function v6Problem(ip: string): string | null {
  const g = v6Groups(ip);
  const first = g[0] ?? 0;
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(8)) return 'the unspecified address';
  if (zeroUpTo(7) && g[7] === 1) return 'a loopback address';
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible) and 64:ff9b::a.b.c.d (NAT64) reach IPv4.
  if (zeroUpTo(5) && (g[5] === 0xffff || g[5] === 0)) return v4Problem(embeddedV4(g));
  if (first === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) {
    return v4Problem(embeddedV4(g));
  }
  // 6to4 (2002:aabb:ccdd::) carries the IPv4 address it reaches in its second and third groups.
  if (first === 0x2002) return v4Problem(embeddedV4([0, 0, 0, 0, 0, 0, g[1] ?? 0, g[2] ?? 0]));
  if ((first & 0xfe00) === 0xfc00) return 'a unique local (private) address';
  if ((first & 0xffc0) === 0xfe80) return 'a link-local address';
  if ((first & 0xff00) === 0xff00) return 'a multicast address';
  return null;
}

/** Why `ip` may not be called (null when it may): loopback, private, link-local, … */
export function blockedAddressReason(ip: string): string | null {
  const family = isIP(ip);
  if (family === 4) return v4Problem(ip);
  if (family === 6) return v6Problem(ip);
  return 'not an IP address';
}

export interface GuardOptions {
  /** PARLEY_WEBHOOK_ALLOW_PRIVATE: private and loopback addresses allowed. */
  allowPrivate: boolean;
  resolver?: Resolver;
}

/** The endpoint as a URL, if it is an absolute http(s) one; throws AddressRefused if not. */
export function parseEndpoint(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new AddressRefused('is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AddressRefused('must be an http or https URL');
  }
  // Credentials in the URL would be sent (and shown) with every call; they belong in
  // `authentication`, which is sealed.
  if (url.username || url.password) {
    throw new AddressRefused('must not hold credentials; use authentication');
  }
  if (!url.hostname) throw new AddressRefused('has no host');
  return url;
}

function literalHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * The address to connect to for `url`: every address its host resolves to is checked (one
 * private answer among public ones is refused: the connection could have gone there), and the
 * first is the one to use. Throws AddressRefused naming the problem.
 */
export async function resolveEndpoint(url: URL, opts: GuardOptions): Promise<ResolvedAddress> {
  const host = literalHost(url);
  const family = isIP(host);
  let found: ResolvedAddress[];
  if (family) found = [{ address: host, family: family === 6 ? 6 : 4 }];
  else {
    try {
      found = await (opts.resolver ?? systemResolver)(host);
    } catch {
      throw new AddressRefused(`host ${host} could not be resolved`);
    }
  }
  if (found.length === 0) throw new AddressRefused(`host ${host} has no address`);
  for (const a of found) {
    const reason = blockedAddressReason(a.address);
    if (reason === 'not an IP address') throw new AddressRefused(`host ${host} is ${reason}`);
    if (reason && !opts.allowPrivate) {
      throw new AddressRefused(
        `resolves to ${a.address}, ${reason}, which webhooks may not call (PARLEY_WEBHOOK_ALLOW_PRIVATE=on allows it)`,
      );
    }
  }
  return found[0]!;
}

/** A `lookup` for http(s).request that answers the checked address and nothing else. */
export function pinnedLookup(target: ResolvedAddress): LookupFunction {
  return ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  }) as unknown as LookupFunction;
}
