import { DeskEvents } from '../../src/desk/events.ts';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Migrator, sql } from 'kysely';
import { type DatabaseConfig, loadConfig } from '../../src/config.ts';
import { writeTransaction } from '../../src/db/group-commit.ts';
import { type Db, migrateToLatest, openDatabase } from '../../src/db/index.ts';
import { migrationProvider } from '../../src/db/migrations/index.ts';
import { countLiveTickets, recountLiveTickets } from '../../src/desk/tickets/count-tickets.ts';
import { deleteTicket } from '../../src/desk/tickets/update-ticket.ts';
import { ensureDefaultBrand } from '../../src/desk/brands.ts';
import { createTicket } from '../../src/desk/tickets/create-ticket.ts';
import { WriteBatch } from '../../src/desk/tickets/write-batch.ts';
import { loadTicket, writeTicket } from '../../src/desk/tickets/write-ticket.ts';
import { createUser } from '../../src/desk/users.ts';
import type { User } from '../../src/db/types.ts';
import { via } from '../../src/desk/via.ts';
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
      assert.equal(setting[0]!.wal_autocheckpoint, 10_000);
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
      assert.equal(rows[0]!.n, 2000);
    } finally {
      await db.destroy();
    }
  });
});

describe('SQLite: reads through a memory map', () => {
  test('PARLEY_SQLITE_MMAP_MB sets the map, 1 GiB unless told, 0 turns it off', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'parley-mmap-'));
    const mapped = async (env: Record<string, string>) => {
      const config = loadConfig({ PARLEY_DATA_DIR: dir, ...env });
      const db = openDatabase(config.database);
      try {
        const { rows } = await sql<{ mmap_size: number }>`pragma mmap_size`.execute(db);
        return rows[0]!.mmap_size;
      } finally {
        await db.destroy();
      }
    };
    try {
      assert.equal(await mapped({}), 1024 * 1024 * 1024);
      assert.equal(await mapped({ PARLEY_SQLITE_MMAP_MB: '64' }), 64 * 1024 * 1024);
      assert.equal(await mapped({ PARLEY_SQLITE_MMAP_MB: '0' }), 0);
      assert.throws(() => loadConfig({ PARLEY_DATA_DIR: dir, PARLEY_SQLITE_MMAP_MB: '-1' }), {
        message: /PARLEY_SQLITE_MMAP_MB/,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SQLite: rows built from arrays', () => {
  test('keep their keys and values, and follow a schema change', async () => {
    const db = openDatabase({ kind: 'sqlite', file: ':memory:' });
    try {
      await sql`create table shapes (id integer primary key, name text, size real)`.execute(db);
      await sql`insert into shapes (name, size) values (${'disc'}, ${1.5}), (${null}, ${2})`.execute(
        db,
      );
      const read = () => sql`select * from shapes order by id`.execute(db);
      assert.deepEqual((await read()).rows, [
        { id: 1, name: 'disc', size: 1.5 },
        { id: 2, name: null, size: 2 },
      ]);
      // As with better-sqlite3's own objects, the last of two equally named columns wins.
      const { rows: twice } = await sql`select 1 as n, 2 as n, 'a"b' as "q""uote"`.execute(db);
      assert.deepEqual(twice, [{ n: 2, 'q"uote': 'a"b' }]);
      await sql`alter table shapes add column colour text default 'red'`.execute(db);
      assert.deepEqual((await read()).rows[0], { id: 1, name: 'disc', size: 1.5, colour: 'red' });
    } finally {
      await db.destroy();
    }
  });
});

describe('SQLite: writes that arrive together commit together', () => {
  test('one transaction for the group, and a failing write fails alone', async () => {
    const db = openDatabase({ kind: 'sqlite', file: ':memory:' });
    try {
      await sql`create table notes (id integer primary key, n integer not null)`.execute(db);
      const seen: unknown[] = [];
      const write = (n: number) =>
        writeTransaction(db, async (trx) => {
          seen.push(trx);
          await trx
            .insertInto('notes' as never)
            .values({ n } as never)
            .execute();
          if (n === 4) throw new Error('note 4 is refused');
          return n;
        });
      const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, n) => write(n)));
      assert.deepEqual(
        outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message)),
        [0, 1, 2, 3, 'note 4 is refused', 5, 6, 7, 8, 9],
      );
      const { rows } = await sql<{ n: number }>`select n from notes order by n`.execute(db);
      // Each write exactly once: the group's first run was rolled back, not kept.
      assert.deepEqual(
        rows.map((r) => r.n),
        [0, 1, 2, 3, 5, 6, 7, 8, 9],
      );
      // Notes 0-7 formed a group: 0-4 ran in one transaction until 4 failed, then 0-7 ran
      // alone, each in its own; 8 and 9 arrived as the next group.
      assert.equal(seen.length, 5 + 8 + 2);
      assert.equal(new Set(seen.slice(0, 5)).size, 1);
      assert.equal(new Set(seen.slice(5, 13)).size, 8);
      assert.equal(new Set(seen.slice(13)).size, 1);
    } finally {
      await db.destroy();
    }
  });

  test('ticket creates sent at once each land once; an invalid one among them alone fails', async () => {
    const db = openDatabase({ kind: 'sqlite', file: ':memory:' });
    try {
      await migrateToLatest(db);
      const now = new Date().toISOString();
      await ensureDefaultBrand(db, now);
      const agent = await createUser(db, { name: 'A', email: 'a@example.com', role: 'agent' }, now);
      const actor = { user: agent, via: via('api') };
      const open = await createTicket(db, actor, { comment: { body: 'open' } }, now, {
        events: new DeskEvents(),
      });
      const outcomes = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) =>
          createTicket(
            db,
            actor,
            {
              subject: `burst ${i}`,
              comment: { body: `message ${i}` },
              // Refused inside the transaction: a follow-up needs a closed source ticket.
              ...(i === 5 ? { via_followup_source_id: open.ticket.id } : {}),
            },
            now,
            { events: new DeskEvents() },
          ),
        ),
      );
      assert.deepEqual(
        outcomes.map((o) => o.status),
        outcomes.map((_, i) => (i === 5 ? 'rejected' : 'fulfilled')),
      );
      const rows = await db.selectFrom('tickets').select('subject').orderBy('id').execute();
      assert.deepEqual(
        rows.map((r) => r.subject).filter((s) => s?.startsWith('burst ')),
        outcomes.map((_, i) => `burst ${i}`).filter((_, i) => i !== 5),
      );
      const comments = await db.selectFrom('comments').select('id').execute();
      assert.equal(comments.length, 1 + 11);
    } finally {
      await db.destroy();
    }
  });
});

