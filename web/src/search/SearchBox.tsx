import { Combobox, Group, Loader, Text, TextInput, useCombobox } from '@mantine/core';
import { useDebouncedValue, useHotkeys } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation, useNavigate } from 'react-router';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { useUsers } from '../hooks.ts';
import {
  refusal,
  runSearch,
  typedQuery,
  type TicketResult,
  type UserResult,
} from './search-api.ts';

const DEBOUNCE_MS = 250;
const TOP = 5;

/** The page of all results for a query, on a tab. */
export function resultsPath(query: string, type?: 'ticket' | 'user'): string {
  const params = new URLSearchParams({ q: query });
  if (type) params.set('type', type);
  return `/search?${params.toString()}`;
}

/** What opening a person from the box shows: the tickets they asked for, else the person. */
function userPath(user: UserResult): string {
  return user.email ? resultsPath(`requester:${user.email}`) : resultsPath(user.name, 'user');
}

/** The query of the /search page being shown, else null. */
function useResultsQuery(): string | null {
  const location = useLocation();
  if (location.pathname !== '/search') return null;
  return (new URLSearchParams(location.search).get('q') ?? '').trim();
}

/**
 * The search box of the header: searches tickets and users as the agent types (Zendesk's query
 * syntax), shows the top few of each in a listbox (arrows, Enter, Escape), and leads to the
 * results page. Ctrl/⌘+K focuses it.
 */
