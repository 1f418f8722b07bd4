import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';

// Zendesk's status colours, in shades dark enough for white text to pass WCAG AA.
const COLORS: Record<string, string> = {
  new: 'yellow.9',
  open: 'red.9',
  pending: 'blue.9',
  hold: 'dark.6',
  solved: 'gray.8',
  closed: 'gray.8',
};

export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <Badge color={COLORS[status] ?? 'gray.8'} variant="filled" data-status={status}>
      {t(`status.${status}`, { defaultValue: status })}
    </Badge>
  );
}
