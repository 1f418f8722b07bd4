import { EventEmitter } from 'node:events';

/**
 * The wake-up calls of one Parley instance's job workers, by queue. Each instance holds its own,
 * so that several instances in one process (tests, benchmarks) wake only their own workers, as
 * separate processes do; a worker that no signal reaches finds its jobs at its next poll.
 */
export class JobSignals {
  private readonly emitter = new EventEmitter();

  constructor() {
    // One listener per worker of a queue; more than the default ten is no leak.
    this.emitter.setMaxListeners(100);
  }

  /**
   * Wakes the workers of `queue`, on the next turn of the event loop: the job's transaction may
   * not have committed yet, so a woken worker also looks again shortly after (startWorker).
   */
  wake(queue: string): void {
    setImmediate(() => this.emitter.emit(queue));
  }

  /** Calls `listener` on every wake-up of `queue`; returns the function that stops it. */
  on(queue: string, listener: () => void): () => void {
    this.emitter.on(queue, listener);
    return () => this.emitter.off(queue, listener);
  }
}