export function SearchBox() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const input = useRef<HTMLInputElement>(null);
  const combobox = useCombobox({ onDropdownClose: () => combobox.resetSelectedOption() });
  // On the results page the box shows its query (opened by a link, reloaded, or changed there).
  const shownQuery = useResultsQuery();
  const [text, setText] = useState(shownQuery ?? '');
  const [followed, setFollowed] = useState(shownQuery);
  if (shownQuery === null && followed !== null) setFollowed(null);
  if (shownQuery !== null && shownQuery !== followed) {
    // Set while rendering (React's way to follow a prop); the dropdown stays as it is.
    setFollowed(shownQuery);
    setText(shownQuery);
  }
  const [debounced] = useDebouncedValue(text.trim(), DEBOUNCE_MS);
  useHotkeys([['mod+K', () => input.current?.focus()]], []);

  // Text naming a type itself is sent once, as typed; else tickets and users are asked apart so
  // that many tickets do not hide every person.
  const namesType = /(^|\s)-?type:/i.test(debounced);
  // Asked only while the dropdown is open: a query the results page put in the box is not.
  const asking = debounced !== '' && combobox.dropdownOpened;
  const tickets = useQuery({
    queryKey: ['search', 'box', 'tickets', debounced],
    enabled: asking,
    staleTime: 10_000,
    queryFn: ({ signal }) => runSearch(typedQuery(debounced, 'ticket'), { perPage: TOP, signal }),
  });
  const users = useQuery({
    queryKey: ['search', 'box', 'users', debounced],
    enabled: asking && !namesType,
    staleTime: 10_000,
    queryFn: ({ signal }) => runSearch(typedQuery(debounced, 'user'), { perPage: TOP, signal }),
  });
  const all = [...(tickets.data?.results ?? []), ...(users.data?.results ?? [])];
  const foundTickets = all.filter((r): r is TicketResult => r.result_type === 'ticket');
  const foundUsers = all.filter((r): r is UserResult => r.result_type === 'user');
  const requesters = useUsers(
    foundTickets.map((r) => r.requester_id).filter((id): id is number => id !== null),
  );
  const current = debounced === text.trim();
  const pending =
    combobox.dropdownOpened &&
    debounced !== '' &&
    (!current || tickets.isFetching || users.isFetching);
  const problem = refusal(tickets.error) ?? refusal(users.error);
  const failed = !problem && (tickets.isError || users.isError);

  // The first result is ready for Enter as soon as results come.
  const firstKey = `${foundTickets[0]?.id ?? ''}:${foundUsers[0]?.id ?? ''}:${debounced}`;
  useEffect(() => {
    if (combobox.dropdownOpened) combobox.selectFirstOption();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [firstKey]);

  function openAll() {
    const q = text.trim();
    if (!q) return;
    combobox.closeDropdown();
    void navigate(resultsPath(q));
  }

  function submit(value: string) {
    combobox.closeDropdown();
    const [kind, id] = value.split(':');
    if (kind === 'ticket') void navigate(`/tickets/${id}`);
    else if (kind === 'user') {
      const user = foundUsers.find((u) => String(u.id) === id);
      if (user) void navigate(userPath(user));
    } else openAll();
  }

  const open = combobox.dropdownOpened && text.trim() !== '';
  return (
    // Options carry no colours of their own: the selected one is white on the primary colour.
    <Combobox
      store={combobox}
      onOptionSubmit={submit}
      withinPortal
      styles={{ groupLabel: { color: 'var(--mantine-color-gray-8)' } }}
    >
      <Combobox.Target withExpandedAttribute>
        <TextInput
          ref={input}
          w={420}
          type="text"
          aria-label={t('search.label')}
          placeholder={t('search.placeholder')}
          value={text}
          onChange={(e) => {
            setText(e.currentTarget.value);
            // Enter opens the results page until the results for the new text are in.
            combobox.resetSelectedOption();
            combobox.openDropdown();
          }}
          onFocus={() => combobox.openDropdown()}
          onBlur={() => combobox.closeDropdown()}
          onKeyDown={(e) => {
            // Enter without a highlighted result (none yet, or none at all) opens all results.
            const highlighted =
              open &&
              combobox.listId !== null &&
              document.getElementById(combobox.listId)?.querySelector('[data-combobox-selected]') !=
                null;
            if (e.key === 'Enter' && !highlighted) {
              combobox.resetSelectedOption();
              e.preventDefault();
              openAll();
            }
          }}
          rightSection={pending ? <Loader size="xs" aria-label={t('search.searching')} /> : null}
        />
      </Combobox.Target>
      <Combobox.Dropdown hidden={!open} miw={420}>
        {problem && (
          <Text c="red.9" size="sm" p="xs" role="alert">
            {problem}
          </Text>
        )}
        {failed && (
          <Text c="red.9" size="sm" p="xs" role="alert">
            {t('common.failed')}
          </Text>
        )}
        {current && !pending && !problem && !failed && all.length === 0 && (
          <Text c="gray.7" size="sm" p="xs">
            {t('search.nothing')}
          </Text>
        )}
        <Combobox.Options aria-label={t('search.resultsLabel')}>
          {foundTickets.length > 0 && (
            <Combobox.Group label={t('search.tickets')}>
              {foundTickets.map((r) => {
                const requester = r.requester_id ? requesters.data?.get(r.requester_id) : null;
                return (
                  <Combobox.Option key={`t${r.id}`} value={`ticket:${r.id}`}>
                    <Group gap="xs" wrap="nowrap">
                      <StatusBadge status={r.status} />
                      <Text size="sm">#{r.id}</Text>
                      <Text size="sm" truncate="end" style={{ flex: 1 }}>
                        {r.subject || t('search.noSubject')}
                      </Text>
                      {requester && (
                        <Text size="sm" truncate="end" maw={140}>
                          {requester.name}
                        </Text>
                      )}
                    </Group>
                  </Combobox.Option>
                );
              })}
            </Combobox.Group>
          )}
          {foundUsers.length > 0 && (
            <Combobox.Group label={t('search.users')}>
              {foundUsers.map((u) => (
                <Combobox.Option key={`u${u.id}`} value={`user:${u.id}`}>
                  <Group gap="xs" wrap="nowrap">
                    <Text size="sm">{u.name}</Text>
                    {u.email && (
                      <Text size="sm" truncate="end">
                        {u.email}
                      </Text>
                    )}
                  </Group>
                </Combobox.Option>
              ))}
            </Combobox.Group>
          )}
          {!problem && text.trim() !== '' && (
            <Combobox.Option value="all">
              <Text size="sm" fw={600}>
                {t('search.seeAll')}
              </Text>
            </Combobox.Option>
          )}
        </Combobox.Options>
      </Combobox.Dropdown>
    </Combobox>
  );
}
