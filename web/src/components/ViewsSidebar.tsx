import { Skeleton, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { viewTitle } from '../view-title.ts';
import { Link, useLocation } from 'react-router';
import { useActiveViews, viewCountsQuery } from '../hooks.ts';
import { useStreamStatus } from '../live/LiveProvider.tsx';
import badge from './badge.module.css';
import classes from './ViewsSidebar.module.css';

/** Counts are pushed by the realtime stream; polled only while it is down. */
const COUNT_REFRESH_MS = 30_000;

/**
 * The views with their counts: plain links (the open one `aria-current="page"`) styled by
 * ViewsSidebar.module.css as Mantine's filled NavLink, drawn on every full load's first frame.
 */
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
    <div className={classes.list}>
      <h2 className={classes.heading}>{t('views.title')}</h2>
      {views.data.map((view) => {
        const value = counts.data?.get(view.id);
        return (
          <Link
            key={view.id}
            to={`/views/${view.id}`}
            className={classes.link}
            aria-current={openView === String(view.id) ? 'page' : undefined}
            data-view-id={view.id}
          >
            <span className={classes.body}>
              <span className={classes.label}>{viewTitle(view, t)}</span>
            </span>
            <span className={classes.count}>
              <span className={`${badge.badge} ${badge.light}`} data-testid="view-count">
                {value === undefined ? '…' : number.format(value)}
              </span>
            </span>
          </Link>
        );
      })}
    </div>
  );
}
