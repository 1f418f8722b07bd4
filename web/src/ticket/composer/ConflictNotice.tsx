import { Alert, Button, List, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useUsers } from '../../hooks.ts';
import type { Audit } from './types.ts';

/** One line per change someone else made while the agent was writing. */
function describe(audit: Audit, t: (k: string, o?: Record<string, unknown>) => string): string[] {
  const lines: string[] = [];
  for (const e of audit.events) {
    if (e.type === 'Comment') {
      lines.push(e.public ? t('composer.conflict.replied') : t('composer.conflict.noted'));
    } else if (e.type === 'Change' && e.field_name) {
      const field = t(`composer.field.${e.field_name}`, { defaultValue: e.field_name });
      const value = Array.isArray(e.value) ? e.value.join(', ') : String(e.value ?? '—');
      const shown = e.field_name === 'status' ? t(`status.${value}`) : value;
      lines.push(t('composer.conflict.changed', { field, value: shown }));
    }
  }
  return lines;
}

/**
 * The 409 of a safe update: the ticket changed since the agent started writing. Says who
 * changed what; the draft is kept, and sending again sends it against the reloaded ticket.
 */
export function ConflictNotice({ audits, onDismiss }: { audits: Audit[]; onDismiss: () => void }) {
  const { t, i18n } = useTranslation();
  const people = useUsers(audits.map((a) => a.author_id));
  const time = new Intl.DateTimeFormat(i18n.resolvedLanguage, { timeStyle: 'short' });
  const items = audits.flatMap((a) =>
    describe(a, t).map((line, i) => ({
      key: `${a.id}-${i}`,
      who: people.data?.get(a.author_id)?.name ?? `#${a.author_id}`,
      when: time.format(new Date(a.created_at)),
      line,
    })),
  );
  return (
    <Alert
      color="orange"
      styles={{ title: { color: 'var(--mantine-color-dark-7)' } }}
      title={t('composer.conflict.title')}
      role="alert"
      data-testid="composer-conflict"
    >
      <Text size="sm" mb="xs">
        {t('composer.conflict.body')}
      </Text>
      {items.length > 0 && (
        <List size="sm" mb="xs">
          {items.map((item) => (
            <List.Item key={item.key}>
              {t('composer.conflict.item', { who: item.who, when: item.when, what: item.line })}
            </List.Item>
          ))}
        </List>
      )}
      <Button size="xs" variant="default" onClick={onDismiss}>
        {t('composer.conflict.reviewed')}
      </Button>
    </Alert>
  );
}
