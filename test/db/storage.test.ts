import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { type Db, migrateToLatest, openDatabase } from '../../src/db/index.ts';
import { ensureDefaultBrand } from '../../src/desk/brands.ts';
import { postgresServerUrl } from '../helpers/harness.ts';
import { createTestDatabase } from '../helpers/postgres.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SQLite: WAL checkpoints on a worker thread', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'parley-ckpt-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the database file receives the WAL while the writer never checkpoints', async () => {
    const file = path.join(dir, 'parley.db');
    const db = openDatabase({ kind: 'sqlite', file }, { backgroundCheckpoints: true });
    try {
      const { rows: setting } = await sql<{
        wal_autocheckpoint: number;
      }>`pragma wal_autocheckpoint`.execute(db);
      assert.equal(setting[0].wal_autocheckpoint, 10_000);
      await sql`create table filler (id integer primary key, data blob)`.execute(db);
      const before = statSync(file).size;
      // ~8 MB: 2,000 pages, below the writer's own threshold of 10,000, so only the worker
      // can have moved them into the database file.
      const row = Buffer.alloc(4000, 7);
      for (let i = 0; i < 2000; i++) {
        await sql`insert into filler (data) values (${row})`.execute(db);
      }
      let size = statSync(file).size;
      for (let i = 0; i < 100 && size < before + 4_000_000; i++) {
        await sleep(20);
        size = statSync(file).size;
      }
      assert.ok(size >= before + 4_000_000, `database file grew only to ${size} bytes`);
      const { rows } = await sql<{ n: number }>`select count(*) as n from filler`.execute(db);
      assert.equal(rows[0].n, 2000);
    } finally {
      await db.destroy();
    }
  });
});

describe('PostgreSQL storage', () => {
  let db: Db;
  let drop: () => Promise<void>;
  before(async () => {
    const created = await createTestDatabase(await postgresServerUrl());
    drop = created.drop;
    // One connection, so that every statement below runs in the same session.
    db = openDatabase({ kind: 'postgres', url: created.url, poolSize: 1 });
    await migrateToLatest(db);
    await ensureDefaultBrand(db, new Date().toISOString());
  });
  after(async () => {
    await db.destroy();
    await drop();
  });

  test('parameterised statements are prepared once per connection', async () => {
    const before = await sql<{ n: number }>`
      select count(*)::int as n from pg_prepared_statements where name like 'parley_%'`.execute(db);
    for (let i = 0; i < 3; i++) {
      await db.selectFrom('users').select('id').where('id', '=', i).execute();
    }
    const { rows } = await sql<{ statement: string }>`
      select statement from pg_prepared_statements where name like 'parley_%'`.execute(db);
    assert.equal(rows.length, before.rows[0].n + 1);
    assert.ok(rows.some((r) => r.statement.includes('from "users" where "id" = $1')));
  });

  test('a statement whose result columns change is prepared again after one failure', async () => {
    await sql`create table reshaped (a integer)`.execute(db);
    await sql`insert into reshaped values (1)`.execute(db);
    const read = () =>
      sql<Record<string, unknown>>`select * from reshaped where a = ${1}`.execute(db);
    assert.deepEqual((await read()).rows, [{ a: 1 }]);
    // As another node's migration would.
    await sql`alter table reshaped add column b integer default 2`.execute(db);
    await assert.rejects(read(), (err: { code?: string }) => err.code === '0A000');
    assert.deepEqual((await read()).rows, [{ a: 1, b: 2 }]);
  });
});
