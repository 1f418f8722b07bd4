/** What the invalidator needs of TanStack Query's QueryClient (declared here, so the unit test
 * can type-check without the DOM types the library pulls in). */
export interface Invalidates {
  invalidateQueries(filters: {
    queryKey?: readonly unknown[];
    predicate?: (query: { queryKey: readonly unknown[] }) => boolean;
  }): Promise<void>;
}

/** The shortest time between two refetch rounds: a burst of events is one round. */
export const COALESCE_MS = 300;

/**
 * Collects what the stream says is stale and invalidates it at most once per `windowMs`:
 * the first event of a quiet period is applied at once, the rest of a burst at the end of the
 * window, so 100 events refetch each query once or twice, not 100 times.
 */
export class Invalidator {
  private everything = false;
  private viewPages = false;
  private viewCounts = false;
  private presence = false;
  private readonly tickets = new Set<number>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private last = -Infinity;

  constructor(
    private readonly client: Invalidates,
    private readonly windowMs = COALESCE_MS,
    private readonly now: () => number = () => Date.now(),
  ) {}

  ticket(id: number): void {
    this.tickets.add(id);
    this.schedule();
  }

  /** The views' ticket pages (their counts follow the stream's own, throttled, hint). */
  views(): void {
    this.viewPages = true;
    this.schedule();
  }

  counts(): void {
    this.viewCounts = true;
    this.schedule();
  }

  /** Who is on each open ticket (presence is not replayed after a reconnect). */
  allPresence(): void {
    this.presence = true;
    this.schedule();
  }

  /** The stream could not catch up: everything shown is reloaded. */
  all(): void {
    this.everything = true;
    this.schedule();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.last + this.windowMs - this.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.last = this.now();
    const { client } = this;
    if (this.everything) {
      void client.invalidateQueries({ predicate: (q) => q.queryKey[0] !== 'session' });
    } else {
      if (this.viewPages) void client.invalidateQueries({ queryKey: ['view'] });
      if (this.viewCounts) void client.invalidateQueries({ queryKey: ['view-counts'] });
      if (this.tickets.size > 0) {
        const ids = new Set(this.tickets);
        void client.invalidateQueries({
          predicate: ({ queryKey: [first, id, part] }) =>
            first === 'ticket' && ids.has(Number(id)) && part !== 'presence',
        });
      }
      if (this.presence) {
        void client.invalidateQueries({
          predicate: ({ queryKey }) => queryKey[0] === 'ticket' && queryKey[2] === 'presence',
        });
      }
    }
    this.everything = this.viewPages = this.viewCounts = this.presence = false;
    this.tickets.clear();
  }
}
