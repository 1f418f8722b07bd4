import type { TFunction } from 'i18next';
import type { ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import classes from './badge.module.css';

/**
 * A ticket's status as Mantine's filled Badge looks, drawn as one plain element: the colours
 * are in badge.module.css, by `data-status`.
 */
export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return statusBadge(status, t);
}

/** The badge without a component of its own (a view's rows draw one each, with their `t`). */
export function statusBadge(status: string, t: TFunction): ReactElement {
  return (
    <span className={classes.badge} data-status={status}>
      {t(`status.${status}`, { defaultValue: status })}
    </span>
  );
}
