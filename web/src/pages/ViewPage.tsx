import '../styles/view.ts';
import {
  Alert,
  Checkbox,
  Group,
  Pagination,
  Table,
  Text,
  Title,
  UnstyledButton,
} from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { viewTitle } from '../view-title.ts';
import { useNavigate, useParams } from 'react-router';
import { BulkUpdate } from '../components/BulkUpdate.tsx';
import { renderCell, sortable, userIdsOf } from '../components/ticket-cells.tsx';
import {
  useActiveViews,
  useGroups,
  useUsers,
  VIEW_PER_PAGE,
  viewPageQuery,
  type ViewSort,
} from '../hooks.ts';
import { useRowCursor } from '../keys/row-cursor.ts';

type Sort = ViewSort;
const PER_PAGE = VIEW_PER_PAGE;

export default function ViewPage() {
  const { id = '' } = useParams();
  // A new view starts on its first page in its own order.
  return <ViewTable key={id} viewId={id} />;
}

function ViewTable({ viewId }: { viewId: string }) {
  const { t, i18n } = useTranslation();
  const [page, setPage] = useState(1);
  const [sort, setSort] = useState<Sort | null>(null);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const views = useActiveViews();
  const view = views.data?.find((v) => String(v.id) === viewId);
  const title = view ? viewTitle(view, t) : '';

  const result = useQuery({
    ...viewPageQuery(viewId, page, sort),
    placeholderData: keepPreviousData,
  });
  const columns = (result.data?.columns ?? []).map((c) => c.id);
  const rows = result.data?.rows ?? [];
  const users = useUsers(userIdsOf(rows, columns));
  const groups = useGroups();
  const ctx = {
    users: users.data,
    groups: groups.data,
    dates: new Intl.DateTimeFormat(i18n.resolvedLanguage, {
      dateStyle: 'medium',
      timeStyle: 'short',
    }),
  };
  const pages = Math.max(1, Math.ceil((result.data?.count ?? 0) / PER_PAGE));
  const allChecked = rows.length > 0 && rows.every((r) => selected.has(r.ticket.id));

  // Keyboard: j/k move a cursor over the rows, o/Enter open, x ticks, n/p turn the page.
  const navigate = useNavigate();
  const tableRef = useRef<HTMLTableElement>(null);
  const cursor = useRowCursor({
    ids: rows.map((r) => r.ticket.id),
    table: tableRef,
    onOpen: (id) => void navigate(`/tickets/${id}`),
    onToggle: toggle,
    onPage: (step) => {
      const next = Math.min(pages, Math.max(1, page + step));
      if (next !== page) setPage(next);
      return next !== page;
    },
  });

  function toggle(id: number) {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  }

  function sortBy(column: string) {
    setPage(1);
    setSort((s) =>
      s?.by === column && s.order === 'asc'
        ? { by: column, order: 'desc' }
        : { by: column, order: 'asc' },
    );
  }

  return (
    <section aria-labelledby="view-title">
      <Group justify="space-between" mb="sm">
        <Title order={2} id="view-title">
          {title}
        </Title>
        {result.data && (
          <Text c="gray.7" size="sm">
            {t('views.ticketCount', { count: result.data.count })}
          </Text>
        )}
      </Group>
      {selected.size > 0 && (
        <BulkUpdate ids={[...selected]} onDone={() => setSelected(new Set())} />
      )}
      {result.isError && <Alert color="red">{t('common.failed')}</Alert>}
      <Table ref={tableRef} striped highlightOnHover aria-labelledby="view-title">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={40}>
              <Checkbox
                aria-label={t('views.selectAll')}
                checked={allChecked}
                indeterminate={!allChecked && rows.some((r) => selected.has(r.ticket.id))}
                onChange={() =>
                  setSelected(allChecked ? new Set() : new Set(rows.map((r) => r.ticket.id)))
                }
              />
            </Table.Th>
            {result.data?.columns.map((c) => {
              const label = t(`columns.${c.id}`, { defaultValue: c.title });
              const state = sort?.by === c.id ? sort.order : null;
              return (
                <Table.Th
                  key={c.id}
                  aria-sort={
                    state === 'asc' ? 'ascending' : state === 'desc' ? 'descending' : undefined
                  }
                >
                  {sortable(c.id) ? (
                    <UnstyledButton onClick={() => sortBy(c.id)} fw={700} fz="sm">
                      {label} {state === 'asc' ? '▲' : state === 'desc' ? '▼' : ''}
                    </UnstyledButton>
                  ) : (
                    label
                  )}
                </Table.Th>
              );
            })}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row, index) => (
            <Table.Tr
              key={row.ticket.id}
              data-ticket-id={row.ticket.id}
              {...cursor.rowProps(row.ticket.id, index)}
            >
              <Table.Td>
                <Checkbox
                  aria-label={t('views.selectTicket', { id: row.ticket.id })}
                  checked={selected.has(row.ticket.id)}
                  onChange={() => toggle(row.ticket.id)}
                />
              </Table.Td>
              {columns.map((c) => (
                <Table.Td key={c}>{renderCell(c, row, ctx)}</Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {result.data && rows.length === 0 && (
        <Text mt="md" c="gray.7">
          {t('views.empty')}
        </Text>
      )}
      {pages > 1 && (
        <Pagination
          mt="md"
          total={pages}
          value={page}
          onChange={setPage}
          getControlProps={(control) => ({ 'aria-label': t(`views.page.${control}`) })}
          getItemProps={(n) => ({ 'aria-label': t('views.page.number', { n }) })}
        />
      )}
    </section>
  );
}
