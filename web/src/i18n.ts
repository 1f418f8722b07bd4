import i18n, { type BackendModule } from 'i18next';
import { initReactI18next } from 'react-i18next';

type Strings = Record<string, unknown>;

// Each part of the app keeps its strings in its own file (locales/<lang>/<part>.json, each
// owning its top-level keys), so parts can grow without touching one shared file.
// English, the fallback, is in the initial chunk; any other language is one chunk of its own,
// web/src/translations/<lang>.ts (its files), fetched only when that language is shown.
const english = import.meta.glob<Strings>('./locales/en/*.json', {
  eager: true,
  import: 'default',
});
const others = import.meta.glob<Record<string, Strings>>('./translations/*.ts', {
  import: 'default',
});

function merge(files: [string, Strings][]): Strings {
  const merged: Strings = {};
  for (const [file, strings] of files) {
    for (const key of Object.keys(strings)) {
      if (key in merged) throw new Error(`${file}: "${key}" is already defined in another file`);
    }
    Object.assign(merged, strings);
  }
  return merged;
}

/** One language's strings, from its chunk. */
async function fetchStrings(lang: string): Promise<Strings> {
  const load = others[`./translations/${lang}.ts`];
  if (!load) throw new Error(`no translations for ${lang}`);
  return merge(Object.entries(await load()));
}

export const LANGUAGES = [
  { code: 'en', label: 'English' },
  { code: 'it', label: 'Italiano' },
] as const;

const STORAGE_KEY = 'parley.language';

/** The agent's choice from the user menu, else the browser's first language we speak. */
function initialLanguage(): string {
  const chosen = localStorage.getItem(STORAGE_KEY);
  if (chosen && LANGUAGES.some((l) => l.code === chosen)) return chosen;
  for (const tag of navigator.languages) {
    const code = tag.slice(0, 2).toLowerCase();
    if (LANGUAGES.some((l) => l.code === code)) return code;
  }
  return 'en';
}

export function chooseLanguage(code: string): void {
  localStorage.setItem(STORAGE_KEY, code);
  // Fetches the language's chunk first if need be; the screen switches once it is here.
  void i18n.changeLanguage(code);
}

i18n.on('languageChanged', (lng) => {
  document.documentElement.lang = lng;
});

/** Any language but English, from its chunk, when i18next first needs it. */
const lazyLanguages: BackendModule = {
  type: 'backend',
  init() {},
  read(language, _namespace, callback) {
    fetchStrings(language).then(
      (strings) => callback(null, strings),
      (err: unknown) => callback(err instanceof Error ? err : new Error(String(err)), false),
    );
  },
};

// With a language other than English, init() asks for its chunk at once (in parallel with
// boot.ts's first requests) and i18next is ready only once it is here: until then
// useTranslation() suspends, so the first render is already in that language. With English,
// nothing is fetched and i18next is ready as init() returns.
void i18n
  .use(initReactI18next)
  .use(lazyLanguages)
  .init({
    resources: { en: { translation: merge(Object.entries(english)) } },
    partialBundledLanguages: true,
    lng: initialLanguage(),
    fallbackLng: 'en',
    interpolation: { escapeValue: false },
  });

export default i18n;
