import { Avatar, Badge, Box, Group, Paper, Text, Typography } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Attachments } from './Attachments.tsx';
import { Delivery } from './Delivery.tsx';
import { formatDateTime, formatInZone, formatWhen } from './format.ts';
import { SLACK_VIA } from './queries.ts';
import type { CommentJson, PersonJson } from './types.ts';

export interface MessageProps {
  ticketId: number;
  comment: CommentJson;
  author: PersonJson | undefined;
  /** The author's Slack team, for messages from Slack. */
  team: string | null;
  /** The first text of a message the person edited in Slack (null when not kept). */
  edited: string | null | undefined;
}

const isAgent = (p: PersonJson | undefined) => p?.role === 'agent' || p?.role === 'admin';

/**
 * One message: the person's avatar, name and Slack team ("External" for a Slack Connect
 * partner), when it was written (and the time it was for them), the body, attachments, edited
 * and deleted markers; an agent's reply with its delivery; an internal note set apart.
 */
export function Message({ ticketId, comment, author, team, edited }: MessageProps) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage;
  const name = author?.name ?? t('conversation.someone', { id: comment.author_id });
  const fromSlack = comment.via.channel === SLACK_VIA && !isAgent(author);
  const note = !comment.public;
  const theirTime = fromSlack
    ? formatInZone(lang, comment.created_at, author?.time_zone ?? null)
    : null;
  const when = formatWhen(lang, comment.created_at);
  const full = formatDateTime(lang, comment.created_at);
  return (
    <Paper
      withBorder
      p="sm"
      radius="md"
      bg={note ? 'yellow.0' : isAgent(author) ? 'blue.0' : undefined}
      style={
        note ? { borderStyle: 'dashed', borderColor: 'var(--mantine-color-yellow-7)' } : undefined
      }
      data-comment-id={comment.id}
      data-kind={note ? 'note' : isAgent(author) ? 'reply' : 'message'}
    >
      <Group gap="sm" align="flex-start" wrap="nowrap">
        <Avatar
          src={author?.photo?.content_url ?? null}
          alt={name}
          name={name}
          color="initials"
          variant="filled"
          autoContrast
          radius="xl"
          size={36}
        />
        <Box style={{ flex: 1, minWidth: 0 }}>
          <Group gap="xs" justify="space-between" wrap="wrap">
            <Group gap={8} wrap="wrap">
              <Text fw={700}>{name}</Text>
              {fromSlack && team && (
                <Text size="sm" c="gray.7">
                  {team}
                </Text>
              )}
              {fromSlack && author?.shared && (
                <Badge
                  variant="outline"
                  color="violet.9"
                  size="sm"
                  title={t('conversation.externalHint')}
                >
                  {t('conversation.external')}
                </Badge>
              )}
              {note && (
                <Badge variant="filled" color="dark.7" size="sm">
                  {t('conversation.internalNote')}
                </Badge>
              )}
            </Group>
            <Text
              size="sm"
              c="gray.7"
              component="time"
              dateTime={comment.created_at}
              title={
                theirTime
                  ? `${full}\n${t('conversation.theirTime', { time: theirTime, name, zone: author?.time_zone })}`
                  : full
              }
            >
              {when}
            </Text>
          </Group>
          <Box c={comment.deleted ? 'gray.7' : undefined}>
            {/* Every html_body Parley stores is made safe on the server: Markdown rendered by
                markdown-it with raw HTML off and unsafe links refused, or HTML passed through
                sanitize-html (src/desk/markdown.ts). */}
            <Typography>
              <div
                className="conversation-body"
                dangerouslySetInnerHTML={{ __html: comment.html_body }}
              />
            </Typography>
          </Box>
          <Attachments attachments={comment.attachments} />
          {(edited !== undefined || comment.deleted) && (
            <Group gap="xs" mt={4}>
              {edited !== undefined && (
                <Text
                  size="xs"
                  c="gray.7"
                  fs="italic"
                  title={edited ? t('conversation.firstWritten', { text: edited }) : undefined}
                >
                  {t('conversation.edited')}
                </Text>
              )}
              {comment.deleted && (
                <Text size="xs" c="gray.7" fs="italic">
                  {t('conversation.deleted')}
                </Text>
              )}
            </Group>
          )}
          {comment.public && <Delivery ticketId={ticketId} comment={comment} />}
        </Box>
      </Group>
    </Paper>
  );
}