describe('PostgreSQL storage', () => {
  let db: Db;
  let drop: () => Promise<void>;
  let url: string;
  before(async () => {
    const created = await createTestDatabase(await postgresServerUrl());
    drop = created.drop;
    url = created.url;
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
    assert.equal(rows.length, before.rows[0]!.n + 1);
    assert.ok(rows.some((r) => r.statement.includes('from "users" where "id" = $1')));
  });

  test('PARLEY_DB_PREPARED_STATEMENTS=off sends every statement unnamed', async () => {
    const config = loadConfig({
      DATABASE_URL: url,
      PARLEY_DB_PREPARED_STATEMENTS: 'off',
      PARLEY_SECRET_KEY: '0'.repeat(64),
    });
    assert.equal(config.database.kind === 'postgres' && config.database.preparedStatements, false);
    const plain = openDatabase({ ...config.database, poolSize: 1 } as DatabaseConfig);
    try {
      for (let i = 0; i < 3; i++) {
        await plain.selectFrom('users').select('id').where('id', '=', i).execute();
      }
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from pg_prepared_statements`.execute(plain);
      assert.equal(rows[0]!.n, 0);
    } finally {
      await plain.destroy();
    }
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

  test('a write transaction that PostgreSQL aborts in a deadlock runs again', async () => {
    const pool = openDatabase({ kind: 'postgres', url, poolSize: 2 });
    try {
      await sql`create table crossing (id integer primary key, n integer not null)`.execute(pool);
      await sql`insert into crossing values (1, 0), (2, 0)`.execute(pool);
      let locked = 0;
      let bothLocked!: () => void;
      const barrier = new Promise<void>((r) => (bothLocked = r));
      let runs = 0;
      // Each locks its first row, waits until the other has too, then wants the other's row.
      const crossing = (first: number, second: number) =>
        writeTransaction(pool, async (trx) => {
          const attempt = ++runs;
          await sql`set local deadlock_timeout = '50ms'`.execute(trx);
          await sql`update crossing set n = n + 1 where id = ${first}`.execute(trx);
          if (attempt <= 2) {
            if (++locked === 2) bothLocked();
            await barrier;
          }
          await sql`update crossing set n = n + 1 where id = ${second}`.execute(trx);
          return attempt;
        });
      const outcomes = await Promise.allSettled([crossing(1, 2), crossing(2, 1)]);
      assert.deepEqual(
        outcomes.map((o) => o.status),
        ['fulfilled', 'fulfilled'],
      );
      assert.equal(runs, 3);
      const { rows } = await sql<{ n: number }>`select n from crossing order by id`.execute(pool);
      assert.deepEqual(
        rows.map((r) => r.n),
        [2, 2],
      );
    } finally {
      await sql`drop table if exists crossing`.execute(pool);
      await pool.destroy();
    }
  });

  test('a write batch leaves the same rows as writing each update at once', async () => {
    const now = new Date().toISOString();
    const agent = await createUser(
      db,
      { name: 'Agent', email: 'a@example.com', role: 'agent' },
      now,
    );
    const person = await createUser(db, { name: 'Person', email: 'p@example.com' }, now);
    const brand = await db.selectFrom('brands').select('id').executeTakeFirstOrThrow();
    const newTicket = async () =>
      (
        await writeTicket(db, {
          before: null,
          patch: { subject: 'Printer', requester_id: person.id, brand_id: brand.id },
          comment: { body: 'It jams.' },
          actor: person,
          via: via('api'),
          now,
          events: new DeskEvents().begin(),
        })
      ).ticket;
    // The same three updates on two pairs of tickets, at once and batched.
    const updates = (t: { a: number; b: number }) => [
      { id: t.a, actor: agent, patch: { status: 'pending' as const }, body: 'Which model?' },
      { id: t.b, actor: person, patch: {}, body: 'Also **the scanner**.' },
      { id: t.a, actor: person, patch: {}, body: 'The _LaserJet_.' },
    ];
    const direct = { a: (await newTicket()).id, b: (await newTicket()).id };
    const batched = { a: (await newTicket()).id, b: (await newTicket()).id };
    const later = new Date(Date.now() + 1000).toISOString();
    const apply = (ids: { a: number; b: number }, batch: boolean) =>
      db.transaction().execute(async (trx) => {
        const wb = batch ? new WriteBatch(trx, 2) : undefined;
        const current = new Map<number, Awaited<ReturnType<typeof loadTicket>>>();
        const commentIds: number[] = [];
        for (const u of updates(ids)) {
          const before = current.get(u.id) ?? (await loadTicket(trx, u.id));
          const r = await writeTicket(trx, {
            before,
            patch: u.patch,
            comment: { body: u.body },
            actor: u.actor,
            via: via('api'),
            now: later,
            batch: wb,
            events: new DeskEvents().begin(),
          });
          current.set(u.id, r.ticket);
          commentIds.push(r.commentId!);
        }
        await wb?.flush();
        return { current, commentIds };
      });
    await apply(direct, false);
    const b = await apply(batched, true);

    // The version promises only to change with the ticket: a batch raises it once for all of
    // its writes to a ticket, writes made at once raise it for each.
    const strip = (row: Record<string, unknown>) => {
      const { id: _id, description: _d, version: _v, ...rest } = row;
      return rest;
    };
    for (const key of ['a', 'b'] as const) {
      const x = await loadTicket(db, direct[key]);
      const y = await loadTicket(db, batched[key]);
      // What writeTicket returned for the batched write is what the batch then wrote.
      assert.deepEqual(strip(b.current.get(batched[key])!), strip(y));
      assert.deepEqual(strip(y), strip(x));
      assert.ok(y.version > 0 && x.version >= y.version, `${x.version} ${y.version}`);
    }
    assert.equal((await loadTicket(db, batched.a)).status, 'open');
    const shape = async (ticketId: number) => {
      const comments = await db
        .selectFrom('comments')
        .select(['id', 'audit_id', 'author_id', 'public', 'body', 'html_body', 'plain_body'])
        .where('ticket_id', '=', ticketId)
        .orderBy('id')
        .execute();
      const events = await db
        .selectFrom('audit_events')
        .innerJoin('audits', 'audits.id', 'audit_events.audit_id')
        .select(['audits.author_id', 'type', 'field_name', 'value', 'previous_value', 'comment_id'])
        .where('audit_events.ticket_id', '=', ticketId)
        .orderBy('audit_events.id')
        .execute();
      const index = new Map(comments.map((c, i) => [c.id, i]));
      return {
        comments: comments.map(({ id: _id, audit_id: _a, ...c }) => c),
        events: events.map((e) => ({
          ...e,
          comment_id: e.comment_id === null ? null : index.get(e.comment_id),
        })),
        // Each comment belongs to the audit whose Comment event names it.
        linked: comments.every((c) =>
          events.some((e) => e.comment_id === c.id && e.type === 'Comment'),
        ),
      };
    };
    for (const key of ['a', 'b'] as const) {
      const x = await shape(direct[key]);
      const y = await shape(batched[key]);
      assert.deepEqual(y, x);
      assert.ok(y.linked);
    }
    for (const id of b.commentIds) {
      const c = await db
        .selectFrom('comments')
        .select('id')
        .where('id', '=', id)
        .executeTakeFirst();
      assert.ok(c, `comment ${id} returned by the batched write exists`);
    }
  });
  test('a write made at once inside a batch keeps ids in the order of the writes', async () => {
    const now = new Date().toISOString();
    const person = await createUser(db, { name: 'Orderly', email: 'o@example.com' }, now);
    const brand = await db.selectFrom('brands').select('id').executeTakeFirstOrThrow();
    const start = (body: string, batch?: WriteBatch) =>
      writeTicket(db, {
        before: null,
        patch: { requester_id: person.id, brand_id: brand.id },
        comment: { body },
        actor: person,
        via: via('api'),
        now,
        batch,
        events: new DeskEvents().begin(),
      });
    const other = (await start('first')).ticket;
    const ids = await db.transaction().execute(async (trx) => {
      const batch = new WriteBatch(trx, 4);
      const comment = (before: typeof other, body: string) =>
        writeTicket(trx, {
          before,
          patch: {},
          comment: { body },
          actor: person,
          via: via('api'),
          now,
          batch,
          events: new DeskEvents().begin(),
        });
      // A batched write draws ids ahead; the create after it is written at once.
      await comment(other, 'on the other ticket');
      const created = await writeTicket(trx, {
        before: null,
        patch: { requester_id: person.id, brand_id: brand.id },
        comment: { body: 'opening' },
        actor: person,
        via: via('api'),
        now,
        batch,
        events: new DeskEvents().begin(),
      });
      const next = await comment(created.ticket, 'second');
      const last = await comment(next.ticket, 'third');
      await batch.flush();
      return [created, next, last].map((r) => ({ comment: r.commentId!, audit: r.auditId }));
    });
    for (let i = 1; i < ids.length; i++) {
      assert.ok(
        ids[i]!.comment > ids[i - 1]!.comment,
        `comment ids in write order: ${JSON.stringify(ids)}`,
      );
      assert.ok(
        ids[i]!.audit > ids[i - 1]!.audit,
        `audit ids in write order: ${JSON.stringify(ids)}`,
      );
    }
  });
});

/** A database of its own, not migrated: SQLite in memory, or a new database in the test server. */
async function emptyDatabase(
  kind: 'sqlite' | 'postgres',
  poolSize: number,
): Promise<{ db: Db; drop: (() => Promise<void>) | null }> {
  if (kind === 'sqlite')
    return { db: openDatabase({ kind: 'sqlite', file: ':memory:' }), drop: null };
  const created = await createTestDatabase(await postgresServerUrl());
  return { db: openDatabase({ kind: 'postgres', url: created.url, poolSize }), drop: created.drop };
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`${kind}: the count of live tickets`, () => {
    test('stays exact through every kind of write, from a migration over existing tickets on', async () => {
      // Several connections, so that concurrent creates run in separate transactions.
      const { db, drop } = await emptyDatabase(kind, 4);
      const exact = async () =>
        Number(
          (
            await db
              .selectFrom('tickets')
              .select((eb) => eb.fn.countAll().as('n'))
              .where('deleted_at', 'is', null)
              .executeTakeFirstOrThrow()
          ).n,
        );
      const check = async (step: string, expected: number) => {
        assert.equal(await exact(), expected, `${step}: tickets in the table`);
        assert.equal(await countLiveTickets(db), expected, `${step}: count`);
      };
      try {
        // Tickets written before the count existed are counted by its migration.
        const migrator = new Migrator({ db, provider: migrationProvider });
        const early = await migrator.migrateTo('0005_ticket_version');
        assert.ifError(early.error);
        const now = new Date().toISOString();
        await ensureDefaultBrand(db, now);
        // Written as rows: the desk's commands expect the latest schema (search documents).
        const agent = (await db
          .insertInto('users')
          .values({
            name: 'A',
            email: 'a@example.com',
            role: 'agent',
            created_at: now,
            updated_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow()) as User;
        const actor = { user: agent, via: via('api') };
        const create = (i: number) =>
          createTicket(db, actor, { comment: { body: `t${i}` } }, now, {
            events: new DeskEvents(),
          });
        const first = await Promise.all([0, 1, 2].map(create));
        await db
          .updateTable('tickets')
          .set({ deleted_at: now })
          .where('id', '=', first[1]!.ticket.id)
          .execute();
        await migrateToLatest(db);
        await check('migrated', 2);

        await Promise.all(Array.from({ length: 12 }, (_, i) => create(10 + i)));
        await check('concurrent creates', 14);

        await deleteTicket(db, actor, first[0]!.ticket.id, now);
        await check('soft delete', 13);
        await db
          .updateTable('tickets')
          .set({ deleted_at: null })
          .where('id', '=', first[1]!.ticket.id)
          .execute();
        await check('restored by a script', 14);
        await db
          .updateTable('tickets')
          .set({ deleted_at: now })
          .where('id', '=', first[1]!.ticket.id)
          .execute();
        await db
          .updateTable('tickets')
          .set({ deleted_at: now })
          .where('id', '=', first[1]!.ticket.id)
          .execute();
        await check('deleted twice', 13);

        // A bulk copy of every row, the deleted ones included, in one statement.
        const columns = Object.keys(
          await db.selectFrom('tickets').selectAll().executeTakeFirstOrThrow(),
        ).filter((c) => c !== 'id');
        const list = sql.join(columns.map((c) => sql.ref(c)));
        const lastOriginal = Number(
          (
            await db
              .selectFrom('tickets')
              .select((eb) => eb.fn.max('id').as('m'))
              .executeTakeFirstOrThrow()
          ).m,
        );
        await sql`insert into tickets (${list}) select ${list} from tickets`.execute(db);
        await check('bulk copy', 26);
        const copied = (deleted: boolean) =>
          db
            .selectFrom('tickets')
            .select('id')
            .where('id', '>', lastOriginal)
            .where('deleted_at', deleted ? 'is not' : 'is', null)
            .orderBy('id')
            .execute();
        const purged = [...(await copied(false)).slice(0, 3), ...(await copied(true)).slice(0, 1)];
        assert.equal(purged.length, 4);
        await db
          .deleteFrom('tickets')
          .where(
            'id',
            'in',
            purged.map((r) => r.id),
          )
          .execute();
        await check('purged', 23);

        await assert.rejects(
          db.transaction().execute(async (trx) => {
            await sql`insert into tickets (${list}) select ${list} from tickets where id = ${first[2]!.ticket.id}`.execute(
              trx,
            );
            throw new Error('roll back');
          }),
          /roll back/,
        );
        await check('rolled back', 23);
        if (kind === 'postgres') {
          // Rows written with triggers off (a bulk load) are counted only by a recount.
          await db.connection().execute(async (conn) => {
            await sql`set session_replication_role = replica`.execute(conn);
            await sql`insert into tickets (${list}) select ${list} from tickets where id = ${first[2]!.ticket.id}`.execute(
              conn,
            );
            await sql`set session_replication_role = origin`.execute(conn);
          });
          assert.equal(await countLiveTickets(db), 23);
          await recountLiveTickets(db);
          await check('recounted', 24);
        }
        if (kind === 'postgres') {
          await sql`truncate tickets cascade`.execute(db);
          await check('truncated', 0);
          await create(99);
          await check('created after truncate', 1);
        }
      } finally {
        await db.destroy();
        if (drop) await drop();
      }
    });
  });
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`${kind}: unique external ids`, () => {
    test('migration 0007 names the rows that share one and changes nothing, then applies', async () => {
      const { db, drop } = await emptyDatabase(kind, 2);
      try {
        const migrator = new Migrator({ db, provider: migrationProvider });
        assert.ifError((await migrator.migrateTo('0006_live_ticket_count')).error);
        const now = new Date().toISOString();
        const user = (name: string, external_id: string | null, active = 1) =>
          db
            .insertInto('users')
            .values({
              name,
              external_id,
              active,
              role: 'end-user',
              created_at: now,
              updated_at: now,
            })
            .returning('id')
            .executeTakeFirstOrThrow();
        const a = await user('A', 'CRM-1');
        const b = await user('B', 'crm-1');
        await user('Gone', 'crm-1', 0); // a deleted user's id does not count
        await user('C', null);
        await user('D', null);

        const refused = await migrateToLatest(db).then(
          () => null,
          (err: unknown) => err as Error,
        );
        assert.ok(refused, 'the migration refuses duplicates');
        assert.match(
          refused.message,
          new RegExp(`users share an external_id: "crm-1" \\(ids ${a.id}, ${b.id}\\)`),
        );
        const kept = await db
          .selectFrom('users')
          .select(['id', 'external_id'])
          .orderBy('id')
          .execute();
        assert.deepEqual(
          kept.map((r) => r.external_id),
          ['CRM-1', 'crm-1', 'crm-1', null, null],
        );

        await db
          .updateTable('users')
          .set({ external_id: 'crm-2' })
          .where('id', '=', b.id)
          .execute();
        await migrateToLatest(db);
        await assert.rejects(user('E', 'Crm-2'), (err: unknown) =>
          ['23505', 'SQLITE_CONSTRAINT_UNIQUE'].includes((err as { code?: string }).code ?? ''),
        );
        await user('Deleted twin', 'crm-2', 0);
        await user('F', null);
      } finally {
        await db.destroy();
        if (drop) await drop();
      }
    });
  });
}
