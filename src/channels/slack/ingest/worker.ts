import type { SlackInboxRow } from '../../../db/types.ts';
import { isPostgres } from '../../../db/dialect.ts';
import { parseJson } from '../../../desk/time.ts';
import { parseEnvelope } from '../classify.ts';
import type { SlackContext } from '../context.ts';
import { applyBatch } from './apply-batch.ts';
import { groupLanes } from './lanes.ts';
import { passLookups } from './lookups.ts';
import { IngestPacing, yieldToEventLoop } from './pacing.ts';
import { readPending, readyRows, waitUntilDrained } from './pending.ts';
import { EventPreparer } from './prepare.ts';
import type { Prepared } from './prepared.ts';
import { deferOrFail, RetryBound } from './retries.ts';

/**
 * Drains the Slack inbox: each pass reads pending events in order, prepares them (network, no
 * transaction), then applies them in as few transactions as fit, yielding to acks in a burst.
 */
export class IngestWorker {
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private lastPassFull = false;
  private readonly bound: RetryBound;
  private readonly pacing = new IngestPacing(() => this.stopped);
  private readonly preparer: EventPreparer;

  constructor(
    private readonly ctx: SlackContext,
    private readonly opts: {
      batchSize?: number;
      idlePollMs?: number;
      /** See DEFAULT_RETRY_BOUND_MS (tests shorten it). */
      retryBoundMs?: number;
    } = {},
  ) {
    this.bound = new RetryBound(opts.retryBoundMs);
    this.preparer = new EventPreparer(ctx, this.bound.boundMs);
  }

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** New rows are in the inbox (`events` of them, when the inbox tells): look now. */
  kick(events?: number): void {
    this.pacing.noteKick(events);
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.pass()
        .catch((err) => this.ctx.logger.error({ err }, 'slack ingest pass failed'))
        .finally(() => {
          this.running = null;
          const more = this.again;
          this.again = false;
          this.schedule(more || this.lastPassFull ? 0 : (this.opts.idlePollMs ?? 500));
        });
    }, ms);
  }

  /** Resolves once every inbox row is processed (tests and benchmarks). */
  async drained(timeoutMs = 30_000): Promise<void> {
    await waitUntilDrained(this.ctx.db, () => this.kick(), timeoutMs);
  }

  /** One pass: read pending events in order, prepare them, then apply them (see applyLane). */
  private async pass(): Promise<void> {
    const now = new Date().toISOString();
    const { rows, full } = await readPending(this.ctx.db, this.opts.batchSize);
    this.lastPassFull = full;
    if (rows.length === 0) return;
    // An event waiting for a retry holds back the later events of its conversation.
    const blocked = new Set<string>();
    const ready = readyRows(rows, now, blocked);
    if (ready.length === 0) {
      this.lastPassFull = false;
      return;
    }
    const prepared = await this.prepareAll(ready, blocked);
    const applicable = prepared.filter((p) => !blocked.has(p.row.conversation_key ?? ''));
    if (applicable.length === 0) return;
    await this.applyPrepared(applicable, blocked);
  }

  /** Prepares events in order; one that fails holds back its conversation's later events. */
  private async prepareAll(ready: SlackInboxRow[], blocked: Set<string>): Promise<Prepared[]> {
    const envs = new Map(ready.map((r) => [r.id, parseEnvelope(parseJson(r.payload, null))]));
    const lookups = await passLookups(this.ctx.db, [...envs.values()]);
    const prepared: Prepared[] = [];
    let slice = performance.now();
    for (const row of ready) {
      // Preparing is mostly CPU when no Slack call is needed: let requests in now and then.
      if (performance.now() - slice > this.pacing.sliceMs()) {
        await yieldToEventLoop();
        slice = performance.now();
      }
      const attempt = this.bound.attemptAt(row, Date.now());
      try {
        prepared.push(await this.preparer.prepare(row, attempt, envs.get(row.id) ?? null, lookups));
      } catch (err) {
        await deferOrFail(this.ctx, this.bound, row, attempt, err);
        // Later events of this conversation must wait for this one.
        const key = row.conversation_key;
        if (key) {
          for (let i = prepared.length - 1; i >= 0; i--) {
            if (prepared[i]!.row.conversation_key === key) prepared.splice(i, 1); // i < length
          }
          blocked.add(key);
        }
      }
    }
    return prepared;
  }

  /** SQLite applies everything as one lane; PostgreSQL spreads lanes over transactions. */
  private async applyPrepared(applicable: Prepared[], blocked: Set<string>): Promise<void> {
    if (!isPostgres(this.ctx.db)) {
      await this.applyLane(applicable, [], blocked);
      return;
    }
    // Conversations are independent: PostgreSQL applies several groups of lanes at once, which
    // hides the round trips each statement costs. Order within a conversation is kept because
    // all of its events are in one lane, applied in order under that lane's lock.
    const groups = groupLanes(applicable);
    // Two connections stay free for the requests (acks) and the delivery worker.
    const { database } = this.ctx.config;
    const poolSize = database.kind === 'postgres' ? database.poolSize : 1;
    const parallel = this.pacing.inBurst()
      ? 1
      : Math.max(1, Math.min(8, poolSize - 2, groups.length));
    const runner = async () => {
      for (let next = groups.shift(); next; next = groups.shift()) {
        await this.applyLane(next.events, next.lanes, blocked);
        if (parallel === 1 && groups.length > 0) await this.pacing.rest();
      }
    };
    await Promise.all(Array.from({ length: parallel }, runner));
  }

  /**
   * Applies events in order in as few transactions as fit: on PostgreSQL all in one, on SQLite
   * in transactions sized to a time slice with the event loop let in between.
   */
  private async applyLane(list: Prepared[], lanes: number[], blocked: Set<string>): Promise<void> {
    const pg = isPostgres(this.ctx.db);
    let rest = list;
    while (rest.length > 0) {
      const size = pg ? rest.length : this.pacing.eventsPerSlice(rest.length);
      const chunk = rest.slice(0, size);
      const started = performance.now();
      try {
        await applyBatch(this.ctx, chunk, lanes);
        this.pacing.noteApplied(started);
      } catch (err) {
        await this.applyOneByOne(rest, lanes, blocked, err);
        return;
      }
      if (!pg) this.pacing.noteEventCost(started, chunk.length);
      rest = rest.slice(size);
      if (rest.length > 0) await this.pacing.rest();
    }
  }

  /** One bad event must not hold back the others: apply them one by one to find it. */
  private async applyOneByOne(
    rest: Prepared[],
    lanes: number[],
    blocked: Set<string>,
    err: unknown,
  ): Promise<void> {
    this.ctx.logger.warn({ err }, 'slack ingest batch failed; applying events one by one');
    for (const p of rest) {
      if (p.row.conversation_key && blocked.has(p.row.conversation_key)) continue;
      try {
        await applyBatch(this.ctx, [p], lanes);
      } catch (one) {
        await deferOrFail(this.ctx, this.bound, p.row, p.attempt, one);
        if (p.row.conversation_key) blocked.add(p.row.conversation_key);
      }
    }
  }
}
