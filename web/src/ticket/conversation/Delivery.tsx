import { Button, Group, Loader, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { redeliver } from './queries.ts';
import type { CommentJson } from './types.ts';

/** Where a public reply is on its way to Slack; a failed one can be sent again. */
export function Delivery({ ticketId, comment }: { ticketId: number; comment: CommentJson }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const retry = useMutation({
    mutationFn: () => redeliver(comment.ticket_id ?? ticketId, comment.id),
    onSettled: () => client.invalidateQueries({ queryKey: ['ticket', ticketId] }),
  });
  const delivery = comment.delivery;
  if (!delivery) return null;
  if (delivery.status === 'pending' || delivery.status === 'sending') {
    return (
      <Group gap={6} mt={6} role="status" data-delivery="sending">
        <Loader size={12} color="gray.7" aria-hidden />
        <Text size="sm" c="gray.7">
          {t('conversation.delivery.sending')}
        </Text>
      </Group>
    );
  }
  if (delivery.status === 'delivered') {
    return (
      <Text size="sm" c="gray.7" mt={6} data-delivery="delivered">
        {t('conversation.delivery.delivered')}
      </Text>
    );
  }
  return (
    <Group gap="sm" mt={6} data-delivery="failed">
      <Text size="sm" c="red.9" fw={600}>
        {t('conversation.delivery.failed', {
          reason: delivery.error ?? t('conversation.delivery.unknownReason'),
        })}
      </Text>
      <Button
        size="compact-sm"
        variant="outline"
        color="red.9"
        loading={retry.isPending}
        onClick={() => retry.mutate()}
      >
        {t('conversation.delivery.retry')}
      </Button>
      {retry.isError && (
        <Text size="sm" c="red.9" role="alert">
          {t('conversation.delivery.retryFailed')}
        </Text>
      )}
    </Group>
  );
}
