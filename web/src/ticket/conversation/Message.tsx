import { Typography } from '@mantine/core';
import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import { Attachments } from './Attachments.tsx';
import { Avatar } from './Avatar.tsx';
import classes from './conversation.module.css';
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
 * Plain elements styled by conversation.module.css (a long conversation renders many).
 */
export const Message = memo(function Message({
  ticketId,
  comment,
  author,
  team,
  edited,
}: MessageProps) {
  const { t, i18n } = useTranslation();
  const lang = i18n.resolvedLanguage;
  const name = author?.name ?? t('conversation.someone', { id: comment.author_id });
  const fromSlack = comment.via.channel === SLACK_VIA && !isAgent(author);
  const note = !comment.public;
  const theirTime = fromSlack
    ? formatInZone(lang, comment.created_at, author?.time_zone ?? null)
    : null;
  const full = formatDateTime(lang, comment.created_at);
  return (
    <div
      className={classes.message}
      data-comment-id={comment.id}
      data-kind={note ? 'note' : isAgent(author) ? 'reply' : 'message'}
    >
      <div className={classes.row}>
        <Avatar src={author?.photo?.content_url ?? null} name={name} />
        <div className={classes.main}>
          <div className={classes.head}>
            <div className={classes.who}>
              <span className={classes.name}>{name}</span>
              {fromSlack && team && <span className={classes.quiet}>{team}</span>}
              {fromSlack && author?.shared && (
                <span
                  className={`${classes.badge} ${classes.external}`}
                  title={t('conversation.externalHint')}
                >
                  {t('conversation.external')}
                </span>
              )}
              {note && (
                <span className={`${classes.badge} ${classes.noteBadge}`}>
                  {t('conversation.internalNote')}
                </span>
              )}
            </div>
            <time
              className={classes.quiet}
              dateTime={comment.created_at}
              title={
                theirTime
                  ? `${full}\n${t('conversation.theirTime', { time: theirTime, name, zone: author?.time_zone })}`
                  : full
              }
            >
              {formatWhen(lang, comment.created_at)}
            </time>
          </div>
          <div className={comment.deleted ? classes.deleted : undefined}>
            {/* Every html_body Parley stores is made safe on the server: Markdown rendered by
                markdown-it with raw HTML off and unsafe links refused, or HTML passed through
                sanitize-html (src/desk/markdown.ts). */}
            <Typography>
              <div
                className="conversation-body"
                dangerouslySetInnerHTML={{ __html: comment.html_body }}
              />
            </Typography>
          </div>
          <Attachments attachments={comment.attachments} />
          {(edited !== undefined || comment.deleted) && (
            <div className={classes.markers}>
              {edited !== undefined && (
                <span title={edited ? t('conversation.firstWritten', { text: edited }) : undefined}>
                  {t('conversation.edited')}
                </span>
              )}
              {comment.deleted && <span>{t('conversation.deleted')}</span>}
            </div>
          )}
          {comment.public && <Delivery ticketId={ticketId} comment={comment} />}
        </div>
      </div>
    </div>
  );
});
