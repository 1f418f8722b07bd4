import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { isWriteConflict, retryingConflicts } from '../../src/db/transaction.ts';
import { errorHandler } from '../../src/http/shared/errors.ts';

/** An error as the pg driver and better-sqlite3 raise them: what counts is `code`. */
function dbError(code: string): Error {
  return Object.assign(new Error(`database said ${code}`), { code });
}

describe('database errors', () => {
  it('runs work again after a deadlock, and at most three times in all', async () => {
    let runs = 0;
    const value = await retryingConflicts(async () => {
      runs += 1;
      if (runs === 1) throw dbError('40P01');
      return 'done';
    });
    assert.equal(value, 'done');
    assert.equal(runs, 2);

    runs = 0;
    await assert.rejects(
      retryingConflicts(async () => {
        runs += 1;
        throw dbError('23505');
      }),
      /23505/,
    );
    assert.equal(runs, 3);
  });

  it('does not run again what no concurrent writer caused', async () => {
    for (const err of [dbError('22P02'), dbError('SQLITE_CONSTRAINT_UNIQUE'), new Error('x'), 7]) {
      let runs = 0;
      await assert.rejects(
        retryingConflicts(async () => {
          runs += 1;
          throw err;
        }),
      );
      assert.equal(runs, 1, String(err));
    }
  });

  it('answers a lost race with 409, an unavailable database with 503, anything else with 500', async () => {
    assert.ok(isWriteConflict(dbError('SQLITE_CONSTRAINT_FOREIGNKEY')));
    assert.ok(!isWriteConflict(dbError('SQLITE_CONSTRAINT_NOTNULL')));
    const app = Fastify({ logger: false });
    app.setErrorHandler(errorHandler);
    app.get('/:code', async (req) => {
      throw dbError((req.params as { code: string }).code);
    });
    for (const code of ['23505', '23503', '40P01', '40001', 'SQLITE_CONSTRAINT_UNIQUE']) {
      const res = await app.inject({ method: 'GET', url: `/${code}` });
      assert.equal(res.statusCode, 409, code);
      assert.equal(res.json().error, 'Conflict');
    }
    // The database away (PostgreSQL down, out of connections; SQLite locked by another process
    // or out of disk): 503 with Retry-After, which clients and load balancers retry.
    for (const code of ['08006', '53300', '57P01', 'ECONNREFUSED', 'SQLITE_BUSY', 'SQLITE_FULL']) {
      const res = await app.inject({ method: 'GET', url: `/${code}` });
      assert.equal(res.statusCode, 503, code);
      assert.equal(res.headers['retry-after'], '5');
      assert.equal(res.json().error, 'ServiceUnavailable');
    }
    const other = await app.inject({ method: 'GET', url: '/XX000' });
    assert.equal(other.statusCode, 500);
    assert.deepEqual(Object.keys(other.json()), ['error', 'description']);
    assert.equal(other.headers['retry-after'], undefined);
    await app.close();
  });
});
