import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { User } from '../../src/db/types.ts';
import { StreamConnection } from '../../src/realtime/connection.ts';
import type { PresenceChange } from '../../src/realtime/presence.ts';

/** One agent's stream: what it writes while its replay runs and after. */
describe('a stream connection', () => {
  const open = () => {
    const frames: string[] = [];
    const user = { id: 7, name: 'Ada' } as User;
    const conn = new StreamConnection(
      user,
      { kind: 'all' },
      10,
      { write: (t) => frames.push(t), end: () => {} },
      60_000,
      () => {},
    );
    return { conn, frames };
  };
  const change = (userId: number, state: PresenceChange['state']): PresenceChange => ({
    ticketId: 3,
    messaging: true,
    user: { id: userId, name: `user ${userId}` },
    state,
    expiresAt: 0,
  });
  const presenceOf = (frames: string[]) =>
    frames
      .filter((f) => f.includes('event: presence'))
      .map((f) => JSON.parse(/data: (.*)/.exec(f)![1]!) as { user: { id: number }; state: string });

  it('holds presence told during its replay and sends the newest per agent after it', () => {
    const { conn, frames } = open();
    conn.presence(change(8, 'viewing'));
    conn.presence(change(9, 'viewing'));
    conn.presence(change(8, 'typing'));
    assert.deepEqual(presenceOf(frames), []);
    conn.caughtUp();
    assert.deepEqual(
      presenceOf(frames).map((p) => [p.user.id, p.state]),
      [
        [8, 'typing'],
        [9, 'viewing'],
      ],
    );
    conn.presence(change(9, 'left'));
    assert.deepEqual(presenceOf(frames).at(-1), { ...presenceOf(frames).at(-1), state: 'left' });
    assert.equal(presenceOf(frames).length, 3);
  });

  it('tells no presence of a messaging ticket to an agent without chat access', () => {
    const { conn, frames } = open();
    conn.scope = { kind: 'not-messaging' };
    conn.presence(change(8, 'viewing'));
    conn.caughtUp();
    conn.presence(change(9, 'viewing'));
    assert.deepEqual(presenceOf(frames), []);
  });
});
