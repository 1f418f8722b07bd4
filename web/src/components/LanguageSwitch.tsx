import { SegmentedControl } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { chooseLanguage, LANGUAGES } from '../i18n.ts';

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <SegmentedControl
      aria-label={t('shell.language')}
      size="xs"
      value={i18n.resolvedLanguage ?? 'en'}
      onChange={chooseLanguage}
      data={LANGUAGES.map((l) => ({ value: l.code, label: l.label }))}
    />
  );
}
