import { useCallback, useState, type RefObject } from 'react';
import { moveIndex, useViewKeys } from './view-keys.ts';

export interface RowCursorOptions {
  /** The tickets of the rows shown, in order. */
  ids: number[];
  /** The table: rows are found in it by their data-ticket-id. */
  table: RefObject<HTMLTableElement | null>;
  onOpen: (id: number) => void;
  onToggle: (id: number) => void;
  /** Next (+1) or previous (-1) page; false when there is none. */
  onPage: (step: 1 | -1) => boolean;
}

/**
 * The keyboard cursor of a view's table: `j`/`k` (or ↓/↑ on a row) move it and focus the row
 * (one tab stop for the table: a roving tabindex), `o` or Enter opens its ticket, `x` ticks its
 * checkbox, `n`/`p` turn the page. Focusing a row otherwise (Tab, a click on its checkbox)
 * moves the cursor there too.
 *
 * The rows draw themselves from `tabIndexOf` and `activeId` (the cursor's row carries
 * `data-active`, outlined by the table's CSS) and call the stable `onRowFocus`, so a row whose
 * values did not change need not render again when the cursor moves.
 */
export function useRowCursor({ ids, table, onOpen, onToggle, onPage }: RowCursorOptions) {
  const [activeId, setActiveId] = useState<number | null>(null);
  const activeIndex = activeId === null ? -1 : ids.indexOf(activeId);

  function focusRow(id: number) {
    const row = table.current?.querySelector<HTMLTableRowElement>(`tr[data-ticket-id="${id}"]`);
    if (!row) return;
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: 'nearest' });
  }

  useViewKeys((action, e) => {
    const id = ids[activeIndex];
    switch (action) {
      case 'down':
      case 'up': {
        const next = ids[moveIndex(activeIndex, ids.length, action)];
        if (next === undefined) return;
        e.preventDefault();
        setActiveId(next);
        focusRow(next);
        return;
      }
      case 'open':
        if (id === undefined) return;
        e.preventDefault();
        onOpen(id);
        return;
      case 'toggle':
        if (id === undefined) return;
        e.preventDefault();
        onToggle(id);
        return;
      case 'nextPage':
      case 'previousPage':
        e.preventDefault();
        if (onPage(action === 'nextPage' ? 1 : -1)) setActiveId(null);
        return;
    }
  });

  /** A row got the focus (Tab, a click in it): the cursor moves there. */
  const onRowFocus = useCallback((id: number) => setActiveId(id), []);

  /** The row of ticket `id`, the `index`th shown: the table's one tab stop is the cursor's row, else the first. */
  function tabIndexOf(id: number, index: number): 0 | -1 {
    return id === activeId || (activeIndex < 0 && index === 0) ? 0 : -1;
  }

  return { activeId: activeIndex < 0 ? null : activeId, tabIndexOf, onRowFocus };
}
