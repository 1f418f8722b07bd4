import os from 'node:os';
import { TooManyRequestsError } from './errors.ts';

/**
 * A bound on password hashes computed at once. argon2 (@node-rs/argon2, through napi async
 * work) and scrypt both run on libuv's thread pool, four threads by default, which file reads,
 * DNS lookups and zlib share: measured on the 2-core VM, a file read queued behind eight
 * argon2 hashes waited 380 ms instead of 1 ms, and before this bound 100 concurrent bad
 * sign-ins made an attachment download take 26 s. So at most half the cores hash at once
 * (one here), leaving the pool and a core to everything else; further hashes wait their turn.
 */
export class HashSlots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  /** Slot runs begun since the process started, and the most ever at once (tests, metrics). */
  started = 0;
  peak = 0;

  constructor(
    readonly concurrency: number,
    /** Checks that may be refused are, once this many hashes wait (see `run`). */
    readonly maxWaiting: number,
  ) {}

  /**
   * Runs `fn` in a slot. With `refuseWhenBusy` (password checks, which anyone can send) it
   * throws TooManyRequestsError instead of joining a full queue: a longer queue would only
   * make every sign-in slower and hold more memory. Hashing a new password (an admin or the
   * person themselves setting it) always waits its turn.
   */
  async run<T>(fn: () => Promise<T>, refuseWhenBusy = false): Promise<T> {
    if (this.running >= this.concurrency) {
      if (refuseWhenBusy && this.waiting.length >= this.maxWaiting) {
        throw new TooManyRequestsError('Too many sign-ins are being checked right now', 1);
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    this.started++;
    this.peak = Math.max(this.peak, this.running);
    try {
      return await fn();
    } finally {
      // The slot passes straight to the next in line, so `running` stays counted for it.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

/** The process's one set of slots: the thread pool it protects is per process too. */
export const passwordHashSlots = new HashSlots(
  Math.max(1, Math.floor(os.availableParallelism() / 2)),
  // About a second of work at argon2's 15-60 ms per check on this VM.
  32,
);
