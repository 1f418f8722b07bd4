import '../styles/ticket.ts';
import { Alert, Box, Skeleton, Stack } from '@mantine/core';
import { startTransition, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { Composer } from '../ticket/composer/Composer.tsx';
import { PresenceBar } from '../live/PresenceBar.tsx';
import { useTypingReporter } from '../live/presence.ts';
import { ConversationView } from '../ticket/conversation/ConversationView.tsx';
import { useTicket } from '../ticket/conversation/queries.ts';
import { TicketHeader } from '../ticket/conversation/TicketHeader.tsx';
import { PropertiesPanel } from '../ticket/panels/PropertiesPanel.tsx';
import { RequesterPanel } from '../ticket/panels/RequesterPanel.tsx';

/**
 * The ticket page: a main column (header, the conversation, the composer at the bottom) and an
 * aside for the ticket's properties and its requester. Only the conversation scrolls, so the
 * header and the composer stay in view (1280×720 upward).
 */
export default function TicketPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const ticketId = Number(id);
  const ticket = useTicket(ticketId);
  // Other agents on this ticket see "… is typing" while this one writes a reply.
  const onTyping = useTypingReporter(ticketId);
  // The composer and the panels (many inputs and selects) render after the conversation, in a
  // transition React splits into small slices: the messages show about twice as soon (bench
  // web) and the page answers input while the rest renders.
  const [toolsShown, setToolsShown] = useState(false);
  useEffect(() => {
    startTransition(() => setToolsShown(true));
  }, []);

  if (ticket.isError) return <Alert color="red">{t('ticket.notFound')}</Alert>;
  if (!ticket.data) return <Skeleton h={200} />;
  return (
    <Box
      style={{
        display: 'flex',
        gap: 'var(--mantine-spacing-md)',
        // The viewport less the shell's header and the main area's padding.
        height:
          'calc(100dvh - var(--app-shell-header-height, 56px) - 2 * var(--mantine-spacing-md))',
      }}
    >
      <Box
        component="article"
        aria-labelledby="ticket-title"
        style={{ flex: 1, minWidth: 0, display: 'flex', flexDirection: 'column' }}
      >
        <TicketHeader ticket={ticket.data} />
        <PresenceBar ticketId={ticketId} />
        <ConversationView ticket={ticket.data} />
        <Box
          component="section"
          aria-label={t('conversation.composerRegion')}
          data-region="composer"
          style={{ flexShrink: 0 }}
        >
          {toolsShown && <Composer key={ticket.data.id} ticket={ticket.data} onTyping={onTyping} />}
        </Box>
      </Box>
      <Box
        component="aside"
        aria-label={t('conversation.asideRegion')}
        data-region="ticket-aside"
        w={320}
        style={{ flexShrink: 0, overflowY: 'auto' }}
      >
        {toolsShown && (
          <Stack gap="md">
            <PropertiesPanel ticketId={ticketId} />
            <RequesterPanel ticketId={ticketId} />
          </Stack>
        )}
      </Box>
    </Box>
  );
}
