import {
  Alert,
  Button,
  Group,
  Modal,
  SimpleGrid,
  Skeleton,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConnectionCard } from './ConnectionCard.tsx';
import { ConnectionForm, type ConnectionFormValues } from './ConnectionForm.tsx';
import { InstallResult } from './InstallResult.tsx';
import { ManifestPanel } from './ManifestPanel.tsx';
import { useBrands, useConnections, useCreateConnection } from './queries.ts';

/** Admin → Channels → Slack: every connection side by side, adding one, and the manifest. */
export default function SlackChannelsPage() {
  const { t } = useTranslation();
  const connections = useConnections();
  const brands = useBrands();
  const create = useCreateConnection();
  const [adding, setAdding] = useState(false);
  const [created, setCreated] = useState<string | null>(null);

  function add(values: ConnectionFormValues) {
    create.mutate(
      { name: values.name, brand_id: values.brand_id, mode: values.mode },
      {
        onSuccess: (c) => {
          setAdding(false);
          setCreated(c.name);
        },
      },
    );
  }

  return (
    <Stack component="section" aria-labelledby="slack-channels-title" gap="md">
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={2} id="slack-channels-title">
            {t('admin.slack.title')}
          </Title>
          <Text c="gray.7" maw={720}>
            {t('admin.slack.intro')}
          </Text>
        </div>
        <Button
          onClick={() => {
            create.reset();
            setAdding(true);
          }}
        >
          {t('admin.slack.add')}
        </Button>
      </Group>
      <InstallResult connections={connections.data} />
      {created && (
        <Alert
          color="blue"
          role="status"
          withCloseButton
          closeButtonLabel={t('admin.slack.result.dismiss')}
          onClose={() => setCreated(null)}
        >
          {t('admin.slack.form.created', { name: created })}
        </Alert>
      )}
      {connections.isPending && <Skeleton h={180} />}
      {connections.isError && (
        <Alert color="red" role="alert">
          {t('admin.slack.loadFailed')}
        </Alert>
      )}
      {connections.data?.length === 0 && <Text>{t('admin.slack.none')}</Text>}
      {connections.data && connections.data.length > 0 && (
        <SimpleGrid cols={{ base: 1, md: 2, xl: 3 }} spacing="md">
          {connections.data.map((c) => (
            <ConnectionCard key={c.id} connection={c} brands={brands.data} />
          ))}
        </SimpleGrid>
      )}
      <ManifestPanel />
      <Modal
        opened={adding}
        onClose={() => setAdding(false)}
        title={t('admin.slack.form.addTitle')}
        size="lg"
        closeButtonProps={{ 'aria-label': t('admin.slack.form.cancel') }}
      >
        <ConnectionForm
          editing={false}
          busy={create.isPending}
          error={create.error}
          onSubmit={add}
          onCancel={() => setAdding(false)}
        />
      </Modal>
    </Stack>
  );
}
