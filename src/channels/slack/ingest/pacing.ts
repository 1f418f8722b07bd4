/**
 * SQLite: how long one ingest transaction may hold the single connection. better-sqlite3 runs
 * statements synchronously, so the transaction also holds the event loop, and every request
 * that arrives meanwhile waits for it. While events are arriving transactions are kept short,
 * so that acks (and agents' requests) wait little; when quiet, longer transactions spend less
 * on their fixed cost. Commits at NORMAL cost no fsync. Shorter slices ack faster in a burst
 * but fall behind a sustained stream; 5 ms keeps up with it (figures in docs/benchmarks.md).
 */
const SQLITE_BUSY_SLICE_MS = 5;
const SQLITE_QUIET_SLICE_MS = 10;
/**
 * A burst: this many requests, on average, shared each recent inbox commit. They queue behind
 * every ingest transaction, so its slice shrinks to SQLITE_BURST_SLICE_MS and acks run ahead
 * while the backlog waits in the inbox. (A steady stream puts only a few in each commit: see
 * docs/benchmarks.md.)
 */
const BURST_BATCH = 8;
const SQLITE_BURST_SLICE_MS = 2;
/**
 * During a burst, ingest rests after each transaction for this many times as long as the
 * transaction took (and PostgreSQL applies one group of lanes at a time), so that acks get about five
 * sixths of the time: an acked event is safe in the inbox, and Slack retries (and people see
 * duplicates) when acks are slow, not when comments appear a second later. Ingest still moves
 * in a burst and runs at full speed as soon as it ends. Longer rests gave more acks a second
 * and the burst was applied sooner, not later (figures in docs/benchmarks.md).
 */
const BURST_REST_FACTOR = 5;
const BURST_REST_MAX_MS = 200;
/** Events written to the inbox within this long mean that requests are arriving. */
const BUSY_WINDOW_MS = 100;

export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * How hard ingest may press on the event loop: it watches the inbox's commits and its own
 * transactions, and in a burst leaves the loop to the acks.
 */
export class IngestPacing {
  /** SQLite: recent cost of applying one event, to size transactions to a time slice. */
  private msPerEvent = 1;
  /** When the inbox last told of new events. */
  private lastKick = 0;
  /** Recent number of events per inbox commit (a moving average). */
  private eventsPerWrite = 0;
  /** Wall time of the last ingest transaction. */
  private lastApplyMs = 1;

  constructor(private readonly stopped: () => boolean) {}

  /** The inbox told of new rows (`events` of them, when it says). */
  noteKick(events?: number): void {
    this.lastKick = performance.now();
    if (events !== undefined) this.eventsPerWrite = 0.8 * this.eventsPerWrite + 0.2 * events;
  }

  /** An ingest transaction that started at `started` has committed. */
  noteApplied(started: number): void {
    this.lastApplyMs = performance.now() - started;
  }

  /** SQLite: `events` took from `started` until now; transactions are sized from this. */
  noteEventCost(started: number, events: number): void {
    const perEvent = (performance.now() - started) / events;
    this.msPerEvent = 0.7 * this.msPerEvent + 0.3 * perEvent;
  }

  /** SQLite: how many of `pending` events fit the current time slice (at least one). */
  eventsPerSlice(pending: number): number {
    return Math.max(1, Math.min(pending, Math.floor(this.sliceMs() / this.msPerEvent)));
  }

  sliceMs(): number {
    if (!this.busy()) return SQLITE_QUIET_SLICE_MS;
    return this.inBurst() ? SQLITE_BURST_SLICE_MS : SQLITE_BUSY_SLICE_MS;
  }

  /** Events are arriving. */
  private busy(): boolean {
    return performance.now() - this.lastKick < BUSY_WINDOW_MS;
  }

  /** Requests are arriving many to an inbox commit: acks come first. */
  inBurst(): boolean {
    return this.busy() && this.eventsPerWrite >= BURST_BATCH;
  }

  /** Between two ingest transactions: let requests in, and in a burst leave them the loop. */
  rest(): Promise<void> {
    if (this.stopped() || !this.inBurst()) return yieldToEventLoop();
    const ms = Math.min(BURST_REST_MAX_MS, BURST_REST_FACTOR * this.lastApplyMs);
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}
