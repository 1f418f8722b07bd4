import { Affix, Anchor, Group, Loader, Notification, Paper, Stack, Text } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../api.ts';
import type { StreamStatus } from './LiveProvider.tsx';

interface AppNotification {
  id: number;
  ticket_id: number | null;
  subject: string | null;
  body: string | null;
}

/**
 * What the stream shows outside any page, in the bottom-right corner: "Reconnecting…" while it
 * is down (never in the way of work), and a toast per notification that arrives.
 */
export function LiveOverlay({
  status,
  notifications,
  onDismiss,
}: {
  status: StreamStatus;
  notifications: number[];
  onDismiss: (id: number) => void;
}) {
  const { t } = useTranslation();
  return (
    <Affix position={{ bottom: 16, right: 16 }} zIndex={300}>
      <Stack gap="xs" align="flex-end" w={360}>
        {notifications.map((id) => (
          <NotificationToast key={id} id={id} onClose={() => onDismiss(id)} />
        ))}
        <div role="status" data-testid="stream-status" data-stream={status}>
          {status === 'down' && (
            <Paper withBorder shadow="sm" px="sm" py={6} radius="xl">
              <Group gap="xs" wrap="nowrap">
                <Loader size={14} color="gray.7" aria-hidden />
                <Text size="sm" c="gray.8">
                  {t('live.reconnecting')}
                </Text>
              </Group>
            </Paper>
          )}
        </div>
      </Stack>
    </Affix>
  );
}

function NotificationToast({ id, onClose }: { id: number; onClose: () => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const query = useQuery({
    queryKey: ['notification', id],
    queryFn: () =>
      api<{ notification: AppNotification }>(`/notifications/${id}`).then((r) => r.notification),
  });
  const n = query.data;
  if (!n) return null;
  return (
    <Notification
      w="100%"
      withBorder
      title={n.subject || t('live.notification.title')}
      closeButtonProps={{ 'aria-label': t('live.notification.close') }}
      onClose={onClose}
      data-notification-id={id}
    >
      {n.body && (
        <Text size="sm" lineClamp={3} c="gray.8">
          {n.body}
        </Text>
      )}
      {n.ticket_id !== null && (
        <Anchor
          component={Link}
          to={`/tickets/${n.ticket_id}`}
          size="sm"
          underline="always"
          onClick={() => {
            // Opened is read; a dismissed one stays unread in the notification list.
            void api(`/notifications/${id}`, {
              method: 'PUT',
              body: { notification: { read: true } },
            })
              // The bell's unread count (notify part).
              .then(() => client.invalidateQueries({ queryKey: ['notifications'] }))
              .catch(() => {});
            onClose();
          }}
        >
          {t('live.notification.open', { id: n.ticket_id })}
        </Anchor>
      )}
    </Notification>
  );
}
