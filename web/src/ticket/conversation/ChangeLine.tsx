import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import classes from './conversation.module.css';
import { formatDateTime, formatWhen } from './format.ts';
import { type Change, tagList } from './timeline.ts';

export interface Names {
  person(id: number): string | undefined;
  group(id: number): string | undefined;
}

function valueText(t: TFunction, names: Names, field: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return t('conversation.change.none');
  const s = String(value);
  switch (field) {
    case 'status':
      return t(`status.${s}`, { defaultValue: s });
    case 'priority':
      return t(`conversation.priority.${s}`, { defaultValue: s });
    case 'type':
      return t(`conversation.ticketType.${s}`, { defaultValue: s });
    case 'assignee_id':
      return names.person(Number(s)) ?? `#${s}`;
    case 'group_id':
      return names.group(Number(s)) ?? `#${s}`;
    default:
      return s;
  }
}

/** The sentence of one change: who (a person, or the trigger or automation) did what. */
export function describeChange(
  t: TFunction,
  names: Names,
  change: Change,
  authorId: number,
): string {
  const who = change.rule
    ? t(`conversation.change.${change.rule.kind}`, { title: change.rule.title })
    : (names.person(authorId) ?? `#${authorId}`);
  if (change.field === 'tags') {
    const now = tagList(change.value);
    const before = tagList(change.previous);
    const added = now.filter((x) => !before.includes(x));
    const removed = before.filter((x) => !now.includes(x));
    return [
      ...(added.length
        ? [t('conversation.change.tagsAdded', { who, tags: added.join(', '), count: added.length })]
        : []),
      ...(removed.length
        ? [
            t('conversation.change.tagsRemoved', {
              who,
              tags: removed.join(', '),
              count: removed.length,
            }),
          ]
        : []),
    ].join(' · ');
  }
  const field = t(`conversation.field.${change.field}`);
  const value = valueText(t, names, change.field, change.value);
  if (change.value === null || change.value === '') {
    return t('conversation.change.cleared', { who, field });
  }
  if (change.previous === null || change.previous === '') {
    return t('conversation.change.set', { who, field, value });
  }
  const previous = valueText(t, names, change.field, change.previous);
  return t('conversation.change.changed', { who, field, from: previous, to: value });
}

/** A quiet one-line entry of the history. */
export function ChangeLine({ text, at }: { text: string; at: string }) {
  const { i18n } = useTranslation();
  return (
    <p className={classes.change}>
      {text}{' '}
      <time
        className={classes.changeTime}
        dateTime={at}
        title={formatDateTime(i18n.resolvedLanguage, at)}
      >
        · {formatWhen(i18n.resolvedLanguage, at)}
      </time>
    </p>
  );
}
