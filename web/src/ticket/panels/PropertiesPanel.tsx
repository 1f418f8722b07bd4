import {
  Alert,
  Button,
  Group,
  Paper,
  Pill,
  SimpleGrid,
  Stack,
  TagsInput,
  Text,
  Title,
} from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api.ts';
import { useAgents, useGroups } from '../../hooks.ts';
import { useSession } from '../../session.tsx';
import { useTagSuggestions } from '../../notify/tag-suggestions.ts';
import {
  groupMembersQuery,
  refreshTicket,
  serverMessage,
  ticketKey,
  useBrands,
  useGroupMembers,
  useMe,
  useMemberships,
  useTicket,
} from './data.ts';
import { LazySelect } from './LazySelect.tsx';
import type { PanelTicket, TicketPatch } from './types.ts';

const STATUSES = ['open', 'pending', 'hold', 'solved'];
const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
const TYPES = ['question', 'incident', 'problem', 'task'];

/** Tags as Parley stores them: lower case, no spaces. */
const tagOf = (s: string) => s.trim().toLowerCase();

/**
 * The ticket's properties, each saved as soon as it changes: one `PUT /tickets/{id}` with
 * Zendesk's `safe_update`, so a change made meanwhile by someone else is not overwritten (409:
 * the ticket is reloaded and the agent told). The page shows the change at once and takes it
 * back if the server refuses it, with the server's reason. Changes run one after another, each
 * with the stamp of the ticket as the previous one left it.
 */
