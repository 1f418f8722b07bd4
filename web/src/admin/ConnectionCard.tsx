import { Alert, Badge, Button, Card, Group, Modal, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConnectionForm, type ConnectionFormValues } from './ConnectionForm.tsx';
import { useDisconnect, useInstall, useUpdateConnection } from './queries.ts';
import type { Brand, SlackConnection } from './types.ts';

// Filled badges in shades dark enough for their small white capitals (WCAG AA, 4.5:1 and up):
// Mantine's green.9 and yellow.9 are not.
const STATUS_COLORS = { pending: '#8a4500', active: '#1b5e20', disconnected: '#495057' } as const;

const KNOWN_REASONS = new Set([
  'disconnected_by_admin',
  'app_uninstalled',
  'tokens_revoked',
  'token_revoked',
  'account_inactive',
  'invalid_auth',
]);

export function ConnectionCard({
  connection: c,
  brands,
}: {
  connection: SlackConnection;
  brands: Brand[] | undefined;
}) {
  const { t, i18n } = useTranslation();
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [saved, setSaved] = useState(false);
  const update = useUpdateConnection(c.id);
  const disconnect = useDisconnect(c.id);
  const install = useInstall(c.id);
  const headingId = `connection-${c.id}-name`;
  const dates = new Intl.DateTimeFormat(i18n.resolvedLanguage, {
    dateStyle: 'medium',
    timeStyle: 'short',
  });
  const times = new Intl.DateTimeFormat(i18n.resolvedLanguage, { timeStyle: 'short' });
  // Set only while the attempt is live (the list is fetched again every few seconds).
  const waiting = c.status !== 'active' && c.install_pending_until !== null;
  const brand = brands?.find((b) => b.id === c.brand_id)?.name ?? `#${c.brand_id}`;

  function save(values: ConnectionFormValues) {
    setSaved(false);
    update.mutate(
      {
        name: values.name,
        brand_id: values.brand_id,
        attachments_enabled: values.attachments_enabled,
        allowed_file_types: values.allowed_file_types,
      },
      {
        onSuccess: () => {
          setEditing(false);
          setSaved(true);
        },
      },
    );
  }

  const reason = c.status_reason
    ? KNOWN_REASONS.has(c.status_reason)
      ? t(`admin.slack.reason.${c.status_reason}`)
      : t('admin.slack.reason.other', { code: c.status_reason })
    : null;

  return (
    <Card
      withBorder
      padding="lg"
      component="article"
      aria-labelledby={headingId}
      data-connection-id={c.id}
      data-status={c.status}
    >
      <Stack gap="sm">
        <Group justify="space-between" wrap="nowrap">
          <Title order={3} size="h4" id={headingId}>
            {c.name}
          </Title>
          <Badge color={STATUS_COLORS[c.status]} variant="filled" data-testid="connection-status">
            {t(`admin.slack.status.${c.status}`)}
          </Badge>
        </Group>
        {c.status === 'disconnected' && reason && (
          <Text size="sm" c="gray.7" data-testid="connection-reason">
            {reason}
          </Text>
        )}
        {waiting && (
          <Alert color="yellow" variant="light" data-testid="connection-waiting">
            <Text size="sm" c="dark.7">
              {t('admin.slack.waitingApproval', {
                time: times.format(new Date(c.install_pending_until!)),
              })}
            </Text>
          </Alert>
        )}
        {c.status === 'pending' && !waiting && (
          <Text size="sm" c="gray.7">
            {t('admin.slack.pendingHelp')}
          </Text>
        )}
        <dl
          style={{ margin: 0, display: 'grid', gridTemplateColumns: 'auto 1fr', gap: '4px 16px' }}
        >
          <Text component="dt" size="sm" c="gray.7">
            {t('admin.slack.field.team')}
          </Text>
          <Text component="dd" size="sm" m={0} data-testid="connection-team">
            {c.team_name ?? '—'}
          </Text>
          <Text component="dt" size="sm" c="gray.7">
            {t('admin.slack.field.brand')}
          </Text>
          <Text component="dd" size="sm" m={0}>
            {brand}
          </Text>
          <Text component="dt" size="sm" c="gray.7">
            {t('admin.slack.field.mode')}
          </Text>
          <Text component="dd" size="sm" m={0}>
            {t(`admin.slack.mode.${c.mode}`)}
          </Text>
          <Text component="dt" size="sm" c="gray.7">
            {t('admin.slack.field.files')}
          </Text>
          <Text component="dd" size="sm" m={0} data-testid="connection-files">
            {c.attachments_enabled
              ? c.allowed_file_types.length > 0
                ? c.allowed_file_types.join(', ')
                : t('admin.slack.files.none')
              : t('admin.slack.files.off')}
          </Text>
          {c.installed_at && c.status === 'active' && (
            <>
              <Text component="dt" size="sm" c="gray.7">
                {t('admin.slack.field.installed')}
              </Text>
              <Text component="dd" size="sm" m={0}>
                <time dateTime={c.installed_at}>{dates.format(new Date(c.installed_at))}</time>
              </Text>
            </>
          )}
        </dl>
        {saved && (
          <Text size="sm" c="#1b5e20" role="status">
            {t('admin.slack.form.saved')}
          </Text>
        )}
        {install.isError && (
          <Alert color="red" role="alert">
            {t('common.failed')}
          </Alert>
        )}
        {disconnect.isError && (
          <Alert color="red" role="alert">
            {t('admin.slack.disconnectFailed')}
          </Alert>
        )}
        <Group gap="xs">
          <Button
            size="sm"
            variant={c.status === 'active' ? 'default' : 'filled'}
            loading={install.isPending || install.isSuccess}
            onClick={() => install.mutate(c.status === 'active')}
          >
            {c.status === 'active'
              ? t('admin.slack.reauthorize')
              : c.status === 'disconnected'
                ? t('admin.slack.reconnect')
                : t('admin.slack.connect')}
          </Button>
          <Button size="sm" variant="default" onClick={() => setEditing(true)}>
            {t('admin.slack.settings')}
          </Button>
          {c.status === 'active' && (
            <Button size="sm" variant="outline" color="red.9" onClick={() => setConfirming(true)}>
              {t('admin.slack.disconnect')}
            </Button>
          )}
        </Group>
      </Stack>

      <Modal
        opened={editing}
        onClose={() => setEditing(false)}
        title={t('admin.slack.form.editTitle', { name: c.name })}
        size="lg"
        closeButtonProps={{ 'aria-label': t('admin.slack.form.cancel') }}
      >
        <ConnectionForm
          initial={c}
          editing
          busy={update.isPending}
          error={update.error}
          onSubmit={save}
          onCancel={() => setEditing(false)}
        />
      </Modal>

      <Modal
        opened={confirming}
        onClose={() => setConfirming(false)}
        title={t('admin.slack.confirm.title', { name: c.name })}
        closeButtonProps={{ 'aria-label': t('admin.slack.confirm.no') }}
      >
        <Stack>
          <Text>{t('admin.slack.confirm.body')}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirming(false)} data-autofocus>
              {t('admin.slack.confirm.no')}
            </Button>
            <Button
              color="red.9"
              loading={disconnect.isPending}
              onClick={() =>
                disconnect.mutate(undefined, { onSettled: () => setConfirming(false) })
              }
            >
              {t('admin.slack.confirm.yes')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Card>
  );
}
