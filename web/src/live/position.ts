/**
 * Where the data this tab loaded stands in the stream's event sequence, so that its first
 * stream resumes from there instead of refetching everything loaded before it opened.
 *
 * Each agent's GET answer carries `X-Parley-Event-Id`: the newest event id committed before the
 * server read the answer's data (a lower bound: the data reflects at least every event up to
 * it). The smallest such position among the answers received before the first stream opens is
 * where that stream starts (`?last_event_id=`): the server replays every event after it, each
 * invalidating just what it touches. An answer that was still in flight as the stream opened
 * and was read before that start (a write committed between its read and another answer's)
 * could have missed an event the stream does not replay: then, and only then, everything live
 * is refetched, as the first stream always did before positions existed.
 */

const HEADER = 'x-parley-event-id';

let smallest: number | null = null;
/** The first stream's start, once it has been chosen; answers read before it are behind. */
let start: number | null = null;
let behind: (() => void) | null = null;

/** Called by `api` with every successful GET answer's headers. */
export function noteAnswer(headers: Headers): void {
  const value = headers.get(HEADER);
  if (value === null || !/^\d{1,15}$/.test(value)) return;
  const position = Number(value);
  if (start === null) {
    smallest = smallest === null ? position : Math.min(smallest, position);
  } else if (position < start) {
    behind?.();
  }
}

/**
 * The position the first stream opens from (null: no answer said, open from now), and from
 * here on `onBehind` is told of any answer read before it.
 */
export function streamStart(onBehind: () => void): number | null {
  start = smallest;
  behind = start === null ? null : onBehind;
  return start;
}

/**
 * The stream ended (signed out, or an effect run again): the next first stream chooses its
 * start again. The smallest position seen is kept: it stays a lower bound of all data loaded.
 */
export function forgetStart(): void {
  start = null;
  behind = null;
}
