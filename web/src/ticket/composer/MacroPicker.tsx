import {
  Alert,
  Badge,
  Button,
  Group,
  Loader,
  Modal,
  Paper,
  ScrollArea,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  UnstyledButton,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api.ts';
import { ChangeList } from './ChangeList.tsx';
import { changesBetween } from './staged.ts';
import type { ComposerTicket, Macro, MacroApplyResult, StagedChanges } from './types.ts';
import { serverMessage } from './uploads.ts';

export interface AppliedMacro {
  macroId: number;
  comment: { body: string; public: boolean } | null;
  changes: StagedChanges;
}

/** "Billing::Refund" is the macro "Refund" in the category "Billing". */
function split(title: string): { category: string | null; name: string } {
  const parts = title.split('::').map((p) => p.trim());
  if (parts.length < 2) return { category: null, name: title };
  return { category: parts.slice(0, -1).join(' › '), name: parts[parts.length - 1]! };
}

function byCategory(macros: Macro[]): [string | null, Macro[]][] {
  const groups = new Map<string | null, Macro[]>();
  for (const m of macros) {
    const { category } = split(m.title);
    groups.set(category, [...(groups.get(category) ?? []), m]);
  }
  return [...groups.entries()];
}

/**
 * "Apply macro": search the agent's active macros, see what one would change on this ticket
 * (GET /tickets/{id}/macros/{macro_id}/apply: nothing is saved), and apply it to the composer.
 */
export function MacroPicker({
  ticket,
  opened,
  onClose,
  onApply,
}: {
  ticket: ComposerTicket;
  opened: boolean;
  onClose: () => void;
  onApply: (applied: AppliedMacro) => void;
}) {
  const { t } = useTranslation();
  const [search, setSearch] = useState('');
  const [query] = useDebouncedValue(search.trim(), 200);
  const [chosen, setChosen] = useState<number | null>(null);

  const macros = useQuery({
    queryKey: ['macros', 'active', query],
    enabled: opened,
    queryFn: () =>
      api<{ macros: Macro[] }>(
        query
          ? `/macros/search?query=${encodeURIComponent(query)}&per_page=100`
          : '/macros/active?per_page=100',
      ).then((r) => r.macros.filter((m) => m.active)),
  });
  const preview = useQuery({
    queryKey: ['ticket', ticket.id, 'macro-preview', chosen, ticket.updated_at],
    enabled: opened && chosen !== null,
    queryFn: () => api<MacroApplyResult>(`/tickets/${ticket.id}/macros/${chosen}/apply`),
  });
  const changes = preview.data ? changesBetween(ticket, preview.data.result.ticket) : {};
  const comment = preview.data?.result.comment ?? null;

  function close() {
    setChosen(null);
    setSearch('');
    onClose();
  }

  function apply() {
    if (chosen === null || !preview.data) return;
    onApply({
      macroId: chosen,
      comment: comment ? { body: comment.body, public: comment.public } : null,
      changes,
    });
    close();
  }

  const chosenMacro = macros.data?.find((m) => m.id === chosen);
  return (
    <Modal
      opened={opened}
      onClose={close}
      title={t('composer.macros.title')}
      size="xl"
      closeButtonProps={{ 'aria-label': t('composer.close') }}
    >
      <TextInput
        label={t('composer.macros.search')}
        value={search}
        onChange={(e) => setSearch(e.currentTarget.value)}
        data-autofocus
        mb="sm"
      />
      <SimpleGrid cols={2} spacing="md">
        <ScrollArea h={320} type="auto">
          {macros.isPending && <Loader size="sm" aria-label={t('common.loading')} />}
          {macros.isError && <Alert color="red">{t('common.failed')}</Alert>}
          {macros.data?.length === 0 && <Text c="gray.7">{t('composer.macros.none')}</Text>}
          <Stack gap="xs" component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
            {byCategory(macros.data ?? []).map(([category, list]) => (
              <li key={category ?? ''}>
                {category && (
                  <Text size="xs" fw={700} c="gray.7" tt="uppercase" mb={2}>
                    {category}
                  </Text>
                )}
                <Stack gap={2} component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
                  {list.map((m) => (
                    <li key={m.id}>
                      <UnstyledButton
                        onClick={() => setChosen(m.id)}
                        aria-pressed={chosen === m.id}
                        data-macro-id={m.id}
                        w="100%"
                        px="xs"
                        py={4}
                        style={{
                          borderRadius: 4,
                          background:
                            chosen === m.id ? 'var(--mantine-color-blue-0)' : 'transparent',
                        }}
                      >
                        <Text size="sm" fw={chosen === m.id ? 700 : 400}>
                          {split(m.title).name}
                        </Text>
                      </UnstyledButton>
                    </li>
                  ))}
                </Stack>
              </li>
            ))}
          </Stack>
        </ScrollArea>
        <Paper withBorder p="sm" aria-live="polite" aria-label={t('composer.macros.preview')}>
          {chosen === null && <Text c="gray.7">{t('composer.macros.pick')}</Text>}
          {chosen !== null && preview.isPending && (
            <Loader size="sm" aria-label={t('common.loading')} />
          )}
          {preview.isError && (
            <Alert color="red">
              {preview.error instanceof ApiError
                ? serverMessage(preview.error.body, t('common.failed'))
                : t('common.failed')}
            </Alert>
          )}
          {preview.data && (
            <Stack gap="xs">
              <Text fw={700}>{chosenMacro ? chosenMacro.title : ''}</Text>
              {chosenMacro?.description && (
                <Text size="sm" c="gray.7">
                  {chosenMacro.description}
                </Text>
              )}
              {Object.keys(changes).length > 0 ? (
                <>
                  <Text size="sm" fw={600}>
                    {t('composer.macros.changes')}
                  </Text>
                  <ChangeList changes={changes} />
                </>
              ) : (
                <Text size="sm" c="gray.7">
                  {t('composer.macros.noChanges')}
                </Text>
              )}
              {comment && (
                <>
                  <Group gap="xs">
                    <Text size="sm" fw={600}>
                      {t('composer.macros.comment')}
                    </Text>
                    <Badge color={comment.public ? 'blue.8' : 'yellow.4'}>
                      {comment.public ? t('composer.reply') : t('composer.note')}
                    </Badge>
                  </Group>
                  <Text size="sm" style={{ whiteSpace: 'pre-wrap' }} lineClamp={8}>
                    {comment.body}
                  </Text>
                </>
              )}
            </Stack>
          )}
        </Paper>
      </SimpleGrid>
      <Group justify="flex-end" mt="md">
        <Button variant="default" onClick={close}>
          {t('composer.cancel')}
        </Button>
        <Button onClick={apply} disabled={!preview.data}>
          {t('composer.macros.apply')}
        </Button>
      </Group>
    </Modal>
  );
}
