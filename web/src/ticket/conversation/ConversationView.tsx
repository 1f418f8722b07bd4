import { Alert, Skeleton, Text, Title } from '@mantine/core';
import { startTransition, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useGroups } from '../../hooks.ts';
import { ChangeLine, describeChange, type Names } from './ChangeLine.tsx';
import classes from './conversation.module.css';
import { Message } from './Message.tsx';
import { useAudits, useConversation, useOrganizations, usePeople } from './queries.ts';
import { TicketDivider } from './TicketDivider.tsx';
import { buildTimeline, changesOf, editsOf } from './timeline.ts';
import type { PersonJson, TicketJson } from './types.ts';
import { useStickToBottom } from '../../keys/stick-to-bottom.ts';

/**
 * How many of the newest entries a ticket's first render shows; the older ones follow in a
 * transition (React renders them in slices, answering input meanwhile).
 */
const FIRST = 20;

/**
 * The ticket's history as one conversation, oldest first, scrolled to the newest: every message
 * of the DM (earlier tickets' in place, behind a divider), the ticket's changes as quiet lines.
 */
export function ConversationView({ ticket }: { ticket: TicketJson }) {
  const { t } = useTranslation();
  const conversation = useConversation(ticket);
  const history = conversation.data?.conversation?.tickets;
  const audits = useAudits(history ? history.map((t) => t.id) : [ticket.id]);
  const groups = useGroups();
  const comments = useMemo(() => conversation.data?.comments ?? [], [conversation.data]);
  const changes = useMemo(() => changesOf(audits.data), [audits.data]);
  const edits = useMemo(() => editsOf(audits.data), [audits.data]);
  const people = usePeople([
    ...comments.map((c) => c.author_id),
    ...changes.map((c) => c.authorId),
    ...changes
      .filter((c) => c.change.field === 'assignee_id')
      .flatMap((c) => [c.change.value, c.change.previous])
      .filter((v) => v !== null && v !== undefined && v !== '')
      .map(Number),
  ]);
  const partners = [...(people.data?.values() ?? [])].filter((p) => p.shared);
  const organizations = useOrganizations(
    partners.map((p) => p.organization_id).filter((id): id is number => id !== null),
  );
  const entries = useMemo(
    () =>
      buildTimeline(ticket.id, comments, changes, conversation.data?.conversation?.tickets ?? null),
    [ticket.id, comments, changes, conversation.data],
  );

  // A long history: the newest entries first, all of them right after.
  const [wholeFor, setWholeFor] = useState<number | null>(null);
  const whole = wholeFor === ticket.id || entries.length <= FIRST;
  useEffect(() => {
    if (!whole) startTransition(() => setWholeFor(ticket.id));
  }, [whole, ticket.id]);
  const shown = whole ? entries : entries.slice(-FIRST);

  // Opened at the newest message, and kept there as messages arrive.
  const scroller = useRef<HTMLElement>(null);
  useEffect(() => {
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [entries.length]);
  // The older entries, put in above, keep the reader where they were (at the newest message,
  // on a first render): the box scrolls down by what was added.
  const height = useRef(0);
  const wasWhole = useRef(whole);
  useLayoutEffect(() => {
    const el = scroller.current;
    // Only while a part is shown, and once when the rest comes (no layout read otherwise).
    if (!el || (whole && wasWhole.current)) return;
    if (whole) el.scrollTop += el.scrollHeight - height.current;
    wasWhole.current = whole;
    height.current = el.scrollHeight;
  });
  // …and when the composer below opens (the box gets shorter).
  useStickToBottom(scroller);

  const names: Names = {
    person: (id) => people.data?.get(id)?.name,
    group: (id) => groups.data?.find((g) => g.id === id)?.name,
  };
  const connection = conversation.data?.conversation?.connection ?? null;
  const teamOf = (p: PersonJson | undefined): string | null => {
    if (!p) return null;
    if (p.shared && p.organization_id !== null) {
      return organizations.data?.get(p.organization_id)?.name ?? null;
    }
    return connection?.team_name ?? null;
  };

  return (
    <section
      ref={scroller}
      aria-labelledby="conversation-title"
      tabIndex={0}
      style={{
        flex: 1,
        minHeight: 0,
        overflowY: 'auto',
        padding: 'var(--mantine-spacing-sm) var(--mantine-spacing-xs)',
      }}
    >
      <Title order={3} size="h5" id="conversation-title" c="gray.8" mb="xs">
        {t('ticket.comments')}
      </Title>
      {conversation.isError && <Alert color="red">{t('common.failed')}</Alert>}
      {conversation.isPending && <Skeleton h={120} />}
      {conversation.data && entries.length === 0 && (
        <Text c="gray.7">{t('conversation.empty')}</Text>
      )}
      <ol className={classes.list}>
        {shown.map((e) => {
          if (e.kind === 'ticket') {
            return (
              <li key={e.key}>
                <TicketDivider ticket={e.ticket} current={e.current} />
              </li>
            );
          }
          if (e.kind === 'change') {
            const text = describeChange(t, names, e.change, e.authorId);
            return text ? (
              <li key={e.key} data-change={e.change.field}>
                <ChangeLine text={text} at={e.at} />
              </li>
            ) : null;
          }
          const author = people.data?.get(e.comment.author_id);
          return (
            <li key={e.key}>
              <Message
                ticketId={ticket.id}
                comment={e.comment}
                author={author}
                team={teamOf(author)}
                edited={edits.has(e.comment.id) ? edits.get(e.comment.id) : undefined}
              />
            </li>
          );
        })}
      </ol>
    </section>
  );
}
