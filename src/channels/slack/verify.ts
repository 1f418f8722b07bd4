import { createHmac, timingSafeEqual } from 'node:crypto';

export class SlackSignatureError extends Error {}

const MAX_SKEW_SECONDS = 5 * 60;

/**
 * Slack's v0 request signature: HMAC-SHA256 over `v0:{timestamp}:{raw body}`, hex, compared in
 * constant time. Requests more than five minutes from now, in either direction, are refused
 * (replays). Several apps may share the endpoint, so each app's secret is tried; the index of
 * the one that matched is returned.
 */
export function verifySlackSignature(args: {
  secrets: string[];
  rawBody: string;
  timestamp: string | undefined;
  signature: string | undefined;
  nowSeconds?: number;
}): number {
  const { timestamp, signature } = args;
  if (!timestamp || !/^\d{1,12}$/.test(timestamp))
    throw new SlackSignatureError('missing or bad timestamp');
  if (!signature || !/^v0=[0-9a-f]{64}$/.test(signature))
    throw new SlackSignatureError('missing or bad signature');
  const now = args.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > MAX_SKEW_SECONDS) {
    throw new SlackSignatureError('stale request: timestamp more than 5 minutes from now');
  }
  const given = Buffer.from(signature.slice(3), 'hex');
  for (let i = 0; i < args.secrets.length; i++) {
    const expected = createHmac('sha256', args.secrets[i]!) // i < secrets.length
      .update(`v0:${timestamp}:${args.rawBody}`)
      .digest();
    if (timingSafeEqual(expected, given)) return i;
  }
  throw new SlackSignatureError('signature mismatch');
}

export function signSlackRequest(secret: string, timestamp: number, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}
