import { BOT_EVENTS, BOT_SCOPES, USER_EVENTS, USER_SCOPES } from './scopes.ts';

/**
 * The Slack app manifest an admin pastes into "Create New App → From an app manifest".
 * One app serves both modes: bot scopes for bot connections, user scopes for account ones.
 */
export function slackManifest(opts: { publicUrl: string; name?: string; socketMode?: boolean }) {
  const base = opts.publicUrl.replace(/\/+$/, '');
  const name = (opts.name ?? 'Parley Help Desk').slice(0, 35);
  return {
    display_information: {
      name,
      description: 'Send a direct message to reach the help desk.',
      background_color: '#2f3b52',
    },
    features: {
      app_home: {
        home_tab_enabled: false,
        messages_tab_enabled: true,
        messages_tab_read_only_enabled: false,
      },
      bot_user: { display_name: name.slice(0, 80), always_online: true },
    },
    oauth_config: {
      redirect_urls: [`${base}/slack/oauth_redirect`],
      scopes: { bot: BOT_SCOPES, user: USER_SCOPES },
    },
    settings: {
      event_subscriptions: {
        ...(opts.socketMode ? {} : { request_url: `${base}/slack/events` }),
        bot_events: BOT_EVENTS,
        user_events: USER_EVENTS,
      },
      org_deploy_enabled: false,
      socket_mode_enabled: opts.socketMode === true,
      token_rotation_enabled: false,
    },
  };
}
