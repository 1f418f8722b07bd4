import { Anchor, Box, Group, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { formatDay } from './format.ts';
import type { ConversationJson } from './types.ts';

const rule = (
  <Box aria-hidden style={{ flex: 1, borderTop: '1px solid var(--mantine-color-gray-4)' }} />
);

/**
 * Where another ticket of the same DM begins: "Ticket #12 · closed · 3 Mar", linking to it.
 * Drawn lines rather than a separator role, which may not hold a link.
 */
export function TicketDivider({
  ticket,
  current,
}: {
  ticket: ConversationJson['tickets'][number];
  current: boolean;
}) {
  const { t, i18n } = useTranslation();
  const text = t(current ? 'conversation.divider.current' : 'conversation.divider.earlier', {
    id: ticket.id,
    status: t(`status.${ticket.status}`, { defaultValue: ticket.status }).toLocaleLowerCase(
      i18n.resolvedLanguage,
    ),
    date: formatDay(i18n.resolvedLanguage, ticket.created_at),
  });
  return (
    <Group gap="sm" my="xs" wrap="nowrap" data-ticket-divider={ticket.id}>
      {rule}
      {current ? (
        <Text size="sm" c="gray.7">
          {text}
        </Text>
      ) : (
        <Anchor
          component={Link}
          to={`/tickets/${ticket.id}`}
          size="sm"
          c="gray.8"
          underline="always"
        >
          {text}
        </Anchor>
      )}
      {rule}
    </Group>
  );
}
