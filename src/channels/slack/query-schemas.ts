import { z } from 'zod';

/**
 * The Slack channel's querystrings. Its install pages answer in HTML, outside /api/v2, so a
 * parameter's value is checked where it is used and these schemas only name the parameters.
 */

/** `GET /slack/install/:id?reauthorize=1`. */
export const installQuery = z.object({ reauthorize: z.unknown().optional() });

/** `GET /slack/oauth_redirect?code=…&state=…` (or `error=…` when the admin declined). */
export const oauthRedirectQuery = z.object({
  code: z.unknown().optional(),
  state: z.unknown().optional(),
  error: z.unknown().optional(),
});

/** `GET /api/v2/slack/manifest?url=…&name=…`. */
export const manifestQuery = z.object({
  url: z.unknown().optional(),
  name: z.unknown().optional(),
});
