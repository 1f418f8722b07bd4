import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Actor, type Conn, operatorActor } from '../../src/desk/context.ts';
import { ForbiddenError } from '../../src/desk/errors.ts';
import { authorize, can } from '../../src/desk/policies/authorize.ts';
import { API_VIA } from '../../src/desk/via.ts';

// Admins, end users and agents without a custom role are answered without a query.
const noDb = {} as Conn;

function actor(id: number, role: 'admin' | 'agent' | 'end-user'): Actor {
  return { user: { ...operatorActor.user, id, role, name: role }, via: API_VIA };
}

describe('user policies', () => {
  const admin = actor(1, 'admin');
  const agent = actor(2, 'agent');
  const endUser = actor(3, 'end-user');

  it('lets agents edit end users and themselves, admins anyone, end users nobody', async () => {
    const other = { id: 9, role: 'agent' as const };
    assert.equal(await can(noDb, agent, 'user:edit', { id: 8, role: 'end-user' }), true);
    assert.equal(await can(noDb, agent, 'user:edit', { id: 2, role: 'agent' }), true);
    assert.equal(await can(noDb, agent, 'user:edit', other), false);
    assert.equal(await can(noDb, admin, 'user:edit', other), true);
    assert.equal(await can(noDb, endUser, 'user:edit', { id: 3, role: 'end-user' }), false);
  });

  it('refuses role and suspension changes by non-admins with the reason', async () => {
    await assert.rejects(authorize(noDb, agent, 'user:set-role'), {
      constructor: ForbiddenError,
      message: 'Only admins can set roles.',
    });
    await assert.rejects(authorize(noDb, agent, 'user:suspend'), {
      message: 'Only admins can suspend users.',
    });
    await authorize(noDb, admin, 'user:set-role');
  });

  it('answers the operator (the parley command) as an admin', async () => {
    assert.equal(await can(noDb, operatorActor, 'api-token:manage'), true);
    assert.equal(await can(noDb, agent, 'api-token:manage'), false);
  });
});
