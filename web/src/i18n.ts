import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';

// Each part of the app keeps its strings in its own file (locales/<lang>/<part>.json, each
// owning its top-level keys), so parts can grow without touching one shared file.
const files = import.meta.glob<Record<string, unknown>>('./locales/*/*.json', {
  eager: true,
  import: 'default',
});

function bundle(lang: string): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const [file, strings] of Object.entries(files)) {
    if (!file.startsWith(`./locales/${lang}/`)) continue;
    for (const key of Object.keys(strings)) {
      if (key in merged) throw new Error(`${file}: "${key}" is already defined in another file`);
    }
    Object.assign(merged, strings);
  }
  return merged;
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
  void i18n.changeLanguage(code);
}

i18n.on('languageChanged', (lng) => {
  document.documentElement.lang = lng;
});

void i18n.use(initReactI18next).init({
  resources: { en: { translation: bundle('en') }, it: { translation: bundle('it') } },
  lng: initialLanguage(),
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
});

export default i18n;
