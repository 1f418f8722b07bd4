import type { SlackConnection } from '../../../db/types.ts';
import { type Via, via } from '../../../desk/via.ts';

export const SLACK_VIA = 'business_messaging_slack_connect';

/** How a change made from a Slack DM is recorded: who wrote, to which connection and channel. */
export function slackVia(
  connection: SlackConnection,
  m: { user?: string; channel: string },
  name: string,
  extra: Partial<Via['source']> = {},
): Via {
  return via(SLACK_VIA, {
    from: { slack_user_id: m.user, name, ...(extra.from ?? {}) },
    to: { slack_connection_id: connection.id, name: connection.name, channel_id: m.channel },
    rel: extra.rel ?? 'slack_dm',
  });
}
