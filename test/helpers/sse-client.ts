/**
 * A Server-Sent Events client for tests: a real HTTP request whose body is read as it streams,
 * parsed into `id:` / `event:` / `data:` frames as a browser's EventSource does.
 */
export interface SseEvent {
  id: number | null;
  event: string;
  data: any;
}

export interface SseClient {
  status: number;
  events: SseEvent[];
  /** Resolves with the first event (seen or to come) that `match` accepts; rejects at `timeoutMs`. */
  next(match: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  /** Resolves when the server ends the response. */
  ended: Promise<void>;
  close(): void;
}

function parseFrame(text: string): SseEvent | null {
  let id: number | null = null;
  let event = 'message';
  const data: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = Number(value);
    else if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return null;
  return { id, event, data: JSON.parse(data.join('\n')) };
}

export async function openSse(
  url: string,
  opts: { auth: string; lastEventId?: number },
): Promise<SseClient> {
  const abort = new AbortController();
  const headers: Record<string, string> = {
    authorization: `Basic ${Buffer.from(opts.auth).toString('base64')}`,
    accept: 'text/event-stream',
  };
  if (opts.lastEventId !== undefined) headers['last-event-id'] = String(opts.lastEventId);
  const res = await fetch(url, { headers, signal: abort.signal });
  const events: SseEvent[] = [];
  const waiters: { match: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }[] = [];
  const ended = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const e = parseFrame(buffer.slice(0, cut));
          buffer = buffer.slice(cut + 2);
          if (!e) continue;
          events.push(e);
          for (const w of waiters.splice(0)) {
            if (w.match(e)) w.resolve(e);
            else waiters.push(w);
          }
        }
      }
    } catch {
      // Aborted by close().
    }
  })();
  return {
    status: res.status,
    events,
    ended,
    next(match, timeoutMs = 10_000) {
      const seen = events.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching event; got ${JSON.stringify(events)}`)),
          timeoutMs,
        );
        waiters.push({
          match,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e);
          },
        });
      });
    },
    close: () => abort.abort(),
  };
}
