import '../styles/search.ts';
import {
  Alert,
  Anchor,
  Badge,
  Group,
  Highlight,
  Pagination,
  Select,
  Table,
  Tabs,
  Text,
  Title,
} from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { useUsers } from '../hooks.ts';
import {
  countSearch,
  highlightWords,
  refusal,
  runSearch,
  SORTS,
  typedQuery,
  type ResultType,
  type SortBy,
  type TicketResult,
  type UserResult,
} from './search-api.ts';

const PER_PAGE = 25;
/** What users can be ordered by; tickets take every sort. */
const USER_SORTS: readonly SortBy[] = ['updated_at', 'created_at'];

function oneOf<T extends string>(value: string | null, options: readonly T[], fallback: T): T {
  return options.includes(value as T) ? (value as T) : fallback;
}

/** /search?q=…: all results of a query, tickets and users apart, sorted and paged. */
export default function SearchPage() {
  const { t, i18n } = useTranslation();
  const [params, setParams] = useSearchParams();
  const q = (params.get('q') ?? '').trim();
  const type = oneOf<ResultType>(params.get('type'), ['ticket', 'user'], 'ticket');
  const sortBy = oneOf<SortBy>(
    params.get('sort_by'),
    type === 'user' ? USER_SORTS : SORTS,
    'updated_at',
  );
  const sortOrder = oneOf(params.get('sort_order'), ['asc', 'desc'], 'desc');
  const page = Math.max(1, Number(params.get('page')) || 1);
  const number = new Intl.NumberFormat(i18n.resolvedLanguage);

  const counts = useQuery({
    queryKey: ['search', 'count', q],
    enabled: q !== '',
    queryFn: async ({ signal }) => {
      const [tickets, users] = await Promise.all([
        countSearch(typedQuery(q, 'ticket'), signal),
        countSearch(typedQuery(q, 'user'), signal),
      ]);
      return { ticket: tickets, user: users };
    },
  });
  const results = useQuery({
    queryKey: ['search', 'page', q, type, sortBy, sortOrder, page],
    enabled: q !== '',
    placeholderData: keepPreviousData,
    queryFn: ({ signal }) =>
      runSearch(typedQuery(q, type), { page, perPage: PER_PAGE, sortBy, sortOrder, signal }),
  });

  function change(next: Record<string, string | null>) {
    const merged = new URLSearchParams(params);
    for (const [key, value] of Object.entries(next)) {
      if (value === null) merged.delete(key);
      else merged.set(key, value);
    }
    setParams(merged);
  }

  const problem = refusal(results.error) ?? refusal(counts.error);
  const total = results.data?.count ?? 0;
  const pages = Math.max(1, Math.ceil(total / PER_PAGE));
  const words = highlightWords(q);
  const tabLabel = (kind: ResultType) => {
    const n = counts.data?.[kind];
    return (
      <Group gap={6} wrap="nowrap">
        {t(kind === 'ticket' ? 'search.tickets' : 'search.users')}
        <Badge variant="filled" color="gray.8" data-testid={`count-${kind}`}>
          {n === undefined ? '…' : number.format(n)}
        </Badge>
      </Group>
    );
  };
  const sortOptions = (type === 'user' ? USER_SORTS : SORTS).map((s) => ({
    value: s,
    label: t(`search.sort.${s}`),
  }));

  const rows = results.data?.results ?? [];
  const body = (
    <>
      {type === 'ticket' ? (
        <TicketTable
          rows={rows.filter((r): r is TicketResult => r.result_type === 'ticket')}
          words={words}
        />
      ) : (
        <UserTable
          rows={rows.filter((r): r is UserResult => r.result_type === 'user')}
          words={words}
        />
      )}
      {results.data && total === 0 && (
        <Text mt="md" c="gray.7">
          {t('search.nothing')}
        </Text>
      )}
      {pages > 1 && (
        <Pagination
          mt="md"
          total={pages}
          value={Math.min(page, pages)}
          onChange={(n) => change({ page: n === 1 ? null : String(n) })}
          getControlProps={(control) => ({ 'aria-label': t(`views.page.${control}`) })}
          getItemProps={(n) => ({ 'aria-label': t('views.page.number', { n }) })}
        />
      )}
    </>
  );

  return (
    <section aria-labelledby="search-title">
      <Title order={2} id="search-title" mb="sm">
        {q ? t('search.resultsFor', { query: q }) : t('search.title')}
      </Title>
      {!q && <Text c="gray.7">{t('search.typeSomething')}</Text>}
      {problem && (
        <Alert color="red" title={t('search.badQuery')} mb="sm">
          {problem}
        </Alert>
      )}
      {results.isError && !problem && (
        <Alert color="red" mb="sm">
          {t('common.failed')}
        </Alert>
      )}
      {q && !problem && (
        <>
          <Group justify="flex-end" gap="xs" mb="sm">
            <Select
              label={t('search.sortBy')}
              data={sortOptions}
              value={sortBy}
              allowDeselect={false}
              onChange={(v) => change({ sort_by: v, page: null })}
              w={220}
            />
            <Select
              label={t('search.sortOrder')}
              data={[
                { value: 'desc', label: t('search.order.desc') },
                { value: 'asc', label: t('search.order.asc') },
              ]}
              value={sortOrder}
              allowDeselect={false}
              onChange={(v) => change({ sort_order: v, page: null })}
              w={160}
            />
          </Group>
          <Tabs value={type} onChange={(v) => change({ type: v, page: null, sort_by: null })}>
            <Tabs.List>
              <Tabs.Tab value="ticket">{tabLabel('ticket')}</Tabs.Tab>
              <Tabs.Tab value="user">{tabLabel('user')}</Tabs.Tab>
            </Tabs.List>
            {(['ticket', 'user'] as const).map((kind) => (
              <Tabs.Panel key={kind} value={kind} pt="sm">
                {kind === type && body}
              </Tabs.Panel>
            ))}
          </Tabs>
        </>
      )}
    </section>
  );
}

