import type { Conn } from './context.ts';
import type { FieldChange } from './tickets/plan-ticket-write.ts';
import type { Via } from './via.ts';
import type { WriteRules } from './tickets/write-rules.ts';

/**
 * Desk events: what a committed write did, told to whatever works on it (Slack delivery today;
 * triggers, webhooks, realtime and reports next) without the desk knowing any of them.
 *
 * One bus per Parley instance (built by the composition root), not per process: several
 * instances in one process (tests, benchmarks) each see their own writes only, as separate
 * processes do. Work that must not be lost is never left to the bus: a processor writes it as
 * an outbox row inside the write's transaction (inTransaction), so it commits or rolls back with
 * the write. The bus itself only feeds in-process listeners and wakes workers (afterCommit).
 */

/** A comment a ticket write added. */
export interface CommentAdded {
  id: number;
  public: boolean;
  authorId: number;
  authorIsAgent: boolean;
}

/**
 * A side effect a business rule asked for (a notification, a webhook call), as data: the rules
 * decide, processors on the bus carry it out (as outbox rows written with the ticket write).
 * `recipient` is Zendesk's: a user id, or `requester_id`, `assignee_id`, `current_user`,
 * `all_agents`, `group_id` (notification_group: a group id or `group_id`).
 */
export type RuleEffect =
  | { type: 'notification_user'; recipient: string | number; subject: string; body: string }
  | { type: 'notification_group'; recipient: string | number; subject: string; body: string }
  | { type: 'notification_webhook'; webhookId: number; body: string };

/** A rule's side effect with the rule that fired it (a trigger, or an automation's update). */
export interface FiredEffect {
  rule: { kind: 'trigger' | 'automation'; id: number; title: string };
  effect: RuleEffect;
}

/** One committed ticket write: exactly what its audit recorded. */
export interface TicketWritten {
  ticketId: number;
  auditId: number;
  /** The write created the ticket. */
  created: boolean;
  /** Every audited field the write changed, with its value before (null for a create). */
  changes: FieldChange[];
  comments: CommentAdded[];
  actor: { userId: number; via: Via };
  /** The side effects the write's rules asked for, in the order they fired ([] for none). */
  effects: FiredEffect[];
}

/** An in-app notification written for a user (the web workspace's realtime shows it). */
export interface NotificationCreated {
  notificationId: number;
  userId: number;
  ticketId: number | null;
}

/**
 * A public reply's delivery to its channel changed state (sending, delivered, failed with the
 * channel's reason, or pending again before a retry): the agent workspace shows it live.
 */
export interface CommentDelivery {
  commentId: number;
  ticketId: number;
  status: string;
  /** The channel's error code (Slack's `channel_not_found`…), null when none. */
  reason: string | null;
}

export interface DeskEventMap {
  'ticket.written': TicketWritten;
  'notification.created': NotificationCreated;
  'comment.delivery': CommentDelivery;
}

export type DeskEventName = keyof DeskEventMap;

export type DeskEventOf<K extends DeskEventName> = { name: K } & DeskEventMap[K];

export type DeskEvent = { [K in DeskEventName]: DeskEventOf<K> }[DeskEventName];

/**
 * Something that works on desk events and says which ones (the shape of Outline's queue
 * processors), so that the bus hands each only what it handles.
 */
export interface Processor {
  name: string;
  handles: readonly DeskEventName[];
  /**
   * Runs inside the write's transaction, before it commits: for durable work, written as
   * outbox rows. Throwing rolls the write back. May run more than once for one write when the
   * transaction is run again (a PostgreSQL conflict, a SQLite group rerun); each run's rows go
   * with its transaction, so only the committed run's rows remain.
   */
  inTransaction?(trx: Conn, event: DeskEvent): Promise<void>;
  /**
   * Runs once the write has committed, once per write: never for a write rolled back, never
   * again for an attempt run again. Errors are logged, never thrown into the writer, whose
   * work is done; what must not be lost belongs in inTransaction.
   */
  afterCommit?(event: DeskEvent): void | Promise<void>;
}

/** Where errors of afterCommit handlers go (a pino logger fits). */
export interface EventErrorLog {
  error(obj: object, msg: string): void;
}

