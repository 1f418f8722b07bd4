import type { PageLanguage } from './page-language.ts';

/**
 * A public door that is a browser page (the /setup form, the Slack install and OAuth
 * redirect) names its own 429 page in its route config, in the style of its other pages;
 * src/http/rate-limits.ts sends it to browsers, and Zendesk's JSON 429 to API clients.
 */
declare module 'fastify' {
  interface FastifyContextConfig {
    /** The door's 429 as a whole HTML document, told how many seconds to wait, in `lang`. */
    tooManyRequestsPage?: (retryAfterSeconds: number, lang: PageLanguage) => string;
  }
}
