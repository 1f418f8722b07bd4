import '../styles/view.ts';
import { Alert, Group, Pagination, Text, Title } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { memo, useCallback, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { viewTitle } from '../view-title.ts';
import { useNavigate, useParams } from 'react-router';
import {
  renderCell,
  sameCells,
  sortable,
  userIdsOf,
  type CellContext,
} from '../components/ticket-cells.tsx';
import {
  useActiveViews,
  useGroups,
  usersQuery,
  VIEW_PER_PAGE,
  viewPageQuery,
  type ViewSort,
} from '../hooks.ts';
import { BulkUpdate } from '../components/BulkUpdate.tsx';
import { useRowCursor } from '../keys/row-cursor.ts';
import type { ExecuteResult } from '../types.ts';
import classes from './ViewTable.module.css';

type Sort = ViewSort;
type Row = ExecuteResult['rows'][number];
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
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const views = useActiveViews();
  const view = views.data?.find((v) => String(v.id) === viewId);
  const title = view ? viewTitle(view, t) : '';

  const result = useQuery({
    ...viewPageQuery(viewId, page, sort),
    placeholderData: keepPreviousData,
  });
  const columnList = result.data?.columns;
  const columns = useMemo(() => (columnList ?? []).map((c) => c.id), [columnList]);
  const rows = result.data?.rows ?? [];
  // The people of the rows shown stay while a refetch's new ones load (no flash of `#id`).
  const users = useQuery({
    ...usersQuery(userIdsOf(rows, columns)),
    placeholderData: keepPreviousData,
  });
  const groups = useGroups();
  const language = i18n.resolvedLanguage;
  // One context for every row: a row draws again only when its own values, or these, change.
  const ctx = useMemo<CellContext>(
    () => ({
      users: users.data,
      groups: groups.data,
      dates: new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' }),
      t,
    }),
    [users.data, groups.data, language, t],
  );
  const pages = Math.max(1, Math.ceil((result.data?.count ?? 0) / PER_PAGE));
  const allChecked = rows.length > 0 && rows.every((r) => selected.has(r.ticket.id));

  const toggle = useCallback((id: number) => {
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }, []);

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
      <table ref={tableRef} className={classes.table} aria-labelledby="view-title">
        <thead>
          <tr>
            <th className={classes.check}>
              <input
                type="checkbox"
                className={classes.checkbox}
                aria-label={t('views.selectAll')}
                checked={allChecked}
                ref={(box) => {
                  if (box) {
                    box.indeterminate = !allChecked && rows.some((r) => selected.has(r.ticket.id));
                  }
                }}
                onChange={() =>
                  setSelected(allChecked ? new Set() : new Set(rows.map((r) => r.ticket.id)))
                }
              />
            </th>
            {result.data?.columns.map((c) => {
              const label = t(`columns.${c.id}`, { defaultValue: c.title });
              const state = sort?.by === c.id ? sort.order : null;
              return (
                <th
                  key={c.id}
                  aria-sort={
                    state === 'asc' ? 'ascending' : state === 'desc' ? 'descending' : undefined
                  }
                >
                  {sortable(c.id) ? (
                    <button type="button" className={classes.sort} onClick={() => sortBy(c.id)}>
                      {label} {state === 'asc' ? '▲' : state === 'desc' ? '▼' : ''}
                    </button>
                  ) : (
                    label
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            <TicketRow
              key={row.ticket.id}
              row={row}
              columns={columns}
              ctx={ctx}
              checked={selected.has(row.ticket.id)}
              active={row.ticket.id === cursor.activeId}
              tabIndex={cursor.tabIndexOf(row.ticket.id, index)}
              onToggle={toggle}
              onRowFocus={cursor.onRowFocus}
            />
          ))}
        </tbody>
      </table>
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

interface TicketRowProps {
  row: Row;
  columns: string[];
  ctx: CellContext;
  checked: boolean;
  /** The keyboard cursor's row. */
  active: boolean;
  tabIndex: 0 | -1;
  onToggle: (id: number) => void;
  onRowFocus: (id: number) => void;
}

/**
 * One ticket's row: plain elements (a native checkbox, a link, the status badge) styled by
 * ViewTable.module.css, memoized so a refetch that keeps a row's values (TanStack Query keeps
 * the same row objects), other rows' people loading, a tick or a cursor move elsewhere leaves
 * it alone.
 */
const TicketRow = memo(TicketRowView, (a, b) => {
  const { ctx: ctxA, ...restA } = a;
  const { ctx: ctxB, ...restB } = b;
  const keys = Object.keys(restA) as Array<keyof typeof restA>;
  return (
    keys.every((k) => restA[k] === restB[k]) &&
    (ctxA === ctxB || sameCells(ctxA, ctxB, b.row, b.columns))
  );
});

function TicketRowView({
  row,
  columns,
  ctx,
  checked,
  active,
  tabIndex,
  onToggle,
  onRowFocus,
}: TicketRowProps) {
  const id = row.ticket.id;
  return (
    <tr
      data-ticket-id={id}
      tabIndex={tabIndex}
      data-active={active ? true : undefined}
      onFocus={() => onRowFocus(id)}
    >
      <td>
        <input
          type="checkbox"
          className={classes.checkbox}
          aria-label={ctx.t('views.selectTicket', { id })}
          checked={checked}
          onChange={() => onToggle(id)}
        />
      </td>
      {columns.map((c) => (
        <td key={c}>{renderCell(c, row, ctx)}</td>
      ))}
    </tr>
  );
}
