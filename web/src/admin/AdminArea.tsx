import '../styles/admin.ts';
import { Alert, Group, NavLink, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, Route, Routes, useLocation } from 'react-router';
import { useSession } from '../session.tsx';
import SlackChannelsPage from './SlackChannelsPage.tsx';

/**
 * /admin/…: the admin's pages (today: Channels → Slack), for admins and agents whose custom
 * role manages channels.
 */
export default function AdminArea() {
  const { t } = useTranslation();
  const { permissions } = useSession();
  const path = useLocation().pathname;
  if (!permissions?.manage_channels) {
    return (
      <Alert color="red" role="alert">
        {t('admin.onlyAdmins')}
      </Alert>
    );
  }
  return (
    <Stack gap="md">
      <Group component="nav" aria-label={t('admin.nav')} gap="xs">
        <Text size="sm" fw={700} c="gray.7">
          {t('admin.channels')}
        </Text>
        <NavLink
          component={Link}
          to="/admin/channels/slack"
          label={t('admin.slack.navLabel')}
          active={path.startsWith('/admin/channels/slack')}
          w="auto"
          aria-current={path.startsWith('/admin/channels/slack') ? 'page' : undefined}
        />
      </Group>
      <Routes>
        <Route path="channels/slack" element={<SlackChannelsPage />} />
        <Route path="*" element={<Navigate to="/admin/channels/slack" replace />} />
      </Routes>
    </Stack>
  );
}
