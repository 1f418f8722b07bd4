import { Button, Group, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { chooseLanguage } from '../i18n.ts';
import { useSession } from '../session.tsx';

/** Zendesk's locale for each language the workspace speaks. */
const LOCALES: Record<string, string> = { en: 'en-US', it: 'it' };

/**
 * Choosing a language also saves it as the agent's profile locale: the server writes what it
 * writes for the agent (the default subject of a conversation they start, view titles over the
 * API) in that language, so it must not stay English behind an Italian screen.
 */
export function useLanguageChoice() {
  const { user } = useSession();
  const save = useMutation({
    mutationFn: (locale: string) =>
      api(`/users/${user?.id}`, { method: 'PUT', body: { user: { locale } } }),
    retry: 2,
  });
  return {
    choose(code: string) {
      chooseLanguage(code);
      const locale = LOCALES[code];
      if (user && locale) save.mutate(locale);
    },
    failed: save.isError,
    retry: () => {
      if (save.variables) save.mutate(save.variables);
    },
  };
}

/** Shown while the profile did not take the choice (the screen changed all the same). */
export function LanguageSaveFailed({ failed, retry }: { failed: boolean; retry: () => void }) {
  const { t } = useTranslation();
  if (!failed) return null;
  return (
    <Group gap={4} wrap="nowrap" role="alert">
      <Text size="sm" c="red.8">
        {t('profile.languageNotSaved')}
      </Text>
      <Button size="compact-sm" variant="subtle" onClick={retry}>
        {t('profile.retry')}
      </Button>
    </Group>
  );
}
