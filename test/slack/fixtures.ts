/**
 * Events API payloads shaped as Slack sends them (field for field after the recorded examples
 * quoted in shared/reference/slack.md: event_message_im, message.mpim, bot_message,
 * event_thread_reply_im). Only the routing ids are swapped for the test workspace's, so the
 * events reach our connection; each call gets fresh event ids.
 */
let n = 0;
const eventId = () =>
  `Ev0FIXTURE${String(++n).padStart(6, '0')}${Date.now().toString(36).toUpperCase()}`;

export function fixtures(ids: { team: string; botUser: string; channel: string }) {
  const envelope = (event: Record<string, unknown>, id = eventId()) => ({
    token: 'ZZZZZZWSxiZZZ2yIvs3peJ',
    team_id: ids.team,
    api_app_id: 'A0SANDBOX',
    event,
    type: 'event_callback',
    event_id: id,
    event_time: 1664408649,
    authorizations: [
      {
        enterprise_id: null,
        team_id: ids.team,
        user_id: ids.botUser,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
    event_context:
      '4-eyJldCI6Im1lc3NhZ2UiLCJ0aWQiOiJUMDQzREI4MzVNTCIsImFpZCI6IkEwNDNIMTFFUzRWIiwiY2lkIjoiRDA0NDJVUzk0SkQifQ',
  });
  const imId = eventId();
  const messageIm = envelope(
    {
      client_msg_id: '1efd8b8c-0c4e-4f4e-a7f4-8e52ec1b1a39',
      type: 'message',
      text: '*test* <@U0ALICE>',
      user: 'U043H11ES4V',
      ts: '1664408649.009629',
      team: 'T043DB835ML',
      blocks: [
        {
          type: 'rich_text',
          block_id: 'ZyZ',
          elements: [
            {
              type: 'rich_text_section',
              elements: [
                { type: 'text', text: 'test', style: { bold: true } },
                { type: 'text', text: ' ' },
                { type: 'user', user_id: 'U0ALICE' },
              ],
            },
          ],
        },
      ],
      channel: ids.channel,
      event_ts: '1664408649.009629',
      channel_type: 'im',
    },
    imId,
  );
  return {
    /** The same event_id twice stands for Slack's retry of one delivery. */
    messageIm,
    mpim: envelope({
      type: 'message',
      text: 'hi all',
      user: 'U043H11ES4V',
      ts: '1664408700.000100',
      team: 'T043DB835ML',
      channel: 'G0442US94JE',
      event_ts: '1664408700.000100',
      channel_type: 'mpim',
    }),
    botMessage: envelope({
      type: 'message',
      subtype: 'bot_message',
      text: 'Deploy finished',
      ts: '1664408800.000200',
      bot_id: 'B0OTHERBOT',
      username: 'deploy-bot',
      icons: { image_48: 'https://example.com/bot.png' },
      app_id: 'A0OTHER',
      channel: ids.channel,
      event_ts: '1664408800.000200',
      channel_type: 'im',
    }),
    /** message_changed as Slack sends it for an edit of `messageIm`. */
    messageChanged: envelope({
      type: 'message',
      subtype: 'message_changed',
      hidden: true,
      message: {
        client_msg_id: '1efd8b8c-0c4e-4f4e-a7f4-8e52ec1b1a39',
        type: 'message',
        text: '*test* again',
        user: 'U043H11ES4V',
        team: 'T043DB835ML',
        edited: { user: 'U043H11ES4V', ts: '1664408999.000000' },
        ts: '1664408649.009629',
        source_team: 'T043DB835ML',
        user_team: 'T043DB835ML',
      },
      channel: ids.channel,
      previous_message: {
        client_msg_id: '1efd8b8c-0c4e-4f4e-a7f4-8e52ec1b1a39',
        type: 'message',
        text: '*test* <@U0ALICE>',
        user: 'U043H11ES4V',
        ts: '1664408649.009629',
        team: 'T043DB835ML',
      },
      event_ts: '1664408999.000100',
      ts: '1664408999.000100',
      channel_type: 'im',
    }),
    tokensRevoked: envelope({ type: 'tokens_revoked', tokens: { oauth: [], bot: [ids.botUser] } }),
    appUninstalled: envelope({ type: 'app_uninstalled' }),
    threadReply: envelope({
      client_msg_id: '6b3c1f2e-4a0f-4a0c-9e2e-1f5b0b7e9c11',
      type: 'message',
      text: 'in a thread',
      user: 'U043H11ES4V',
      ts: '1664408900.000300',
      team: 'T043DB835ML',
      thread_ts: '1664408649.009629',
      parent_user_id: 'U043H11ES4V',
      channel: ids.channel,
      event_ts: '1664408900.000300',
      channel_type: 'im',
    }),
  };
}
