import { readFileSync } from 'node:fs';
import i18next, { type TFunction } from 'i18next';

/**
 * The few pages the server writes itself (first-run setup, "Parley is running", the Slack
 * install's pages, their 429s) speak the browser's language, as the web app does: English or
 * Italian, chosen from Accept-Language, their words in page-locales/<lang>.json. A browser
 * has no saved choice here (the web app keeps its switch in the browser, not in a cookie).
 */
export const PAGE_LANGUAGES = ['en', 'it'] as const;
export type PageLanguage = (typeof PAGE_LANGUAGES)[number];

const load = (lang: PageLanguage): Record<string, unknown> =>
  JSON.parse(
    readFileSync(new URL(`./page-locales/${lang}.json`, import.meta.url), 'utf8'),
  ) as Record<string, unknown>;

const pages = i18next.createInstance();
// Resources are in memory, so initialization finishes synchronously (initAsync: false).
void pages.init({
  resources: Object.fromEntries(PAGE_LANGUAGES.map((l) => [l, { translation: load(l) }])),
  lng: 'en',
  fallbackLng: 'en',
  supportedLngs: [...PAGE_LANGUAGES],
  initAsync: false,
  // Translations hold trusted markup (links, <code>); interpolated values are escaped.
  interpolation: { escapeValue: true },
});

/** A page's words in `lang`: HTML, with interpolated values escaped. */
export function pageT(lang: PageLanguage): TFunction {
  return pages.getFixedT(lang);
}

/**
 * The supported language the browser prefers most (Accept-Language, with q weights; `it-IT`
 * counts as `it`), else English.
 */
export function pageLanguage(acceptLanguage: string | undefined): PageLanguage {
  let best: PageLanguage = 'en';
  let bestQ = 0;
  for (const part of (acceptLanguage ?? '').slice(0, 1000).split(',')) {
    const [range = '', ...params] = part.trim().split(';');
    const primary = range.trim().toLowerCase().split('-')[0] ?? '';
    const lang = PAGE_LANGUAGES.find((l) => l === primary);
    if (!lang) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (Number.isFinite(q) && q > bestQ) {
      best = lang;
      bestQ = q;
    }
  }
  return best;
}

/** "30 seconds" / "30 secondi". */
export function waitSeconds(lang: PageLanguage, seconds: number): string {
  return pageT(lang)('page.wait', { count: seconds });
}