export class DeskEvents {
  private readonly processors = new Set<Processor>();
  private rules: WriteRules | undefined;

  constructor(private readonly log?: EventErrorLog) {}

  /** Adds a processor; returns the function that removes it. */
  register(processor: Processor): () => void {
    this.processors.add(processor);
    return () => this.processors.delete(processor);
  }

  /**
   * Calls `listener` with each event named `name` after its write committed (realtime, rules):
   * an afterCommit-only processor. Returns the function that stops it.
   */
  on<K extends DeskEventName>(name: K, listener: (event: DeskEventOf<K>) => void): () => void {
    return this.register({
      name: `listener:${name}`,
      handles: [name],
      afterCommit: (event) => {
        listener(event as unknown as DeskEventOf<K>);
      },
    });
  }

  /**
   * Sets the rules every ticket write runs between planning and persisting (the triggers),
   * registered by the composition root; returns the function that removes them.
   */
  useWriteRules(rules: WriteRules): () => void {
    this.rules = rules;
    return () => {
      if (this.rules === rules) this.rules = undefined;
    };
  }

  /** The rules ticket writes run, if any are registered. */
  get writeRules(): WriteRules | undefined {
    return this.rules;
  }

  /** The events of one transaction attempt, collected as it writes. */
  begin(): TransactionEvents {
    return new TransactionEvents(this);
  }

  /** @internal The processors that handle `name`, in the order they were registered. */
  handlersOf(name: DeskEventName): Processor[] {
    return [...this.processors].filter((p) => p.handles.includes(name));
  }

  /** @internal Runs the afterCommit handlers of one event; none of them can throw here. */
  deliver(event: DeskEvent): void {
    for (const p of this.handlersOf(event.name)) {
      if (!p.afterCommit) continue;
      const fail = (err: unknown) =>
        this.log?.error({ err, processor: p.name, event: event.name }, 'desk event handler failed');
      try {
        const done = p.afterCommit(event);
        if (done instanceof Promise) done.catch(fail);
      } catch (err) {
        fail(err);
      }
    }
  }
}

/**
 * The events of one transaction attempt. A write emits into it inside the transaction (the
 * processors' inTransaction run then); whoever owns the transaction publishes it after commit.
 */
export class TransactionEvents {
  private readonly events: DeskEvent[] = [];

  constructor(private readonly bus: DeskEvents) {}

  /** The rules the writes of this transaction run (see DeskEvents.useWriteRules). */
  get writeRules(): WriteRules | undefined {
    return this.bus.writeRules;
  }

  async emit(trx: Conn, event: DeskEvent): Promise<void> {
    for (const p of this.bus.handlersOf(event.name)) await p.inTransaction?.(trx, event);
    this.events.push(event);
  }

  /** After commit: hands the events to the afterCommit handlers, once. */
  publish(): void {
    for (const event of this.events.splice(0)) this.bus.deliver(event);
  }
}

/**
 * For the function that owns a transaction: its work calls `attempt()` at the start of each run
 * for that run's events, and `publishAfter` awaits the transaction and publishes the events of
 * the run that committed. A transaction may run its work more than once (PostgreSQL conflicts
 * rerun it, SQLite's group commit reruns a member alone after its group failed): each rerun
 * calls attempt() again, so the last run's events, the committed ones, are published, and a
 * write that finally failed publishes nothing. The promise must be of a transaction the owner
 * opened itself, not one that joined its caller's, or "resolved" would not mean "committed".
 *
 *     const events = new EventsAfterCommit(bus);
 *     const committed = writeTransaction(db, async (trx) => {
 *       const run = events.attempt();
 *       …
 *     });
 *     return events.publishAfter(committed);
 */
export class EventsAfterCommit {
  private last: TransactionEvents | undefined;

  // The bus is required: a write without one would skip its processors' outbox rows (a
  // public reply never sent to Slack), so no caller may leave it out by accident.
  constructor(private readonly bus: DeskEvents) {}

  attempt(): TransactionEvents {
    this.last = this.bus.begin();
    return this.last;
  }

  async publishAfter<T>(transaction: Promise<T>): Promise<T> {
    const result = await transaction;
    this.last?.publish();
    return result;
  }
}
