import { Alert, Button, Group, Paper, Select, TagsInput, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { useAgents, useGroups } from '../hooks.ts';
import { useTagSuggestions } from '../notify/tag-suggestions.ts';

const STATUSES = ['open', 'pending', 'hold', 'solved'];

/**
 * Changes status, assignee, group and tags (added or removed, each ticket keeping its others)
 * of the selected tickets. Parley has no
 * `PUT /tickets/update_many` (Zendesk's runs as a background job): one `PUT /tickets/{id}` per
 * ticket, in turn, so each goes through the ticket's own policies and triggers and a refusal
 * names the ticket it concerns.
 */
export function BulkUpdate({ ids, onDone }: { ids: number[]; onDone: () => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const agents = useAgents();
  const groups = useGroups();
  const [status, setStatus] = useState<string | null>(null);
  const [assignee, setAssignee] = useState<string | null>(null);
  const [group, setGroup] = useState<string | null>(null);
  // Bulk tags (panels part): added to / taken off each ticket's own tags.
  const [addTags, setAddTags] = useState<string[]>([]);
  const [removeTags, setRemoveTags] = useState<string[]>([]);
  // Tag suggestions while typing (notify part).
  const addSuggestions = useTagSuggestions();
  const removeSuggestions = useTagSuggestions();
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<number[]>([]);

  async function apply() {
    const change: Record<string, unknown> = {};
    if (status) change.status = status;
    if (assignee) change.assignee_id = Number(assignee);
    if (group) change.group_id = Number(group);
    if (addTags.length > 0) change.additional_tags = addTags;
    if (removeTags.length > 0) change.remove_tags = removeTags;
    setBusy(true);
    const refused: number[] = [];
    for (const id of ids) {
      try {
        await api(`/tickets/${id}`, { method: 'PUT', body: { ticket: change } });
      } catch {
        refused.push(id);
      }
    }
    setBusy(false);
    setFailed(refused);
    await client.invalidateQueries({ queryKey: ['view'] });
    await client.invalidateQueries({ queryKey: ['view-counts'] });
    if (refused.length === 0) onDone();
  }

  return (
    <Paper withBorder p="sm" mb="sm" role="region" aria-label={t('bulk.title')}>
      <Group align="end">
        <Text fw={700}>{t('bulk.selected', { count: ids.length })}</Text>
        <Select
          label={t('bulk.status')}
          placeholder={t('bulk.unchanged')}
          data={STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))}
          value={status}
          onChange={setStatus}
          clearable
        />
        <Select
          label={t('bulk.assignee')}
          placeholder={t('bulk.unchanged')}
          data={(agents.data ?? []).map((a) => ({ value: String(a.id), label: a.name }))}
          value={assignee}
          onChange={setAssignee}
          searchable
          clearable
        />
        <Select
          label={t('bulk.group')}
          placeholder={t('bulk.unchanged')}
          data={(groups.data ?? []).map((g) => ({ value: String(g.id), label: g.name }))}
          value={group}
          onChange={setGroup}
          clearable
        />
        <TagsInput
          {...addSuggestions}
          label={t('panels.bulkTags.add')}
          placeholder={t('panels.bulkTags.placeholder')}
          value={addTags}
          onChange={setAddTags}
          splitChars={[',', ' ']}
          maw={220}
        />
        <TagsInput
          {...removeSuggestions}
          label={t('panels.bulkTags.remove')}
          placeholder={t('panels.bulkTags.placeholder')}
          value={removeTags}
          onChange={setRemoveTags}
          splitChars={[',', ' ']}
          maw={220}
        />
        <Button
          onClick={() => void apply()}
          loading={busy}
          disabled={!status && !assignee && !group && !addTags.length && !removeTags.length}
        >
          {t('bulk.apply')}
        </Button>
      </Group>
      {failed.length > 0 && (
        <Alert color="red" mt="sm" role="alert">
          {t('bulk.failed', { ids: failed.map((id) => `#${id}`).join(', ') })}
        </Alert>
      )}
    </Paper>
  );
}
