import { useTranslation } from 'react-i18next';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import classes from './header.module.css';
import { SLACK_VIA } from './queries.ts';
import type { TicketJson } from './types.ts';

/** Status, #id, the subject (the page's h2) and where the ticket came from. */
export function TicketHeader({ ticket }: { ticket: TicketJson }) {
  const { t } = useTranslation();
  const slack = ticket.via.channel === SLACK_VIA;
  const connection = ticket.via.source.to?.name;
  return (
    <div className={classes.header}>
      <div className={classes.meta}>
        <StatusBadge status={ticket.status} />
        <span className={classes.id}>#{ticket.id}</span>
        <span className={classes.via} data-testid="ticket-via">
          {slack
            ? connection
              ? t('conversation.via.slackConnection', { connection })
              : t('conversation.via.slack')
            : t(`conversation.via.${ticket.via.channel}`, {
                defaultValue: t('conversation.via.other', { channel: ticket.via.channel }),
              })}
        </span>
      </div>
      <h2 id="ticket-title" className={classes.title}>
        {ticket.subject || t('ticket.noSubject')}
      </h2>
    </div>
  );
}
