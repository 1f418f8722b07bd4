import { DeskEvents } from '../../src/desk/events.ts';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Migrator } from 'kysely';
import { migrateToLatest, openDatabase } from '../../src/db/index.ts';
import { migrationProvider } from '../../src/db/migrations/index.ts';
import { ensureDefaultBrand } from '../../src/desk/brands.ts';
import { createTicket } from '../../src/desk/tickets/create-ticket.ts';
import type { User } from '../../src/db/types.ts';
import { via } from '../../src/desk/via.ts';
import { postgresServerUrl } from '../helpers/harness.ts';
import { createTestDatabase } from '../helpers/postgres.ts';

/** Migration 0009 marks the tickets written before it whose first comment is internal. */
for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`${kind}: migration 0009`, () => {
    test('takes description_public from each existing ticket’s first comment', async () => {
      const created =
        kind === 'postgres' ? await createTestDatabase(await postgresServerUrl()) : null;
      const db = created
        ? openDatabase({ kind: 'postgres', url: created.url, poolSize: 2 })
        : openDatabase({ kind: 'sqlite', file: ':memory:' });
      try {
        const migrator = new Migrator({ db, provider: migrationProvider });
        assert.ifError((await migrator.migrateTo('0007_unique_external_ids')).error);
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
        const make = async (body: string) =>
          (await createTicket(db, actor, { comment: { body } }, now, { events: new DeskEvents() }))
            .ticket.id;
        const [open, note, noteThenReply] = [await make('a'), await make('b'), await make('c')];
        // As older versions left them: an internal first comment, and one answered since.
        await db
          .updateTable('comments')
          .set({ public: 0 })
          .where('ticket_id', 'in', [note, noteThenReply])
          .execute();
        await db.updateTable('tickets').set({ is_public: 0 }).where('id', '=', note).execute();
        const audit = await db
          .insertInto('audits')
          .values({
            ticket_id: noteThenReply,
            author_id: agent.id,
            via_channel: 'api',
            created_at: now,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await db
          .insertInto('comments')
          .values({
            ticket_id: noteThenReply,
            audit_id: audit.id,
            author_id: agent.id,
            public: 1,
            body: 'reply',
            html_body: '<p>reply</p>',
            plain_body: 'reply',
            via_channel: 'api',
            created_at: now,
          })
          .execute();

        await migrateToLatest(db);
        const rows = await db
          .selectFrom('tickets')
          .select(['id', 'description_public', 'recipient'])
          .orderBy('id')
          .execute();
        assert.deepEqual(rows, [
          { id: open, description_public: 1, recipient: null },
          { id: note, description_public: 0, recipient: null },
          { id: noteThenReply, description_public: 0, recipient: null },
        ]);
      } finally {
        await db.destroy();
        if (created) await created.drop();
      }
    });
  });
}
