/**
 * The first data the server put in the page (`<script type="application/json"
 * id="parley-boot">`, src/http/web-boot.ts): the API's answers for this signed-in agent, by the
 * exact path the app asks for, each with its X-Parley-Event-Id. `api` takes one instead of
 * fetching, once; what is not there is fetched as usual.
 */

interface Embedded {
  event_id: string | null;
  body: unknown;
}

import { noteAnswer } from './live/position.ts';

/** Taken answers are gone; all are dropped soon after the load, so none can go stale. */
const KEEP_MS = 5_000;

function read(): Map<string, Embedded> {
  const text = document.getElementById('parley-boot')?.textContent;
  if (!text) return new Map();
  try {
    return new Map(Object.entries(JSON.parse(text) as Record<string, Embedded>));
  } catch {
    return new Map();
  }
}

const answers = read();
if (answers.size > 0) setTimeout(forgetEmbedded, KEEP_MS);

/**
 * The embedded answer for this GET path, if there is one still: taken, not to be used again,
 * and its position noted as a fetched answer's is (live/position.ts).
 */
export function takeEmbedded(path: string): { body: unknown } | undefined {
  const answer = answers.get(path);
  if (!answer) return undefined;
  answers.delete(path);
  if (typeof answer.event_id === 'string') {
    noteAnswer(new Headers({ 'x-parley-event-id': answer.event_id }));
  }
  return { body: answer.body };
}

/** Whether the page holds an answer for this path (not taken). */
export function hasEmbedded(path: string): boolean {
  return answers.has(path);
}

/** Signed out (or in as someone else): the page's answers were for the agent before. */
export function forgetEmbedded(): void {
  answers.clear();
}
