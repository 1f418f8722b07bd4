/**
 * The few words the server itself writes into records people read (a Slack ticket's default
 * subject), in English and Italian. The agent workspace has its own translations; these are
 * stored, so they are written once in the language the caller gives and never re-rendered.
 */

/** The locale the desk gives a new user when none is said (the users table's default). */
export const DEFAULT_LOCALE = 'en-US';

type Lang = 'en' | 'it';

const STRINGS = {
  conversationWith: { en: 'Conversation with {name}', it: 'Conversazione con {name}' },
} satisfies Record<string, Record<Lang, string>>;

/** The catalogue's language for a locale such as "it", "it-IT" or "en-US" (English otherwise). */
export function languageOf(locale: string | null | undefined): Lang {
  return (locale ?? DEFAULT_LOCALE).toLowerCase().startsWith('it') ? 'it' : 'en';
}

/** The subject of a Slack ticket nobody gave one: "Conversation with Marco Rossi". */
export function conversationSubject(name: string, locale: string | null | undefined): string {
  return STRINGS.conversationWith[languageOf(locale)].replace('{name}', () => name);
}
