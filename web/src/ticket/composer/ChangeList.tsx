import { List, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useAgents, useGroups } from '../../hooks.ts';
import { STAGED_FIELDS, type StagedChanges } from './types.ts';

/** Staged field changes as "Status: Pending", "Tags: vpn, urgent". */
export function ChangeList({ changes }: { changes: StagedChanges }) {
  const { t } = useTranslation();
  const agents = useAgents();
  const groups = useGroups();
  const fields = STAGED_FIELDS.filter((f) => f in changes);
  if (fields.length === 0) return null;

  function shown(field: (typeof STAGED_FIELDS)[number]): string {
    const value = changes[field];
    if (value === null || value === undefined || value === '') return t('composer.change.none');
    switch (field) {
      case 'status':
        return t(`status.${String(value)}`);
      case 'priority':
      case 'type':
        return t(`composer.value.${field}.${String(value)}`, { defaultValue: String(value) });
      case 'group_id':
        return groups.data?.find((g) => g.id === value)?.name ?? `#${String(value)}`;
      case 'assignee_id':
        return agents.data?.find((a) => a.id === value)?.name ?? `#${String(value)}`;
      case 'tags':
        return (value as string[]).length > 0
          ? (value as string[]).join(', ')
          : t('composer.change.none');
      default:
        return String(value);
    }
  }

  return (
    <List size="sm" spacing={2} data-testid="composer-changes">
      {fields.map((f) => (
        <List.Item key={f}>
          <Text span size="sm" fw={600}>
            {t(`composer.field.${f}`)}:
          </Text>{' '}
          {shown(f)}
        </List.Item>
      ))}
    </List>
  );
}
