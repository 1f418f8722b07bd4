import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { TYPING_IDLE_MS, TYPING_THROTTLE_MS, TypingReporter } from '../../web/src/live/typing.ts';

/** The composer's keystrokes as presence: "typing" throttled, "viewing" after a pause. */
describe('the typing reporter', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 }));
  afterEach(() => mock.timers.reset());

  it('says typing on the first key, at most every 3 s while keys come, viewing after a pause', () => {
    const sent: string[] = [];
    const r = new TypingReporter((s) => sent.push(s));
    assert.equal(r.typing, false);
    r.keystroke();
    assert.deepEqual(sent, ['typing']);
    assert.equal(r.typing, true);
    // A key every 100 ms for 7 s: "typing" renewed at 3 s and 6 s, never "viewing".
    for (let t = 100; t <= 7_000; t += 100) {
      mock.timers.tick(100);
      r.keystroke();
    }
    assert.deepEqual(sent, ['typing', 'typing', 'typing']);
    mock.timers.tick(TYPING_IDLE_MS - 1);
    assert.deepEqual(sent, ['typing', 'typing', 'typing']);
    mock.timers.tick(1);
    assert.deepEqual(sent, ['typing', 'typing', 'typing', 'viewing']);
    assert.equal(r.typing, false);
    // The next key after the pause says "typing" again at once.
    mock.timers.tick(TYPING_THROTTLE_MS - 1_000);
    r.keystroke();
    assert.equal(sent.at(-1), 'typing');
    r.dispose();
  });

  it('sends nothing more once the page is left', () => {
    const sent: string[] = [];
    const r = new TypingReporter((s) => sent.push(s));
    r.keystroke();
    r.dispose();
    mock.timers.tick(TYPING_IDLE_MS * 2);
    assert.deepEqual(sent, ['typing']);
    assert.equal(r.typing, false);
  });
});
