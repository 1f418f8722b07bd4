import { Alert, Button, Group, Modal, Paper, Radio, Stack, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { refreshTicket, serverMessage } from './data.ts';
import type { PanelUser } from './types.ts';

/**
 * "Merge into another user…": find the person this profile really is (an existing user, by
 * name or email), read what merging does, and merge (`PUT /users/{id}/merge`). The ticket then
 * shows the target as its requester.
 */
export function MergeDialog({
  source,
  ticketId,
  opened,
  onClose,
}: {
  source: PanelUser;
  ticketId: number;
  opened: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [text, setText] = useState('');
  const [query] = useDebouncedValue(text.trim(), 250);
  const [picked, setPicked] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const found = useQuery({
    queryKey: ['users', 'search', query],
    enabled: opened && query.length >= 2,
    queryFn: () =>
      api<{ users: PanelUser[] }>(
        `/users/search?query=${encodeURIComponent(query)}&per_page=10`,
      ).then((r) => r.users),
  });
  const candidates = (found.data ?? []).filter((u) => u.id !== source.id);
  const target = candidates.find((u) => String(u.id) === picked) ?? null;

  function close() {
    setText('');
    setPicked(null);
    setError(null);
    onClose();
  }

  async function merge() {
    if (!target) return;
    setBusy(true);
    setError(null);
    try {
      await api(`/users/${source.id}/merge`, { method: 'PUT', body: { user: { id: target.id } } });
      await refreshTicket(client, ticketId);
      void client.invalidateQueries({ queryKey: ['user'] });
      void client.invalidateQueries({ queryKey: ['users'] });
      close();
    } catch (err) {
      setError(serverMessage(err) ?? t('common.failed'));
    } finally {
      setBusy(false);
    }
  }

  const label = (u: PanelUser) => (u.email ? `${u.name} <${u.email}>` : u.name);

  return (
    <Modal
      opened={opened}
      onClose={close}
      title={t('panels.merge.title', { name: source.name })}
      size="lg"
      closeButtonProps={{ 'aria-label': t('panels.dismiss') }}
    >
      <Stack gap="sm">
        <TextInput
          label={t('panels.merge.find')}
          description={t('panels.merge.findHint')}
          descriptionProps={{ c: 'gray.7' }}
          value={text}
          onChange={(e) => {
            setText(e.currentTarget.value);
            setPicked(null);
            setError(null);
          }}
          data-autofocus
        />
        {query.length >= 2 && found.isSuccess && candidates.length === 0 && (
          <Text size="sm" c="gray.7">
            {t('panels.merge.noMatch')}
          </Text>
        )}
        {candidates.length > 0 && (
          <Radio.Group
            label={t('panels.merge.pick')}
            value={picked}
            onChange={(v) => {
              setPicked(v);
              setError(null);
            }}
          >
            <Stack gap={6} mt={4}>
              {candidates.map((u) => (
                <Radio key={u.id} value={String(u.id)} label={label(u)} />
              ))}
            </Stack>
          </Radio.Group>
        )}
        {target && (
          <Paper withBorder p="sm" bg="orange.0" role="note" aria-labelledby="merge-explain">
            <Text fw={700} size="sm" id="merge-explain" mb={4}>
              {t('panels.merge.confirmTitle')}
            </Text>
            <Text size="sm">
              {t('panels.merge.explain', { source: source.name, target: target.name })}
            </Text>
          </Paper>
        )}
        {error && (
          <Alert color="red" role="alert">
            {error}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            {t('panels.merge.cancel')}
          </Button>
          <Button color="red.9" disabled={!target} loading={busy} onClick={() => void merge()}>
            {t('panels.merge.confirm')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
