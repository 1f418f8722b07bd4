import { Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Navigate } from 'react-router';
import { useActiveViews } from '../hooks.ts';

/** `/`: the agent's first view, as Zendesk opens the workspace. */
export default function FirstView() {
  const { t } = useTranslation();
  const views = useActiveViews();
  const first = views.data?.[0];
  if (first) return <Navigate to={`/views/${first.id}`} replace />;
  if (views.isPending) return null;
  return <Text>{t('views.none')}</Text>;
}
