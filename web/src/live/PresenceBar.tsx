import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useUsers } from '../hooks.ts';
import { useSession } from '../session.tsx';
import classes from './presence.module.css';
import { useLiveEvents } from './LiveProvider.tsx';
import { usePresenceList, useViewingReporter } from './presence.ts';

/** How often "just now" and lapsed presence are looked at again. */
const TICK_MS = 10_000;

function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), TICK_MS);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/**
 * Above the ticket: the other agents on it ("Giulia is viewing", "Marco is typing…"), and who
 * last changed it while this agent had it open ("Updated by Giulia just now"). Mounting it also
 * tells the others this agent is viewing the ticket.
 */
export function PresenceBar({ ticketId }: { ticketId: number }) {
  const { t, i18n } = useTranslation();
  const { user } = useSession();
  useViewingReporter(ticketId);
  const presence = usePresenceList(ticketId);
  const [change, setChange] = useState<{ ticketId: number; by: number; at: number } | null>(null);
  useLiveEvents((e) => {
    if (e.kind !== 'ticket.updated' || e.data.ticket_id !== ticketId) return;
    const by = e.data.actor.id;
    if (by === null || by === user?.id) return;
    if (e.data.changes.length === 0 && e.data.comments.length === 0) return;
    setChange({ ticketId, by, at: Date.now() });
  });
  const now = useNow();
  const changed = change?.ticketId === ticketId ? change : null;
  const people = useUsers(changed ? [changed.by] : []);

  const others = (presence.data ?? []).filter(
    (p) => p.user.id !== user?.id && Date.parse(p.expires_at) > now,
  );
  const list = new Intl.ListFormat(i18n.resolvedLanguage, { type: 'conjunction' });
  const typing = others.filter((p) => p.state === 'typing').map((p) => p.user.name);
  const viewing = others.filter((p) => p.state === 'viewing').map((p) => p.user.name);
  const name = changed ? people.data?.get(changed.by)?.name : undefined;
  const minutes = changed ? Math.floor((now - changed.at) / 60_000) : 0;

  return (
    <div
      className={classes.bar}
      role="status"
      aria-label={t('live.presence.label')}
      data-testid="presence"
    >
      {typing.length > 0 && (
        <span className={classes.typing} data-presence="typing">
          {t('live.presence.typing', { count: typing.length, names: list.format(typing) })}
        </span>
      )}
      {viewing.length > 0 && (
        <span className={classes.viewing} data-presence="viewing">
          {t('live.presence.viewing', { count: viewing.length, names: list.format(viewing) })}
        </span>
      )}
      {changed && name && (
        <span className={classes.updated} data-testid="updated-by">
          {minutes < 1
            ? t('live.updatedJustNow', { name })
            : t('live.updatedAgo', {
                name,
                when: new Intl.RelativeTimeFormat(i18n.resolvedLanguage, {
                  numeric: 'auto',
                }).format(-minutes, 'minute'),
              })}
        </span>
      )}
    </div>
  );
}
