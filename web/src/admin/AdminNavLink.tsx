import { Divider, NavLink } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router';
import { useSession } from '../session.tsx';

/**
 * The shell's way into the admin pages, at the foot of the sidebar: for admins, and agents
 * whose custom role manages channels (the only admin pages today are Slack channels).
 */
export function AdminNavLink() {
  const { t } = useTranslation();
  const { permissions } = useSession();
  const here = useLocation().pathname.startsWith('/admin');
  if (!permissions?.manage_channels) return null;
  return (
    <div style={{ marginTop: 'auto' }}>
      <Divider my="sm" />
      <NavLink
        component={Link}
        to="/admin/channels/slack"
        label={t('admin.link')}
        active={here}
        variant="filled"
        aria-current={here ? 'page' : undefined}
      />
    </div>
  );
}
