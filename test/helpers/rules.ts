import assert from 'node:assert/strict';
import type { TestDesk } from './harness.ts';

/**
 * Turns the default triggers off, for suites about what rules do with effects they are handed:
 * a new help desk's triggers (notify the assignee, the group) would add notifications of their
 * own to every ticket those suites write.
 */
export async function deactivateDefaultTriggers(desk: TestDesk): Promise<void> {
  const list = await desk.api('GET', '/api/v2/triggers');
  assert.equal(list.status, 200, JSON.stringify(list.body));
  for (const t of list.body.triggers) {
    if (!t.default || !t.active) continue;
    const res = await desk.api('PUT', `/api/v2/triggers/${t.id}`, { trigger: { active: false } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
}
