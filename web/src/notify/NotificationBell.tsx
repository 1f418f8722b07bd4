import {
  ActionIcon,
  Button,
  Group,
  Indicator,
  Popover,
  Stack,
  Text,
  UnstyledButton,
  VisuallyHidden,
} from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { useLiveEvents, useStreamStatus } from '../live/LiveProvider.tsx';
import { useSession } from '../session.tsx';
import {
  loadNotifications,
  markAllRead,
  markRead,
  NOTIFICATIONS_KEY,
  type AppNotification,
} from './notifications-api.ts';
import { relativeTime } from './relative-time.ts';

/** While the stream is down, the badge is asked for again this often. */
const POLL_MS = 60_000;

/**
 * The bell in the header: the unread count as a badge, and a list of the latest notifications
 * (a rule's notification_user / notification_group, a notification that could not be
 * delivered). Opening one marks it read and goes to its ticket; "Mark all as read". The
 * stream's notification.created (LiveProvider's subscription) refreshes both at once.
 */
export function NotificationBell() {
  const { t, i18n } = useTranslation();
  const client = useQueryClient();
  const navigate = useNavigate();
  const { user } = useSession();
  const stream = useStreamStatus();
  const [opened, setOpened] = useState(false);
  const dropdown = useRef<HTMLDivElement>(null);
  // "3 minutes ago" counts from when the list was opened, and moves on while it stays open.
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!opened) return;
    const tick = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(tick);
  }, [opened]);
  const toggle = (next: boolean) => {
    if (next) setNow(Date.now());
    setOpened(next);
  };
  const list = useQuery({
    queryKey: NOTIFICATIONS_KEY,
    queryFn: ({ signal }) => loadNotifications(signal),
    refetchInterval: stream === 'open' ? false : POLL_MS,
  });
  const refresh = () => void client.invalidateQueries({ queryKey: NOTIFICATIONS_KEY });
  useLiveEvents((event) => {
    if (event.kind === 'notification.created' && event.data.user_id === user?.id) refresh();
    if (event.kind === 'reset') refresh();
  });

  const unread = list.data?.unread ?? 0;
  const items = list.data?.notifications ?? [];

  async function open(n: AppNotification) {
    setOpened(false);
    if (n.ticket_id !== null) void navigate(`/tickets/${n.ticket_id}`);
    if (!n.read) {
      await markRead(n.id).catch(() => {});
      refresh();
    }
  }

  return (
    <Popover
      opened={opened}
      onChange={toggle}
      position="bottom-end"
      width={380}
      shadow="md"
      trapFocus
      returnFocus
      withinPortal
      transitionProps={{ duration: 0 }}
    >
      <Indicator
        label={unread > 99 ? '99+' : unread}
        size={18}
        color="red.9"
        offset={4}
        disabled={unread === 0}
        data-testid="notification-badge"
        data-unread={unread}
      >
        <Popover.Target>
          <ActionIcon
            variant="default"
            size="lg"
            aria-label={t('notify.bell', { count: unread })}
            onClick={() => toggle(!opened)}
            data-testid="notification-bell"
          >
            <BellIcon />
          </ActionIcon>
        </Popover.Target>
      </Indicator>
      <Popover.Dropdown p={0} role="dialog" aria-labelledby="notify-title" ref={dropdown}>
        <Group
          justify="space-between"
          px="sm"
          py="xs"
          style={{ borderBottom: '1px solid var(--mantine-color-gray-3)' }}
        >
          <Text id="notify-title" fw={600} size="sm">
            {t('notify.title')}
          </Text>
          <Button
            variant="subtle"
            size="compact-sm"
            c={unread === 0 ? undefined : 'blue.8'}
            disabled={unread === 0}
            onClick={() => {
              // The button is disabled once all are read: keep focus in the list (Escape).
              dropdown.current?.focus();
              void markAllRead().then(refresh);
            }}
          >
            {t('notify.markAllRead')}
          </Button>
        </Group>
        {items.length === 0 ? (
          <Text size="sm" c="gray.7" p="sm">
            {list.isError ? t('notify.failed') : t('notify.empty')}
          </Text>
        ) : (
          <div style={{ maxHeight: 420, overflowY: 'auto' }}>
            <Stack component="ul" gap={0} m={0} p={0} style={{ listStyle: 'none' }}>
              {items.map((n) => (
                <li key={n.id}>
                  <UnstyledButton
                    w="100%"
                    px="sm"
                    py="xs"
                    bg={n.read ? undefined : 'blue.0'}
                    style={{ borderBottom: '1px solid var(--mantine-color-gray-2)' }}
                    data-unread={n.read ? undefined : true}
                    data-bell-notification={n.id}
                    onClick={() => void open(n)}
                  >
                    <Group gap="xs" wrap="nowrap" align="flex-start">
                      <span aria-hidden style={dotStyle(n.read)} />
                      <Stack gap={2} style={{ minWidth: 0, flex: 1 }}>
                        <Text size="sm" fw={n.read ? 400 : 600} lineClamp={2}>
                          {!n.read && <VisuallyHidden>{t('notify.unread')}: </VisuallyHidden>}
                          {n.subject || t('notify.untitled')}
                        </Text>
                        {n.body && (
                          <Text size="xs" c="gray.8" lineClamp={2}>
                            {n.body}
                          </Text>
                        )}
                        <Text size="xs" c="gray.7">
                          {n.ticket_id !== null && `${t('notify.ticket', { id: n.ticket_id })} · `}
                          <time dateTime={n.created_at}>
                            {relativeTime(n.created_at, now, i18n.resolvedLanguage ?? 'en')}
                          </time>
                        </Text>
                      </Stack>
                    </Group>
                  </UnstyledButton>
                </li>
              ))}
            </Stack>
          </div>
        )}
      </Popover.Dropdown>
    </Popover>
  );
}

/** The unread mark beside an item (its words say "Unread" to screen readers). */
function dotStyle(read: boolean) {
  return {
    flex: 'none',
    width: 8,
    height: 8,
    marginTop: 6,
    borderRadius: '50%',
    background: read ? 'transparent' : 'var(--mantine-color-blue-8)',
  } as const;
}

function BellIcon() {
  return (
    <svg
      width="20"
      height="20"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
      <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
    </svg>
  );
}