export function PropertiesPanel({ ticketId }: { ticketId: number }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const { user } = useSession();
  const ticket = useTicket(ticketId);
  const groups = useGroups();
  const agents = useAgents();
  const brands = useBrands();
  const me = useMe();
  const memberships = useMemberships(user?.id);
  const members = useGroupMembers(ticket.data?.group_id);
  const tagSuggestions = useTagSuggestions(); // notify part
  // The refusal shown, for the ticket it concerns (the panel stays as the route changes).
  const [refusal, setRefusal] = useState<{ ticketId: number; message: string } | null>(null);
  const error = refusal?.ticketId === ticketId ? refusal.message : null;
  const setError = (message: string | null) =>
    setRefusal(message === null ? null : { ticketId, message });
  const queue = useRef<Promise<unknown>>(Promise.resolve());
  /** The changes shown but not yet answered, oldest first. */
  const pending = useRef<{ ticketId: number; optimistic: Partial<PanelTicket> }[]>([]);

  function save(patch: TicketPatch, optimistic: Partial<PanelTicket>) {
    const key = ticketKey(ticketId);
    const before = client.getQueryData<PanelTicket>(key);
    if (!before) return;
    setError(null);
    void client.cancelQueries({ queryKey: key, exact: true });
    client.setQueryData<PanelTicket>(key, { ...before, ...optimistic });
    const undo = Object.fromEntries(
      Object.keys(optimistic).map((k) => [k, before[k as keyof PanelTicket]]),
    );
    const entry = { ticketId, optimistic };
    pending.current.push(entry);
    // The server's answer, with the changes made since still shown over it.
    const withLaterChanges = (answer: PanelTicket): PanelTicket =>
      pending.current
        .filter((p) => p.ticketId === ticketId)
        .reduce((acc, p) => ({ ...acc, ...p.optimistic }), answer);
    queue.current = queue.current.then(async () => {
      // The stamp of the ticket as the server last gave it (after the previous change).
      const stamp = client.getQueryData<PanelTicket>(key)?.updated_at ?? before.updated_at;
      try {
        const res = await api<{ ticket: PanelTicket }>(`/tickets/${ticketId}`, {
          method: 'PUT',
          body: { ticket: { ...patch, safe_update: true, updated_stamp: stamp } },
        });
        pending.current = pending.current.filter((p) => p !== entry);
        client.setQueryData(key, withLaterChanges(res.ticket));
        // What else shows the ticket (its audit lines, a page keyed by the route's string,
        // the views and their counts) catches up; this key already holds the answer.
        void client.invalidateQueries({
          predicate: (q) => {
            const [head, id] = q.queryKey;
            if (head === 'view' || head === 'view-counts') return true;
            if (head !== 'ticket' || String(id) !== String(ticketId)) return false;
            return !(id === ticketId && q.queryKey.length === 2);
          },
        });
      } catch (err) {
        pending.current = pending.current.filter((p) => p !== entry);
        if (err instanceof ApiError && err.status === 409) {
          setError(t('panels.properties.conflict'));
          await refreshTicket(client, ticketId);
          return;
        }
        client.setQueryData<PanelTicket>(key, (cur) => (cur ? { ...cur, ...undo } : cur));
        setError(serverMessage(err) ?? t('common.failed'));
      }
    });
  }

  async function changeGroup(value: string | null) {
    const current = ticket.data!;
    const groupId = value ? Number(value) : null;
    const patch: TicketPatch = { group_id: groupId };
    // As Zendesk: the assignee must belong to the group, else the ticket goes to the group.
    if (groupId !== null && current.assignee_id !== null) {
      const people = await client.fetchQuery(groupMembersQuery(groupId));
      if (!people.some((p) => p.id === current.assignee_id)) patch.assignee_id = null;
    }
    save(patch, patch);
  }

  function takeIt() {
    if (!user) return;
    const current = ticket.data!;
    const patch: TicketPatch = { assignee_id: user.id };
    const mine = memberships.data ?? [];
    // Into my default group when the ticket's group is not one of mine (with no group the
    // server gives it my default group itself).
    if (current.group_id !== null && mine.length > 0) {
      if (!mine.some((m) => m.group_id === current.group_id)) {
        patch.group_id =
          mine.find((m) => m.default)?.group_id ?? me.data?.default_group_id ?? mine[0]!.group_id;
      }
    }
    save(patch, patch);
  }

  function changeTags(next: string[]) {
    const current = ticket.data!;
    const wanted = [...new Set(next.map(tagOf).filter(Boolean))];
    const added = wanted.filter((tag) => !current.tags.includes(tag));
    const removed = current.tags.filter((tag) => !wanted.includes(tag));
    if (added.length === 0 && removed.length === 0) return;
    const patch: TicketPatch = {};
    if (added.length > 0) patch.additional_tags = added;
    if (removed.length > 0) patch.remove_tags = removed;
    save(patch, { tags: wanted });
  }

  const data = ticket.data;
  if (!data) return null;
  const closed = data.status === 'closed';
  const statusOptions = (data.status === 'new' ? ['new', ...STATUSES] : STATUSES).map((s) => ({
    value: s,
    label: t(`status.${s}`),
  }));
  if (closed) statusOptions.push({ value: 'closed', label: t('status.closed') });
  const people = data.group_id !== null ? (members.data ?? []) : (agents.data ?? []);
  const assignees = people.map((p) => ({ value: String(p.id), label: p.name }));
  if (data.assignee_id !== null && !people.some((p) => p.id === data.assignee_id)) {
    const known = agents.data?.find((a) => a.id === data.assignee_id);
    assignees.push({
      value: String(data.assignee_id),
      label: known?.name ?? `#${data.assignee_id}`,
    });
  }
  const str = (v: number | null) => (v === null ? null : String(v));

  return (
    <Paper
      withBorder
      p="sm"
      component="section"
      aria-labelledby="properties-title"
      data-testid="properties-panel"
    >
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h5" id="properties-title">
          {t('panels.properties.title')}
        </Title>
        {!closed && data.assignee_id !== user?.id && (
          <Button size="compact-sm" color="blue.9" onClick={takeIt}>
            {t('panels.properties.takeIt')}
          </Button>
        )}
      </Group>
      {closed && (
        <Text size="sm" c="gray.7" mb="xs">
          {t('panels.properties.closed')}
        </Text>
      )}
      {error && (
        <Alert
          color="red"
          mb="xs"
          role="alert"
          withCloseButton
          closeButtonLabel={t('panels.dismiss')}
          onClose={() => setError(null)}
        >
          {error}
        </Alert>
      )}
      <Stack gap="xs">
        <SimpleGrid cols={2} spacing="xs">
          <LazySelect
            label={t('panels.properties.status')}
            data={statusOptions}
            value={data.status}
            disabled={closed}
            allowDeselect={false}
            onChange={(v) => v && v !== data.status && save({ status: v }, { status: v })}
          />
          <LazySelect
            label={t('panels.properties.priority')}
            placeholder={t('panels.properties.none')}
            data={PRIORITIES.map((p) => ({ value: p, label: t(`panels.priority.${p}`) }))}
            value={data.priority}
            disabled={closed}
            clearable
            allowDeselect={false}
            onChange={(v) => v !== data.priority && save({ priority: v }, { priority: v })}
          />
        </SimpleGrid>
        <SimpleGrid cols={2} spacing="xs">
          <LazySelect
            label={t('panels.properties.type')}
            placeholder={t('panels.properties.none')}
            data={TYPES.map((p) => ({ value: p, label: t(`panels.type.${p}`) }))}
            value={data.type}
            disabled={closed}
            clearable
            allowDeselect={false}
            onChange={(v) => v !== data.type && save({ type: v }, { type: v })}
          />
          <LazySelect
            label={t('panels.properties.brand')}
            data={(brands.data ?? [])
              .filter((b) => b.active || b.id === data.brand_id)
              .map((b) => ({ value: String(b.id), label: b.name }))}
            value={String(data.brand_id)}
            disabled={closed}
            allowDeselect={false}
            onChange={(v) => {
              if (!v || Number(v) === data.brand_id) return;
              save({ brand_id: Number(v) }, { brand_id: Number(v) });
            }}
          />
        </SimpleGrid>
        <LazySelect
          label={t('panels.properties.group')}
          placeholder={t('panels.properties.none')}
          data={(groups.data ?? []).map((g) => ({ value: String(g.id), label: g.name }))}
          value={str(data.group_id)}
          disabled={closed}
          clearable
          allowDeselect={false}
          searchable
          onChange={(v) => v !== str(data.group_id) && void changeGroup(v)}
        />
        <LazySelect
          label={t('panels.properties.assignee')}
          placeholder={t('panels.properties.none')}
          description={data.group_id !== null ? t('panels.properties.groupAgents') : undefined}
          descriptionProps={{ c: 'gray.7' }}
          data={assignees}
          value={str(data.assignee_id)}
          disabled={closed}
          clearable
          allowDeselect={false}
          searchable
          onChange={(v) => {
            if (v === str(data.assignee_id)) return;
            const patch = { assignee_id: v ? Number(v) : null };
            save(patch, patch);
          }}
        />
        <TagsInput
          {...tagSuggestions}
          label={t('panels.properties.tags')}
          placeholder={closed ? undefined : t('panels.properties.addTag')}
          value={data.tags}
          disabled={closed}
          splitChars={[',', ' ']}
          clearable={false}
          onChange={changeTags}
          renderPill={({ value, onRemove, disabled }) => (
            <Pill
              withRemoveButton={!disabled}
              onRemove={onRemove}
              data-tag={value}
              // Mantine hides the button from assistive technology; here it has a name.
              removeButtonProps={{
                'aria-hidden': false,
                'aria-label': t('panels.properties.removeTag', { tag: value }),
              }}
            >
              {value}
            </Pill>
          )}
        />
      </Stack>
    </Paper>
  );
}
