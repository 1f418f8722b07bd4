import { Badge, NavLink, Skeleton, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { viewTitle } from '../view-title.ts';
import { Link, useLocation } from 'react-router';
import { useActiveViews, viewCountsQuery } from '../hooks.ts';
import { useStreamStatus } from '../live/LiveProvider.tsx';

/** Counts are pushed by the realtime stream; polled only while it is down. */
const COUNT_REFRESH_MS = 30_000;

export function ViewsSidebar() {
  const { t, i18n } = useTranslation();
  // The sidebar sits outside <Routes>: the open view comes from the address itself.
  const openView = /^\/views\/(\d+)/.exec(useLocation().pathname)?.[1];
  const views = useActiveViews();
  const ids = (views.data ?? []).map((v) => v.id);
  const live = useStreamStatus() === 'open';
  const counts = useQuery({
    ...viewCountsQuery(ids),
    enabled: ids.length > 0,
    refetchInterval: live ? false : COUNT_REFRESH_MS,
  });
  const number = new Intl.NumberFormat(i18n.resolvedLanguage);

  if (views.isPending) return <Skeleton h={200} />;
  if (views.isError) return <Text c="red">{t('common.failed')}</Text>;
  return (
    <Stack gap={2}>
      <Text size="sm" fw={700} component="h2" m={0} mb="xs">
        {t('views.title')}
      </Text>
      {views.data.map((view) => {
        const value = counts.data?.get(view.id);
        return (
          <NavLink
            key={view.id}
            component={Link}
            to={`/views/${view.id}`}
            active={openView === String(view.id)}
            variant="filled"
            label={viewTitle(view, t)}
            data-view-id={view.id}
            rightSection={
              <Badge variant="light" color="gray" data-testid="view-count">
                {value === undefined ? '…' : number.format(value)}
              </Badge>
            }
          />
        );
      })}
    </Stack>
  );
}
