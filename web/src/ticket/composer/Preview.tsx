import { Text, Typography } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { renderMarkdownHtml } from './markdown.ts';

/** What Parley will store for the text (lazy-loaded with markdown-it: see markdown.ts). */
export default function Preview({ text }: { text: string }) {
  const { t } = useTranslation();
  if (text.trim() === '') return <Text c="gray.7">{t('composer.previewEmpty')}</Text>;
  return (
    <Typography>
      <div
        data-testid="composer-preview"
        // markdown-it with html:false: raw HTML in the text is escaped, links are validated.
        dangerouslySetInnerHTML={{ __html: renderMarkdownHtml(text) }}
      />
    </Typography>
  );
}
