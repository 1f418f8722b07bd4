import { Alert, Group, Paper, Skeleton, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { api } from '../api.ts';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { useUsers } from '../hooks.ts';
import type { Comment, Ticket } from '../types.ts';
import { PresenceBar } from '../live/PresenceBar.tsx';

/** A ticket, read-only: subject, status, requester and its comments (the conversation page
 * with the composer replaces this later). */
export default function TicketPage() {
  const { t, i18n } = useTranslation();
  const { id = '' } = useParams();
  const ticket = useQuery({
    queryKey: ['ticket', id],
    queryFn: () => api<{ ticket: Ticket }>(`/tickets/${id}`).then((r) => r.ticket),
  });
  const comments = useQuery({
    queryKey: ['ticket', id, 'comments'],
    queryFn: () =>
      api<{ comments: Comment[] }>(`/tickets/${id}/comments?per_page=100`).then((r) => r.comments),
  });
  const people = useUsers([
    ...(ticket.data?.requester_id ? [ticket.data.requester_id] : []),
    ...(comments.data ?? []).map((c) => c.author_id),
  ]);
  const dates = new Intl.DateTimeFormat(i18n.resolvedLanguage, {
    dateStyle: 'medium',
    timeStyle: 'short',
  });

  if (ticket.isError) return <Alert color="red">{t('ticket.notFound')}</Alert>;
  if (!ticket.data) return <Skeleton h={200} />;
  const requester = ticket.data.requester_id ? people.data?.get(ticket.data.requester_id) : null;
  return (
    <article aria-labelledby="ticket-title">
      <Group mb="xs">
        <StatusBadge status={ticket.data.status} />
        <Text c="gray.7">#{ticket.data.id}</Text>
      </Group>
      <Title order={2} id="ticket-title" mb="xs">
        {ticket.data.subject || t('ticket.noSubject')}
      </Title>
      <PresenceBar ticketId={Number(id)} />
      <Text mb="md">
        {t('ticket.requester')}: {requester?.name ?? '…'}
        {requester?.email ? ` <${requester.email}>` : ''}
      </Text>
      <Title order={3} size="h4" mb="sm">
        {t('ticket.comments')}
      </Title>
      <Stack component="ol" p={0} style={{ listStyle: 'none' }}>
        {(comments.data ?? []).map((c) => (
          <Paper
            component="li"
            key={c.id}
            withBorder
            p="sm"
            bg={c.public ? undefined : 'yellow.0'}
            data-comment-id={c.id}
          >
            <Group justify="space-between" mb={4}>
              <Text fw={700}>{people.data?.get(c.author_id)?.name ?? `#${c.author_id}`}</Text>
              <Group gap="xs">
                {!c.public && <Text size="sm">{t('ticket.internalNote')}</Text>}
                <Text size="sm" c="gray.7" component="time" dateTime={c.created_at}>
                  {dates.format(new Date(c.created_at))}
                </Text>
              </Group>
            </Group>
            <Text style={{ whiteSpace: 'pre-wrap' }}>{c.body}</Text>
          </Paper>
        ))}
      </Stack>
    </article>
  );
}
