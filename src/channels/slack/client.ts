import { LogLevel, WebClient } from '@slack/web-api';
import type { SlackConfig } from '../../config.ts';

/**
 * A WebClient pointed at Slack or at the sandbox. Retries are ours, not the SDK's: a delivery
 * is an outbox job that must record each attempt, so the client fails fast (429 included).
 */
export function slackClient(config: SlackConfig, token?: string): WebClient {
  return new WebClient(token, {
    slackApiUrl: config.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 15_000,
    logLevel: LogLevel.ERROR,
  });
}
