import { Alert, Button, Group, Paper, Select, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { useAgents, useGroups } from '../hooks.ts';

const STATUSES = ['open', 'pending', 'hold', 'solved'];

/**
 * Changes status, assignee and group of the selected tickets. Parley has no
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
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<number[]>([]);

  async function apply() {
    const change: Record<string, unknown> = {};
    if (status) change.status = status;
    if (assignee) change.assignee_id = Number(assignee);
    if (group) change.group_id = Number(group);
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
        <Button
          onClick={() => void apply()}
          loading={busy}
          disabled={!status && !assignee && !group}
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
