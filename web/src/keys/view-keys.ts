import { useEffect, useRef } from 'react';
import { isPlainKey, isTyping } from './typing.ts';

/** What a key does in a view's ticket table. */
export type ViewAction = 'down' | 'up' | 'open' | 'toggle' | 'nextPage' | 'previousPage';

/**
 * The view table's shortcuts (Zendesk's letters), as the `?` sheet shows them: each entry's
 * keys are alternatives.
 */
export const VIEW_SHORTCUTS: { action: ViewAction; keys: string[] }[] = [
  { action: 'down', keys: ['J'] },
  { action: 'up', keys: ['K'] },
  { action: 'open', keys: ['O', 'Enter'] },
  { action: 'toggle', keys: ['X'] },
  { action: 'nextPage', keys: ['N'] },
  { action: 'previousPage', keys: ['P'] },
];

const BY_KEY: Record<string, ViewAction> = {
  j: 'down',
  k: 'up',
  o: 'open',
  x: 'toggle',
  n: 'nextPage',
  p: 'previousPage',
};

/** Row keys that act only while a row itself has the focus (elsewhere they are the page's). */
const ON_ROW: Record<string, ViewAction> = {
  ArrowDown: 'down',
  ArrowUp: 'up',
  Enter: 'open',
};

/** The action a key press asks for in a view, or null when it is not one of ours. */
export function viewActionOf(e: KeyboardEvent): ViewAction | null {
  if (e.defaultPrevented || !isPlainKey(e) || isTyping(e.target)) return null;
  // Not behind a dialog (the shortcuts sheet, a select's dropdown…): those keep their keys.
  if (e.target instanceof Element && e.target.closest('[role="dialog"]')) return null;
  if (e.shiftKey) return null;
  const onRow = e.target instanceof HTMLTableRowElement;
  if (onRow && e.key in ON_ROW) return ON_ROW[e.key] ?? null;
  return BY_KEY[e.key] ?? null;
}

/** The row a move lands on: the first one when none is active yet, else one step, clamped. */
export function moveIndex(current: number, count: number, action: 'down' | 'up'): number {
  if (count === 0) return -1;
  if (current < 0 || current >= count) return 0;
  return Math.min(count - 1, Math.max(0, current + (action === 'down' ? 1 : -1)));
}

/**
 * Calls `onAction` for the view keys pressed anywhere on the page but in a field. The handler
 * may change on every render: the listener is added once.
 */
export function useViewKeys(onAction: (action: ViewAction, e: KeyboardEvent) => void): void {
  const handler = useRef(onAction);
  useEffect(() => {
    handler.current = onAction;
  });
  useEffect(() => {
    function listen(e: KeyboardEvent) {
      const action = viewActionOf(e);
      if (action) handler.current(action, e);
    }
    document.addEventListener('keydown', listen);
    return () => document.removeEventListener('keydown', listen);
  }, []);
}
