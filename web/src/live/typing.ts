/** "typing" is sent at most this often while keys come… */
export const TYPING_THROTTLE_MS = 3_000;
/** …and goes back to "viewing" after this long without a key. */
export const TYPING_IDLE_MS = 5_000;

/**
 * Turns keystrokes into presence for the other agents: "typing" on the first key and then at
 * most every 3 s (it lapses on the server after 30 s), "viewing" 5 s after the last key.
 */
export class TypingReporter {
  private idle: ReturnType<typeof setTimeout> | null = null;
  private lastSent = -Infinity;

  constructor(
    private readonly send: (state: 'typing' | 'viewing') => void,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Whether a key came in the last few seconds (the heartbeat then renews "typing"). */
  get typing(): boolean {
    return this.idle !== null;
  }

  keystroke(): void {
    const now = this.now();
    if (now - this.lastSent >= TYPING_THROTTLE_MS) {
      this.lastSent = now;
      this.send('typing');
    }
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => {
      this.idle = null;
      this.lastSent = -Infinity;
      this.send('viewing');
    }, TYPING_IDLE_MS);
  }

  /** The page is left: nothing more is sent (leaving says "left"). */
  dispose(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
  }
}
