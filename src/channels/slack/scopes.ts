/** What Parley asks Slack for, in bot mode (bot token) and account mode (user token). */
export const BOT_SCOPES = [
  'chat:write',
  'im:history',
  'im:read',
  'im:write',
  'users:read',
  'users:read.email',
  'files:read',
  'files:write',
  'team:read',
];

// The dedicated account posts as itself, so its token needs the same abilities as a user scope.
export const USER_SCOPES = [...BOT_SCOPES];

export const BOT_EVENTS = ['message.im', 'app_uninstalled', 'tokens_revoked'];
export const USER_EVENTS = ['message.im'];
