import { Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

/** The current time, renewed at the start of each minute. */
function useMinute(): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout>;
    const schedule = () => {
      const msToNextMinute = 60_000 - (Date.now() % 60_000);
      timer = setTimeout(() => {
        setNow(new Date());
        schedule();
      }, msToNextMinute);
    };
    schedule();
    return () => clearTimeout(timer);
  }, []);
  return now;
}

/** A time zone's name, as the browser's Intl knows it, or null for one it does not. */
function formatterFor(lang: string | undefined, timeZone: string): Intl.DateTimeFormat | null {
  try {
    return new Intl.DateTimeFormat(lang, {
      timeZone,
      weekday: 'short',
      hour: 'numeric',
      minute: '2-digit',
    });
  } catch {
    return null;
  }
}

/** "Local time: Mon 14:05 (Europe/Paris)", live: the person's clock, not the agent's. */
export function LocalTime({ timeZone }: { timeZone: string }) {
  const { t, i18n } = useTranslation();
  const now = useMinute();
  const format = formatterFor(i18n.resolvedLanguage, timeZone);
  if (!format) return null;
  return (
    <Text size="sm" data-testid="local-time">
      {t('panels.requester.localTime')}:{' '}
      <time dateTime={now.toISOString()}>{format.format(now)}</time>{' '}
      <Text span size="sm" c="gray.7">
        ({timeZone.replace(/_/g, ' ')})
      </Text>
    </Text>
  );
}
