import '../styles/start.ts';
import {
  Alert,
  Button,
  Combobox,
  Group,
  Loader,
  Modal,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
  useCombobox,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import {
  findPeople,
  serverMessage,
  startConversation,
  type OutboundConnection,
  type Person,
} from './start-api.ts';

const DEBOUNCE_MS = 250;
/** Hints in a shade dark enough for AA contrast (Mantine's default is lighter). */
const HINT = { description: { color: 'var(--mantine-color-gray-7)' } };

function personLabel(p: Person): string {
  return p.email ? `${p.name} <${p.email}>` : p.name;
}

/** The new-conversation dialog: connection, person, subject, first message → the new ticket. */
export default function StartDialog({
  connections,
  onClose,
}: {
  connections: OutboundConnection[];
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [connectionId, setConnectionId] = useState(String(connections[0]?.id ?? ''));
  const [personText, setPersonText] = useState('');
  const [person, setPerson] = useState<Person | null>(null);
  const [subject, setSubject] = useState('');
  const [message, setMessage] = useState('');
  const [shown, setShown] = useState<{ person?: string; message?: string }>({});
  const combobox = useCombobox({ onDropdownClose: () => combobox.resetSelectedOption() });
  const [query] = useDebouncedValue(person ? '' : personText.trim(), DEBOUNCE_MS);

  // Who can be written to depends on the connection's workspace: asked per connection.
  const people = useQuery({
    queryKey: ['users', 'slack-people', connectionId, query],
    enabled: query !== '' && connectionId !== '',
    queryFn: ({ signal }) => findPeople(query, connectionId, signal),
  });
  const start = useMutation({
    mutationFn: startConversation,
    onSuccess: async ({ ticket }) => {
      await client.invalidateQueries({ queryKey: ['view-counts'] });
      await client.invalidateQueries({ queryKey: ['view'] });
      onClose();
      void navigate(`/tickets/${ticket.id}`);
    },
  });

  function choose(id: string) {
    const found = people.data?.find((p) => String(p.id) === id);
    if (!found || !found.slack_user_id) return;
    setPerson(found);
    setPersonText(personLabel(found));
    setShown((s) => ({ ...s, person: undefined }));
    combobox.closeDropdown();
  }

  /** Another connection may not reach the chosen person: they are looked up again. */
  function changeConnection(id: string) {
    setConnectionId(id);
    if (person) {
      setPerson(null);
      setPersonText(person.name);
    }
  }

  function reason(p: Person): string {
    return p.unreachable === 'other_workspace' ? t('start.otherWorkspace') : t('start.noSlack');
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    const problems = {
      person: person ? undefined : t('start.personRequired'),
      message: message.trim() ? undefined : t('start.messageRequired'),
    };
    setShown(problems);
    if (problems.person || problems.message || !person) return;
    start.mutate({
      connectionId: Number(connectionId),
      userId: person.id,
      subject,
      body: message.trim(),
    });
  }

  const typing = !person && personText.trim() !== '';
  const results = people.data ?? [];
  const searching = typing && (query !== personText.trim() || people.isFetching);
  return (
    <Modal
      opened
      onClose={onClose}
      title={t('start.title')}
      size="lg"
      closeButtonProps={{ 'aria-label': t('start.close') }}
    >
      <form onSubmit={submit} noValidate>
        <Stack>
          <Select
            label={t('start.connection')}
            data={connections.map((c) => ({
              value: String(c.id),
              label: c.team_name ? `${c.name} (${c.team_name})` : c.name,
            }))}
            value={connectionId}
            allowDeselect={false}
            onChange={(v) => v && changeConnection(v)}
            withAsterisk
          />
          <Combobox store={combobox} onOptionSubmit={choose}>
            <Combobox.Target withExpandedAttribute>
              <TextInput
                label={t('start.person')}
                description={t('start.personHint')}
                styles={HINT}
                withAsterisk
                value={personText}
                error={shown.person}
                onChange={(e) => {
                  setPersonText(e.currentTarget.value);
                  setPerson(null);
                  combobox.resetSelectedOption();
                  combobox.openDropdown();
                }}
                onFocus={() => combobox.openDropdown()}
                onBlur={() => combobox.closeDropdown()}
                rightSection={
                  searching ? <Loader size="xs" aria-label={t('start.searching')} /> : null
                }
              />
            </Combobox.Target>
            <Combobox.Dropdown hidden={!typing}>
              {!searching && people.isSuccess && results.length === 0 && (
                <Text size="sm" c="gray.7" p="xs">
                  {t('start.nobody')}
                </Text>
              )}
              {people.isError && (
                <Text size="sm" c="red.9" p="xs">
                  {serverMessage(people.error) ?? t('common.failed')}
                </Text>
              )}
              <Combobox.Options aria-label={t('start.people')}>
                {results.map((p) => (
                  <Combobox.Option
                    key={p.id}
                    value={String(p.id)}
                    disabled={!p.slack_user_id}
                    data-person-id={p.id}
                  >
                    <Group gap="xs" justify="space-between" wrap="nowrap">
                      <Text size="sm">{personLabel(p)}</Text>
                      {!p.slack_user_id && (
                        <Text size="xs" c="gray.7">
                          {reason(p)}
                        </Text>
                      )}
                    </Group>
                  </Combobox.Option>
                ))}
              </Combobox.Options>
            </Combobox.Dropdown>
          </Combobox>
          <TextInput
            label={t('start.subject')}
            description={t('start.subjectHint')}
            styles={HINT}
            value={subject}
            maxLength={255}
            onChange={(e) => setSubject(e.currentTarget.value)}
          />
          <Textarea
            label={t('start.message')}
            withAsterisk
            autosize
            minRows={4}
            maxRows={12}
            value={message}
            error={shown.message}
            onChange={(e) => setMessage(e.currentTarget.value)}
          />
          {start.isError && (
            <Alert color="red" title={t('start.failed')} role="alert">
              {serverMessage(start.error) ?? t('common.failed')}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('start.cancel')}
            </Button>
            <Button type="submit" loading={start.isPending} color="blue.8">
              {t('start.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
