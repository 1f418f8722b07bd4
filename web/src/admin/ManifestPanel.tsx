import { Button, Code, CopyButton, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useManifest } from './queries.ts';

/** The Slack app manifest for this Parley, to paste into api.slack.com when making an app. */
export function ManifestPanel() {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const manifest = useManifest(open);
  return (
    <Paper withBorder p="lg" component="section" aria-labelledby="slack-manifest-title">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={3} size="h4" id="slack-manifest-title">
            {t('admin.slack.manifest.title')}
          </Title>
          <Group gap="xs">
            {manifest.data && (
              <CopyButton value={manifest.data}>
                {({ copied, copy }) => (
                  <Button size="sm" variant="default" onClick={copy} aria-live="polite">
                    {copied ? t('admin.slack.manifest.copied') : t('admin.slack.manifest.copy')}
                  </Button>
                )}
              </CopyButton>
            )}
            <Button
              size="sm"
              variant="default"
              aria-expanded={open}
              aria-controls="slack-manifest"
              onClick={() => setOpen((o) => !o)}
            >
              {open ? t('admin.slack.manifest.hide') : t('admin.slack.manifest.show')}
            </Button>
          </Group>
        </Group>
        <Text size="sm" c="gray.7">
          {t('admin.slack.manifest.help')}
        </Text>
        <div id="slack-manifest" hidden={!open}>
          {manifest.isError && <Text c="red.9">{t('common.failed')}</Text>}
          {manifest.data && (
            <Code
              block
              aria-label={t('admin.slack.manifest.label')}
              tabIndex={0}
              style={{ maxHeight: 320, overflow: 'auto' }}
            >
              {manifest.data}
            </Code>
          )}
        </div>
      </Stack>
    </Paper>
  );
}