/** The start of a ticket's first message, to show where a word matched. */
function snippet(text: string | null): string {
  if (!text) return '';
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 160 ? `${flat.slice(0, 160)}…` : flat;
}

function TicketTable({ rows, words }: { rows: TicketResult[]; words: string[] }) {
  const { t, i18n } = useTranslation();
  const people = useUsers(rows.map((r) => r.requester_id).filter((id): id is number => !!id));
  const dates = new Intl.DateTimeFormat(i18n.resolvedLanguage, {
    dateStyle: 'medium',
    timeStyle: 'short',
  });
  return (
    <Table striped aria-label={t('search.tickets')}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t('columns.status')}</Table.Th>
          <Table.Th>{t('columns.nice_id')}</Table.Th>
          <Table.Th>{t('columns.description')}</Table.Th>
          <Table.Th>{t('columns.requester')}</Table.Th>
          <Table.Th>{t('columns.updated')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((r) => (
          <Table.Tr key={r.id} data-ticket-id={r.id}>
            <Table.Td>
              <StatusBadge status={r.status} />
            </Table.Td>
            <Table.Td>#{r.id}</Table.Td>
            <Table.Td>
              <Anchor component={Link} to={`/tickets/${r.id}`} fw={600}>
                <Highlight component="span" highlight={words} inherit>
                  {r.subject || t('search.noSubject')}
                </Highlight>
              </Anchor>
              <Highlight size="sm" c="gray.7" highlight={words} lineClamp={2}>
                {snippet(r.description)}
              </Highlight>
            </Table.Td>
            <Table.Td>
              {r.requester_id ? (people.data?.get(r.requester_id)?.name ?? '…') : ''}
            </Table.Td>
            <Table.Td>
              <time dateTime={r.updated_at}>{dates.format(new Date(r.updated_at))}</time>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function UserTable({ rows, words }: { rows: UserResult[]; words: string[] }) {
  const { t } = useTranslation();
  return (
    <Table striped aria-label={t('search.users')}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t('search.name')}</Table.Th>
          <Table.Th>{t('search.email')}</Table.Th>
          <Table.Th>{t('search.role')}</Table.Th>
          <Table.Th>{t('search.tickets')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((u) => (
          <Table.Tr key={u.id} data-user-id={u.id}>
            <Table.Td>
              <Highlight highlight={words}>{u.name}</Highlight>
            </Table.Td>
            <Table.Td>{u.email ? <Highlight highlight={words}>{u.email}</Highlight> : ''}</Table.Td>
            <Table.Td>{t(`search.roles.${u.role}`, { defaultValue: u.role })}</Table.Td>
            <Table.Td>
              {u.email && (
                <Anchor
                  component={Link}
                  to={`/search?${new URLSearchParams({ q: `requester:${u.email}` }).toString()}`}
                >
                  {t('search.requested')}
                </Anchor>
              )}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
