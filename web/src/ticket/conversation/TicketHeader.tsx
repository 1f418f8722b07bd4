import { Box, Group, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { SLACK_VIA } from './queries.ts';
import type { TicketJson } from './types.ts';

/** Status, #id, the subject (the page's h2) and where the ticket came from. */
export function TicketHeader({ ticket }: { ticket: TicketJson }) {
  const { t } = useTranslation();
  const slack = ticket.via.channel === SLACK_VIA;
  const connection = ticket.via.source.to?.name;
  return (
    <Box pb="xs" style={{ borderBottom: '1px solid var(--mantine-color-gray-3)' }}>
      <Group gap="sm" mb={4}>
        <StatusBadge status={ticket.status} />
        <Text c="gray.7">#{ticket.id}</Text>
        <Text c="gray.7" size="sm" data-testid="ticket-via">
          {slack
            ? connection
              ? t('conversation.via.slackConnection', { connection })
              : t('conversation.via.slack')
            : t(`conversation.via.${ticket.via.channel}`, {
                defaultValue: t('conversation.via.other', { channel: ticket.via.channel }),
              })}
        </Text>
      </Group>
      <Title order={2} id="ticket-title" size="h3">
        {ticket.subject || t('ticket.noSubject')}
      </Title>
    </Box>
  );
}
