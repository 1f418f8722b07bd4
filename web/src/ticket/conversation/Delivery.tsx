import { Button, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import classes from './conversation.module.css';
import { redeliver } from './queries.ts';
import type { CommentJson } from './types.ts';

/** Where a public reply is on its way to Slack; a failed one can be sent again. */
export function Delivery({ ticketId, comment }: { ticketId: number; comment: CommentJson }) {
  const { t } = useTranslation();
  const delivery = comment.delivery;
  if (!delivery) return null;
  if (delivery.status === 'pending' || delivery.status === 'sending') {
    return (
      <div className={classes.delivery} role="status" data-delivery="sending">
        <span className={classes.spinner} aria-hidden="true" />
        <span className={classes.quiet}>{t('conversation.delivery.sending')}</span>
      </div>
    );
  }
  if (delivery.status === 'delivered') {
    return (
      <div className={`${classes.delivery} ${classes.quiet}`} data-delivery="delivered">
        {t('conversation.delivery.delivered')}
      </div>
    );
  }
  return <Failed ticketId={ticketId} comment={comment} reason={delivery.error} />;
}

/** A failed delivery: Slack's reason and a retry button (only these carry a mutation). */
function Failed({
  ticketId,
  comment,
  reason,
}: {
  ticketId: number;
  comment: CommentJson;
  reason: string | null | undefined;
}) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const retry = useMutation({
    mutationFn: () => redeliver(comment.ticket_id ?? ticketId, comment.id),
    onSettled: () => client.invalidateQueries({ queryKey: ['ticket', ticketId] }),
  });
  return (
    <div
      className={classes.delivery}
      style={{ gap: 'var(--mantine-spacing-sm)' }}
      data-delivery="failed"
    >
      <Text size="sm" c="red.9" fw={600}>
        {t('conversation.delivery.failed', {
          reason: reason ?? t('conversation.delivery.unknownReason'),
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
    </div>
  );
}
