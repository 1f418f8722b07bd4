import { useEffect, type RefObject } from 'react';

/** How near the bottom (px) still counts as reading the newest message. */
const NEAR = 8;

/**
 * Keeps a scrolled box at its bottom when it is resized while the reader was there: the
 * conversation shrinks when the composer below it opens, and the newest message must stay in
 * view. A reader who scrolled up keeps their place.
 */
export function useStickToBottom(ref: RefObject<HTMLElement | null>): void {
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    // Judged with the height before the resize (a shrink leaves scrollTop as it was): a scroll
    // event can come after a second resize, and would misjudge it.
    let height = el.clientHeight;
    const observer = new ResizeObserver(() => {
      const wasAtBottom = el.scrollHeight - el.scrollTop - height <= NEAR;
      height = el.clientHeight;
      if (wasAtBottom) el.scrollTop = el.scrollHeight;
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
}
